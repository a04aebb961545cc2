//! Memory stores (seed 002): named, path-addressed document stores inside a memory space,
//! their entries (the documents an agent reads and edits like files) and the immutable
//! version history of those entries.

use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Store and entry metadata: at most 16 pairs, keys 1–64 characters, values ≤512 characters.
pub type Metadata = BTreeMap<String, String>;

/// A metadata merge patch: a key with a value sets it, a key with `null` removes it.
pub type MetadataPatch = BTreeMap<String, Option<String>>;

/// Whether a store accepts entry writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreStatus {
    /// Entries can be created and updated.
    Active,
    /// Read-only for entry creation and update (irreversible); reads, entry deletion and
    /// redaction stay allowed.
    Archived,
}

/// A memory store as returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemoryStore {
    /// `memstore_…` id.
    pub id: String,
    /// The memory space the store belongs to.
    pub memory_space_id: String,
    /// Trimmed name, 1–64 characters (not unique).
    pub name: String,
    /// Trimmed description, ≤1024 characters (empty when none was given).
    pub description: String,
    /// `active` or `archived`.
    pub status: StoreStatus,
    /// Number of live (not deleted) entries; exact, committed with every entry change.
    pub entry_count: u64,
    /// Sum of the `size` of live entries in bytes; exact, committed with every entry change.
    pub total_size: u64,
    /// Custom metadata (defaults to `{}`).
    pub metadata: Metadata,
    /// When the store was archived; present only when `status` is `archived`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived_at: Option<Timestamp>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change of name, description, metadata or status (entry writes do not touch it).
    pub updated_at: Timestamp,
}

/// Input of `create_store`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct NewStore {
    /// Name; trimmed, then 1–64 characters.
    pub name: String,
    /// Description; trimmed, then ≤1024 characters.
    pub description: Option<String>,
    /// Metadata (≤16 pairs).
    pub metadata: Option<Metadata>,
}

/// Input of `update_store`: absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct StoreUpdate {
    /// New name (trimmed, 1–64 characters).
    pub name: Option<String>,
    /// New description (trimmed, ≤1024 characters; `""` clears it).
    pub description: Option<String>,
    /// Metadata merge patch (`null` values remove keys); the result must hold ≤16 pairs.
    pub metadata: Option<MetadataPatch>,
}

/// An entry: one document at a relative path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemoryEntry {
    /// `mem_…` id; kept across renames.
    pub id: String,
    /// The owning store.
    pub store_id: String,
    /// Relative path, e.g. `projects/acme/status.md` (≤1024 bytes).
    pub path: String,
    /// Content size in bytes (UTF-8).
    pub size: u64,
    /// Lowercase hex SHA-256 of the exact content bytes.
    pub content_sha256: String,
    /// 1 on create, +1 on every update that changes something.
    pub version: u64,
    /// Custom metadata (defaults to `{}`).
    pub metadata: Metadata,
    /// The content; present on create, get and update, omitted from lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last update time.
    pub updated_at: Timestamp,
}

/// Input of `create_entry`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct NewEntry {
    /// Relative path (see the path rules in `docs/storage.md, "Memory stores"`).
    pub path: String,
    /// Content: non-empty after trimming, ≤100 KB (102,400 bytes); stored exactly as given.
    pub content: String,
    /// Metadata (≤16 pairs).
    pub metadata: Option<Metadata>,
}

/// Input of `update_entry`: at least one of content, path, metadata; optional preconditions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct EntryUpdate {
    /// Replacement content.
    pub content: Option<String>,
    /// New path (a rename; the id stays).
    pub path: Option<String>,
    /// Metadata merge patch.
    pub metadata: Option<MetadataPatch>,
    /// Reject with `conflict` unless the entry is at this version.
    pub expected_version: Option<u64>,
    /// Reject with `conflict` unless the current content has this SHA-256 (64 hex digits).
    pub expected_sha256: Option<String>,
}

/// Optional preconditions of `delete_entry`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct EntryPrecondition {
    /// Reject with `conflict` unless the entry is at this version.
    pub expected_version: Option<u64>,
    /// Reject with `conflict` unless the current content has this SHA-256.
    pub expected_sha256: Option<String>,
}

/// What a version records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionAction {
    /// The entry was created.
    Created,
    /// The entry's content, path or metadata changed.
    Updated,
    /// The entry was deleted.
    Deleted,
}

/// An immutable record of one entry change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemoryVersion {
    /// `memver_…` id; ids of one store sort in the order the versions were recorded.
    pub id: String,
    /// The owning store.
    pub store_id: String,
    /// The entry this version belongs to (still listed after the entry is deleted).
    pub entry_id: String,
    /// The entry's path when this version was recorded.
    pub entry_path: String,
    /// The entry version number this record produced (a delete records `last + 1`).
    pub entry_version: u64,
    /// Size in bytes of the content this version recorded (for `deleted`: of the removed content).
    pub size: u64,
    /// SHA-256 of that content.
    pub content_sha256: String,
    /// `created`, `updated` or `deleted`.
    pub action: VersionAction,
    /// True once the content was redacted (erased from storage).
    pub redacted: bool,
    /// When it was redacted; present only when `redacted` is true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redacted_at: Option<Timestamp>,
    /// The content; only from `get_version`, never for `deleted` or redacted versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// When the version was recorded.
    pub created_at: Timestamp,
}
