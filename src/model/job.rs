//! Extraction jobs: the durable outbox entries that turn a range of a session's events into
//! memories, their states, and the inputs and reports of `run_extraction`, `commit_session`,
//! job listing and pruning. See docs/extraction.md.

use super::LifecycleStrategy;
use crate::host::LlmUsage;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Waiting to run, from `next_run_at` (its due time, or the end of a retry backoff).
    Pending,
    /// Claimed by a runner until `lease_until`; after that another runner may take it over.
    Running,
    /// Finished: its memories are committed (with the job, in the same commit).
    Done,
    /// Gave up after `max_attempts`, or cannot run (its space was deleted); see `last_error`.
    Failed,
}

impl JobStatus {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Pending => "pending",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
        }
    }
}

/// What queued a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// An `extract_memories` lifecycle strategy fired.
    Strategy,
    /// `commit_session` was called.
    Commit,
}

/// LLM settings of the space, copied into a job when it is queued (for audit; a run uses the
/// space's settings as they are when it runs, so a fixed `llm_base_url` helps a retry).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LlmSettings {
    /// Model name.
    pub llm_model_name: Option<String>,
    /// Chat API URL.
    pub llm_base_url: Option<String>,
    /// Custom extraction prompt.
    pub custom_instructions: Option<String>,
}

/// How a job extracts: from the strategy's `opts`, or `commit_session`'s arguments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtractionOptions {
    /// Agent id put in every memory's provenance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// Metadata merged into every memory's metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
    /// Items below this importance are dropped (0 for strategies).
    pub min_importance: f64,
    /// Also drop items whose normalised text repeats another item of the job (exact repeats of
    /// an existing memory are never stored twice either way).
    pub deduplicate: bool,
    /// Only these categories (`fact`, `preference`, `event`, `instruction`, a memory type or a
    /// subtype); empty = all.
    pub categories: Vec<String>,
    /// Most memories the job creates.
    pub max_memories: u32,
}

/// Where the next chunk of a job starts: an event and a part of it (long events are split).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobCursor {
    /// Sequence id of the event.
    pub sequence_id: u64,
    /// Part of that event's text (0 unless the event is longer than a chunk).
    pub part: u32,
}

/// What a job has done so far (counts over its committed chunks).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ExtractionStats {
    /// Valid items the model returned.
    pub extracted: u64,
    /// Items that repeated another item or an existing memory (nothing new stored).
    pub deduplicated: u64,
    /// Items dropped by `min_importance`, `categories` or `max_memories`.
    pub filtered: u64,
    /// Memories created.
    pub created: u64,
    /// Existing memories closed because a created one has the same logical key.
    pub superseded: u64,
    /// Item fields the model got wrong and memspace corrected or dropped (an unknown subtype,
    /// an importance out of range, a malformed tag or logical key).
    pub corrected: u64,
}

/// A failed attempt, kept on the job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobError {
    /// The error code (`upstream`, `storage`, `gone`, …).
    pub code: String,
    /// For `upstream`: `timeout`, `refusal`, `malformed_output`, `truncated`, `http`, `unavailable`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What happened.
    pub message: String,
    /// The attempt it ended (1-based).
    pub attempt: u32,
    /// When.
    pub at: Timestamp,
    /// The model's raw answer when it was unusable (at most 16 KiB), for debugging.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_output: Option<String>,
}

/// A durable request to extract memories from a range of a session's events (the outbox).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtractionJob {
    /// `job_…` id, derived from the session and `seq`.
    pub id: String,
    /// Space of the session.
    pub memory_space_id: String,
    /// Session whose events are extracted.
    pub session_id: String,
    /// The session's n-th job (0-based).
    pub seq: u64,
    /// What queued it.
    pub kind: JobKind,
    /// Index of the strategy that queued it (strategy jobs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy_index: Option<usize>,
    /// The strategy as it was when it fired (strategy jobs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<LifecycleStrategy>,
    /// How it extracts.
    pub options: ExtractionOptions,
    /// The session is hidden until this job is done, then soft-deleted (`softDelete`).
    pub soft_delete_after: bool,
    /// First sequence id covered (inclusive).
    pub from_sequence_id: u64,
    /// End of the covered range (exclusive).
    pub to_sequence_id: u64,
    /// When the trigger became due (or `commit_session` was called).
    pub due_at: Timestamp,
    /// When the job was queued.
    pub created_at: Timestamp,
    /// When the job record last changed.
    pub updated_at: Timestamp,
    /// The space's LLM settings when it was queued.
    pub llm: LlmSettings,
    /// Where it stands.
    pub status: JobStatus,
    /// Attempts started so far.
    pub attempts: u32,
    /// Attempts before it fails for good.
    pub max_attempts: u32,
    /// When `run_extraction` may take it next (pending: due or backoff end; running: lease
    /// end; `None` when nothing is left to do).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_run_at: Option<Timestamp>,
    /// A running job's lease end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_until: Option<Timestamp>,
    /// When the first attempt started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Timestamp>,
    /// When it became done or failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<Timestamp>,
    /// Where the next chunk starts (chunks before it are committed).
    pub cursor: JobCursor,
    /// Chunks committed.
    pub chunks_done: u32,
    /// Counts over committed chunks.
    pub stats: ExtractionStats,
    /// Memories created, by subtype (or type when the model gave no subtype).
    pub breakdown: BTreeMap<String, u64>,
    /// Ids of the memories it created, in order.
    pub memory_ids: Vec<String>,
    /// Tokens the model calls of committed chunks used.
    pub usage: LlmUsage,
    /// The last failed attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<JobError>,
    /// With `soft_delete_after`: the session has been soft-deleted.
    #[serde(default)]
    pub session_deleted: bool,
}

/// Filters and paging of `list_extraction_jobs` (in id order: by session, then seq).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct JobFilter {
    /// Only jobs in this state.
    pub status: Option<JobStatus>,
    /// Only jobs of this session.
    pub session_id: Option<String>,
    /// Items to skip.
    pub offset: Option<u64>,
    /// Items to return, 1–100 (default 100).
    pub limit: Option<u64>,
}

/// Options of `run_extraction`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct RunOptions {
    /// Most jobs to run, 1–100 (default 10).
    pub limit: Option<u32>,
    /// Only jobs of this space (one of the caller's); all spaces of the store otherwise.
    pub space_id: Option<String>,
    /// Lease of a claimed job in seconds, 10–3,600 (default 300); renewed at every chunk.
    pub lease_secs: Option<u64>,
    /// Transcript tokens per model call, 256–100,000 (default 6,000).
    pub chunk_tokens: Option<u32>,
}

/// How one job of a run ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobOutcome {
    /// The job.
    pub job_id: String,
    /// Its space.
    pub memory_space_id: String,
    /// Its session.
    pub session_id: String,
    /// Its state after the run.
    pub status: JobStatus,
    /// Attempts so far.
    pub attempts: u32,
    /// Memories this run created.
    pub memories_created: u64,
    /// This run soft-deleted the job's session (after its extraction).
    pub session_deleted: bool,
    /// Why the attempt failed (also kept on the job as `last_error`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<JobError>,
}

/// What `run_extraction` did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunReport {
    /// Jobs claimed and run.
    pub claimed: u64,
    /// Jobs that became done.
    pub done: u64,
    /// Jobs whose attempt failed and that wait for a retry.
    pub retrying: u64,
    /// Jobs that failed for good.
    pub failed: u64,
    /// Sessions soft-deleted after their extraction.
    pub sessions_deleted: u64,
    /// Memories created.
    pub memories_created: u64,
    /// One outcome per job run.
    pub jobs: Vec<JobOutcome>,
}

/// Arguments of `commit_session` (MemoryLayer's `commit_session`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct CommitOptions {
    /// Drop items below this importance (0–1, default 0.5).
    pub min_importance: Option<f64>,
    /// Drop items repeating another item (default true).
    pub deduplicate: Option<bool>,
    /// Only these categories (see [`ExtractionOptions::categories`]).
    pub categories: Option<Vec<String>>,
    /// Most memories to create, 1–500 (default 50).
    pub max_memories: Option<u32>,
    /// Agent id put in the memories' provenance.
    pub agent_id: Option<String>,
    /// Metadata merged into every memory.
    pub metadata: Option<Map<String, Value>>,
}

/// What `commit_session` did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommitReport {
    /// The session.
    pub session_id: String,
    /// The jobs it ran (the new one last; earlier unfinished jobs of the session first).
    pub job_ids: Vec<String>,
    /// Valid items the model returned.
    pub memories_extracted: u64,
    /// Items that repeated another item or an existing memory.
    pub memories_deduplicated: u64,
    /// Items dropped by `min_importance`, `categories` or `max_memories`.
    pub memories_filtered: u64,
    /// Memories created.
    pub memories_created: u64,
    /// Their ids.
    pub memory_ids: Vec<String>,
    /// Created memories by subtype (or type).
    pub breakdown: BTreeMap<String, u64>,
    /// Host-clock time the call took, in milliseconds.
    pub extraction_time_ms: u64,
}

/// Options of `prune_extraction_jobs`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct PruneOptions {
    /// Only jobs finished before this time (all done jobs otherwise).
    pub finished_before: Option<Timestamp>,
    /// Also prune failed jobs (their sessions stay hidden and are soft-deleted now).
    pub include_failed: bool,
    /// Most jobs to remove, 1–1,000 (default 100).
    pub limit: Option<u32>,
}
