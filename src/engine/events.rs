//! Events: post (one or a batch, all-or-nothing), list (offset+limit or last_n), update by
//! sequence id (one or a batch, atomic) with an optional unmodified-since precondition.
//!
//! Appending writes the new event keys, then the session head with the new `event_count`
//! (the commit point). Readers only read sequence ids below `event_count`, so an append costs
//! the same at 10 or 1,000,000 events and a torn append is invisible.

use super::event_delete::{
    decode_live, decode_stored, event_gone, event_json, event_not_found, seq_of, StoredEvent,
};
use super::lifecycle::{fire_due, schedule, Counters, NextKey, SessionRecord};
use super::sessions::{retry, CachedHead};
use super::{is_race, kv_error, layout, validate, Memspace, MAX_RETRIES};
use crate::codec::event as event_codec;
use crate::codec::keys::last_u64;
use crate::error::{Error, Result};
use crate::kv::{Batch, Held, KeyRange, Read, ReadResult};
use crate::model::{Event, EventQuery, EventUpdate, NewEvent, Space};
use crate::time::Timestamp;
use crate::tokens::estimate_tokens;
use serde_json::Value;
use std::cell::RefCell;
use std::rc::Rc;

/// An event's public JSON record, as a listing writes it.
pub(crate) struct EventText(Vec<u8>);

impl EventText {
    /// The JSON of the event stored as `bytes` (`None`: a tombstone).
    fn render(session_id: &str, seq: u64, bytes: &[u8]) -> Result<Option<Rc<Self>>> {
        Ok(event_json(session_id, seq, bytes)?.map(|t| Rc::new(EventText(t))))
    }
}

const SCAN_CHUNK: usize = 128;

// A batch's stretch of pages spans at most `RUN_SPAN` pages past its first (readers rely on it).
const _: () = assert!(
    (validate::MAX_BATCH as u64 + layout::TYPE_PAGE - 2) / layout::TYPE_PAGE <= layout::RUN_SPAN
);

/// Keeps the event stored as `bytes` under `key` in `out` if it is live, has type `t` and is
/// past the `skip` first such events; true once `out` holds `take` events.
fn keep_typed(
    (session_id, key, bytes): (&str, &[u8], &[u8]),
    t: &str,
    skip: &mut u64,
    out: &mut Vec<Event>,
    take: u64,
) -> Result<bool> {
    let Some(e) = decode_live(session_id, seq_of(key)?, bytes)? else {
        return Ok(false);
    };
    if e.event_type.as_deref() != Some(t) {
        return Ok(false);
    }
    if *skip > 0 {
        *skip -= 1;
        return Ok(false);
    }
    out.push(e);
    Ok(out.len() as u64 >= take)
}

/// A validated batch to append: the events, each body's JSON text, their tokens.
struct Appended<'a> {
    events: &'a [NewEvent],
    bodies: &'a [Vec<u8>],
    tokens: u64,
    /// Run on each commit attempt while it is in flight (see [`Prepare`]).
    prepare: RefCell<Prepare<'a>>,
}

/// Work on an append's answer (first sequence id, time, bodies as stored) that needs no
/// storage: run while the commit flushes. Its result is the caller's to keep or drop.
type Prepare<'a> = &'a mut dyn FnMut(u64, Timestamp, &[Vec<u8>]) -> Result<()>;

/// The JSON text of stored events: one record when `one`, else the array of them.
fn answer_json(
    session_id: &str,
    events: &[NewEvent],
    bodies: &[Vec<u8>],
    first: u64,
    now: Timestamp,
    one: bool,
) -> Result<String> {
    let len = bodies.iter().map(|b| b.len() + 160).sum::<usize>() + 2;
    let mut out = Vec::with_capacity(len);
    let shared = event_codec::Appended::new(session_id, now)?;
    if !one {
        out.push(b'[');
    }
    for ((e, body), seq) in events.iter().zip(bodies).zip(first..) {
        if seq > first {
            out.push(b',');
        }
        let parts = event_codec::Parts {
            created_at: now,
            updated_at: now,
            event_type: e.event_type.as_deref(),
            emitter_kind: &e.emitter.kind,
            emitter_id: e.emitter.id.as_deref(),
            body,
            compressed: None,
            tokens_after: None,
        };
        shared.write(&mut out, seq, &parts)?;
    }
    if !one {
        out.push(b']');
    }
    String::from_utf8(out).map_err(|_| Error::storage("encoded event is not UTF-8"))
}

/// True when the head `new`, built from `old` by an append that fired nothing, differs from
/// it only in the counters an append always changes: then the append may write its events
/// alone. Sets `new`'s schedule fields as `session_batch` would (they are then unchanged).
/// The page-mark hint (`type_marks`) may differ too: it is the writer's own bookkeeping.
fn only_counters_changed(old: &SessionRecord, new: &mut SessionRecord) -> bool {
    schedule(new);
    let after = Counters::of(&new.session);
    Counters::of(&old.session).apply(&mut new.session);
    let marks = std::mem::replace(&mut new.type_marks, old.type_marks.clone());
    let same = new == old;
    after.apply(&mut new.session);
    new.type_marks = marks;
    same
}

/// Collects the string leaves of a body: the "message content" tokens are counted over.
fn body_text(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(s);
        }
        Value::Array(items) => items.iter().for_each(|i| body_text(i, out)),
        Value::Object(map) => map.values().for_each(|i| body_text(i, out)),
        _ => {}
    }
}

fn check_emitter(rec: &SessionRecord, e: &crate::model::Emitter) -> Result<()> {
    validate::emitter(e)?;
    if e.kind == "user"
        && !e
            .id
            .as_ref()
            .is_some_and(|id| rec.session.participants.contains(id))
    {
        return Err(Error::validation(
            "emitter.id",
            "an emitter of type \"user\" must be a participant of the session",
        ));
    }
    Ok(())
}

fn check_event_type(t: Option<&String>) -> Result<()> {
    validate::opt_text("event_type", &t.cloned(), 128)
}

/// Validates a `list_events` query; returns its offset and limit.
fn check_query(query: &EventQuery) -> Result<(u64, u64)> {
    if query.offset.is_some() && query.last_n.is_some() {
        return Err(Error::validation(
            "last_n",
            "offset and last_n are mutually exclusive",
        ));
    }
    if let Some(n) = query.last_n {
        if n == 0 || n > validate::MAX_LIMIT {
            return Err(Error::validation(
                "last_n",
                format!("must be 1–{}", validate::MAX_LIMIT),
            ));
        }
    }
    check_event_type(query.event_type.as_ref())?;
    validate::page(crate::model::Page {
        offset: query.offset,
        limit: query.limit,
    })
}

impl Memspace {
    /// Tokens of an event body: the host's counter, else the built-in estimate.
    pub(super) fn count_tokens(&self, body: &Value) -> u64 {
        self.count_tokens_in(body, &mut String::new())
    }

    /// [`Self::count_tokens`] with `text` as scratch space (a batch reuses one buffer).
    fn count_tokens_in(&self, body: &Value, text: &mut String) -> u64 {
        text.clear();
        body_text(body, text);
        self.host
            .count_tokens(text)
            .unwrap_or_else(|| estimate_tokens(text))
    }

    /// `post_event` answering the stored event's JSON text (see [`Self::post_events_json`]).
    pub async fn post_event_json(
        &self,
        space_id: &str,
        session_id: &str,
        event: NewEvent,
    ) -> Result<String> {
        self.post_event_with(space_id, session_id, event, |text| text)
            .await
    }

    /// `post_event_json` whose answer text is handed to `answer` while the commit is in
    /// flight (see [`Self::post_events_with`]).
    pub async fn post_event_with<R>(
        &self,
        space_id: &str,
        session_id: &str,
        event: NewEvent,
        answer: impl Fn(String) -> R,
    ) -> Result<R> {
        self.answered(space_id, session_id, &[event], true, answer)
            .await
    }

    /// Appends one event.
    pub async fn post_event(
        &self,
        space_id: &str,
        session_id: &str,
        event: NewEvent,
    ) -> Result<Event> {
        let mut events = self.post_events(space_id, session_id, vec![event]).await?;
        events
            .pop()
            .ok_or_else(|| Error::storage("post returned no event"))
    }

    /// Appends up to 200 events atomically, in order.
    pub async fn post_events(
        &self,
        space_id: &str,
        session_id: &str,
        events: Vec<NewEvent>,
    ) -> Result<Vec<Event>> {
        let (first, now, _) = self
            .post_batch(space_id, session_id, &events, &mut |_, _, _| Ok(()))
            .await?;
        Ok(events
            .into_iter()
            .zip(first..)
            .map(|(e, seq)| Event {
                session_id: session_id.to_string(),
                sequence_id: seq,
                event_type: e.event_type,
                body: e.body,
                emitter: e.emitter,
                created_at: now,
                updated_at: now,
            })
            .collect())
    }

    /// `post_events` answering the JSON text of the array of stored events, for bindings that
    /// hand the host one JSON text: each body is copied as stored, not encoded again.
    pub async fn post_events_json(
        &self,
        space_id: &str,
        session_id: &str,
        events: Vec<NewEvent>,
    ) -> Result<String> {
        self.post_events_with(space_id, session_id, events, |text| text)
            .await
    }

    /// `post_events_json` whose answer text is handed to `answer` (e.g. parsed into the host's
    /// values) as soon as the commit is issued, while the backend is still flushing it, so
    /// that work is off the append's critical path. The prepared answer is returned only if
    /// that commit succeeds; an attempt that fails or loses a race drops its answer, and the
    /// retry prepares a new one.
    pub async fn post_events_with<R>(
        &self,
        space_id: &str,
        session_id: &str,
        events: Vec<NewEvent>,
        answer: impl Fn(String) -> R,
    ) -> Result<R> {
        self.answered(space_id, session_id, &events, false, answer)
            .await
    }

    /// Appends `events` and answers their JSON text (one record when `one`, else the array)
    /// through `answer`, prepared while the commit flushes.
    async fn answered<R>(
        &self,
        space_id: &str,
        session_id: &str,
        events: &[NewEvent],
        one: bool,
        answer: impl Fn(String) -> R,
    ) -> Result<R> {
        let mut out = None;
        let mut prepare = |first: u64, now: Timestamp, bodies: &[Vec<u8>]| -> Result<()> {
            let text = answer_json(session_id, events, bodies, first, now, one)?;
            out = Some(answer(text));
            Ok(())
        };
        self.post_batch(space_id, session_id, events, &mut prepare)
            .await?;
        out.ok_or_else(|| Error::storage("post returned no event"))
    }

    /// Validates and appends a batch; returns the first sequence id, the time of the append
    /// and each body's JSON text as stored. `prepare` runs once per commit attempt, with that
    /// attempt's first sequence id, time and bodies, while its commit is in flight.
    async fn post_batch(
        &self,
        space_id: &str,
        session_id: &str,
        events: &[NewEvent],
        prepare: Prepare<'_>,
    ) -> Result<(u64, Timestamp, Vec<Vec<u8>>)> {
        if events.is_empty() || events.len() > validate::MAX_BATCH {
            return Err(Error::validation(
                "events",
                format!("a batch holds 1–{} events", validate::MAX_BATCH),
            ));
        }
        let mut bodies = Vec::with_capacity(events.len());
        let mut tokens = 0u64;
        let mut scratch = String::new();
        for e in events {
            validate::emitter(&e.emitter)?;
            check_event_type(e.event_type.as_ref())?;
            crate::json::check_value("body", &e.body)?;
            // Encoded once: the size check, the stored value and the answer share the text.
            let body = event_codec::body_json(&e.body)?;
            validate::json_len("body", body.len())?;
            bodies.push(body);
            tokens = tokens.saturating_add(self.count_tokens_in(&e.body, &mut scratch));
        }
        let batch = Appended {
            events,
            bodies: &bodies,
            tokens,
            prepare: RefCell::new(prepare),
        };
        let _write = self.write_lock.acquire().await;
        if let Some(out) = self.post_cached(space_id, session_id, &batch).await {
            return out.map(|(first, now)| (first, now, bodies));
        }
        // The space is read again on every attempt: one that lost to a space write (a delete)
        // must see it, not fail on the stale bytes until the retries run out.
        let (first, now) = retry!(
            async {
                // The attempt's reads and commit in one write transaction where the backend
                // has them: a handle streaming appends cannot commit between them every time.
                let _held = Held::new(&*self.kv);
                let (space, space_bytes) = self.owned_space(space_id).await?;
                self.try_post(&space, &space_bytes, session_id, &batch)
                    .await
            }
            .await
        )?;
        Ok((first, now, bodies))
    }

    /// The fast path: space and head as this handle last saw them, so an append is one commit.
    /// A stale guess shows up as a lost race: then the cache is dropped and `None` sends the
    /// caller down the path from storage. Every other outcome is the answer.
    async fn post_cached(
        &self,
        space_id: &str,
        session_id: &str,
        batch: &Appended<'_>,
    ) -> Option<Result<(u64, Timestamp)>> {
        let (space, space_bytes) = self.cached_space(space_id)?;
        let (head, bytes) = self.cached_head(&space.id, session_id)?;
        // What stands at the next event key is unknown after a head write of this handle it
        // did not decode (an update, a firing): read it (a guess would fail on a fence).
        if head.rec.read.next == NextKey::Unknown && self.kv.capabilities().atomic_batches {
            return None;
        }
        let attempt = async {
            let rec = head.rec.clone();
            let (rec, bytes) = if head.quiet_at(self.host.now()) {
                (rec, bytes)
            } else {
                self.evaluate(&space, rec, bytes).await?
            };
            if rec.is_hidden() {
                // Deletion is final, but the guess may be old: confirm it from storage.
                return Err(Error::lost_race("cached head is deleted"));
            }
            // A stale guess fails the commit's preconditions (see `session_batch`).
            self.append(&space, &space_bytes, rec, bytes, batch).await
        };
        match attempt.await {
            Err(e) if e.is_lost_race() => {
                self.cache.clear();
                None
            }
            other => Some(other),
        }
    }

    async fn try_post(
        &self,
        space: &Space,
        space_bytes: &[u8],
        session_id: &str,
        batch: &Appended<'_>,
    ) -> Result<(u64, Timestamp)> {
        let (rec, bytes) = self.touch(space, session_id).await?;
        self.append(space, space_bytes, rec, bytes, batch).await
    }

    /// Appends the batch after the live head `rec` (stored as `bytes`) in one commit, guarded
    /// by the space's bytes and by `guard`; returns the first sequence id and the time.
    async fn append(
        &self,
        space: &Space,
        space_bytes: &[u8],
        rec: SessionRecord,
        bytes: Vec<u8>,
        appended: &Appended<'_>,
    ) -> Result<(u64, Timestamp)> {
        let events = appended.events;
        for e in events {
            check_emitter(&rec, &e.emitter)?;
        }
        let now = self.host.now();
        let first = rec.session.event_count;
        let mut new = rec.clone();
        let mut batch = Batch::new();
        // A space this handle read at the backend's current epoch needs no read: the commit
        // is refused if the epoch moved (another handle wrote a space meanwhile).
        match self.trusted_space(&space.id) {
            Some((_, b, e)) if b == space_bytes => batch.epoch = Some(e),
            _ => {
                batch.require_equals(layout::space(&space.id), space_bytes.to_vec());
            }
        }
        // Index keys change more than the counters: such an append writes the head.
        let mut indexed = false;
        // On an atomic backend the newest event carries the session's token count after the
        // append: a reader folds it into a head the append did not write (the others are
        // never folded). Elsewhere nothing folds and events keep format 3.
        let tokens = rec.session.token_count.saturating_add(appended.tokens);
        let atomic = self.kv.capabilities().atomic_batches;
        let last = match atomic {
            true => rec.session.event_count + events.len() as u64 - 1,
            false => u64::MAX,
        };
        // Page marks: new marks of one type on consecutive pages, with no other new mark
        // between, make one run mark (docs/storage.md, "list_events with an event type"); the
        // page the head's hint names needs none. Marks may follow the events: the head is
        // still the last key, the only one readers trust on a backend without atomic batches. The hint changes only in
        // `new`: a one-record append leaves it stale in the stored head, which costs another
        // handle one redundant mark, never a missing one.
        let mut run: Option<(&str, u64, u64)> = None;
        for (e, body) in events.iter().zip(appended.bodies) {
            let seq = new.session.event_count;
            if let (true, Some(t)) = (rec.type_index, &e.event_type) {
                indexed = true;
                batch.put(
                    layout::event_type(&space.id, &rec.session.id, t, seq),
                    Vec::new(),
                );
            }
            if let (true, Some(t)) = (rec.type_pages, &e.event_type) {
                let page = seq / layout::TYPE_PAGE;
                if new.mark_type_page(t, page) {
                    match &mut run {
                        Some(r) if rec.type_runs && r.0 == t && r.2 + 1 == page => r.2 = page,
                        r => {
                            if let Some((t, from, to)) = r.replace((t, page, page)) {
                                let key = layout::event_type_mark(
                                    &space.id,
                                    &rec.session.id,
                                    t,
                                    from,
                                    to,
                                );
                                batch.put(key, Vec::new());
                            }
                        }
                    }
                }
            }
            let header = event_codec::Header {
                created_at: now,
                updated_at: now,
                event_type: e.event_type.as_deref(),
                emitter: &e.emitter,
                tokens_after: (seq == last).then_some(tokens),
            };
            batch.put(
                layout::event(&space.id, &rec.session.id, seq),
                event_codec::encode_parts(&header, body),
            );
            new.session.event_count += 1;
        }
        if let Some((t, from, to)) = run {
            let key = layout::event_type_mark(&space.id, &rec.session.id, t, from, to);
            batch.put(key, Vec::new());
        }
        new.session.token_count = tokens;
        new.session.last_event_at = Some(now);
        let jobs = fire_due(&mut new, space, now);
        let head_key = layout::session(&space.id, &rec.session.id);
        // One record (docs/storage.md, "One-record appends"): on an atomic backend, when only
        // the counters change, the events alone, guarded by the absence of the next event key
        // (an `add()` in IndexedDB); readers fold them into the head. Heads stored in an
        // earlier format are rewritten first, so a handle that cannot fold cannot read them.
        let one_record = atomic
            && jobs.is_empty()
            && !indexed
            && matches!(rec.read.next, NextKey::Absent | NextKey::Appended)
            && bytes.first() == Some(&super::head::HEAD_FORMAT)
            && only_counters_changed(&rec, &mut new);
        let batch = if one_record {
            batch.require_absent(layout::event(&space.id, &rec.session.id, first));
            // Read (not left by this handle): the head it was read with must still stand, or
            // another handle's change (its strategies, say) may have been missed.
            if rec.read.next != NextKey::Appended {
                batch.require_equals(head_key.clone(), bytes.clone());
            }
            new.read.next = NextKey::Appended;
            batch
        } else {
            self.session_batch(batch, Some((&rec, &bytes)), &mut new, &jobs)?
        };
        // The answer is prepared once the commit's requests are issued, while it flushes; it
        // is kept only if this commit succeeds (the caller drops it with the error).
        let bodies = appended.bodies;
        self.commit_while(batch, || {
            (appended.prepare.borrow_mut())(first, now, bodies)
        })
        .await?;
        // The next call starts from the head just written without decoding it; `fire_due`
        // ran on it at `now`, so it is probed. After one record the stored bytes are the
        // ones built on, and the record remembered for them is the folded one.
        let stored = match one_record {
            true => Some(bytes),
            false => self.cache.get(&head_key),
        };
        if let Some(bytes) = stored {
            self.cache
                .remember_decoded(&head_key, &bytes, Rc::new(CachedHead::probed(new)));
        }
        Ok((first, now))
    }

    /// Commits `batch`, running `work` after the commit's first poll (its requests issued,
    /// the backend flushing) or, if the commit finished at once, after it succeeded. A
    /// failed commit answers its error, whatever `work` did; a failed `work` after a
    /// successful commit answers `work`'s error (the batch is stored).
    async fn commit_while(&self, batch: Batch, work: impl FnOnce() -> Result<()>) -> Result<()> {
        let mut commit = std::pin::pin!(self.commit(batch));
        let mut work = Some(work);
        let mut early = None;
        let committed = std::future::poll_fn(|cx| {
            let r = std::future::Future::poll(commit.as_mut(), cx);
            if r.is_pending() {
                if let Some(w) = work.take() {
                    early = Some(w());
                }
            }
            r
        })
        .await;
        committed?;
        match (early, work) {
            (Some(r), _) => r,
            (None, Some(w)) => w(),
            (None, None) => Ok(()),
        }
    }

    /// Lists events in ascending sequence order: a page from `offset`, or the last `last_n`.
    pub async fn list_events(
        &self,
        space_id: &str,
        session_id: &str,
        query: EventQuery,
    ) -> Result<Vec<Event>> {
        let (offset, limit) = check_query(&query)?;
        if query.event_type.is_none() {
            let snap = self
                .events_snapshot(space_id, session_id, query.last_n, offset, limit)
                .await?;
            if let Some(payloads) = snap {
                return payloads
                    .iter()
                    .map(|p| serde_json::from_slice(&p.0).map_err(Error::decode_failed))
                    .collect();
            }
        }
        self.list_events_general(space_id, session_id, query).await
    }

    /// `list_events` as JSON text: an array of the event records (each written around its
    /// stored body text, see [`event_codec::write_json`]), for bindings that hand the host
    /// one JSON text instead of converting record by record.
    pub async fn list_events_json(
        &self,
        space_id: &str,
        session_id: &str,
        query: EventQuery,
    ) -> Result<String> {
        let (offset, limit) = check_query(&query)?;
        if query.event_type.is_none() {
            let snap = self
                .events_snapshot(space_id, session_id, query.last_n, offset, limit)
                .await?;
            if let Some(payloads) = snap {
                let len = payloads.iter().map(|p| p.0.len() + 1).sum::<usize>() + 2;
                let mut out = Vec::with_capacity(len);
                out.push(b'[');
                for (i, p) in payloads.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(&p.0);
                }
                out.push(b']');
                return String::from_utf8(out)
                    .map_err(|_| Error::storage("stored event is not UTF-8"));
            }
        }
        let events = self
            .list_events_general(space_id, session_id, query)
            .await?;
        serde_json::to_string(&events).map_err(Error::encode_failed)
    }

    /// The unfiltered `list_events` as one snapshot read (one [`crate::kv::Kv::read_many`],
    /// one readonly IndexedDB transaction). `last_n` on an atomic backend is the space record
    /// and one reverse scan from the session's head copy ([`layout::head_copy`]): the head
    /// and the newest events in one request; otherwise (a page, a session written before the
    /// copy existed, a backend without atomic batches) the space, the head and the events'
    /// keys are read side by side. The events' range is chosen before the head is known and
    /// checked against the head's committed count afterwards. Returns the events' JSON
    /// payloads (checksums checked), or `None` when the answer needs more than a read: the
    /// space or session missing, foreign or deleted, a journal pending, a lifecycle trigger
    /// due (it must fire and be written), or keys at or above the committed count (a torn
    /// append, a fence) in the way. The caller then takes the general path.
    async fn events_snapshot(
        &self,
        space_id: &str,
        session_id: &str,
        last_n: Option<u64>,
        offset: u64,
        limit: u64,
    ) -> Result<Option<Vec<Rc<EventText>>>> {
        if !crate::ids::is_valid("spc", space_id) || !crate::ids::is_valid("ses", session_id) {
            return Ok(None);
        }
        let copy = last_n.is_some() && self.kv.capabilities().atomic_batches;
        let read = |copy| self.snapshot_read(space_id, session_id, last_n, offset, limit, copy);
        match read(copy).await? {
            Some(answer) => Ok(answer),
            // No head copy: the session's last head write predates it.
            None => Ok(read(false).await?.flatten()),
        }
    }

    /// One shape of [`Memspace::events_snapshot`]: with `copy`, the head is taken from the
    /// head copy at the end of a reverse scan; `None` when it is not there, else the answer.
    async fn snapshot_read(
        &self,
        space_id: &str,
        session_id: &str,
        last_n: Option<u64>,
        offset: u64,
        limit: u64,
        copy: bool,
    ) -> Result<Option<Option<Vec<Rc<EventText>>>>> {
        let (range, take, reverse) = match last_n {
            Some(n) if copy => (
                layout::events_and_head_copy(space_id, session_id),
                n.min(limit),
                true,
            ),
            Some(n) => (
                layout::events_between(space_id, session_id, 0, u64::MAX),
                n.min(limit),
                true,
            ),
            None => (
                layout::events_between(space_id, session_id, offset, offset.saturating_add(limit)),
                limit,
                false,
            ),
        };
        let space_key = layout::space(space_id);
        let head_key = layout::session(space_id, session_id);
        // With the head copy the space needs no read when this handle read it at the current
        // epoch: the read is then one scan.
        let trusted = self.trusted_space(space_id).filter(|_| copy);
        let before = self.kv.epoch();
        let atomic = self.kv.capabilities().atomic_batches;
        // A page's keys do not reach the newest event, which the head is folded with.
        let newest_apart = atomic && last_n.is_none();
        let mut reads = Vec::with_capacity(4);
        if trusted.is_none() {
            reads.push(Read::Get(space_key.clone()));
        }
        let scan_limit = take as usize + usize::from(copy);
        reads.push(if copy {
            // Event keys are one per sequence id: the keys left out are told from the others.
            Read::ScanDense {
                range,
                limit: scan_limit,
                reverse,
            }
        } else {
            Read::Scan {
                range,
                limit: scan_limit,
                reverse,
            }
        });
        if newest_apart {
            reads.push(super::fold::newest_event(space_id, session_id));
        }
        // The head last: on a backend whose reads are not one snapshot it is then at least as
        // new as the newest event key it is folded with.
        if !copy {
            reads.push(Read::Get(head_key.clone()));
        }
        let mut res = self
            .kv
            .read_many(&reads)
            .await
            .map_err(kv_error)?
            .into_iter();
        let after = self.kv.epoch();
        let space = match trusted {
            Some((space, _, e)) if after == Some(e) => space,
            Some(_) => return Ok(Some(None)),
            None => {
                let Some(ReadResult::Value(Some(space_bytes))) = res.next() else {
                    return Ok(Some(None));
                };
                // Space and head are decoded once per stored version: a read compares the
                // bytes it just read with the handle's (see cache.rs).
                let space = self.space_of(&space_key, &space_bytes)?;
                if !self.owns(&space) || space.deleted_at.is_some() {
                    return Ok(Some(None));
                }
                if let Some(e) = before.filter(|e| after == Some(*e)) {
                    self.cache.confirm(&space_key, &space_bytes, e);
                }
                space
            }
        };
        let (head_bytes, entries) = if copy {
            let Some(ReadResult::Entries(mut entries)) = res.next() else {
                return Ok(Some(None));
            };
            let copy_key = layout::head_copy(space_id, session_id);
            if entries.first().map(|(k, _)| k.as_slice()) != Some(copy_key.as_slice()) {
                return Ok(None);
            }
            let (_, head) = entries.remove(0);
            (head, entries)
        } else {
            let Some(ReadResult::Entries(entries)) = res.next() else {
                return Ok(Some(None));
            };
            (Vec::new(), entries)
        };
        let apart = res.next().filter(|_| newest_apart);
        let head_bytes = match (copy, res.next()) {
            (true, _) => head_bytes,
            (false, Some(ReadResult::Value(Some(b)))) => b,
            (false, _) => return Ok(Some(None)),
        };
        let head = match self.cache.decoded::<CachedHead>(&head_key, &head_bytes) {
            Some(h) => h,
            None => Rc::new(CachedHead::new(super::head::decode(&head_bytes)?)),
        };
        // The head this read saw: the stored one folded with the newest event key (the first
        // of a `last_n` scan, else read apart). A remembered record is folded again: another
        // handle may have appended without changing the stored bytes.
        let head = if atomic {
            let newest = match &apart {
                Some(r) => super::fold::first_entry(Some(r)),
                None => entries.first().map(|(k, v)| (k.as_slice(), v.as_slice())),
            };
            super::fold::refold(head, newest)?
        } else {
            head
        };
        let rec = &head.rec;
        if rec.pending_tx.is_some() || rec.session.deleted_at.is_some() || rec.is_hidden() {
            return Ok(Some(None));
        }
        // A read writes nothing unless a trigger is due; then the general path fires it.
        let now = self.host.now();
        if !head.quiet_at(now) {
            let mut probe = rec.clone();
            let _ = fire_due(&mut probe, &space, now);
            if probe != *rec {
                return Ok(Some(None));
            }
            let probed = Rc::new(CachedHead::probed(probe));
            self.cache.remember_decoded(&head_key, &head_bytes, probed);
        }
        let count = rec.session.event_count;
        // With deletions, a page's first sequence id depends on the deleted ids below it.
        if last_n.is_none() && offset > 0 && rec.deleted_events > 0 {
            return Ok(Some(None));
        }
        let expected = match last_n {
            Some(_) => take.min(count),
            None => count.saturating_sub(offset).min(limit),
        };
        // Keys a dense scan left out lie between the first and the last event's, which it
        // read. The range holds only event keys, one per sequence id, strictly descending:
        // when those two ids are `len - 1` apart, entry `i` is the first id minus `i`.
        let mut first = None;
        if entries.iter().any(|(k, _)| k.is_empty()) {
            let ends = entries.first().zip(entries.last());
            match ends.map(|((f, _), (l, _))| (last_u64(f), last_u64(l))) {
                Some((Some(f), Some(l))) if f.checked_sub(l) == Some(entries.len() as u64 - 1) => {
                    first = Some(f)
                }
                _ => return Ok(Some(None)),
            }
        }
        let mut out = Vec::with_capacity(entries.len());
        // Each event's key, for the texts remembered by key: the first key with its sequence
        // id (the last 8 bytes) set to each entry's (a dense scan left most keys out).
        let mut event_key = entries.first().map(|(k, _)| k.clone()).unwrap_or_default();
        for (i, (key, bytes)) in entries.iter().enumerate() {
            let seq = match first {
                Some(f) if key.is_empty() => f.checked_sub(i as u64),
                _ => last_u64(key),
            };
            match seq {
                Some(s) if s < count => {
                    // A tombstone in the window: the answer reaches past it (general path).
                    let Some(json) = self.event_text(&mut event_key, &rec.session.id, s, bytes)?
                    else {
                        return Ok(Some(None));
                    };
                    out.push(json);
                }
                Some(_) => {}
                None => return Ok(Some(None)),
            }
        }
        if out.len() as u64 != expected {
            return Ok(Some(None));
        }
        if reverse {
            out.reverse();
        }
        Ok(Some(Some(out)))
    }

    /// The JSON of the event stored as `bytes` with sequence id `seq` (`key`: an event key of
    /// its session, given that id here). Rendered once per stored version and remembered with
    /// the bytes among the record cache's texts: a read that finds the same bytes under the key reuses
    /// the text (a memcmp instead of the checksum, the decompression and the JSON writing),
    /// so an update or a delete by any handle is seen as soon as its bytes are.
    fn event_text(
        &self,
        key: &mut [u8],
        session_id: &str,
        seq: u64,
        bytes: &[u8],
    ) -> Result<Option<Rc<EventText>>> {
        let Some(at) = key.len().checked_sub(8) else {
            return EventText::render(session_id, seq, bytes);
        };
        key[at..].copy_from_slice(&seq.to_be_bytes());
        if let Some(t) = self.cache.text::<EventText>(key, bytes) {
            return Ok(Some(t));
        }
        let text = EventText::render(session_id, seq, bytes)?;
        if let Some(t) = &text {
            self.cache.remember_text(key, bytes, t.clone(), t.0.len());
        }
        Ok(text)
    }

    /// `list_events` through the general path (owned space, touched head, scans).
    async fn list_events_general(
        &self,
        space_id: &str,
        session_id: &str,
        query: EventQuery,
    ) -> Result<Vec<Event>> {
        if query.offset.is_some() && query.last_n.is_some() {
            return Err(Error::validation(
                "last_n",
                "offset and last_n are mutually exclusive",
            ));
        }
        if let Some(n) = query.last_n {
            if n == 0 || n > validate::MAX_LIMIT {
                return Err(Error::validation(
                    "last_n",
                    format!("must be 1–{}", validate::MAX_LIMIT),
                ));
            }
        }
        let (offset, limit) = validate::page(crate::model::Page {
            offset: query.offset,
            limit: query.limit,
        })?;
        check_event_type(query.event_type.as_ref())?;
        let (space, _) = self.owned_space(space_id).await?;
        let (rec, _) = self.touch(&space, session_id).await?;
        let count = rec.session.event_count;
        let filter = query.event_type.as_deref();
        if let (true, Some(t)) = (rec.type_index, filter) {
            let (reverse, skip, take) = match query.last_n {
                Some(n) => (true, 0, n.min(limit)),
                None => (false, offset, limit),
            };
            let range = layout::events_of_type_below(&space.id, &rec.session.id, t, count);
            let ids = (space.id.as_str(), rec.session.id.as_str());
            let mut out = self
                .scan_indexed(ids, range, reverse, t, count, skip, take)
                .await?;
            if reverse {
                out.reverse();
            }
            return Ok(out);
        }
        if let (true, Some(t)) = (rec.type_pages, filter) {
            let (reverse, skip, take) = match query.last_n {
                Some(n) => (true, 0, n.min(limit)),
                None => (false, offset, limit),
            };
            let ids = (space.id.as_str(), rec.session.id.as_str());
            let mut out = self
                .scan_type_pages(ids, reverse, t, count, skip, take)
                .await?;
            if reverse {
                out.reverse();
            }
            return Ok(out);
        }
        // Offsets and `last_n` count live events: tombstones are skipped by the scan, so with
        // deletions `last_n` reads backwards from the end and a page starts at the sequence id
        // of its first live event.
        let deleted = rec.deleted_events;
        let (reverse, from, to, skip, take) = match query.last_n {
            Some(n) if filter.is_none() && deleted == 0 => {
                (false, count.saturating_sub(n), count, 0, n.min(limit))
            }
            Some(n) => (true, 0, count, 0, n.min(limit)),
            None if filter.is_none() && deleted == 0 => (
                false,
                offset.min(count),
                offset.saturating_add(limit).min(count),
                0,
                limit,
            ),
            None if filter.is_none() => {
                let ids = (space.id.as_str(), rec.session.id.as_str());
                let first = self.live_position(ids, offset, deleted, count).await?;
                (false, first.min(count), count, 0, limit)
            }
            None => (false, 0, count, offset, limit),
        };
        let range = layout::events_between(&space.id, &rec.session.id, from, to);
        let mut out = self
            .scan_events(&rec.session.id, range, reverse, filter, skip, take)
            .await?;
        if reverse {
            out.reverse();
        }
        Ok(out)
    }

    /// Scans committed events of `session_id` in `range`, keeping those of type `filter` (all when `None`),
    /// skipping `skip` matches and returning at most `take`.
    async fn scan_events(
        &self,
        session_id: &str,
        mut range: KeyRange,
        reverse: bool,
        filter: Option<&str>,
        mut skip: u64,
        take: u64,
    ) -> Result<Vec<Event>> {
        let mut out = Vec::new();
        while (out.len() as u64) < take {
            // Unfiltered reads fetch exactly what is left; filtered ones read ahead in chunks.
            let chunk_len = match filter {
                None => (take - out.len() as u64) as usize,
                Some(_) => SCAN_CHUNK,
            };
            let chunk = self
                .kv
                .scan(&range, chunk_len, reverse)
                .await
                .map_err(kv_error)?;
            let Some((last, _)) = chunk.last() else { break };
            if reverse {
                range.end = Some(last.clone());
            } else {
                range.start = super::cursor::successor(last);
            }
            for (key, bytes) in &chunk {
                let Some(e) = decode_live(session_id, seq_of(key)?, bytes)? else {
                    continue;
                };
                if filter.is_some_and(|t| e.event_type.as_deref() != Some(t)) {
                    continue;
                }
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                out.push(e);
                if out.len() as u64 >= take {
                    break;
                }
            }
            if chunk.len() < chunk_len {
                break;
            }
        }
        Ok(out)
    }

    /// Reads events of type `t` through the event-type index `range` (keys below `count`):
    /// each candidate is read and kept only if it still has the type (an index key left by a
    /// torn append or an interrupted type change is skipped), skipping `skip` and returning at
    /// most `take`. Cost: the index keys and events of the matches read, not the session.
    #[allow(clippy::too_many_arguments)]
    async fn scan_indexed(
        &self,
        (space_id, session_id): (&str, &str),
        mut range: KeyRange,
        reverse: bool,
        t: &str,
        count: u64,
        mut skip: u64,
        take: u64,
    ) -> Result<Vec<Event>> {
        let mut out = Vec::new();
        while (out.len() as u64) < take {
            let want = (take - out.len() as u64)
                .saturating_add(skip)
                .min(SCAN_CHUNK as u64);
            let chunk = self
                .kv
                .scan(&range, want as usize, reverse)
                .await
                .map_err(kv_error)?;
            let Some((last, _)) = chunk.last() else { break };
            if reverse {
                range.end = Some(last.clone());
            } else {
                range.start = super::cursor::successor(last);
            }
            let keys: Vec<Vec<u8>> = chunk
                .iter()
                .filter_map(|(k, _)| crate::codec::keys::last_u64(k))
                .filter(|seq| *seq < count)
                .map(|seq| layout::event(space_id, session_id, seq))
                .collect();
            let values = self.kv.get_many(&keys).await.map_err(kv_error)?;
            for (key, bytes) in keys.iter().zip(values) {
                let Some(bytes) = bytes else {
                    return Err(Error::storage(
                        "an index entry below the event count names a missing event",
                    ));
                };
                // A tombstone (skipped): an index key left by a delete stopped after its
                // commit point.
                if keep_typed((session_id, key, &bytes), t, &mut skip, &mut out, take)? {
                    break;
                }
            }
            if (chunk.len() as u64) < want {
                break;
            }
        }
        Ok(out)
    }

    /// Reads events of type `t` through the marks of the type (marks ending below `count`):
    /// each marked page's committed events are read and kept if they have the type, skipping
    /// `skip` and returning at most `take` (descending when `reverse`). Cost: the marks and
    /// the pages of the matches read, at most [`layout::TYPE_PAGE`] events per page, not the
    /// session.
    ///
    /// Marks come keyed by their last page. Descending, no mark still unread ends above the
    /// last one read, so the pages above it are final; ascending, no mark still unread starts
    /// below the last one's end minus [`layout::RUN_SPAN`]. Pages are read in order once
    /// final, each once: a page read is never named by a mark read later.
    async fn scan_type_pages(
        &self,
        (space_id, session_id): (&str, &str),
        reverse: bool,
        t: &str,
        count: u64,
        mut skip: u64,
        take: u64,
    ) -> Result<Vec<Event>> {
        let pages = count.div_ceil(layout::TYPE_PAGE);
        let mut marks = layout::type_pages_below(space_id, session_id, t, pages);
        let prefix = marks.start.clone();
        let mut out = Vec::new();
        // Pages named by the marks read and not read yet, as bits over pages `base..`: all
        // within `RUN_SPAN` of the last mark's last page once the final ones are read.
        let (mut base, mut bits) = (0u64, 0u32);
        loop {
            let chunk = self
                .kv
                .scan(&marks, SCAN_CHUNK, reverse)
                .await
                .map_err(kv_error)?;
            let done = chunk.len() < SCAN_CHUNK;
            if let Some((last, _)) = chunk.last() {
                match reverse {
                    true => marks.end = Some(last.clone()),
                    false => marks.start = super::cursor::successor(last),
                }
            }
            // Each mark, then (past the last, once the marks are done) every page left.
            for i in 0..chunk.len() + done as usize {
                let mark = match chunk.get(i) {
                    Some((key, _)) => Some(
                        layout::type_mark_pages(&prefix, key)
                            .ok_or_else(|| Error::storage("corrupt type mark"))?,
                    ),
                    None => None,
                };
                while bits != 0 {
                    let page = base
                        + match reverse {
                            true => 31 - bits.leading_zeros(),
                            false => bits.trailing_zeros(),
                        } as u64;
                    let ready = match mark {
                        None => true,
                        Some((_, last)) if reverse => page > last,
                        Some((_, last)) => page + layout::RUN_SPAN < last,
                    };
                    if !ready {
                        break;
                    }
                    bits &= !(1 << (page - base));
                    let from = page * layout::TYPE_PAGE;
                    let to = (from + layout::TYPE_PAGE).min(count);
                    let range = layout::events_between(space_id, session_id, from, to);
                    let events = self
                        .kv
                        .scan(&range, (to - from) as usize, reverse)
                        .await
                        .map_err(kv_error)?;
                    for (key, bytes) in events {
                        if keep_typed((session_id, &key, &bytes), t, &mut skip, &mut out, take)? {
                            return Ok(out);
                        }
                    }
                }
                if let Some((first, last)) = mark {
                    // The pages left lie in `[last − RUN_SPAN, last]`: rebase there.
                    let to = last.saturating_sub(layout::RUN_SPAN);
                    bits = match to >= base {
                        true => bits.checked_shr((to - base).min(32) as u32),
                        false => bits.checked_shl((base - to).min(32) as u32),
                    }
                    .unwrap_or(0);
                    base = to;
                    bits |= ((2 << (last - first)) - 1) << (first - base);
                }
            }
            if done {
                return Ok(out);
            }
        }
    }

    /// Updates one event by sequence id.
    pub async fn update_event(
        &self,
        space_id: &str,
        session_id: &str,
        update: EventUpdate,
    ) -> Result<Event> {
        let mut events = self
            .update_events(space_id, session_id, vec![update])
            .await?;
        events
            .pop()
            .ok_or_else(|| Error::storage("update returned no event"))
    }

    /// Updates up to 200 events atomically; duplicate sequence ids are rejected.
    pub async fn update_events(
        &self,
        space_id: &str,
        session_id: &str,
        updates: Vec<EventUpdate>,
    ) -> Result<Vec<Event>> {
        if updates.is_empty() || updates.len() > validate::MAX_BATCH {
            return Err(Error::validation(
                "events",
                format!("a batch holds 1–{} updates", validate::MAX_BATCH),
            ));
        }
        for (i, u) in updates.iter().enumerate() {
            if u.body.is_none() && !u.event_type.is_given() && u.emitter.is_none() {
                return Err(Error::validation(
                    "events",
                    "each update must set at least one of body, event_type, emitter",
                ));
            }
            if updates[..i].iter().any(|o| o.sequence_id == u.sequence_id) {
                return Err(Error::validation(
                    "sequence_id",
                    format!("duplicate sequence id {}", u.sequence_id),
                ));
            }
            if let Some(b) = &u.body {
                validate::json_size("body", b)?;
            }
            if let Some(e) = &u.emitter {
                validate::emitter(e)?;
            }
            check_event_type(u.event_type.as_set())?;
        }
        let _write = self.write_lock.acquire().await;
        let (space, _) = self.owned_space(space_id).await?;
        retry!(self.try_update_events(&space, session_id, &updates).await)
    }

    async fn try_update_events(
        &self,
        space: &Space,
        session_id: &str,
        updates: &[EventUpdate],
    ) -> Result<Vec<Event>> {
        let (rec, bytes) = self.touch(space, session_id).await?;
        let keys: Vec<Vec<u8>> = updates
            .iter()
            .map(|u| layout::event(&space.id, session_id, u.sequence_id))
            .collect();
        for u in updates {
            if u.sequence_id >= rec.session.event_count {
                return Err(event_not_found(u.sequence_id));
            }
        }
        let stored = self.kv.get_many(&keys).await.map_err(kv_error)?;
        let now = self.host.now();
        let mut batch = Batch::new();
        let mut puts = Vec::with_capacity(updates.len());
        // Event-type index: new keys land before the events (the index may over-list, never
        // under-list), keys of a type an event no longer has are deleted after.
        let mut stale = Vec::new();
        let mut out = Vec::with_capacity(updates.len());
        for ((u, key), old_bytes) in updates.iter().zip(keys).zip(stored) {
            let Some(old_bytes) = old_bytes else {
                return Err(Error::storage(format!(
                    "committed event {} is missing",
                    u.sequence_id
                )));
            };
            let mut ev = match decode_stored(session_id, u.sequence_id, &old_bytes)? {
                StoredEvent::Live(e) => e,
                StoredEvent::Deleted(_) => return Err(event_gone(u.sequence_id)),
            };
            if let Some(t) = u.if_unmodified_since {
                if ev.updated_at > t {
                    return Err(Error::conflict(
                        "Patch of incorrect version of event: it was modified after the given time",
                    )
                    .with("precondition", "if_unmodified_since")
                    .with("sequence_id", u.sequence_id)
                    .with("updated_at", ev.updated_at.to_string()));
                }
            }
            if let Some(e) = &u.emitter {
                check_emitter(&rec, e)?;
                ev.emitter = e.clone();
            }
            if let Some(b) = &u.body {
                ev.body = b.clone();
            }
            let old_type = ev.event_type.clone();
            u.event_type.clone().apply(&mut ev.event_type);
            if let (true, true, Some(t)) =
                (rec.type_pages, old_type != ev.event_type, &ev.event_type)
            {
                // A mark is never removed: other events of the page may keep the old type.
                let page = u.sequence_id / layout::TYPE_PAGE;
                puts.push((
                    layout::event_type_page(&space.id, session_id, t, page),
                    Vec::new(),
                ));
            }
            if rec.type_index && old_type != ev.event_type {
                let seq = u.sequence_id;
                if let Some(t) = &ev.event_type {
                    puts.push((
                        layout::event_type(&space.id, session_id, t, seq),
                        Vec::new(),
                    ));
                }
                if let Some(t) = &old_type {
                    stale.push(layout::event_type(&space.id, session_id, t, seq));
                }
            }
            // Strictly increasing, so a token read before this update is always stale after it.
            ev.updated_at = now.max(Timestamp(ev.updated_at.0.saturating_add(1)));
            // An update keeps the running token count the event was appended with.
            let tokens_after = match event_codec::is_binary(&old_bytes) {
                true => event_codec::parts(&old_bytes)?.tokens_after,
                false => None,
            };
            batch.require_equals(key.clone(), old_bytes);
            puts.push((key, event_codec::encode(&ev, tokens_after)?));
            out.push(ev);
        }
        // One event (with its index key first) lands safely key by key: the event is the only
        // key readers trust and an extra index key is harmless.
        let mut batch = if self.kv.capabilities().atomic_batches || updates.len() == 1 {
            batch.require_equals(layout::session(&space.id, session_id), bytes);
            for (k, v) in puts {
                batch.put(k, v);
            }
            batch
        } else {
            let mut b = self.journaled_batch(&rec, &bytes, puts)?;
            b.preconditions.extend(batch.preconditions);
            b
        };
        for k in stale {
            batch.delete(k);
        }
        self.commit(batch).await?;
        Ok(out)
    }
}
