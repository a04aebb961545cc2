//! Lazy lifecycle: which strategies are due, and what firing them does to a session head.
//!
//! No timers: every access to a session calls [`fire_due`] with the host's clock. A trigger
//! that has passed fires once, dated at the time it became due, and is recorded in
//! `executed_strategies`. Count triggers are checked right after the events that cross them.
//!
//! An `extract_memories` strategy with `softDelete` (the default) does not delete the session
//! when it fires: it hides it (users get `gone`) and its job soft-deletes it once done, so
//! the extractor can still read the events ("soft delete after, not before").

use super::extract::jobs::{queue_job, strategy_options, JobRecord, NewJob};
use crate::model::{JobKind, LifecycleStrategy, Space, StrategyExecution, StrategyType, Trigger};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

use crate::model::Session;

/// The stored session head: the public session plus bookkeeping only the engine reads.
/// Stored in [`super::head`]'s compact format; heads stored as JSON (format 2, the session's
/// fields beside the bookkeeping) are still read, through [`StoredHead`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SessionRecord {
    /// The public record.
    pub session: Session,
    /// Earliest pending time trigger (mirrors the advisory `due/…` schedule entry).
    pub next_due: Option<Timestamp>,
    /// Events below this sequence id are covered by queued extraction jobs.
    pub extracted_through: u64,
    /// Id of a committed redo journal not yet rolled forward (non-atomic backends only).
    pub pending_tx: Option<String>,
    /// True when every typed event of the session has an `evt/…` index key (sessions created
    /// since the index exists); older sessions are filtered by type with a scan.
    pub type_index: bool,
    /// True when typed events are indexed by page marks (`etp/…`, sessions created since the
    /// marks exist) instead of one `evt/…` key per event.
    pub type_pages: bool,
    /// True when appends mark a stretch of pages with one run mark (`etp/…/type/last/first`);
    /// sessions created before keep one page mark per page, as earlier versions read them. The
    /// head's flag makes those versions refuse the session rather than miss its events.
    pub type_runs: bool,
    /// The newest page marked per event type, for a few types: an append into a page already
    /// marked for its type writes no mark. Only ever skips a write the mark already made.
    pub type_marks: Vec<(String, u64)>,
    /// Events deleted one by one (`delete_event`): `event_count` stays the next sequence id,
    /// and `event_count - deleted_events` events are live (what `eventCount` triggers count).
    pub deleted_events: u64,
    /// Extraction jobs queued for the session so far (the next job's `seq`).
    pub job_seq: u64,
    /// Set while the session is hidden waiting for an extraction job to finish before its
    /// soft delete.
    pub awaiting_extraction: Option<AwaitingExtraction>,
    /// What reading or writing this head learnt about the stored state (never stored).
    pub read: ReadState,
}

/// The counters an append changes, as a head or an event states them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counters {
    /// `event_count`.
    pub events: u64,
    /// `token_count`.
    pub tokens: u64,
    /// `last_event_at`.
    pub last_event_at: Option<Timestamp>,
}

/// What a reader or writer of a head learnt about its stored state besides the record: what
/// the next event key held and the stored head's own counters (the record's may be folded,
/// docs/storage.md, "One-record appends"). Not part of the record's value: records compare
/// equal whatever their `ReadState` says.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ReadState {
    /// What `ev/…/event_count` held.
    pub next: NextKey,
    /// The counters of the head stored at `se/…`, before any fold.
    pub stored: Counters,
}

impl PartialEq for ReadState {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Counters {
    /// A session's counters.
    pub(crate) fn of(s: &Session) -> Self {
        Counters {
            events: s.event_count,
            tokens: s.token_count,
            last_event_at: s.last_event_at,
        }
    }

    /// Sets a session's counters.
    pub(crate) fn apply(self, s: &mut Session) {
        s.event_count = self.events;
        s.token_count = self.tokens;
        s.last_event_at = self.last_event_at;
    }
}

/// What a session's next event key held when its head was read or written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum NextKey {
    /// Not read (a backend without atomic batches, or a head decoded alone).
    #[default]
    Unknown,
    /// No key there (as a read found it).
    Absent,
    /// No key there: this handle's own commit (an append, or the session's creation) left
    /// it so, so nothing has changed the session since as long as it stays absent.
    Appended,
    /// The fence of a head write that appended nothing (an empty value).
    Fence,
}

/// A JSON session head (format 2) as read: [`Session`]'s fields and the bookkeeping side by side.
/// `#[serde(flatten)]` would read the same JSON, but through serde's buffered map, a second
/// copy of every session field's deserializer (about 10 KB of the npm package's default
/// module); the conversion below names every field, so a field added to [`Session`] or
/// [`SessionRecord`] fails to compile until it is added here.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StoredHead {
    id: String,
    memory_space_id: String,
    participants: Vec<String>,
    description: Option<String>,
    metadata: Option<serde_json::Map<String, serde_json::Value>>,
    lifecycle_strategies: Vec<LifecycleStrategy>,
    version: u64,
    deduplication_key: Option<String>,
    created_at: Timestamp,
    updated_at: Timestamp,
    event_count: u64,
    token_count: u64,
    last_event_at: Option<Timestamp>,
    executed_strategies: Vec<StrategyExecution>,
    #[serde(default)]
    deleted_at: Option<Timestamp>,
    #[serde(default)]
    touched_at: Option<Timestamp>,
    #[serde(default)]
    expires_at: Option<Timestamp>,
    #[serde(default)]
    next_due: Option<Timestamp>,
    #[serde(default)]
    extracted_through: u64,
    #[serde(default)]
    pending_tx: Option<String>,
    #[serde(default)]
    type_index: bool,
    #[serde(default)]
    type_pages: bool,
    #[serde(default)]
    type_marks: Vec<(String, u64)>,
    #[serde(default)]
    deleted_events: u64,
    #[serde(default)]
    job_seq: u64,
    #[serde(default)]
    awaiting_extraction: Option<AwaitingExtraction>,
}

impl From<StoredHead> for SessionRecord {
    fn from(h: StoredHead) -> Self {
        SessionRecord {
            session: Session {
                id: h.id,
                memory_space_id: h.memory_space_id,
                participants: h.participants,
                description: h.description,
                metadata: h.metadata,
                lifecycle_strategies: h.lifecycle_strategies,
                version: h.version,
                deduplication_key: h.deduplication_key,
                created_at: h.created_at,
                updated_at: h.updated_at,
                event_count: h.event_count,
                token_count: h.token_count,
                last_event_at: h.last_event_at,
                executed_strategies: h.executed_strategies,
                deleted_at: h.deleted_at,
                touched_at: h.touched_at,
                expires_at: h.expires_at,
            },
            next_due: h.next_due,
            extracted_through: h.extracted_through,
            pending_tx: h.pending_tx,
            type_index: h.type_index,
            type_pages: h.type_pages,
            type_runs: false,
            type_marks: h.type_marks,
            deleted_events: h.deleted_events,
            job_seq: h.job_seq,
            awaiting_extraction: h.awaiting_extraction,
            read: ReadState::default(),
        }
    }
}

/// A session hidden until its extraction job is done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AwaitingExtraction {
    /// The job whose completion soft-deletes the session.
    pub job_id: String,
    /// When the strategy fired (the session is hidden since then).
    pub since: Timestamp,
}

/// Event types whose newest marked page a head remembers.
const MARKED_TYPES: usize = 8;

impl SessionRecord {
    /// Records that `page` is marked for `event_type`; false when the head already knew (no
    /// mark to write). Keeps the [`MARKED_TYPES`] types with the newest pages.
    pub(crate) fn mark_type_page(&mut self, event_type: &str, page: u64) -> bool {
        if let Some(m) = self.type_marks.iter_mut().find(|(t, _)| t == event_type) {
            if m.1 == page {
                return false;
            }
            m.1 = page;
            return true;
        }
        if self.type_marks.len() >= MARKED_TYPES {
            if let Some(oldest) = (0..self.type_marks.len()).min_by_key(|i| self.type_marks[*i].1) {
                self.type_marks.swap_remove(oldest);
            }
        }
        self.type_marks.push((event_type.to_string(), page));
        true
    }

    /// Events posted and not deleted since.
    pub(crate) fn live_events(&self) -> u64 {
        self.session.event_count.saturating_sub(self.deleted_events)
    }

    /// True when users can no longer see the session: deleted, or hidden until extracted.
    pub(crate) fn is_hidden(&self) -> bool {
        self.session.deleted_at.is_some() || self.awaiting_extraction.is_some()
    }

    /// The `gone` error for a hidden session, saying why and what happens next.
    pub(crate) fn gone(&self) -> crate::Error {
        let id = &self.session.id;
        match &self.awaiting_extraction {
            Some(a) => crate::Error::new(
                crate::ErrorCode::Gone,
                format!(
                    "session {id} is hidden since {}: its extract_memories strategy fired with \
                     softDelete, so its events stay readable only to the extractor until job {} \
                     is done (run_extraction), and then the session is soft-deleted",
                    a.since, a.job_id
                ),
            )
            .with("kind", super::sessions::KIND)
            .with("id", id.as_str())
            .with("state", "awaiting_extraction")
            .with("job_id", a.job_id.as_str())
            .with("hidden_since", a.since.to_string()),
            None => crate::Error::gone(super::sessions::KIND, id),
        }
    }
}

fn executed(rec: &SessionRecord, index: usize) -> bool {
    rec.session
        .executed_strategies
        .iter()
        .any(|e| e.index == index)
}

/// When strategy `s` is (or was) due, if it is known yet.
fn due_at(s: &LifecycleStrategy, rec: &SessionRecord, now: Timestamp) -> Option<Timestamp> {
    let ses = &rec.session;
    match s.trigger {
        Trigger::Ttl(secs) => Some(ses.created_at.plus_secs(secs as i64)),
        Trigger::Idle(secs) => Some(
            ses.last_event_at
                .unwrap_or(ses.created_at)
                .max(ses.touched_at.unwrap_or(ses.created_at))
                .plus_secs(secs as i64),
        ),
        Trigger::EventCount(n) => (rec.live_events() >= n).then_some(now),
        Trigger::TokenCount(n) => (ses.token_count >= n).then_some(now),
    }
}

/// Sets a head's schedule fields (`next_due`, `expires_at`) from its strategies.
pub(crate) fn schedule(rec: &mut SessionRecord) {
    rec.next_due = next_due(rec);
    rec.session.expires_at = expires_at(rec);
}

/// The earliest time trigger still pending on a live session (what `sweep` waits for).
pub(crate) fn next_due(rec: &SessionRecord) -> Option<Timestamp> {
    if rec.is_hidden() {
        return None;
    }
    rec.session
        .lifecycle_strategies
        .iter()
        .enumerate()
        .filter(|(i, s)| {
            !executed(rec, *i) && matches!(s.trigger, Trigger::Ttl(_) | Trigger::Idle(_))
        })
        .filter_map(|(_, s)| due_at(s, rec, Timestamp(i64::MAX)))
        .min()
}

/// When the first pending `ttl`/`idle` strategy that deletes the session is due (what a
/// MemoryLayer-style session calls `expires_at`).
pub(crate) fn expires_at(rec: &SessionRecord) -> Option<Timestamp> {
    if rec.is_hidden() {
        return None;
    }
    rec.session
        .lifecycle_strategies
        .iter()
        .enumerate()
        .filter(|(i, s)| {
            !executed(rec, *i)
                && s.deletes_session()
                && matches!(s.trigger, Trigger::Ttl(_) | Trigger::Idle(_))
        })
        .filter_map(|(_, s)| due_at(s, rec, Timestamp(i64::MAX)))
        .min()
}

/// Fires every strategy due at `now`, in due order, until one deletes or hides the session.
/// Returns the extraction jobs to write in the same commit.
pub(crate) fn fire_due(rec: &mut SessionRecord, space: &Space, now: Timestamp) -> Vec<JobRecord> {
    let mut due: Vec<(Timestamp, usize)> = rec
        .session
        .lifecycle_strategies
        .iter()
        .enumerate()
        .filter(|(i, _)| !executed(rec, *i))
        .filter_map(|(i, s)| due_at(s, rec, now).filter(|t| *t <= now).map(|t| (t, i)))
        .collect();
    due.sort();
    let mut jobs = Vec::new();
    for (due_at, index) in due {
        if rec.is_hidden() {
            break;
        }
        let Some(strategy) = rec.session.lifecycle_strategies.get(index).cloned() else {
            continue;
        };
        let mut job_id = None;
        let deletes = strategy.deletes_session();
        if strategy.kind == StrategyType::ExtractMemories {
            let new = NewJob {
                kind: JobKind::Strategy,
                strategy_index: Some(index),
                options: strategy_options(&strategy),
                strategy: Some(strategy.clone()),
                soft_delete_after: deletes,
                due_at,
            };
            if let Some(job) = queue_job(rec, space, now, new) {
                job_id = Some(job.job.id.clone());
                jobs.push(job);
            }
        }
        rec.session.executed_strategies.push(StrategyExecution {
            index,
            kind: strategy.kind,
            due_at,
            fired_at: now,
            job_id: job_id.clone(),
        });
        match (deletes, job_id) {
            (false, _) => {}
            // Soft delete after, not before: hidden now, deleted when the job is done.
            (true, Some(job_id)) if strategy.kind == StrategyType::ExtractMemories => {
                rec.awaiting_extraction = Some(AwaitingExtraction {
                    job_id,
                    since: due_at,
                });
            }
            (true, _) => rec.session.deleted_at = Some(due_at),
        }
    }
    jobs
}
