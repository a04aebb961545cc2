//! Lazy lifecycle: which strategies are due, and what firing them does to a session head.
//!
//! No timers: every access to a session calls [`fire_due`] with the host's clock. A trigger
//! that has passed fires once, dated at the time it became due, and is recorded in
//! `executed_strategies`. Count triggers are checked right after the events that cross them.

use crate::host::Host;
use crate::ids;
use crate::model::{
    ExtractionJob, LifecycleStrategy, LlmSettings, Space, StrategyExecution, StrategyType, Trigger,
};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

use crate::model::Session;

/// The stored session head: the public session plus bookkeeping only the engine reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SessionRecord {
    /// The public record.
    #[serde(flatten)]
    pub session: Session,
    /// Earliest pending time trigger (mirrors the advisory `due/…` schedule entry).
    #[serde(default)]
    pub next_due: Option<Timestamp>,
    /// Events below this sequence id are covered by queued extraction jobs.
    #[serde(default)]
    pub extracted_through: u64,
    /// Id of a committed redo journal not yet rolled forward (non-atomic backends only).
    #[serde(default)]
    pub pending_tx: Option<String>,
    /// True when every typed event of the session has an `evt/…` index key (sessions created
    /// since the index exists); older sessions are filtered by type with a scan.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub type_index: bool,
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
        Trigger::EventCount(n) => (ses.event_count >= n).then_some(now),
        Trigger::TokenCount(n) => (ses.token_count >= n).then_some(now),
    }
}

/// The earliest time trigger still pending on a live session (what `sweep` waits for).
pub(crate) fn next_due(rec: &SessionRecord) -> Option<Timestamp> {
    if rec.session.deleted_at.is_some() {
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
    if rec.session.deleted_at.is_some() {
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

/// Fires every strategy due at `now`, in due order, until one deletes the session.
/// Returns the extraction jobs to write in the same commit.
pub(crate) fn fire_due(
    rec: &mut SessionRecord,
    space: &Space,
    now: Timestamp,
    host: &dyn Host,
) -> Vec<ExtractionJob> {
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
        if rec.session.deleted_at.is_some() {
            break;
        }
        let Some(strategy) = rec.session.lifecycle_strategies.get(index).cloned() else {
            continue;
        };
        let mut job_id = None;
        if strategy.kind == StrategyType::ExtractMemories {
            let id = ids::new_id("job", host);
            jobs.push(ExtractionJob {
                id: id.clone(),
                memory_space_id: space.id.clone(),
                session_id: rec.session.id.clone(),
                strategy_index: index,
                strategy: strategy.clone(),
                from_sequence_id: rec.extracted_through,
                to_sequence_id: rec.session.event_count,
                due_at,
                created_at: now,
                llm: LlmSettings {
                    llm_model_name: space.llm_model_name.clone(),
                    llm_base_url: space.llm_base_url.clone(),
                    custom_instructions: space.custom_instructions.clone(),
                },
                status: "pending".into(),
            });
            rec.extracted_through = rec.session.event_count;
            job_id = Some(id);
        }
        rec.session.executed_strategies.push(StrategyExecution {
            index,
            kind: strategy.kind,
            due_at,
            fired_at: now,
            job_id,
        });
        if strategy.deletes_session() {
            rec.session.deleted_at = Some(due_at);
        }
    }
    jobs
}
