//! The effective session head (docs/storage.md, "One-record appends"): on a backend with
//! atomic batches an append whose head change is only the counters writes its events alone
//! (format 5, each with the session's running token count), so a head is read together with
//! the newest key of its events and the two are folded: an event at `seq ≥` the stored count
//! makes the count `seq + 1`, the token count its running total and `last_event_at` its
//! creation time. What that key was also tells the next head write what to guard
//! ([`NextKey`]). Backends without atomic batches never fold: there an event at or above the
//! stored count is a torn append's.

use super::lifecycle::{Counters, NextKey, SessionRecord};
use super::sessions::CachedHead;
use super::{kv_error, layout, Memspace};
use crate::codec::event as event_codec;
use crate::error::{Error, Result};
use crate::kv::{Read, ReadResult};
use crate::model::Trigger;
use std::rc::Rc;

/// A boxed engine future.
pub(crate) type Boxed<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<T>> + 'a>>;

/// The read of a session's newest event key (a fence, an event or a tombstone).
pub(crate) fn newest_event(space_id: &str, session_id: &str) -> Read {
    Read::Scan {
        range: layout::events_between(space_id, session_id, 0, u64::MAX),
        limit: 1,
        reverse: true,
    }
}

/// The counters of the head `rec` folded with its session's newest event key `newest` (key
/// and value; `None`: the session has no event key), and what that key says of the next one.
/// Only the stored counters of `rec` ([`super::lifecycle::ReadState::stored`]) are used, so a
/// record folded before folds again from scratch.
pub(crate) fn folded(
    rec: &SessionRecord,
    newest: Option<(&[u8], &[u8])>,
) -> Result<(Counters, NextKey)> {
    let stored = rec.read.stored;
    let Some((key, value)) = newest else {
        return Ok((stored, NextKey::Absent));
    };
    let seq = super::event_delete::seq_of(key)?;
    if seq < stored.events {
        return Ok((stored, NextKey::Absent));
    }
    if value.is_empty() {
        // A fence stands at the stored count of the head that put it; elsewhere it belongs to
        // a head this read did not see (a listing reads heads and events apart): unknown.
        let next = match seq == stored.events {
            true => NextKey::Fence,
            false => NextKey::Unknown,
        };
        return Ok((stored, next));
    }
    // `parts` refuses anything but a binary event; only format 5 carries the count.
    let p = event_codec::parts(value)?;
    let Some(tokens) = p.tokens_after else {
        return Err(Error::storage(
            "an event above the count lacks its token count",
        ));
    };
    let counters = Counters {
        events: seq.saturating_add(1),
        tokens,
        last_event_at: Some(p.created_at),
    };
    Ok((counters, NextKey::Absent))
}

/// Folds `newest` (see [`folded`]) into `rec`.
pub(crate) fn fold(rec: &mut SessionRecord, newest: Option<(&[u8], &[u8])>) -> Result<()> {
    let (counters, next) = folded(rec, newest)?;
    counters.apply(&mut rec.session);
    rec.read.next = next;
    Ok(())
}

/// The first entry of a scan's answer as key and value. An answer of another shape (a
/// backend's bug) counts as no key: a writer's guard on the next event key still fails if
/// one is there.
pub(crate) fn first_entry(r: Option<&ReadResult>) -> Option<(&[u8], &[u8])> {
    match r {
        Some(ReadResult::Entries(e)) => e.first().map(|(k, v)| (k.as_slice(), v.as_slice())),
        _ => None,
    }
}

/// The head [`Memspace::load_head`] read (`res`: with `atomic` the newest event key, then the
/// head), folded.
fn loaded(res: Vec<ReadResult>, atomic: bool) -> Result<Option<(SessionRecord, Vec<u8>)>> {
    let mut res = res.into_iter();
    let newest = match atomic {
        true => res.next(),
        false => None,
    };
    let Some(ReadResult::Value(Some(bytes))) = res.next() else {
        return Ok(None);
    };
    let mut rec = super::head::decode(&bytes)?;
    if atomic {
        fold(&mut rec, first_entry(newest.as_ref()))?;
    }
    Ok(Some((rec, bytes)))
}

/// True when a listing folds the `i`-th head `rec` of a chunk whose first `skip` it skips: past
/// them, or if a strategy triggers on the counters a fold changes (event or token count, idle
/// time), as its lifecycle then needs the folded head. Time to live does not: a firing on an
/// unfolded head fails its commit (the next event key is not absent) and is retried folded.
fn picked(i: usize, skip: usize, rec: &SessionRecord) -> bool {
    i >= skip
        || (rec.session.lifecycle_strategies.iter()).any(|s| !matches!(s.trigger, Trigger::Ttl(_)))
}

/// A remembered head `head` folded again with the newest event key a read found (the same
/// head when that changes nothing: same stored bytes and counters are the same state).
pub(crate) fn refold(
    head: Rc<CachedHead>,
    newest: Option<(&[u8], &[u8])>,
) -> Result<Rc<CachedHead>> {
    let (counters, next) = folded(&head.rec, newest)?;
    if counters == Counters::of(&head.rec.session) {
        return Ok(head);
    }
    let mut rec = head.rec.clone();
    counters.apply(&mut rec.session);
    rec.read.next = next;
    Ok(Rc::new(CachedHead::new(rec)))
}

impl Memspace {
    /// Reads a session head (either stored format) and its stored bytes; on a backend with
    /// atomic batches, together with the session's newest event key in one read, folded.
    /// (Boxed: one copy of its state machine, not one inlined into every caller's.)
    pub(crate) fn load_head<'a>(
        &'a self,
        space_id: &'a str,
        session_id: &'a str,
    ) -> Boxed<'a, Option<(SessionRecord, Vec<u8>)>> {
        Box::pin(async move {
            let atomic = self.kv.capabilities().atomic_batches;
            // The newest event key first: on a backend whose reads are not one snapshot the
            // head is then at least as new as the key it is folded with.
            let reads = [
                newest_event(space_id, session_id),
                Read::Get(layout::session(space_id, session_id)),
            ];
            let from = usize::from(!atomic);
            let res = self.kv.read_many(&reads[from..]).await.map_err(kv_error)?;
            loaded(res, atomic)
        })
    }

    /// Decodes the heads of a listing's chunk and, on a backend with atomic batches, folds
    /// each with its session's newest event key: one reverse scan of one key per session, all
    /// in one read after the chunk's. The first `skip` heads are folded only if a strategy
    /// triggers on the counters ([`picked`]): a listing skips the others whatever they are.
    pub(crate) fn fold_heads<'a>(
        &'a self,
        chunk: &'a [(Vec<u8>, Vec<u8>)],
        skip: usize,
    ) -> Boxed<'a, Vec<SessionRecord>> {
        Box::pin(self.fold_chunk(chunk, skip))
    }

    async fn fold_chunk(
        &self,
        chunk: &[(Vec<u8>, Vec<u8>)],
        skip: usize,
    ) -> Result<Vec<SessionRecord>> {
        let mut recs = Vec::new();
        let mut reads = Vec::new();
        for (i, (_, bytes)) in chunk.iter().enumerate() {
            let rec = super::head::decode(bytes)?;
            if picked(i, skip, &rec) {
                reads.push(newest_event(&rec.session.memory_space_id, &rec.session.id));
            }
            recs.push(rec);
        }
        if !self.kv.capabilities().atomic_batches || reads.is_empty() {
            return Ok(recs);
        }
        let mut res = self
            .kv
            .read_many(&reads)
            .await
            .map_err(kv_error)?
            .into_iter();
        for (i, rec) in recs.iter_mut().enumerate() {
            if picked(i, skip, rec) {
                fold(rec, first_entry(res.next().as_ref()))?;
            }
        }
        Ok(recs)
    }
}
