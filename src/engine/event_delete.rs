//! Per-event delete: a deleted event leaves a tombstone under its `ev/…` key, so sequence ids
//! stay dense and stable (later events keep theirs) and every id below `event_count` still has
//! a value. Readers skip tombstones; a deleted id answers `gone`.
//!
//! One delete writes (see docs/storage.md, "Deleting an event"): the tombstone, the
//! `evd/…` mark of the deleted id, the head with `deleted_events + 1` and the event's tokens
//! taken off `token_count` (the commit point), then the event's `evt/…` index key is deleted.
//! Atomic backends apply it as one batch; others go through the session's redo journal, so a
//! reader sees the event or its tombstone with the counters that go with it, never a mix.

use super::lifecycle::SessionRecord;
use super::sessions::retry;
use super::{is_race, kv_error, layout, Memspace, MAX_RETRIES};
use crate::codec::{envelope, event};
use crate::error::{Error, Result};
use crate::kv::Batch;
use crate::model::{Event, Space};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// What a deleted event's key holds instead of the event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Tombstone {
    /// The deleted event's sequence id (first field: it makes the payload's prefix).
    deleted_event: u64,
    /// When it was deleted.
    deleted_at: Timestamp,
}

/// Every tombstone payload starts with these bytes; an event payload never does (its first
/// field is `sessionId`).
const TOMBSTONE_PREFIX: &[u8] = b"{\"deletedEvent\":";

/// A stored `ev/…` value: the event, or the tombstone of the deleted event `seq`.
pub(crate) enum StoredEvent {
    /// A live event.
    Live(Event),
    /// The tombstone of a deleted event with this sequence id.
    Deleted(u64),
}

/// True when an event key's JSON payload is a tombstone.
fn is_tombstone(payload: &[u8]) -> bool {
    payload.starts_with(TOMBSTONE_PREFIX)
}

/// Decodes the `ev/…` value of sequence id `seq` in session `session_id` (checksum checked)
/// into an event or a tombstone: a binary event (format 3) or a JSON record (format 2).
pub(crate) fn decode_stored(session_id: &str, seq: u64, bytes: &[u8]) -> Result<StoredEvent> {
    if event::is_binary(bytes) {
        return event::decode(session_id, seq, bytes).map(StoredEvent::Live);
    }
    let payload = envelope::payload(bytes)?;
    if is_tombstone(payload) {
        let t: Tombstone = serde_json::from_slice(payload).map_err(Error::decode_failed)?;
        return Ok(StoredEvent::Deleted(t.deleted_event));
    }
    serde_json::from_slice(payload)
        .map(StoredEvent::Live)
        .map_err(Error::decode_failed)
}

/// Decodes an `ev/…` value; `None` for a tombstone.
pub(crate) fn decode_live(session_id: &str, seq: u64, bytes: &[u8]) -> Result<Option<Event>> {
    Ok(match decode_stored(session_id, seq, bytes)? {
        StoredEvent::Live(e) => Some(e),
        StoredEvent::Deleted(_) => None,
    })
}

/// The sequence id an `ev/…` key names.
pub(crate) fn seq_of(key: &[u8]) -> Result<u64> {
    crate::codec::keys::last_u64(key).ok_or_else(|| Error::storage("malformed event key"))
}

/// The public JSON record of the `ev/…` value of `seq` in `session_id` (checksum checked);
/// `None` for a tombstone. A JSON record (format 2) is returned as stored.
pub(crate) fn event_json(session_id: &str, seq: u64, bytes: &[u8]) -> Result<Option<Vec<u8>>> {
    if event::is_binary(bytes) {
        let p = event::parts(bytes)?;
        // Room for the whole record, so it is written without growing (unless a string needs
        // escaping): 187 bytes of names, punctuation, two times and a sequence id, at most 4
        // more for nulls, and the strings.
        let strings = session_id.len()
            + p.event_type.map_or(0, str::len)
            + p.emitter_kind.len()
            + p.emitter_id.map_or(0, str::len);
        let mut out = Vec::with_capacity(p.body_len_hint() + 191 + strings);
        event::write_json(&mut out, session_id, seq, &p)?;
        return Ok(Some(out));
    }
    let payload = envelope::payload(bytes)?;
    Ok((!is_tombstone(payload)).then(|| payload.to_vec()))
}

/// The `gone` error of a deleted event.
pub(crate) fn event_gone(seq: u64) -> Error {
    Error::gone("event", &seq.to_string()).with("sequence_id", seq)
}

/// The `not_found` error of a sequence id never posted.
pub(crate) fn event_not_found(seq: u64) -> Error {
    Error::not_found("event", &seq.to_string()).with("sequence_id", seq)
}

impl Memspace {
    /// Deletes one event by sequence id. Later events keep their ids; listings skip it; the
    /// session's token count loses its tokens and `eventCount` triggers count one event less.
    /// A deleted id is `gone` to later updates and deletes; an id never posted is `not_found`.
    pub async fn delete_event(
        &self,
        space_id: &str,
        session_id: &str,
        sequence_id: u64,
    ) -> Result<()> {
        let _write = self.write_lock.acquire().await;
        let (space, _) = self.owned_space(space_id).await?;
        retry!(self.try_delete_event(&space, session_id, sequence_id).await)
    }

    async fn try_delete_event(&self, space: &Space, session_id: &str, seq: u64) -> Result<()> {
        let (rec, bytes) = self.touch(space, session_id).await?;
        if seq >= rec.session.event_count {
            return Err(event_not_found(seq));
        }
        let sid = rec.session.id.clone();
        let key = layout::event(&space.id, &sid, seq);
        let Some(old) = self.kv.get(&key).await.map_err(kv_error)? else {
            return Err(Error::storage(format!("committed event {seq} is missing")));
        };
        let ev = match decode_stored(&sid, seq, &old)? {
            StoredEvent::Live(e) => e,
            StoredEvent::Deleted(_) => return Err(event_gone(seq)),
        };
        let mut new: SessionRecord = rec.clone();
        new.deleted_events = new.deleted_events.saturating_add(1);
        new.session.token_count = new
            .session
            .token_count
            .saturating_sub(self.count_tokens(&ev.body));
        let tombstone = envelope::encode(&Tombstone {
            deleted_event: seq,
            deleted_at: self.host.now(),
        })?;
        let puts = vec![
            (key.clone(), tombstone),
            (layout::event_deleted(&space.id, &sid, seq), Vec::new()),
        ];
        let mut batch = if self.kv.capabilities().atomic_batches {
            let mut b = Batch::new();
            for (k, v) in puts {
                b.put(k, v);
            }
            self.session_batch(b, Some((&rec, &bytes)), &mut new, &[])?
        } else {
            // Journal, then the head naming it (the commit point), then the keys: a reader
            // that finds the head's pending journal applies it before reading.
            self.journaled_batch(&new, &bytes, puts)?
        };
        batch.require_equals(key, old);
        // After the commit point: an index key naming a tombstone is skipped by readers.
        if let (true, Some(t)) = (rec.type_index, &ev.event_type) {
            batch.delete(layout::event_type(&space.id, &sid, t, seq));
        }
        self.commit(batch).await
    }

    /// The sequence id of the live event at position `offset` (0-based, in sequence order)
    /// of a session with `deleted` deleted events below `count`: `offset` plus the deleted
    /// ids at or before it, read from the `evd/…` marks (as many as lie before the answer).
    pub(crate) async fn live_position(
        &self,
        (space_id, session_id): (&str, &str),
        offset: u64,
        deleted: u64,
        count: u64,
    ) -> Result<u64> {
        let mut seq = offset;
        if deleted == 0 {
            return Ok(seq);
        }
        let range = layout::events_deleted_between(space_id, session_id, 0, count);
        let mut marks = super::cursor::Cursor::new(range, 128);
        loop {
            let chunk = marks.next(self.kv.as_ref()).await?;
            if chunk.is_empty() {
                return Ok(seq);
            }
            for (k, _) in &chunk {
                let Some(d) = crate::codec::keys::last_u64(k) else {
                    return Err(Error::storage("malformed deleted-event mark"));
                };
                if d > seq {
                    return Ok(seq);
                }
                seq = seq.saturating_add(1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Emitter;
    use serde_json::json;

    #[test]
    fn an_event_record_is_rendered_into_room_reserved_for_all_of_it() {
        // Long enough to be stored compressed (less than 8x: see `Parts::body_len_hint`).
        let words: String = (0..300).map(|i| format!("w{} ", i * 7919 % 1000)).collect();
        let long = json!({ "content": words });
        for (seq, event_type, id, body) in [
            (7, Some("message"), Some("u1"), json!({"content": "hi"})),
            (u64::MAX - 1, None, None, json!(null)),
            (41, Some(""), Some("agent-7"), long),
        ] {
            let e = Event {
                session_id: "ses_0123456789abcdefghijklmn".into(),
                sequence_id: seq,
                event_type: event_type.map(str::to_string),
                body,
                emitter: Emitter {
                    kind: "agent".into(),
                    id: id.map(str::to_string),
                },
                created_at: Timestamp(1_764_590_000_123_456),
                updated_at: Timestamp(1_764_590_000_999_999),
            };
            let bytes = event::encode(&e, None).unwrap();
            let text = event_json(&e.session_id, seq, &bytes).unwrap().unwrap();
            assert_eq!(text, serde_json::to_vec(&e).unwrap());
            // Grown, the vector would have twice the room it was given.
            assert!(
                text.capacity() <= text.len() + 24,
                "{} of {}",
                text.len(),
                text.capacity()
            );
        }
    }
}
