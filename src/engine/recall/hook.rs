//! The memory write path's index hook: which records a write re-indexes or removes.
//!
//! A record is indexed while its stored status is active or superseded (superseded ones stay
//! for recall as of a past time); a soft forget, a recorded expiry and a hard forget remove
//! it; a restore indexes it again. The plan made here is kept per space until the write
//! commits, then installed in the handle's cache.

use super::write::{DocChange, IndexDoc};
use crate::engine::memories::commit::MemoryWrite;
use crate::engine::memories::MemoryRecord;
use crate::engine::Memspace;
use crate::error::Result;
use crate::kv::{Op, Precondition};
use crate::model::Space;

/// What the index needs of a record.
pub(crate) fn doc_of(r: &MemoryRecord) -> IndexDoc {
    let m = &r.memory;
    IndexDoc {
        memory_id: m.id.clone(),
        text: m.content.clone(),
        vector: None,
        kind: m.memory_type.as_str().to_string(),
        subtype: m
            .subtype
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        tags: m.tags.clone(),
        logical_key: m.logical_key.clone(),
        importance: m.importance as f32,
        created_at: m.created_at,
        valid_at: m.valid_at,
        invalid_at: m.invalid_at,
        expires_at: m.expires_at,
    }
}

/// The index change a record change implies, if any.
pub(crate) fn change_of(old: Option<&MemoryRecord>, new: &MemoryRecord) -> Option<DocChange> {
    if new.indexed() {
        Some(DocChange::Upsert(doc_of(new)))
    } else if old.is_some_and(MemoryRecord::indexed) {
        Some(DocChange::Remove(new.memory.id.clone()))
    } else {
        None
    }
}

impl Memspace {
    /// Index ops and preconditions for a memory write (see `commit_memories`).
    pub(crate) async fn recall_index_ops(
        &self,
        space: &Space,
        write: &MemoryWrite,
    ) -> Result<(Vec<Op>, Vec<Precondition>)> {
        let changes: Vec<DocChange> = write
            .records
            .iter()
            .filter_map(|c| change_of(c.old.as_ref(), &c.new))
            .collect();
        self.index.pending_plans().remove(&space.id);
        if changes.is_empty() || self.index.2.get() {
            return Ok((Vec::new(), Vec::new()));
        }
        let mut plan = self.plan_index(&space.id, changes).await?;
        let ops = std::mem::take(&mut plan.ops);
        let pre = plan.preconditions.clone();
        self.index.pending_plans().insert(space.id.clone(), plan);
        Ok((ops, pre))
    }

    /// Installs the plan of a memory write that committed.
    pub(crate) fn recall_index_committed(&self, space_id: &str) {
        let plan = self.index.pending_plans().remove(space_id);
        if let Some(plan) = plan {
            self.install_index_plan(plan);
        }
    }
}
