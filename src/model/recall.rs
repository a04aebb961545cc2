//! Recall and reflect (seed 003 `recall` / `reflect`; wire semantics of MemoryLayer's
//! `POST /v1/memories/recall`): the query, the result with its confidence, and `explain`.

use super::{GraphPath, Memory, MemorySubtype, MemoryType};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// How recall searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecallMode {
    /// Lexical + vector + exact channels, fused (the default).
    #[default]
    Rag,
    /// The host LLM rewrites the query first (needs an LLM; `unsupported` without one).
    Llm,
    /// `rag`, then `llm` when confidence is not strong (needs an LLM).
    Hybrid,
}

impl RecallMode {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            RecallMode::Rag => "rag",
            RecallMode::Llm => "llm",
            RecallMode::Hybrid => "hybrid",
        }
    }
}

/// Relevance floor presets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tolerance {
    /// Relevance ≥ 0.6.
    Strict,
    /// Relevance ≥ 0.3 (default).
    #[default]
    Moderate,
    /// Relevance ≥ 0.15.
    Loose,
}

/// Input of `recall`. Absent fields take the documented defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct RecallQuery {
    /// What to recall (1–4,096 characters; blank allowed only with `embedding`).
    pub query: String,
    /// Only these types (empty: all).
    pub types: Vec<MemoryType>,
    /// Only these subtypes (empty: all).
    pub subtypes: Vec<MemorySubtype>,
    /// Only memories carrying every one of these tags.
    pub tags: Vec<String>,
    /// Results to return, 1–100 (default 10).
    pub limit: Option<u32>,
    /// Results to skip (default 0, at most 1,000).
    pub offset: Option<u32>,
    /// Search mode (default `rag`).
    pub mode: Option<RecallMode>,
    /// Relevance threshold 0–1; unset: the tolerance floor; ≤ 0: no threshold at all.
    pub min_relevance: Option<f64>,
    /// Relevance floor preset (default `moderate`).
    pub tolerance: Option<Tolerance>,
    /// Weight of recency in the score, 0–1 (default 0.2).
    pub recency_weight: Option<f64>,
    /// Add memories linked to the results (default true).
    pub include_associations: Option<bool>,
    /// Hops to follow, 0–5 (default 2).
    pub traverse_depth: Option<u32>,
    /// At most this many linked memories, 1–500 (default 50).
    pub max_expansion: Option<u32>,
    /// Only memories created at or after this time.
    pub created_after: Option<Timestamp>,
    /// Only memories created before this time.
    pub created_before: Option<Timestamp>,
    /// Recall as of this time (default now): memories valid then, superseded ones included.
    pub valid_at: Option<Timestamp>,
    /// Stop adding results once their content would exceed this many tokens.
    pub budget_tokens: Option<u64>,
    /// Attach per-channel ranks, scores and bias terms to each result.
    pub explain: bool,
    /// The query's vector, of the space's embedding model (else the host embedder makes one).
    pub embedding: Option<Vec<f32>>,
}

/// Where one result stood in one channel.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelScore {
    /// 1-based rank in the channel.
    pub rank: u32,
    /// The channel's own score (BM25, cosine, share of the query a tag/key spells).
    pub score: f64,
    /// The channel's relevance in [0, 1].
    pub relevance: f64,
}

/// Why a result scored what it did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecallExplain {
    /// Lexical (BM25) channel, if it found the memory.
    pub lexical: Option<ChannelScore>,
    /// Vector (cosine) channel, if it found the memory.
    pub vector: Option<ChannelScore>,
    /// Exact tag / logical-key channel, if it found the memory.
    pub exact: Option<ChannelScore>,
    /// Relevance-weighted reciprocal-rank sum.
    pub rrf: f64,
    /// `rrf` normalised to [0, 1].
    pub fused: f64,
    /// Importance factor (0.8–1.0).
    pub importance_factor: f64,
    /// Recency factor (1 − w … 1).
    pub recency_factor: f64,
    /// Age in hours the recency factor used (from `created_at`).
    pub age_hours: f64,
    /// For a memory reached through associations: the result it was reached from and the
    /// path's strength (its score is that result's times the strength).
    pub via: Option<String>,
}

/// One recalled memory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecalledMemory {
    /// The memory.
    #[serde(flatten)]
    pub memory: Memory,
    /// Relevance to the query in [0, 1] (what thresholds compare).
    pub relevance_score: f64,
    /// The ranking score in [0, 1]: fused relevance with the importance and recency bias.
    pub boosted_score: f64,
    /// `search` (found by the query) or `association` (linked to a result).
    pub source: String,
    /// Present when the query asked for `explain`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explain: Option<RecallExplain>,
}

/// How much of a token budget the results used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BudgetSummary {
    /// The budget asked for.
    pub budget_tokens: u64,
    /// Tokens of the returned contents (the built-in estimate or the host's counter).
    pub used_tokens: u64,
    /// Results left out because they did not fit.
    pub omitted: u64,
}

/// What `recall` returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecallResult {
    /// The results, best first.
    pub memories: Vec<RecalledMemory>,
    /// Results above the threshold in all (before `offset`, `limit` and the budget).
    pub total_count: u64,
    /// The mode that produced the results.
    pub mode_used: RecallMode,
    /// Tokens of the query.
    pub query_tokens: u64,
    /// Wall time of the search as the host clock saw it.
    pub search_latency_ms: f64,
    /// `strong`, `moderate` or `weak` (weak also means "nothing relevant is remembered").
    pub retrieval_confidence: String,
    /// Why.
    pub confidence_reasons: Vec<String>,
    /// Present when `budget_tokens` was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_summary: Option<BudgetSummary>,
    /// The association paths that brought in `association` results.
    pub relation_paths: Vec<GraphPath>,
}

/// What `reflect` returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReflectResult {
    /// The host LLM's synthesis.
    pub reflection: String,
    /// Ids of the memories it was given (when `include_sources`).
    pub source_memories: Vec<String>,
    /// The recall confidence of those memories, as a number (strong 0.9, moderate 0.6, weak 0.3).
    pub confidence: f64,
    /// Tokens of the memories it was given.
    pub tokens_processed: u64,
}

/// Options of `reindex`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct ReindexOptions {
    /// Memories per step (1–1,000, default 200).
    pub batch_size: Option<u32>,
    /// Resume after this memory id (the `cursor` of the previous step's progress).
    pub cursor: Option<String>,
}

/// Progress of `reindex`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReindexProgress {
    /// Memories (records of any status) looked at in this run so far.
    pub processed: u64,
    /// Memories indexed by this run so far.
    pub indexed: u64,
    /// Index entries removed because no indexable record backs them.
    pub removed: u64,
    /// Where to resume; `None` when done.
    pub cursor: Option<String>,
    /// True when the whole space was covered.
    pub done: bool,
    /// Memory records of the space (any status) when the step ran: `processed` reaches it
    /// when a rebuild from the start is done (a progress bar's denominator).
    pub total: u64,
}

/// The result of comparing a space's index with its records.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IndexCheck {
    /// Records that should be indexed (active or superseded).
    pub records_indexable: u64,
    /// Memories the index holds.
    pub indexed: u64,
    /// Indexable records the index lacks.
    pub missing: Vec<String>,
    /// Index entries without an indexable record.
    pub orphans: Vec<String>,
    /// Memories whose postings or doc entry differ from what their record implies.
    pub stale: Vec<String>,
    /// True when the head's statistics equal the sums over the doc table.
    pub stats_consistent: bool,
}

impl IndexCheck {
    /// True when index and records agree.
    pub fn is_consistent(&self) -> bool {
        self.missing.is_empty()
            && self.orphans.is_empty()
            && self.stale.is_empty()
            && self.stats_consistent
    }
}
