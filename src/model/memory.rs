//! Memories (seed 003): facts, episodes and procedures an agent can be reminded of, with
//! validity in time, supersession by logical key, soft and hard forgetting, and provenance.

use super::association::Traversal;
use crate::error::Error;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What kind of memory it is (seed 003 `MemoryType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemoryType {
    /// Something that happened (an event, an error met, a conversation).
    Episodic,
    /// A fact or preference that holds (the default).
    Semantic,
    /// How to do something (a workflow, a fix, a directive).
    Procedural,
    /// Short-lived task context.
    Working,
}

impl MemoryType {
    /// All types, in documentation order.
    pub const ALL: [MemoryType; 4] = [
        MemoryType::Episodic,
        MemoryType::Semantic,
        MemoryType::Procedural,
        MemoryType::Working,
    ];

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            MemoryType::Episodic => "episodic",
            MemoryType::Semantic => "semantic",
            MemoryType::Procedural => "procedural",
            MemoryType::Working => "working",
        }
    }

    /// Parses a snake_case name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// The twelve subtypes of seed 003 (`MemorySubtype`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemorySubtype {
    /// A way a problem was solved.
    Solution,
    /// A problem met.
    Problem,
    /// A reusable code pattern.
    CodePattern,
    /// A fix applied.
    Fix,
    /// An error seen.
    Error,
    /// A sequence of steps.
    Workflow,
    /// Something the user prefers.
    Preference,
    /// Something decided.
    Decision,
    /// A fact about the user or agent.
    Profile,
    /// A person, place, thing or project.
    Entity,
    /// Something that happened at a time.
    Event,
    /// An instruction to follow.
    Directive,
}

impl MemorySubtype {
    /// All subtypes, in seed order.
    pub const ALL: [MemorySubtype; 12] = [
        MemorySubtype::Solution,
        MemorySubtype::Problem,
        MemorySubtype::CodePattern,
        MemorySubtype::Fix,
        MemorySubtype::Error,
        MemorySubtype::Workflow,
        MemorySubtype::Preference,
        MemorySubtype::Decision,
        MemorySubtype::Profile,
        MemorySubtype::Entity,
        MemorySubtype::Event,
        MemorySubtype::Directive,
    ];

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            MemorySubtype::Solution => "solution",
            MemorySubtype::Problem => "problem",
            MemorySubtype::CodePattern => "code_pattern",
            MemorySubtype::Fix => "fix",
            MemorySubtype::Error => "error",
            MemorySubtype::Workflow => "workflow",
            MemorySubtype::Preference => "preference",
            MemorySubtype::Decision => "decision",
            MemorySubtype::Profile => "profile",
            MemorySubtype::Entity => "entity",
            MemorySubtype::Event => "event",
            MemorySubtype::Directive => "directive",
        }
    }

    /// Parses a snake_case name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The type a memory of this subtype gets when the caller gives none.
    pub fn default_type(self) -> MemoryType {
        match self {
            MemorySubtype::Preference
            | MemorySubtype::Decision
            | MemorySubtype::Profile
            | MemorySubtype::Entity => MemoryType::Semantic,
            MemorySubtype::Event | MemorySubtype::Error | MemorySubtype::Problem => {
                MemoryType::Episodic
            }
            MemorySubtype::Solution
            | MemorySubtype::Fix
            | MemorySubtype::CodePattern
            | MemorySubtype::Workflow
            | MemorySubtype::Directive => MemoryType::Procedural,
        }
    }
}

/// Where a memory stands. As returned, `expired` also covers a memory whose `expires_at` has
/// passed but whose expiry has not been recorded yet (see `docs/memories.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemoryStatus {
    /// Current: listed and recalled.
    Active,
    /// Closed by a newer memory with the same logical key: readable through get, trace and
    /// lists that ask for it, recalled only as of a time when it was valid.
    Superseded,
    /// Soft-forgotten: hidden from lists, recall and traversal; kept for trace; restorable.
    Forgotten,
    /// Past its `expires_at`: hidden like a forgotten memory.
    Expired,
    /// Hard-forgotten: a content-free tombstone kept for audit.
    Deleted,
}

impl MemoryStatus {
    /// All statuses.
    pub const ALL: [MemoryStatus; 5] = [
        MemoryStatus::Active,
        MemoryStatus::Superseded,
        MemoryStatus::Forgotten,
        MemoryStatus::Expired,
        MemoryStatus::Deleted,
    ];

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            MemoryStatus::Active => "active",
            MemoryStatus::Superseded => "superseded",
            MemoryStatus::Forgotten => "forgotten",
            MemoryStatus::Expired => "expired",
            MemoryStatus::Deleted => "deleted",
        }
    }

    /// True for the statuses `get` answers with the memory (the others are `gone`).
    pub fn is_readable(self) -> bool {
        matches!(self, MemoryStatus::Active | MemoryStatus::Superseded)
    }
}

/// What produced a memory's current version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemoryChange {
    /// `remember`.
    Created,
    /// `update_memory` (content, importance, tags or metadata).
    Updated,
    /// `decay_memory`.
    Decayed,
    /// Closed by a newer memory with the same logical key.
    Superseded,
    /// Soft `forget_memory`.
    Forgotten,
    /// `restore_memory`.
    Restored,
    /// Its expiry was recorded (by `sweep` or a write that met it).
    Expired,
    /// Hard `forget_memory`: the tombstone.
    Deleted,
}

/// Where a memory came from: set by extraction, or by the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct Provenance {
    /// Free-form origin label, e.g. `user`, `agent`, `extraction`, `import` (≤ 64 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The session it was learned in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// First event (sequence id) it was learned from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_from: Option<u64>,
    /// Last event (sequence id, inclusive) it was learned from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_to: Option<u64>,
    /// The extraction job that produced it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    /// The agent that produced or owns it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
}

impl Provenance {
    /// True when nothing is set.
    pub fn is_empty(&self) -> bool {
        *self == Provenance::default()
    }
}

/// A memory as returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Memory {
    /// `mry_…` id.
    pub id: String,
    /// The space it belongs to.
    pub memory_space_id: String,
    /// The text (empty only on a hard-forgotten tombstone).
    pub content: String,
    /// `episodic`, `semantic`, `procedural` or `working`.
    #[serde(rename = "type")]
    pub memory_type: MemoryType,
    /// One of the twelve subtypes, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtype: Option<MemorySubtype>,
    /// 0–1 (default 0.5).
    pub importance: f64,
    /// A set: unique, sorted.
    pub tags: Vec<String>,
    /// Custom JSON object.
    pub metadata: Map<String, Value>,
    /// Optional context (e.g. a project or conversation thread) it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_id: Option<String>,
    /// Optional logical key (`user.city`): a newer memory with the same key supersedes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logical_key: Option<String>,
    /// Where it came from.
    #[serde(default, skip_serializing_if = "Provenance::is_empty")]
    pub provenance: Provenance,
    /// Lowercase hex SHA-256 of the content bytes (empty on a tombstone).
    pub content_hash: String,
    /// Where it stands (expiry applied as of the read).
    pub status: MemoryStatus,
    /// 1 on remember, +1 on every change: the `expected_version` token.
    pub version: u64,
    /// What produced this version.
    pub last_change: MemoryChange,
    /// When it was remembered.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// When it became true (default: when it was remembered).
    pub valid_at: Timestamp,
    /// When it stopped being true (set by supersession).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid_at: Option<Timestamp>,
    /// When it stops being shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
    /// The memory that superseded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<String>,
    /// When it was forgotten (soft or hard).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forgotten_at: Option<Timestamp>,
}

impl Memory {
    /// True when the memory is valid at time `at` (`valid_at ≤ at < invalid_at`).
    pub fn valid_at_time(&self, at: Timestamp) -> bool {
        self.valid_at <= at && self.invalid_at.is_none_or(|i| at < i)
    }
}

/// Input of `remember`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct NewMemory {
    /// The text: not blank, at most 16 KiB (16,384 bytes of UTF-8); stored exactly as given.
    pub content: String,
    /// Type; when absent, derived from the subtype, else `semantic`.
    #[serde(rename = "type")]
    pub memory_type: Option<MemoryType>,
    /// Subtype.
    pub subtype: Option<MemorySubtype>,
    /// 0–1 (default 0.5).
    pub importance: Option<f64>,
    /// At most 32 tags of 1–64 characters; duplicates collapse.
    pub tags: Vec<String>,
    /// A JSON object of at most 16 KiB encoded.
    pub metadata: Option<Map<String, Value>>,
    /// Context id (1–128 characters).
    pub context_id: Option<String>,
    /// Logical key (1–128 characters): supersedes the current memory with the same key.
    pub logical_key: Option<String>,
    /// When it became true (default: now).
    pub valid_at: Option<Timestamp>,
    /// When it stops being shown (must be in the future).
    pub expires_at: Option<Timestamp>,
    /// Where it came from.
    pub provenance: Option<Provenance>,
    /// Idempotency key (1–128 characters): a second remember with it returns the first memory.
    pub idempotency_key: Option<String>,
}

/// What `remember` did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Remembered {
    /// The memory (the existing one when replayed).
    pub memory: Memory,
    /// True when an idempotency key or the same content (hash, context and logical key)
    /// matched an existing memory, which is returned unchanged.
    pub replayed: bool,
    /// The memory this one superseded, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub superseded_id: Option<String>,
}

/// Input of `update_memory`: at least one of content, importance, tags, metadata.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct MemoryUpdate {
    /// Replacement content.
    pub content: Option<String>,
    /// New importance (0–1).
    pub importance: Option<f64>,
    /// Replacement tag set.
    pub tags: Option<Vec<String>>,
    /// Replacement metadata object.
    pub metadata: Option<Map<String, Value>>,
    /// Fail with `conflict` unless the memory is at this version.
    pub expected_version: Option<u64>,
}

/// Filters of `list_memories`; all given filters must match.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct MemoryFilter {
    /// Only this type.
    #[serde(rename = "type")]
    pub memory_type: Option<MemoryType>,
    /// Only this subtype.
    pub subtype: Option<MemorySubtype>,
    /// Only memories carrying every one of these tags.
    pub tags: Vec<String>,
    /// Only this context.
    pub context_id: Option<String>,
    /// Only this logical key (with `statuses` `[active, superseded]`: the key's history).
    pub logical_key: Option<String>,
    /// Only these statuses; empty means `[active]`.
    pub statuses: Vec<MemoryStatus>,
}

/// Exact counts of a space's memories by stored status, and of its associations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct MemoryStats {
    /// Active memories (including any whose `expires_at` has passed but whose expiry is not
    /// recorded yet; `sweep` records it).
    pub active: u64,
    /// Superseded memories.
    pub superseded: u64,
    /// Soft-forgotten memories.
    pub forgotten: u64,
    /// Memories whose expiry was recorded.
    pub expired: u64,
    /// Hard-forgotten tombstones.
    pub deleted: u64,
    /// Stored associations (including those hidden because an end is forgotten or expired).
    pub associations: u64,
}

/// What `trace_memory` returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemoryTrace {
    /// The memory in any status (a tombstone for a hard-forgotten one); provenance included.
    pub memory: Memory,
    /// Earlier versions, newest first (changes of content, tags, metadata or status; at most
    /// 100). Empty for a tombstone: hard forgetting erases them.
    pub history: Vec<Memory>,
    /// True when older versions exist beyond `history`.
    pub history_truncated: bool,
    /// The association chain around it, superseded memories included.
    pub associations: Traversal,
}

/// One operation of `batch_memories` (wire form: `{"op": "create" | "update" | "delete", …}`,
/// the other keys those of [`NewMemory`], `memoryId` + [`MemoryUpdate`], or `memoryId` +
/// `hard`; unknown keys are refused).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "WireBatchOp", into = "WireBatchOp")]
pub enum BatchOp {
    /// `remember`.
    Create(NewMemory),
    /// `update_memory`.
    Update {
        /// The memory.
        memory_id: String,
        /// The update.
        update: MemoryUpdate,
    },
    /// `forget_memory` (soft unless `hard`).
    Delete {
        /// The memory.
        memory_id: String,
        /// Hard forget.
        hard: bool,
    },
}

/// The flat wire form of a batch operation.
#[derive(Serialize, Deserialize)]
#[serde(
    tag = "op",
    rename_all = "snake_case",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
enum WireBatchOp {
    Create(NewMemory),
    Update {
        memory_id: String,
        #[serde(default)]
        content: Option<String>,
        #[serde(default)]
        importance: Option<f64>,
        #[serde(default)]
        tags: Option<Vec<String>>,
        #[serde(default)]
        metadata: Option<Map<String, Value>>,
        #[serde(default)]
        expected_version: Option<u64>,
    },
    Delete {
        memory_id: String,
        #[serde(default)]
        hard: bool,
    },
}

impl From<WireBatchOp> for BatchOp {
    fn from(w: WireBatchOp) -> Self {
        match w {
            WireBatchOp::Create(n) => BatchOp::Create(n),
            WireBatchOp::Update {
                memory_id,
                content,
                importance,
                tags,
                metadata,
                expected_version,
            } => BatchOp::Update {
                memory_id,
                update: MemoryUpdate {
                    content,
                    importance,
                    tags,
                    metadata,
                    expected_version,
                },
            },
            WireBatchOp::Delete { memory_id, hard } => BatchOp::Delete { memory_id, hard },
        }
    }
}

impl From<BatchOp> for WireBatchOp {
    fn from(op: BatchOp) -> Self {
        match op {
            BatchOp::Create(n) => WireBatchOp::Create(n),
            BatchOp::Update { memory_id, update } => WireBatchOp::Update {
                memory_id,
                content: update.content,
                importance: update.importance,
                tags: update.tags,
                metadata: update.metadata,
                expected_version: update.expected_version,
            },
            BatchOp::Delete { memory_id, hard } => WireBatchOp::Delete { memory_id, hard },
        }
    }
}

impl BatchOp {
    /// `create`, `update` or `delete`.
    pub fn kind(&self) -> &'static str {
        match self {
            BatchOp::Create(_) => "create",
            BatchOp::Update { .. } => "update",
            BatchOp::Delete { .. } => "delete",
        }
    }
}

/// How one batch operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchOpStatus {
    /// Applied.
    Success,
    /// Failed; `error` says why.
    Error,
    /// Not applied because another operation of an atomic batch failed.
    Skipped,
}

/// The result of one batch operation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchOpResult {
    /// Position in the request.
    pub index: u32,
    /// `create`, `update` or `delete`.
    #[serde(rename = "type")]
    pub op: String,
    /// `success`, `error` or `skipped`.
    pub status: BatchOpStatus,
    /// The memory created, updated or forgotten.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_id: Option<String>,
    /// True when a create matched an existing memory (see [`Remembered::replayed`]).
    pub replayed: bool,
    /// Why it failed (or, for `skipped`, which operation made the batch fail).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Error>,
}

/// What `batch_memories` did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchResult {
    /// Operations in the request.
    pub total_operations: u32,
    /// Operations applied.
    pub successful: u32,
    /// Operations failed or skipped.
    pub failed: u32,
    /// Whether the batch was all-or-nothing.
    pub atomic: bool,
    /// One result per operation, in request order.
    pub results: Vec<BatchOpResult>,
}
