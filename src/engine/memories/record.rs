//! The stored memory record, the memory head, the visibility rules and the index keys a
//! record implies.

use crate::codec::envelope;
use crate::engine::layout;
use crate::error::Result;
use crate::model::{Memory, MemoryStats, MemoryStatus};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// The stored memory: the public record (with its *stored* status) plus bookkeeping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MemoryRecord {
    /// The public record. `status` is the stored status: an expiry that has passed but is not
    /// recorded yet is applied by [`MemoryRecord::effective_status`].
    #[serde(flatten)]
    pub memory: Memory,
    /// The idempotency key it was remembered with (erased by hard forget).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// The status a soft forget left (what `restore` returns it to).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_before_forget: Option<MemoryStatus>,
    /// A hard-forgotten tombstone whose versions or edges are not all erased yet.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub purge_pending: bool,
}

impl MemoryRecord {
    /// The status as of `now`: an active or superseded memory past its `expires_at` is expired.
    pub(crate) fn effective_status(&self, now: Timestamp) -> MemoryStatus {
        let m = &self.memory;
        match m.status {
            MemoryStatus::Active | MemoryStatus::Superseded
                if m.expires_at.is_some_and(|e| e <= now) =>
            {
                MemoryStatus::Expired
            }
            s => s,
        }
    }

    /// The record as callers see it at `now`.
    pub(crate) fn to_public(&self, now: Timestamp) -> Memory {
        let mut m = self.memory.clone();
        m.status = self.effective_status(now);
        m
    }

    /// True when `get`, updates, decay and links may use it at `now` (active or superseded).
    pub(crate) fn is_readable(&self, now: Timestamp) -> bool {
        self.effective_status(now).is_readable()
    }

    /// True when edges touching it are visible at `now` (readable; superseded only when
    /// `include_superseded`).
    pub(crate) fn shows_edges(&self, now: Timestamp, include_superseded: bool) -> bool {
        match self.effective_status(now) {
            MemoryStatus::Active => true,
            MemoryStatus::Superseded => include_superseded,
            _ => false,
        }
    }

    /// **The visibility rule of recall**: true when recall at `now`, as of time `as_of` (`now`
    /// unless the caller asks for a past time), may return this memory. Forgotten, deleted and
    /// expired memories never are; a superseded one only as of a time inside its validity.
    #[allow(dead_code)] // the recall index (next issue) filters with it
    pub(crate) fn recallable(&self, now: Timestamp, as_of: Timestamp) -> bool {
        let m = &self.memory;
        matches!(
            self.effective_status(now),
            MemoryStatus::Active | MemoryStatus::Superseded
        ) && m.valid_at_time(as_of)
    }

    /// True when the recall index holds this record: stored status active or superseded.
    pub(crate) fn indexed(&self) -> bool {
        matches!(
            self.memory.status,
            MemoryStatus::Active | MemoryStatus::Superseded
        )
    }

    /// Every index key (with its value) this record implies, besides its own `mr` key. A
    /// write puts the keys of the new record that the old one lacked and deletes the old
    /// record's keys that the new one lacks, so indexes are a function of the records.
    pub(crate) fn derived_keys(&self) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let m = &self.memory;
        let (sp, id) = (m.memory_space_id.as_str(), m.id.as_str());
        let mut out = vec![(
            layout::memory_index(sp, "s", m.status.as_str(), id),
            Vec::new(),
        )];
        if m.status == MemoryStatus::Deleted {
            return Ok(out); // a tombstone is listed by status only
        }
        out.push((
            layout::memory_index(sp, "t", m.memory_type.as_str(), id),
            Vec::new(),
        ));
        if let Some(s) = m.subtype {
            out.push((layout::memory_index(sp, "u", s.as_str(), id), Vec::new()));
        }
        for tag in &m.tags {
            out.push((layout::memory_index(sp, "g", tag, id), Vec::new()));
        }
        if let Some(c) = &m.context_id {
            out.push((layout::memory_index(sp, "c", c, id), Vec::new()));
        }
        if let Some(k) = &m.logical_key {
            out.push((layout::memory_index(sp, "k", k, id), Vec::new()));
            if m.status == MemoryStatus::Active {
                out.push((layout::logical_key(sp, k), envelope::encode(&m.id)?));
            }
        }
        if m.status == MemoryStatus::Active {
            let ctx = m.context_id.as_deref().unwrap_or("");
            out.push((
                layout::content_hash(sp, ctx, &m.content_hash, id),
                Vec::new(),
            ));
        }
        if let Some(k) = &self.idempotency_key {
            out.push((layout::idempotency_key(sp, k), envelope::encode(&m.id)?));
        }
        if let (Some(at), true) = (m.expires_at, self.indexed()) {
            out.push((layout::memory_expiry(at, sp, id), Vec::new()));
        }
        Ok(out)
    }
}

/// The memory head of a space: commit point of every memory and association write.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MemoryHead {
    /// Exact counts, committed with every change.
    pub counts: MemoryStats,
    /// Incremented by every write, so that the head's bytes change with every write and an
    /// `Equals(head)` precondition serialises all writers of the space.
    pub seq: u64,
    /// Id of a committed redo journal not yet rolled forward (non-atomic backends only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_tx: Option<String>,
}

impl MemoryHead {
    /// The counter of a stored status.
    pub(crate) fn count_mut(&mut self, s: MemoryStatus) -> &mut u64 {
        let c = &mut self.counts;
        match s {
            MemoryStatus::Active => &mut c.active,
            MemoryStatus::Superseded => &mut c.superseded,
            MemoryStatus::Forgotten => &mut c.forgotten,
            MemoryStatus::Expired => &mut c.expired,
            MemoryStatus::Deleted => &mut c.deleted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MemoryChange, MemoryType, Provenance};

    fn rec(status: MemoryStatus) -> MemoryRecord {
        MemoryRecord {
            memory: Memory {
                id: "mry_0".into(),
                memory_space_id: "spc_0".into(),
                content: "x".into(),
                memory_type: MemoryType::Semantic,
                subtype: None,
                importance: 0.5,
                tags: vec![],
                metadata: Default::default(),
                context_id: None,
                logical_key: None,
                provenance: Provenance::default(),
                content_hash: String::new(),
                status,
                version: 1,
                last_change: MemoryChange::Created,
                created_at: Timestamp(0),
                updated_at: Timestamp(0),
                valid_at: Timestamp(10),
                invalid_at: None,
                expires_at: None,
                superseded_by: None,
                forgotten_at: None,
            },
            idempotency_key: None,
            status_before_forget: None,
            purge_pending: false,
        }
    }

    #[test]
    fn recall_visibility_follows_status_validity_and_expiry() {
        let t = Timestamp;
        let active = rec(MemoryStatus::Active);
        assert!(active.recallable(t(20), t(20)));
        assert!(!active.recallable(t(20), t(5)), "not yet valid as of t=5");
        let mut closed = rec(MemoryStatus::Superseded);
        closed.memory.invalid_at = Some(t(15));
        assert!(
            !closed.recallable(t(20), t(20)),
            "superseded: not valid now"
        );
        assert!(
            closed.recallable(t(20), t(12)),
            "valid as of a time inside its validity"
        );
        for s in [
            MemoryStatus::Forgotten,
            MemoryStatus::Expired,
            MemoryStatus::Deleted,
        ] {
            assert!(!rec(s).recallable(t(20), t(20)), "{s:?}");
        }
        let mut expiring = rec(MemoryStatus::Active);
        expiring.memory.expires_at = Some(t(30));
        assert!(expiring.recallable(t(29), t(29)));
        assert!(
            !expiring.recallable(t(30), t(30)),
            "hidden from its expires_at on"
        );
        assert!(
            !expiring.recallable(t(30), t(20)),
            "expired memories are hidden as of any time"
        );
        assert_eq!(expiring.effective_status(t(30)), MemoryStatus::Expired);
        assert!(expiring.indexed(), "indexed until the expiry is recorded");
    }
}
