//! The commit protocol of store writes, and the one way readers load a store.
//!
//! A write is a list of [`Change`]s plus the new store record. On a backend with atomic
//! batches it is one batch: the changes, then the store record (guarded by an `Equals`
//! precondition on the store record read, which serialises all writers of a store).
//!
//! On a backend that applies batches key by key the same write goes through a redo journal,
//! in this order (one batch, so the order is the order keys land):
//! 1. `mtx/{space}/{store}` ← journal {id, changes} — invisible: no store record names it;
//! 2. store record with the new counters and `pending_tx = id` — **the commit point**;
//! 3. the changes themselves (entry, path index, versions);
//! 4. store record with `pending_tx = None`; 5. delete the journal.
//!
//! [`Memspace::load_store`] is the only way any operation reaches a store's keys: it rolls a
//! committed journal forward (steps 3–5, idempotent) before returning, so a reader sees the
//! whole write or — when the crash came before step 2 — none of it. An orphan journal left by
//! a crash before step 2 is never read (no store record names it) and the next write of the
//! store overwrites it.

use super::{Change, StoreRecord, STORE, STORE_PREFIX};
use crate::codec::envelope;
use crate::engine::{is_race, layout, Memspace, MAX_RETRIES};
use crate::error::{Error, Result};
use crate::ids;
use crate::kv::{Batch, Precondition};
use crate::model::Space;
use serde::{Deserialize, Serialize};

/// The journal record: the changes a committed write consists of.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StoreJournal {
    /// Matches the store record's `pending_tx`.
    pub id: String,
    /// The changes to apply.
    pub changes: Vec<Change>,
}

/// A live store as loaded: its space, record and stored bytes (for `Equals` preconditions).
#[derive(Debug, Clone)]
pub(crate) struct LoadedStore {
    /// The owning space.
    pub space: Space,
    /// The record, with no pending journal.
    pub rec: StoreRecord,
    /// The record's bytes as stored.
    pub bytes: Vec<u8>,
}

impl Memspace {
    /// Loads a live store of one of the caller's spaces, rolling a committed journal forward
    /// first: `not_found` for an unknown, foreign or deleted store.
    /// The reserved store holding core blocks is `not_found` here: only the blocks API
    /// reaches it (through [`Memspace::load_store_of`]).
    pub(crate) async fn load_store(&self, space_id: &str, store_id: &str) -> Result<LoadedStore> {
        if super::is_reserved(store_id) {
            return Err(Error::not_found(STORE, store_id));
        }
        let (space, _) = self.owned_space(space_id).await?;
        self.load_store_of(space, store_id).await
    }

    /// Loads a live store of a loaded space (reserved stores included), rolling a committed
    /// journal forward first.
    pub(crate) async fn load_store_of(&self, space: Space, store_id: &str) -> Result<LoadedStore> {
        if !ids::is_valid(STORE_PREFIX, store_id) {
            return Err(Error::not_found(STORE, store_id));
        }
        let key = layout::store(&space.id, store_id);
        for _ in 0..MAX_RETRIES {
            let Some((rec, bytes)) = self.load::<StoreRecord>(&key).await? else {
                return Err(Error::not_found(STORE, store_id));
            };
            if rec.deleted_at.is_some() {
                return Err(Error::not_found(STORE, store_id));
            }
            if rec.pending_tx.is_some() {
                match self.roll_forward_store(&rec, &bytes).await {
                    Ok(()) => continue,
                    Err(e) if is_race(&e) => continue,
                    Err(e) => return Err(e),
                }
            }
            return Ok(LoadedStore { space, rec, bytes });
        }
        Err(Error::conflict("too much contention"))
    }

    /// Completes the committed journal named by `rec` (stored as `bytes`).
    pub(crate) async fn roll_forward_store(&self, rec: &StoreRecord, bytes: &[u8]) -> Result<()> {
        let (space_id, store_id) = (&rec.store.memory_space_id, &rec.store.id);
        let journal_key = layout::store_journal(space_id, store_id);
        let journal = match self.load::<StoreJournal>(&journal_key).await? {
            Some((j, _)) if Some(&j.id) == rec.pending_tx.as_ref() => j,
            _ => {
                return Err(Error::storage(
                    "memory store record references a missing journal",
                ))
            }
        };
        let mut clean = rec.clone();
        clean.pending_tx = None;
        let mut batch = Batch::new();
        batch.require_equals(layout::store(space_id, store_id), bytes.to_vec());
        for change in &journal.changes {
            batch.ops.extend(change.ops(space_id, store_id)?);
        }
        batch.put(layout::store(space_id, store_id), envelope::encode(&clean)?);
        batch.delete(journal_key);
        self.commit(batch).await
    }

    /// Commits a store write: `changes` plus the store record going from `old` to `new`,
    /// all or nothing (atomic batch, or the redo journal on a non-atomic backend).
    pub(crate) async fn commit_store(
        &self,
        old: &LoadedStore,
        new: &StoreRecord,
        changes: Vec<Change>,
        preconditions: Vec<Precondition>,
    ) -> Result<()> {
        let (space_id, store_id) = (&new.store.memory_space_id, &new.store.id);
        let store_key = layout::store(space_id, store_id);
        let mut batch = Batch::new();
        batch.require_equals(store_key.clone(), old.bytes.clone());
        batch.preconditions.extend(preconditions);
        let mut ops = Vec::new();
        for change in &changes {
            ops.extend(change.ops(space_id, store_id)?);
        }
        if ops.is_empty() || self.kv.capabilities().atomic_batches {
            batch.ops.extend(ops);
            batch.put(store_key, envelope::encode(new)?); // commit point
            return self.commit(batch).await;
        }
        let id = ids::new_id("tx", self.host.as_ref());
        let journal_key = layout::store_journal(space_id, store_id);
        let mut pending = new.clone();
        pending.pending_tx = Some(id.clone());
        batch.put(
            journal_key.clone(),
            envelope::encode(&StoreJournal { id, changes })?,
        );
        batch.put(store_key.clone(), envelope::encode(&pending)?); // commit point
        batch.ops.extend(ops);
        batch.put(store_key, envelope::encode(new)?);
        batch.delete(journal_key);
        self.commit(batch).await
    }
}
