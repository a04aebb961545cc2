//! Reading memories: get, list (filters and paging, newest first) and the exact counts.

use super::remember::gone;
use super::{limits, MemoryRecord, MEMORY, MEMORY_PREFIX};
use crate::codec::{envelope, keys::string_parts};
use crate::engine::cursor::{Cursor, Pager};
use crate::engine::{kv_error, layout, validate, Memspace};
use crate::error::{Error, Result};
use crate::ids;
use crate::kv::KeyRange;
use crate::model::{Memory, MemoryFilter, MemoryStats, MemoryStatus, Page};
use crate::time::Timestamp;

const SCAN_CHUNK: usize = 128;

/// True when `rec` passes every filter of `f` (statuses already defaulted) at `now`.
fn passes(rec: &MemoryRecord, f: &MemoryFilter, now: Timestamp) -> bool {
    let m = &rec.memory;
    f.statuses.contains(&rec.effective_status(now))
        && f.memory_type.is_none_or(|t| t == m.memory_type)
        && f.subtype.is_none_or(|s| Some(s) == m.subtype)
        && f.tags.iter().all(|t| m.tags.contains(t))
        && f.context_id
            .as_ref()
            .is_none_or(|c| m.context_id.as_ref() == Some(c))
        && f.logical_key
            .as_ref()
            .is_none_or(|k| m.logical_key.as_ref() == Some(k))
}

/// The key range a list reads: the most selective index the filter allows, else all records
/// (`None`: the values are the records themselves).
fn driving_range(space_id: &str, f: &MemoryFilter) -> Option<KeyRange> {
    let hidden = f
        .statuses
        .iter()
        .any(|s| matches!(s, MemoryStatus::Expired | MemoryStatus::Deleted));
    let attribute = f.logical_key.is_some()
        || f.context_id.is_some()
        || !f.tags.is_empty()
        || f.subtype.is_some()
        || f.memory_type.is_some();
    if hidden {
        // Expired memories may still be stored as active, and tombstones keep no attributes:
        // only "deleted alone" has an exact index.
        return (f.statuses == [MemoryStatus::Deleted] && !attribute)
            .then(|| layout::memory_index_range(space_id, "s", "deleted"));
    }
    let r = |dim: &str, v: &str| Some(layout::memory_index_range(space_id, dim, v));
    if let Some(k) = &f.logical_key {
        return r("k", k);
    }
    if let Some(c) = &f.context_id {
        return r("c", c);
    }
    if let Some(t) = f.tags.first() {
        return r("g", t);
    }
    if let Some(s) = f.subtype {
        return r("u", s.as_str());
    }
    if let Some(t) = f.memory_type {
        return r("t", t.as_str());
    }
    match f.statuses.as_slice() {
        [one] => r("s", one.as_str()),
        _ => None,
    }
}

impl Memspace {
    /// A stored memory record of a space, if any (no visibility rules applied).
    pub(crate) async fn read_memory(
        &self,
        space_id: &str,
        memory_id: &str,
    ) -> Result<Option<MemoryRecord>> {
        if !ids::is_valid(MEMORY_PREFIX, memory_id) {
            return Ok(None);
        }
        Ok(self
            .load::<MemoryRecord>(&layout::memory(space_id, memory_id))
            .await?
            .map(|(r, _)| r))
    }

    /// Gets an active or superseded memory. Forgotten, expired and hard-forgotten ones are
    /// `gone` (details: `status`, `restorable`); use `trace_memory` to see them.
    pub async fn get_memory(&self, space_id: &str, memory_id: &str) -> Result<Memory> {
        let (space, _) = self.owned_space(space_id).await?;
        self.settle_memories(&space.id).await?;
        let now = self.host.now();
        match self.read_memory(&space.id, memory_id).await? {
            Some(r) if r.is_readable(now) => Ok(r.to_public(now)),
            Some(r) => Err(gone(&r, now)),
            None => Err(Error::not_found(MEMORY, memory_id)),
        }
    }

    /// Lists memories newest first. Filters: type, subtype, tags (all must match), context,
    /// logical key, statuses (default `[active]`; `[active, superseded]` is the list with
    /// history). Offset/limit paging, limit 1–100 (default 100).
    pub async fn list_memories(
        &self,
        space_id: &str,
        mut filter: MemoryFilter,
        page: Page,
    ) -> Result<Vec<Memory>> {
        let (offset, limit) = validate::page(page)?;
        if filter.statuses.is_empty() {
            filter.statuses = vec![MemoryStatus::Active];
        }
        filter.statuses.sort();
        filter.statuses.dedup();
        filter.tags = limits::tags(&filter.tags)?;
        let (space, _) = self.owned_space(space_id).await?;
        self.settle_memories(&space.id).await?;
        let now = self.host.now();
        let mut pager = Pager::new(offset, limit);
        match driving_range(&space.id, &filter) {
            None => {
                let mut cursor = Cursor::reverse(layout::memories_of(&space.id), SCAN_CHUNK);
                loop {
                    let chunk = cursor.next(self.kv.as_ref()).await?;
                    if chunk.is_empty() {
                        return Ok(pager.into_items());
                    }
                    for (_, v) in chunk {
                        let rec: MemoryRecord = envelope::decode(&v)?;
                        if passes(&rec, &filter, now) && pager.offer(rec.to_public(now)) {
                            return Ok(pager.into_items());
                        }
                    }
                }
            }
            Some(range) => {
                let mut cursor = Cursor::reverse(range, SCAN_CHUNK);
                loop {
                    let chunk = cursor.next(self.kv.as_ref()).await?;
                    if chunk.is_empty() {
                        return Ok(pager.into_items());
                    }
                    let keys: Vec<Vec<u8>> = chunk
                        .iter()
                        .filter_map(|(k, _)| string_parts(k)?.pop())
                        .map(|id| layout::memory(&space.id, &id))
                        .collect();
                    for bytes in self.kv.get_many(&keys).await.map_err(kv_error)? {
                        let Some(bytes) = bytes else {
                            return Err(Error::storage("a memory index names a missing record"));
                        };
                        let rec: MemoryRecord = envelope::decode(&bytes)?;
                        if passes(&rec, &filter, now) && pager.offer(rec.to_public(now)) {
                            return Ok(pager.into_items());
                        }
                    }
                }
            }
        }
    }

    /// Exact counts of a space's memories by stored status, and of its associations.
    pub async fn memory_stats(&self, space_id: &str) -> Result<MemoryStats> {
        let (space, _) = self.owned_space(space_id).await?;
        Ok(self.memory_head(&space.id).await?.head.counts)
    }
}
