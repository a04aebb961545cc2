//! Memory spaces (seed 001 `MemorySpace`): the isolation boundary owned by a principal.

use super::Patch;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Who is calling: every space belongs to one user within one tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Principal {
    /// The calling user's id.
    pub user_id: String,
    /// The calling user's tenant id.
    pub tenant_id: String,
}

impl Principal {
    /// A principal from user and tenant ids.
    pub fn new(user_id: impl Into<String>, tenant_id: impl Into<String>) -> Self {
        Principal {
            user_id: user_id.into(),
            tenant_id: tenant_id.into(),
        }
    }
}

/// A memory space as stored and returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Space {
    /// `spc_…` id.
    pub id: String,
    /// Owner user id.
    pub user_id: String,
    /// Owner tenant id.
    pub tenant_id: String,
    /// Human-readable description.
    pub description: Option<String>,
    /// LLM model used for extraction (≤200 chars).
    pub llm_model_name: Option<String>,
    /// Chat API URL used for extraction (≤2083 chars).
    pub llm_base_url: Option<String>,
    /// Custom extraction prompt (≤10,000 chars); `None` = the default prompt.
    pub custom_instructions: Option<String>,
    /// Deduplication key given at creation.
    pub deduplication_key: Option<String>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last update time.
    pub updated_at: Timestamp,
    /// Soft-deletion time; deleted spaces are invisible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<Timestamp>,
    /// Display name (1–200 characters; a MemoryLayer workspace's `name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Discovery tags: a set, sorted (at most 20, each 1–64 characters).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Application settings: a JSON object stored verbatim (≤ 16 KiB encoded).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub settings: Map<String, Value>,
}

/// Input of `create_space`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct NewSpace {
    /// Human-readable description (≤1000 chars).
    pub description: Option<String>,
    /// LLM model name (≤200 chars).
    pub llm_model_name: Option<String>,
    /// Chat API URL (http/https, ≤2083 chars).
    pub llm_base_url: Option<String>,
    /// Custom extraction instructions (≤10,000 chars).
    pub custom_instructions: Option<String>,
    /// 1–72 chars; a live space of this principal with the same key → `duplicate`.
    pub deduplication_key: Option<String>,
    /// Display name (1–200 characters).
    pub name: Option<String>,
    /// Discovery tags (at most 20, each 1–64 characters; duplicates collapse).
    pub tags: Option<Vec<String>>,
    /// Application settings (a JSON object, ≤ 16 KiB encoded).
    pub settings: Option<Map<String, Value>>,
}

/// Input of `update_space`: each field absent = unchanged, null = clear, value = set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct SpaceUpdate {
    /// New description.
    pub description: Patch<String>,
    /// New LLM model name.
    pub llm_model_name: Patch<String>,
    /// New chat API URL.
    pub llm_base_url: Patch<String>,
    /// New custom instructions.
    pub custom_instructions: Patch<String>,
    /// New display name.
    pub name: Patch<String>,
    /// Replacement tags (absent keeps them; `[]` clears them).
    pub tags: Option<Vec<String>>,
    /// Replacement settings (absent keeps them; `{}` clears them).
    pub settings: Option<Map<String, Value>>,
}

/// How `find_spaces` matches tags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TagMatch {
    /// Spaces carrying every tag (the default).
    #[default]
    All,
    /// Spaces carrying at least one of the tags.
    Any,
}

/// Input of `find_spaces`: the caller's live spaces by tags, in creation order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct SpaceQuery {
    /// Tags to match (empty: every space).
    pub tags: Vec<String>,
    /// `all` (default) or `any`.
    #[serde(rename = "match")]
    pub match_mode: TagMatch,
    /// Items to skip.
    pub offset: Option<u64>,
    /// Items to return (1–100).
    pub limit: Option<u64>,
}

/// Offset pagination for lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct Page {
    /// Items to skip (default 0).
    pub offset: Option<u64>,
    /// Items to return, 1–100 (default 100).
    pub limit: Option<u64>,
}

/// What `workspace_schema` returns (MemoryLayer `get_workspace_schema`): the vocabularies
/// a space's memories use.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceSchema {
    /// The closed list of association relationship types, with category and description.
    pub relationship_types: Vec<super::RelationshipType>,
    /// The memory types.
    pub memory_types: Vec<super::MemoryType>,
    /// The memory subtypes.
    pub memory_subtypes: Vec<super::MemorySubtype>,
    /// Always false: the vocabularies are fixed.
    pub can_customize: bool,
}
