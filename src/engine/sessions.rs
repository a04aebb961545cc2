//! Sessions: create, list, get, update (optimistic), delete (soft); every access runs the
//! lazy lifecycle first.

use super::cursor::Cursor;
use super::extract::jobs::{put_new_job, JobRecord};
use super::lifecycle::{fire_due, next_due, schedule, Counters, NextKey, ReadState, SessionRecord};
use super::{is_race, layout, validate, Memspace, MAX_RETRIES};
use crate::codec::envelope;
use crate::engine::cursor::Pager;
use crate::error::{Error, ErrorCode, Result};
use crate::ids;
use crate::kv::Batch;
use crate::model::{NewSession, Session, SessionFilter, SessionUpdate, Space};
use crate::time::Timestamp;
use std::rc::Rc;

pub(crate) const KIND: &str = "session";

/// A session head as a handle last saw it (decoded once per stored version), with what a
/// lifecycle probe learnt about it.
pub(crate) struct CachedHead {
    /// The head.
    pub rec: SessionRecord,
    /// `Some(until)` once a probe found nothing due: nothing fires before `until` (`None`:
    /// nothing fires at any time without a new event). `None` until probed.
    quiet: Option<Option<Timestamp>>,
}

impl CachedHead {
    /// An unprobed head.
    pub(crate) fn new(rec: SessionRecord) -> Self {
        CachedHead { rec, quiet: None }
    }

    /// A head a probe at some time found nothing due on: only time triggers depend on the
    /// clock, so nothing fires before the earliest pending one.
    pub(crate) fn probed(rec: SessionRecord) -> Self {
        let quiet = Some(next_due(&rec));
        CachedHead { rec, quiet }
    }

    /// True when nothing is due at `now` without running the probe again.
    pub(crate) fn quiet_at(&self, now: Timestamp) -> bool {
        match self.quiet {
            Some(None) => true,
            Some(Some(until)) => now < until,
            None => false,
        }
    }
}
const SCAN_CHUNK: usize = 64;

/// Runs `op` until it succeeds, fails for a reason other than a lost race, or gives up.
macro_rules! retry {
    ($op:expr) => {{
        let mut last = None;
        let mut out = None;
        for _ in 0..MAX_RETRIES {
            match $op {
                Err(e) if is_race(&e) => last = Some(e),
                other => {
                    out = Some(other);
                    break;
                }
            }
        }
        match out {
            Some(r) => r,
            None => Err(last.unwrap_or_else(|| Error::conflict("too much contention"))),
        }
    }};
}
pub(crate) use retry;

impl Memspace {
    /// Creates a session in one of the caller's spaces.
    pub async fn create_session(&self, space_id: &str, input: NewSession) -> Result<Session> {
        let _write = self.write_lock.acquire().await;
        validate::participants(&input.participants)?;
        validate::opt_text("description", &input.description, 1000)?;
        validate::json_object("metadata", &input.metadata)?;
        validate::dedup_key(&input.deduplication_key)?;
        let strategies = validate::strategies(input.lifecycle_strategies.clone())?;
        retry!(self.try_create_session(space_id, &input, &strategies).await)
    }

    async fn try_create_session(
        &self,
        space_id: &str,
        input: &NewSession,
        strategies: &[crate::model::LifecycleStrategy],
    ) -> Result<Session> {
        let (space, _) = self.owned_space(space_id).await?;
        let now = self.host.now();
        let mut rec = SessionRecord {
            session: Session {
                id: self.next_id("ses"),
                memory_space_id: space.id.clone(),
                participants: input.participants.clone(),
                description: input.description.clone(),
                metadata: input.metadata.clone(),
                lifecycle_strategies: strategies.to_vec(),
                version: 1,
                deduplication_key: input.deduplication_key.clone(),
                created_at: now,
                updated_at: now,
                event_count: 0,
                token_count: 0,
                last_event_at: None,
                executed_strategies: Vec::new(),
                deleted_at: None,
                touched_at: None,
                expires_at: None,
            },
            next_due: None,
            extracted_through: 0,
            pending_tx: None,
            job_seq: 0,
            deleted_events: 0,
            awaiting_extraction: None,
            read: Default::default(),
            type_index: false,
            type_pages: true,
            type_runs: true,
            type_marks: Vec::new(),
        };
        let mut batch = Batch::new();
        if let Some(key) = &input.deduplication_key {
            let claim_key = layout::session_dedup(&space.id, key);
            match self.load::<String>(&claim_key).await? {
                Some((holder, bytes)) => {
                    match self.touch(&space, &holder).await {
                        Ok((h, _)) if h.session.deduplication_key.as_deref() == Some(key) => {
                            return Err(Error::new(
                                ErrorCode::Duplicate,
                                format!("a live session with deduplication key {key:?} exists"),
                            )
                            .with("existing_id", h.session.id)
                            .with("deduplication_key", key.as_str()));
                        }
                        Ok(_) => {}
                        Err(e) if matches!(e.code, ErrorCode::Gone | ErrorCode::NotFound) => {}
                        Err(e) => return Err(e),
                    }
                    // Stale claim (holder deleted or never committed): take it over.
                    batch.require_equals(claim_key.clone(), bytes);
                }
                None => {
                    batch.require_absent(claim_key.clone());
                }
            }
            batch.put(claim_key, envelope::encode(&rec.session.id)?);
        }
        let batch = self.session_batch(batch, None, &mut rec, &[])?;
        self.commit(batch).await?;
        Ok(rec.session)
    }

    /// Adds a session-head write to `batch` in protocol order: jobs and the new schedule entry
    /// before the head (the commit point), then deletions of what the head made obsolete.
    pub(crate) fn session_batch(
        &self,
        mut batch: Batch,
        old: Option<(&SessionRecord, &[u8])>,
        new: &mut SessionRecord,
        jobs: &[JobRecord],
    ) -> Result<Batch> {
        let space_id = new.session.memory_space_id.clone();
        let id = new.session.id.clone();
        schedule(new);
        for job in jobs {
            put_new_job(&mut batch, job)?;
        }
        let old_due = old.and_then(|(r, _)| r.next_due);
        if let Some(t) = new.next_due.filter(|t| Some(*t) != old_due) {
            batch.put(layout::due(t, &space_id, &id), Vec::new());
        }
        // A head write that appends nothing puts a fence (an empty value, never an event) at
        // the next event key. On an atomic backend every write that changes the session writes
        // that key (its first event, or the fence), so the key is the session's compare-and-swap
        // slot (docs/storage.md, "One-record appends"): the write requires it to hold what its
        // reader saw. Left absent by this handle's own append, that alone proves nothing
        // changed since (every later write would have written it), so the head's bytes need
        // no check; otherwise (a read, which may not have seen the head and the key at one
        // instant, or a fence, which a write at the same count puts again) they are checked
        // too. Readers never read a key at or above the count; the next append overwrites it.
        let atomic = self.kv.capabilities().atomic_batches;
        let key = layout::session(&space_id, &id);
        match old {
            Some((prev, bytes)) => {
                let next = layout::event(&space_id, &id, prev.session.event_count);
                match (atomic, prev.read.next) {
                    (true, NextKey::Fence) => batch.require_equals(next.clone(), Vec::new()),
                    (true, _) => batch.require_absent(next.clone()),
                    (false, _) => &mut batch,
                };
                if !atomic || prev.read.next != NextKey::Appended {
                    batch.require_equals(key.clone(), bytes.to_vec());
                }
                if new.session.event_count == prev.session.event_count {
                    batch.put(next, Vec::new());
                }
            }
            None => {
                batch.require_absent(key.clone());
            }
        }
        let head = super::head::encode(new)?;
        // The head copy (layout::head_copy) rides in the same atomic batch, so it always
        // equals the head; backends without atomic batches neither write nor read it.
        if atomic {
            batch.put(layout::head_copy(&space_id, &id), head.clone());
        }
        // What the head stores once this batch commits, and what stands at its next event key.
        new.read = ReadState {
            next: match old {
                Some((prev, _)) if prev.session.event_count == new.session.event_count => {
                    NextKey::Fence
                }
                _ if atomic => NextKey::Appended,
                _ => NextKey::Unknown,
            },
            stored: Counters::of(&new.session),
        };
        batch.put(key, head); // commit point
        if let Some(t) = old_due.filter(|t| Some(*t) != new.next_due) {
            batch.delete(layout::due(t, &space_id, &id));
        }
        // Hiding a session (deleted, or waiting for its extraction) frees its key.
        let was_visible = old.is_some_and(|(r, _)| !r.is_hidden());
        if was_visible && new.is_hidden() {
            if let Some(k) = &new.session.deduplication_key {
                batch.delete(layout::session_dedup(&space_id, k));
            }
        }
        Ok(batch)
    }

    /// Loads a session head, rolls forward a committed journal, fires due strategies and
    /// records them. Returns the live head and its stored bytes; `gone` if it is deleted.
    pub(crate) async fn touch(
        &self,
        space: &Space,
        session_id: &str,
    ) -> Result<(SessionRecord, Vec<u8>)> {
        retry!(self.try_touch(space, session_id).await)
    }

    async fn try_touch(&self, space: &Space, session_id: &str) -> Result<(SessionRecord, Vec<u8>)> {
        if !ids::is_valid("ses", session_id) {
            return Err(Error::not_found(KIND, session_id));
        }
        let key = layout::session(&space.id, session_id);
        let Some((rec, bytes)) = self.load_head(&space.id, session_id).await? else {
            return Err(Error::not_found(KIND, session_id));
        };
        self.cache.remember(&key, &bytes);
        if rec.pending_tx.is_some() {
            self.roll_forward(&rec, &bytes).await?;
            return Err(Error::lost_race("journal rolled forward; reload"));
        }
        let (rec, bytes) = self.evaluate(space, rec, bytes).await?;
        if rec.is_hidden() {
            return Err(rec.gone());
        }
        Ok((rec, bytes))
    }

    /// The session head as this handle last saw it, if it has no pending journal (a guess).
    pub(crate) fn cached_head(
        &self,
        space_id: &str,
        session_id: &str,
    ) -> Option<(Rc<CachedHead>, Vec<u8>)> {
        let key = layout::session(space_id, session_id);
        let (head, bytes) = match self.cache.latest::<CachedHead>(&key) {
            Some(hit) => hit,
            None => {
                let bytes = self.cache.get(&key)?;
                let head = Rc::new(CachedHead::new(super::head::decode(&bytes).ok()?));
                self.cache.remember_decoded(&key, &bytes, head.clone());
                (head, bytes)
            }
        };
        head.rec.pending_tx.is_none().then_some((head, bytes))
    }

    /// Fires due strategies on a loaded head and commits the result if anything fired.
    pub(crate) async fn evaluate(
        &self,
        space: &Space,
        rec: SessionRecord,
        bytes: Vec<u8>,
    ) -> Result<(SessionRecord, Vec<u8>)> {
        if rec.is_hidden() {
            return Ok((rec, bytes));
        }
        let mut new = rec.clone();
        let jobs = fire_due(&mut new, space, self.host.now());
        if new == rec {
            return Ok((rec, bytes));
        }
        let batch = self.session_batch(Batch::new(), Some((&rec, &bytes)), &mut new, &jobs)?;
        self.commit(batch).await?;
        let new_bytes = super::head::encode(&new)?;
        Ok((new, new_bytes))
    }

    /// Gets a session of one of the caller's spaces.
    pub async fn get_session(&self, space_id: &str, session_id: &str) -> Result<Session> {
        let (space, _) = self.owned_space(space_id).await?;
        Ok(self.touch(&space, session_id).await?.0.session)
    }

    /// Lists live sessions of a space in creation order, filtered and paginated.
    pub async fn list_sessions(
        &self,
        space_id: &str,
        filter: SessionFilter,
    ) -> Result<Vec<Session>> {
        let (offset, limit) = validate::page(crate::model::Page {
            offset: filter.offset,
            limit: filter.limit,
        })?;
        if let Some(d) = &filter.description {
            validate::text("description", d, 3, 1000)?;
        }
        if let Some(ps) = &filter.participants {
            for p in ps {
                validate::ident("participants", p)?;
            }
        }
        let needle = filter.description.as_ref().map(|d| d.to_lowercase());
        let (space, _) = self.owned_space(space_id).await?;
        if let Some(key) = &filter.deduplication_key {
            return self
                .session_by_dedup_key(&space, key, &filter, needle.as_deref(), offset)
                .await;
        }
        let mut cursor = Cursor::new(layout::sessions_of(&space.id), SCAN_CHUNK);
        let mut page = Pager::new(offset, limit);
        loop {
            let chunk = cursor.next(self.kv.as_ref()).await?;
            if chunk.is_empty() {
                return Ok(page.into_items());
            }
            // Truncated on 32-bit targets: a smaller skip only folds more.
            let recs = self.fold_heads(&chunk, page.skip as usize).await?;
            for ((_, bytes), rec) in chunk.iter().zip(recs) {
                if rec.is_hidden() {
                    continue;
                }
                let matches = |s: &Session| {
                    filter.participants.as_ref().is_none_or(|ps| {
                        ps.is_empty() || ps.iter().any(|p| s.participants.contains(p))
                    }) && needle.as_ref().is_none_or(|n| {
                        s.description
                            .as_ref()
                            .is_some_and(|d| d.to_lowercase().contains(n.as_str()))
                    })
                };
                if !matches(&rec.session) {
                    continue;
                }
                // Lifecycle on the head just scanned; a journal to roll forward or a lost race
                // falls back to a full touch.
                let evaluated = match rec.pending_tx {
                    None => self.evaluate(&space, rec.clone(), bytes.clone()).await,
                    Some(_) => Err(Error::lost_race("journal pending")),
                };
                let session = match evaluated {
                    Ok((r, _)) if !r.is_hidden() => r.session,
                    Ok(_) => continue,
                    Err(e) if e.is_lost_race() => match self.touch(&space, &rec.session.id).await {
                        Ok((r, _)) => r.session,
                        Err(e) if e.code == ErrorCode::Gone => continue,
                        Err(e) => return Err(e),
                    },
                    Err(e) => return Err(e),
                };
                if page.offer(session) {
                    return Ok(page.into_items());
                }
            }
        }
    }

    /// `list_sessions` with a deduplication key: the live session holding it (one index read
    /// and one head read), if it passes the other filters and the page starts at 0.
    async fn session_by_dedup_key(
        &self,
        space: &Space,
        key: &str,
        filter: &SessionFilter,
        needle: Option<&str>,
        offset: u64,
    ) -> Result<Vec<Session>> {
        validate::dedup_key(&Some(key.to_string()))?;
        let Some((holder, _)) = self
            .load::<String>(&layout::session_dedup(&space.id, key))
            .await?
        else {
            return Ok(Vec::new());
        };
        let session = match self.touch(space, &holder).await {
            Ok((r, _)) => r.session,
            Err(e) if matches!(e.code, ErrorCode::Gone | ErrorCode::NotFound) => {
                return Ok(Vec::new()); // a stale claim
            }
            Err(e) => return Err(e),
        };
        let matches = session.deduplication_key.as_deref() == Some(key)
            && filter.participants.as_ref().is_none_or(|ps| {
                ps.is_empty() || ps.iter().any(|p| session.participants.contains(p))
            })
            && needle.is_none_or(|n| {
                session
                    .description
                    .as_ref()
                    .is_some_and(|d| d.to_lowercase().contains(n))
            });
        Ok(if matches && offset == 0 {
            vec![session]
        } else {
            Vec::new()
        })
    }

    /// Updates description, metadata or strategies; `if_match` guards against stale versions.
    pub async fn update_session(
        &self,
        space_id: &str,
        session_id: &str,
        update: SessionUpdate,
    ) -> Result<Session> {
        let _write = self.write_lock.acquire().await;
        validate::opt_text("description", &update.description.as_set().cloned(), 1000)?;
        validate::json_object("metadata", &update.metadata.as_set().cloned())?;
        let strategies = match &update.lifecycle_strategies {
            Some(list) if list.is_empty() => {
                return Err(Error::validation(
                    "lifecycle_strategies",
                    "cannot be cleared; give 1–5 strategies",
                ));
            }
            Some(list) => Some(validate::strategies(list.clone())?),
            None => None,
        };
        let (space, _) = self.owned_space(space_id).await?;
        retry!(
            self.try_update_session(&space, session_id, &update, &strategies)
                .await
        )
    }

    async fn try_update_session(
        &self,
        space: &Space,
        session_id: &str,
        update: &SessionUpdate,
        strategies: &Option<Vec<crate::model::LifecycleStrategy>>,
    ) -> Result<Session> {
        let (rec, bytes) = self.touch(space, session_id).await?;
        if let Some(v) = update.if_match {
            if v != rec.session.version {
                return Err(Error::conflict(format!(
                    "Session version mismatch: expected {v}, current {}",
                    rec.session.version
                ))
                .with("precondition", "if_match")
                .with("current_version", rec.session.version));
            }
        }
        if !update.description.is_given() && !update.metadata.is_given() && strategies.is_none() {
            return Ok(rec.session);
        }
        let mut new = rec.clone();
        let s = &mut new.session;
        update.description.clone().apply(&mut s.description);
        update.metadata.clone().apply(&mut s.metadata);
        if let Some(list) = strategies {
            for e in &s.executed_strategies {
                if list.get(e.index).is_some_and(|n| n.kind != e.kind) {
                    return Err(Error::conflict(format!(
                        "strategy {} already fired; its type cannot change",
                        e.index
                    ))
                    .with("precondition", "executed_strategy"));
                }
            }
            s.executed_strategies.retain(|e| e.index < list.len());
            s.lifecycle_strategies = list.clone();
        }
        s.version += 1;
        s.updated_at = self.host.now().max(s.updated_at);
        // New strategies may already be due (e.g. an eventCount below the current count).
        let jobs = fire_due(&mut new, space, self.host.now());
        let batch = self.session_batch(Batch::new(), Some((&rec, &bytes)), &mut new, &jobs)?;
        self.commit(batch).await?;
        Ok(new.session)
    }

    /// Soft-deletes a session: hidden from get and list, events unreadable, key freed.
    pub async fn delete_session(&self, space_id: &str, session_id: &str) -> Result<()> {
        let _write = self.write_lock.acquire().await;
        let (space, _) = self.owned_space(space_id).await?;
        retry!(self.try_delete_session(&space, session_id).await)
    }

    async fn try_delete_session(&self, space: &Space, session_id: &str) -> Result<()> {
        let (rec, bytes) = self.touch(space, session_id).await?;
        let mut new = rec.clone();
        new.session.deleted_at = Some(self.host.now());
        let batch = self.session_batch(Batch::new(), Some((&rec, &bytes)), &mut new, &[])?;
        self.commit(batch).await
    }
}
