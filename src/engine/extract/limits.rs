//! Every limit and default of extraction, in one place (documented in docs/extraction.md).

/// Attempts before a job fails for good.
pub const MAX_ATTEMPTS: u32 = 5;
/// First retry delay; it doubles with every failed attempt.
pub const BACKOFF_BASE_SECS: i64 = 30;
/// Longest retry delay.
pub const BACKOFF_MAX_SECS: i64 = 3600;
/// Default lease of a claimed job.
pub const DEFAULT_LEASE_SECS: u64 = 300;
/// Shortest and longest lease a caller may ask for.
pub const LEASE_SECS: std::ops::RangeInclusive<u64> = 10..=3600;
/// Default jobs per `run_extraction`.
pub const DEFAULT_RUN_LIMIT: u32 = 10;
/// Most jobs per `run_extraction`.
pub const MAX_RUN_LIMIT: u32 = 100;
/// Default transcript tokens per model call.
pub const DEFAULT_CHUNK_TOKENS: u32 = 6000;
/// Smallest and largest transcript budget per model call.
pub const CHUNK_TOKENS: std::ops::RangeInclusive<u32> = 256..=100_000;
/// Most tokens the model may answer with per call.
pub const ANSWER_MAX_TOKENS: u32 = 4096;
/// Most memories a strategy job creates.
pub const STRATEGY_MAX_MEMORIES: u32 = 500;
/// Default and largest `max_memories` of `commit_session`.
pub const COMMIT_DEFAULT_MAX_MEMORIES: u32 = 50;
/// Largest `max_memories` of `commit_session`.
pub const COMMIT_MAX_MEMORIES: u32 = 500;
/// Default `min_importance` of `commit_session`.
pub const COMMIT_DEFAULT_MIN_IMPORTANCE: f64 = 0.5;
/// Most items one model answer may hold (more is malformed output).
pub const MAX_ITEMS_PER_ANSWER: usize = 200;
/// Longest raw model answer kept on a failed job, in bytes.
pub const RAW_OUTPUT_MAX_BYTES: usize = 16 * 1024;
/// Existing logical keys of the space shown to the model, at most.
pub const KNOWN_KEYS_IN_PROMPT: usize = 50;
/// Tokens of the session's working context shown to the model, at most (keys past it are
/// left out, in key order).
pub const WORKING_CONTEXT_TOKENS: u64 = 1000;
/// Longest working-context line (`key: JSON value`) shown to the model, in characters.
pub const WORKING_LINE_MAX_CHARS: usize = 400;
/// Most queue entries one `run_extraction` looks at (stale ones included).
pub const MAX_EXAMINED: usize = 1000;
/// Default and largest jobs removed by one prune call.
pub const DEFAULT_PRUNE: u32 = 100;
/// Largest prune call.
pub const MAX_PRUNE: u32 = 1000;
/// Records read per scan step.
pub const SCAN_CHUNK: usize = 64;

/// The retry delay after failed attempt number `attempt` (1-based): 30 s, 60 s, 120 s, …, 1 h.
pub fn backoff_secs(attempt: u32) -> i64 {
    let shift = attempt.saturating_sub(1).min(20);
    (BACKOFF_BASE_SECS << shift).min(BACKOFF_MAX_SECS)
}

/// Largest memory content, in bytes (the memory limit).
pub const ITEM_CONTENT_MAX_BYTES: usize = 16 * 1024;
/// Most tags kept per extracted memory.
pub const ITEM_TAGS_MAX: usize = 32;
/// Longest tag, in characters.
pub const ITEM_TAG_MAX_CHARS: usize = 64;
/// Longest logical key, in characters.
pub const ITEM_KEY_MAX_CHARS: usize = 128;
