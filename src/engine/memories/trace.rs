//! `trace_memory`: a memory in any status with its provenance, its version history and the
//! association chain around it.

use super::traverse::Walk;
use super::{limits, MemoryRecord, MEMORY};
use crate::codec::envelope;
use crate::engine::{kv_error, layout, Memspace};
use crate::error::{Error, Result};
use crate::model::{Direction, MemoryTrace, Traversal};

impl Memspace {
    /// Traces a memory in any status (a content-free tombstone after a hard forget): its
    /// provenance, its earlier versions (newest first, at most 100) and the association chain
    /// up to `depth` hops (0–5, default 2; both directions, superseded memories included,
    /// at most 100 memories).
    pub async fn trace_memory(
        &self,
        space_id: &str,
        memory_id: &str,
        depth: Option<u32>,
    ) -> Result<MemoryTrace> {
        let depth = depth.unwrap_or(limits::DEFAULT_DEPTH);
        if depth > limits::DEPTH_MAX {
            return Err(Error::validation(
                "depth",
                format!("must be 0–{}", limits::DEPTH_MAX),
            ));
        }
        let (space, _) = self.owned_space(space_id).await?;
        self.settle_memories(&space.id).await?;
        let now = self.host.now();
        let Some(rec) = self.read_memory(&space.id, memory_id).await? else {
            return Err(Error::not_found(MEMORY, memory_id));
        };
        let range = layout::memory_versions(&space.id, memory_id);
        let rows = self
            .kv
            .scan(&range, limits::TRACE_HISTORY_MAX + 1, true)
            .await
            .map_err(kv_error)?;
        let history_truncated = rows.len() > limits::TRACE_HISTORY_MAX;
        let mut history = Vec::new();
        for (_, v) in rows.into_iter().take(limits::TRACE_HISTORY_MAX) {
            history.push(envelope::decode::<MemoryRecord>(&v)?.memory);
        }
        let associations = if depth == 0 {
            Traversal {
                start_id: memory_id.to_string(),
                paths: Vec::new(),
                nodes: Vec::new(),
                truncated: false,
            }
        } else {
            let walk = Walk {
                depth,
                direction: Direction::Both,
                min_strength: 0.0,
                relationships: Vec::new(),
                max_nodes: limits::TRACE_NODES_MAX,
                include_superseded: true,
            };
            self.walk(&space.id, &rec, &walk, now).await?
        };
        Ok(MemoryTrace {
            memory: rec.to_public(now),
            history,
            history_truncated,
            associations,
        })
    }
}
