//! The one write path of memories and associations, and the one way to load a space's head.
//!
//! Every mutation (remember, update, decay, forget soft and hard, restore, supersession,
//! expiry, batch, links) is a [`MemoryWrite`]: memory records before and after, association
//! edges before and after, version snapshots to add and keys to erase.
//! [`Memspace::commit_memories`] turns it into one batch: the keys each record implies
//! (`MemoryRecord::derived_keys`) are diffed between old and new, the head's counts are
//! adjusted, and the head — guarded by `Equals` on the bytes read — is written last.
//!
//! On a backend that applies batches key by key the same keys go through a redo journal
//! (`mj/{space}`), in this order: 1. the journal {id, raw ops}; 2. the head with the new counts
//! and `pending_tx = id` (**the commit point**); 3. the ops; 4. the head without `pending_tx`;
//! 5. delete the journal. [`Memspace::memory_head`] rolls a committed journal forward before any
//! reader or writer looks further, so a write is seen whole or — cut before step 2 — not at all.

use super::{MemoryHead, MemoryRecord};
use crate::codec::envelope;
use crate::engine::{is_race, layout, Memspace, MAX_RETRIES};
use crate::error::{Error, Result};
use crate::ids;
use crate::kv::{Batch, Op, Precondition};
use crate::model::{Association, Space};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A head as loaded: the record (default when absent) and its stored bytes.
#[derive(Debug, Clone)]
pub(crate) struct LoadedHead {
    /// The head, with no pending journal.
    pub head: MemoryHead,
    /// Its bytes as stored; `None` when the space has no head yet.
    pub bytes: Option<Vec<u8>>,
}

/// One memory changing: the stored record before (`None` for a new memory) and after.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RecordChange {
    /// Before (full record, content included, also for a hard forget).
    pub old: Option<MemoryRecord>,
    /// After (a content-free tombstone for a hard forget).
    pub new: MemoryRecord,
}

/// One association changing: before and after (`None` = absent).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LinkChange {
    /// Before.
    pub old: Option<Association>,
    /// After.
    pub new: Option<Association>,
}

/// Everything one memory write changes.
#[derive(Debug, Clone, Default)]
pub(crate) struct MemoryWrite {
    /// Memory records, at most one change per memory.
    pub records: Vec<RecordChange>,
    /// Associations, at most one change per association.
    pub links: Vec<LinkChange>,
    /// Version snapshots to add (the record as it was before a change).
    pub snapshots: Vec<MemoryRecord>,
    /// Keys to erase (version snapshots of a hard-forgotten memory).
    pub erase: Vec<Vec<u8>>,
    /// Raw ops of another record that must commit with these memories (e.g. an extraction
    /// job's progress): written before the head, inside the journal on non-atomic backends.
    pub extra_ops: Vec<Op>,
    /// Preconditions checked with the head's.
    pub extra_preconditions: Vec<Precondition>,
}

impl MemoryWrite {
    /// True when nothing changes.
    pub(crate) fn is_empty(&self) -> bool {
        self.records.is_empty()
            && self.links.is_empty()
            && self.snapshots.is_empty()
            && self.erase.is_empty()
            && self.extra_ops.is_empty()
    }
}

/// One raw key operation in a journal (bytes as base64 in JSON).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct JournalOp {
    #[serde(with = "crate::codec::base64::bytes")]
    k: Vec<u8>,
    /// The value to put; `None` deletes the key.
    #[serde(with = "crate::codec::base64::opt_bytes")]
    v: Option<Vec<u8>>,
}

/// The journal record: the raw ops a committed write consists of.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct MemoryJournal {
    /// Matches the head's `pending_tx`.
    id: String,
    /// Ops to apply, in order.
    ops: Vec<JournalOp>,
}

fn to_ops(map: BTreeMap<Vec<u8>, Option<Vec<u8>>>) -> Vec<Op> {
    map.into_iter()
        .map(|(k, v)| match v {
            Some(v) => Op::Put(k, v),
            None => Op::Delete(k),
        })
        .collect()
}

/// The keys of an association (by id, out-edge, in-edge), all holding the association.
fn link_keys(a: &Association) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let v = envelope::encode(a)?;
    let sp = &a.memory_space_id;
    Ok(vec![
        (layout::association(sp, &a.id), v.clone()),
        (
            layout::association_out(sp, &a.source_id, &a.target_id, &a.relationship),
            v.clone(),
        ),
        (
            layout::association_in(sp, &a.target_id, &a.source_id, &a.relationship),
            v,
        ),
    ])
}

/// Adds the diff of two key sets to `deletes` / `puts`.
fn diff_keys(
    old: Vec<(Vec<u8>, Vec<u8>)>,
    new: Vec<(Vec<u8>, Vec<u8>)>,
    deletes: &mut BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    puts: &mut BTreeMap<Vec<u8>, Option<Vec<u8>>>,
) {
    let old: BTreeMap<Vec<u8>, Vec<u8>> = old.into_iter().collect();
    let new: BTreeMap<Vec<u8>, Vec<u8>> = new.into_iter().collect();
    for k in old.keys() {
        if !new.contains_key(k) {
            deletes.insert(k.clone(), None);
        }
    }
    for (k, v) in new {
        if old.get(&k) != Some(&v) {
            puts.insert(k, Some(v));
        }
    }
}

impl Memspace {
    /// Loads the memory head of `space_id` (no ownership check: callers load the space
    /// first), rolling a committed journal forward first.
    pub(crate) async fn memory_head(&self, space_id: &str) -> Result<LoadedHead> {
        let key = layout::memory_head(space_id);
        for _ in 0..MAX_RETRIES {
            let Some((head, bytes)) = self.load::<MemoryHead>(&key).await? else {
                return Ok(LoadedHead {
                    head: MemoryHead::default(),
                    bytes: None,
                });
            };
            if head.pending_tx.is_some() {
                match self.roll_forward_memories(space_id, &head, &bytes).await {
                    Ok(()) => continue,
                    Err(e) if is_race(&e) => continue,
                    Err(e) => return Err(e),
                }
            }
            return Ok(LoadedHead {
                head,
                bytes: Some(bytes),
            });
        }
        Err(Error::conflict("too much contention"))
    }

    /// Rolls forward reads only when a journal can exist (non-atomic backends).
    pub(crate) async fn settle_memories(&self, space_id: &str) -> Result<()> {
        if !self.kv.capabilities().atomic_batches {
            self.memory_head(space_id).await?;
        }
        Ok(())
    }

    /// Completes the committed journal named by `head` (stored as `bytes`).
    async fn roll_forward_memories(
        &self,
        space_id: &str,
        head: &MemoryHead,
        bytes: &[u8],
    ) -> Result<()> {
        let journal_key = layout::memory_journal(space_id);
        let journal = match self.load::<MemoryJournal>(&journal_key).await? {
            Some((j, _)) if Some(&j.id) == head.pending_tx.as_ref() => j,
            _ => return Err(Error::storage("memory head references a missing journal")),
        };
        let mut clean = head.clone();
        clean.pending_tx = None;
        let head_key = layout::memory_head(space_id);
        let mut batch = Batch::new();
        batch.require_equals(head_key.clone(), bytes.to_vec());
        for op in journal.ops {
            match op.v {
                Some(v) => batch.put(op.k, v),
                None => batch.delete(op.k),
            };
        }
        batch.put(head_key, envelope::encode(&clean)?);
        batch.delete(journal_key);
        self.commit(batch).await
    }

    /// **The write path**: commits `write` on the space whose head was loaded as `head`, all
    /// or nothing (atomic batch, or the redo journal on a non-atomic backend).
    pub(crate) async fn commit_memories(
        &self,
        space: &Space,
        head: &LoadedHead,
        write: MemoryWrite,
    ) -> Result<()> {
        if write.is_empty() {
            return Ok(());
        }
        let sp = space.id.as_str();
        let mut new_head = head.head.clone();
        new_head.seq = new_head.seq.saturating_add(1);
        new_head.pending_tx = None;
        let (mut deletes, mut puts) = (BTreeMap::new(), BTreeMap::new());
        for c in &write.records {
            let old_keys = match &c.old {
                Some(o) => o.derived_keys()?,
                None => Vec::new(),
            };
            diff_keys(old_keys, c.new.derived_keys()?, &mut deletes, &mut puts);
            puts.insert(
                layout::memory(sp, &c.new.memory.id),
                Some(envelope::encode(&c.new)?),
            );
            if let Some(o) = &c.old {
                let n = new_head.count_mut(o.memory.status);
                *n = n.saturating_sub(1);
            }
            let n = new_head.count_mut(c.new.memory.status);
            *n = n.saturating_add(1);
        }
        for s in &write.snapshots {
            puts.insert(
                layout::memory_version(sp, &s.memory.id, s.memory.version),
                Some(envelope::encode(s)?),
            );
        }
        for k in &write.erase {
            deletes.insert(k.clone(), None);
        }
        let assoc = &mut new_head.counts.associations;
        for l in &write.links {
            let old_keys = l
                .old
                .as_ref()
                .map(link_keys)
                .transpose()?
                .unwrap_or_default();
            let new_keys = l
                .new
                .as_ref()
                .map(link_keys)
                .transpose()?
                .unwrap_or_default();
            diff_keys(old_keys, new_keys, &mut deletes, &mut puts);
            match (&l.old, &l.new) {
                (None, Some(_)) => *assoc = assoc.saturating_add(1),
                (Some(_), None) => *assoc = assoc.saturating_sub(1),
                _ => {}
            }
        }
        // A key one change deletes and another puts (a logical key passing from the old holder
        // to the new one) is put.
        deletes.extend(puts);
        let mut ops = to_ops(deletes);
        let (index_ops, index_pre) = self.index_ops(space, &write).await?;
        ops.extend(index_ops);
        ops.extend(write.extra_ops.iter().cloned());

        let head_key = layout::memory_head(sp);
        let mut batch = Batch::new();
        match &head.bytes {
            Some(b) => batch.require_equals(head_key.clone(), b.clone()),
            None => batch.require_absent(head_key.clone()),
        };
        batch.preconditions.extend(index_pre);
        batch
            .preconditions
            .extend(write.extra_preconditions.iter().cloned());
        if self.kv.capabilities().atomic_batches {
            batch.ops = ops;
            batch.put(head_key, envelope::encode(&new_head)?); // commit point
        } else {
            let id = ids::new_id("tx", self.host.as_ref());
            let journal_key = layout::memory_journal(sp);
            let journal = MemoryJournal {
                id: id.clone(),
                ops: ops
                    .iter()
                    .map(|op| match op {
                        Op::Put(k, v) => JournalOp {
                            k: k.clone(),
                            v: Some(v.clone()),
                        },
                        Op::Delete(k) => JournalOp {
                            k: k.clone(),
                            v: None,
                        },
                    })
                    .collect(),
            };
            let mut pending = new_head.clone();
            pending.pending_tx = Some(id);
            batch.put(journal_key.clone(), envelope::encode(&journal)?);
            batch.put(head_key.clone(), envelope::encode(&pending)?); // commit point
            batch.ops.extend(ops);
            batch.put(head_key, envelope::encode(&new_head)?);
            batch.delete(journal_key);
        }
        self.commit(batch).await?;
        self.index_committed(space, &write);
        Ok(())
    }

    /// Recall-index writes for `write`: ops that land before the commit point (inside the
    /// journal on non-atomic backends) and preconditions checked with the head's. The recall
    /// index hooks in here; until then there is nothing to add.
    async fn index_ops(
        &self,
        space: &Space,
        write: &MemoryWrite,
    ) -> Result<(Vec<Op>, Vec<Precondition>)> {
        self.recall_index_ops(space, write).await
    }

    /// Called once `write` has committed (the recall index keeps its caches in step here).
    fn index_committed(&self, space: &Space, _write: &MemoryWrite) {
        self.recall_index_committed(&space.id);
    }
}
