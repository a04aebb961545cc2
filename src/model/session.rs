//! Sessions (seed 001 `Session`): a conversation with participants and lifecycle strategies.

use super::{LifecycleStrategy, Patch, StrategyExecution};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A session as returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    /// `ses_…` id.
    pub id: String,
    /// Parent space.
    pub memory_space_id: String,
    /// Participant ids.
    pub participants: Vec<String>,
    /// Human-readable description.
    pub description: Option<String>,
    /// Application-defined JSON object, stored verbatim.
    pub metadata: Option<Map<String, Value>>,
    /// 1–5 strategies (a default one when none were given).
    pub lifecycle_strategies: Vec<LifecycleStrategy>,
    /// Starts at 1; +1 on every successful update (optimistic concurrency).
    pub version: u64,
    /// Deduplication key given at creation.
    pub deduplication_key: Option<String>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last update time.
    pub updated_at: Timestamp,
    /// Events posted so far (the next sequence id).
    pub event_count: u64,
    /// Cumulative estimated tokens over event content.
    pub token_count: u64,
    /// Time of the last posted event.
    pub last_event_at: Option<Timestamp>,
    /// Strategies that have fired.
    pub executed_strategies: Vec<StrategyExecution>,
    /// Soft-deletion time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<Timestamp>,
    /// Last `touch_session`: `idle` triggers count from the later of this and the last event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub touched_at: Option<Timestamp>,
    /// When a `ttl` or `idle` strategy that deletes the session will fire if nothing else
    /// happens (an event or a touch moves an `idle` one later); `None` when none will.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
}

/// Input of `create_session`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct NewSession {
    /// Participant ids (1–100, each 1–256 chars, unique).
    pub participants: Vec<String>,
    /// Strategies; empty = one `soft_delete` with a 180-day ttl.
    pub lifecycle_strategies: Vec<LifecycleStrategy>,
    /// Description (≤1000 chars).
    pub description: Option<String>,
    /// JSON object.
    pub metadata: Option<Map<String, Value>>,
    /// 1–72 chars; a live session in the space with the same key → `duplicate`.
    pub deduplication_key: Option<String>,
}

/// Input of `update_session`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct SessionUpdate {
    /// New description.
    pub description: Patch<String>,
    /// New metadata.
    pub metadata: Patch<Map<String, Value>>,
    /// Replacement strategies (1–5); cannot be cleared.
    pub lifecycle_strategies: Option<Vec<LifecycleStrategy>>,
    /// Expected current version; stale → `conflict`. `None` = last writer wins.
    pub if_match: Option<u64>,
}

/// Filters of `list_sessions`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct SessionFilter {
    /// Items to skip.
    pub offset: Option<u64>,
    /// Items to return (1–100).
    pub limit: Option<u64>,
    /// Sessions having any of these participants.
    pub participants: Option<Vec<String>>,
    /// Case-insensitive substring of the description (≥3 chars).
    pub description: Option<String>,
    /// The live session holding this deduplication key (an index read, not a scan).
    pub deduplication_key: Option<String>,
}
