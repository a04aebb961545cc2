//! Redo journal for multi-event updates on backends without atomic batches.
//!
//! Order of writes (one batch, applied key by key on a non-atomic backend):
//! 1. `tx/{space}/{session}` ← the new event values (invisible: no head references it);
//! 2. head with `pending_tx = id` — the commit point: from here on the update has happened;
//! 3. the event values themselves;
//! 4. head with `pending_tx = None`; 5. delete the journal.
//!
//! A reader that finds `pending_tx` set rolls the journal forward (steps 3–5) before reading,
//! so it sees all of the update or, before step 2, none of it.

use super::lifecycle::SessionRecord;
use super::{layout, Memspace};
use crate::codec::envelope;
use crate::error::{Error, Result};
use crate::kv::Batch;
use serde::{Deserialize, Serialize};

/// The journal record: the puts that the committed update consists of.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Journal {
    /// Matches the head's `pending_tx`.
    pub id: String,
    /// (key, value) pairs to apply.
    pub puts: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Memspace {
    /// Builds the journaled batch that applies `puts` under the head `rec` (stored as `bytes`).
    pub(crate) fn journaled_batch(
        &self,
        rec: &SessionRecord,
        bytes: &[u8],
        puts: Vec<(Vec<u8>, Vec<u8>)>,
    ) -> Result<Batch> {
        let s = &rec.session;
        let journal_key = layout::journal(&s.memory_space_id, &s.id);
        let head_key = layout::session(&s.memory_space_id, &s.id);
        let id = self.next_id("tx");
        let mut pending = rec.clone();
        pending.pending_tx = Some(id.clone());
        let mut batch = Batch::new();
        batch.require_equals(head_key.clone(), bytes.to_vec());
        batch.put(
            journal_key.clone(),
            envelope::encode(&Journal {
                id,
                puts: puts.clone(),
            })?,
        );
        batch.put(head_key.clone(), super::head::encode(&pending)?); // commit point
        for (k, v) in puts {
            batch.put(k, v);
        }
        batch.put(head_key, super::head::encode(rec)?);
        batch.delete(journal_key);
        Ok(batch)
    }

    /// Completes a committed journal found on head `rec` (stored as `bytes`).
    pub(crate) async fn roll_forward(&self, rec: &SessionRecord, bytes: &[u8]) -> Result<()> {
        let s = &rec.session;
        let journal_key = layout::journal(&s.memory_space_id, &s.id);
        let head_key = layout::session(&s.memory_space_id, &s.id);
        let journal = match self.load::<Journal>(&journal_key).await? {
            Some((j, _)) if Some(&j.id) == rec.pending_tx.as_ref() => j,
            _ => return Err(Error::storage("session head references a missing journal")),
        };
        let mut clean = rec.clone();
        clean.pending_tx = None;
        let mut batch = Batch::new();
        batch.require_equals(head_key.clone(), bytes.to_vec());
        for (k, v) in journal.puts {
            batch.put(k, v);
        }
        batch.put(head_key, super::head::encode(&clean)?);
        batch.delete(journal_key);
        self.commit(batch).await
    }
}
