//! The memory context an agent puts in front of its model every turn (`context_for`): core
//! blocks, archival matches and the newest session events, within a token budget.

use super::{ArchivalMatch, Event, MemoryBlock};
use serde::{Deserialize, Serialize};

/// Whether archival memory goes into the prompt (seed 004 `archival_mode`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArchivalMode {
    /// Never: the agent recalls archival memory through a tool when it needs it (default).
    #[default]
    ToolOnly,
    /// Recall archival memory for the turn's query and add the bounded matches.
    Auto,
}

/// Per-run memory policy (seed 004 `MemoryPolicy`). Absent fields take the defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct MemoryPolicy {
    /// `tool_only` (default) or `auto`.
    pub archival_mode: Option<ArchivalMode>,
    /// Most archival matches with `auto`, 1–50 (default 5).
    pub archival_limit: Option<u32>,
    /// Least score of an archival match with `auto`, 0–1 (default 0.25).
    pub archival_min_score: Option<f64>,
    /// Include the user's core blocks (default true).
    pub include_user_core: Option<bool>,
    /// Include the agent's core blocks (default true; needs `agent_id`).
    pub include_agent_core: Option<bool>,
}

/// Input of `context_for`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct ContextRequest {
    /// The agent whose blocks (and archival memories) are included.
    pub agent_id: Option<String>,
    /// The session whose newest events are included.
    pub session_id: Option<String>,
    /// The turn's query for archival recall; default: the text of the session's newest
    /// event from a user.
    pub query: Option<String>,
    /// The whole context's budget in tokens, 1–1,000,000 (default 4,096); never exceeded.
    pub budget_tokens: Option<u64>,
    /// The memory policy.
    pub policy: MemoryPolicy,
    /// Re-read the blocks from storage instead of the handle's snapshot.
    pub refresh: bool,
}

/// Which part of the context.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContextPartKind {
    /// The user's core blocks.
    UserCore,
    /// The agent's core blocks.
    AgentCore,
    /// The session's newest events.
    Events,
    /// Archival matches for the turn's query.
    Archival,
}

/// One part of the context, in render order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContextPart {
    /// Which part.
    pub kind: ContextPartKind,
    /// Its text (empty when nothing of it is included).
    pub rendered: String,
    /// Tokens of `rendered`.
    pub tokens: u64,
    /// Items included (blocks, events or matches).
    pub included: u64,
    /// Items left out because they did not fit the budget.
    pub omitted: u64,
}

/// The frozen block snapshot: the block parts of the context, which stay byte for byte the
/// same across turns until a block changes (or the caller asks to refresh), so a model
/// provider's prefix cache keeps hitting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockSnapshot {
    /// Lowercase hex SHA-256 of the snapshot's bytes (the user and agent core parts).
    pub hash: String,
    /// Tokens of the snapshot.
    pub tokens: u64,
    /// The block state it was rendered from (changes with every block write in the space).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocks_version: Option<String>,
    /// True when this handle's cached snapshot was used (no block was read).
    pub reused: bool,
}

/// What `context_for` returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemoryContext {
    /// The memory context to send: the non-empty parts' texts, in part order, joined by a
    /// line break.
    pub rendered: String,
    /// Tokens of `rendered`; never more than `budget_tokens`.
    pub tokens: u64,
    /// The budget it was assembled for.
    pub budget_tokens: u64,
    /// The parts: user core, agent core, events, archival.
    pub parts: Vec<ContextPart>,
    /// The block snapshot.
    pub snapshot: BlockSnapshot,
    /// The blocks included (user's first).
    pub blocks: Vec<MemoryBlock>,
    /// The events included, oldest first.
    pub events: Vec<Event>,
    /// The archival matches included, best first.
    pub archival: Vec<ArchivalMatch>,
    /// The query archival recall ran with (`None` when it did not run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
}
