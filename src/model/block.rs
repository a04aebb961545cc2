//! Core memory blocks: small texts an agent always has in front of its model (the user's
//! profile, the agent's persona, a task list), user-scoped or agent-scoped, updated with
//! conflict protection and versioned on every change.

use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// Who a block belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockScope {
    /// The space's user: shared by every agent working in the space.
    User,
    /// One agent (`agent_id`) in the space.
    Agent,
}

impl BlockScope {
    /// `user` or `agent`.
    pub fn as_str(self) -> &'static str {
        match self {
            BlockScope::User => "user",
            BlockScope::Agent => "agent",
        }
    }
}

/// Which blocks `list_blocks` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockListScope {
    /// The user's blocks.
    User,
    /// Agent blocks: of `agent_id` when given, else of every agent.
    Agent,
    /// Both: the user's first, then the agents' (of `agent_id` when given).
    All,
}

/// A block as returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemoryBlock {
    /// `blk_…` id, kept until the block is deleted.
    pub id: String,
    /// `core` or a named type (`persona`, `tasks`, …).
    pub block_type: String,
    /// The text (may be empty).
    pub content: String,
    /// `user` or `agent`.
    pub scope: BlockScope,
    /// The agent of an agent-scoped block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// What the block is for (rendered with it, so the model knows how to use it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Most tokens the content may hold.
    pub limit_tokens: u64,
    /// Most UTF-8 bytes the content may hold.
    pub limit_bytes: u64,
    /// True when updates and deletes are refused unless the update itself unlocks the block.
    pub read_only: bool,
    /// Tokens of the content (the host's counter, else the built-in estimate).
    pub tokens: u64,
    /// 1 on creation, +1 on every change.
    pub version: u64,
    /// Creation time.
    pub created_at: Timestamp,
    /// Time of the last change; strictly increases with every change, so it is the
    /// `expected_updated_at` token of the next update.
    pub updated_at: Timestamp,
}

/// Input of `update_block` (seed: `update(type, content, expected_updated_at)`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct BlockWrite {
    /// The new content (may be empty).
    pub content: String,
    /// Writes the agent-scoped block of this agent; absent: the user's block.
    pub agent_id: Option<String>,
    /// The `updated_at` last read. `None` only creates a missing block; an existing block
    /// needs its current `updated_at`, else `conflict` carrying the current one.
    pub expected_updated_at: Option<Timestamp>,
    /// New description (`""` clears it; absent keeps it).
    pub description: Option<String>,
    /// New token limit (absent keeps it; default on creation 2,000).
    pub limit_tokens: Option<u64>,
    /// New byte limit (absent keeps it; default on creation 8,192).
    pub limit_bytes: Option<u64>,
    /// Locks (`true`) or unlocks (`false`) the block; a locked block changes only through
    /// an update that passes `false`.
    pub read_only: Option<bool>,
}

/// Input of `list_blocks`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct BlockQuery {
    /// Which blocks (default: `agent` when `agent_id` is given, else `user`).
    pub scope: Option<BlockListScope>,
    /// Narrows agent blocks to this agent.
    pub agent_id: Option<String>,
}

/// What a block version records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockChange {
    /// The block was created.
    Created,
    /// Its content or settings changed.
    Updated,
    /// It was deleted.
    Deleted,
}

/// One recorded state of a block (its history, newest first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockVersion {
    /// The block version number this record produced.
    pub version: u64,
    /// `created`, `updated` or `deleted`.
    pub change: BlockChange,
    /// The block as it was after the change (`None` for `deleted` and redacted versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block: Option<MemoryBlock>,
    /// When the change was recorded.
    pub recorded_at: Timestamp,
}

/// One archival-memory match (seed 004 `MemoryRecallResult`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArchivalMatch {
    /// The matching memory's text.
    pub content: String,
    /// Recall's ranking score in [0, 1] (relevance with the importance and recency bias);
    /// matches come in this order.
    pub score: f64,
    /// Always `archival`: archival memory is the space's memories.
    pub block_type: String,
    /// `agent` for a memory an agent owns (its provenance names the agent), else `user`.
    pub scope: BlockScope,
    /// The owning agent of an agent-scoped match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// 1-based line of the content that matches the query best.
    pub line_number: u64,
    /// When the memory last changed.
    pub updated_at: Timestamp,
    /// The memory's id (for `get_memory`, `forget_memory`).
    pub memory_id: String,
}

/// Input of `recall_archival` (seed 004 `recall(query, agent_id?)`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct ArchivalQuery {
    /// What to look for.
    pub query: String,
    /// Also search this agent's memories (always: the user's).
    pub agent_id: Option<String>,
    /// Most matches, 1–100 (default 10).
    pub limit: Option<u32>,
    /// Least score, 0–1 (default 0: every match recall finds).
    pub min_score: Option<f64>,
}
