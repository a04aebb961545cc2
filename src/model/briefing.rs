//! Briefing (seed 003 `get_briefing`): what changed in a space lately, computed from the
//! records (no LLM).

use super::{Memory, MemoryType};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Input of `briefing`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct BriefingQuery {
    /// The window: the last this many minutes, 1–43,200 (30 days; default 60).
    pub lookback_minutes: Option<u64>,
    /// Most items per list, 1–100 (default 10).
    pub limit: Option<u32>,
    /// Include the new and superseded memories themselves (default true; counts always).
    pub include_memories: Option<bool>,
    /// Include contradictions (default true).
    pub include_contradictions: Option<bool>,
}

/// Counts over the space and the window.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BriefingSummary {
    /// Active memories in the space now.
    pub total_memories: u64,
    /// Superseded memories in the space now.
    pub superseded_memories: u64,
    /// Associations in the space now.
    pub total_associations: u64,
    /// Memories created in the window (active or superseded now).
    pub recent_memories: u64,
    /// Memories closed by a newer one in the window.
    pub recently_superseded: u64,
    /// New memories by type.
    pub memory_types: BTreeMap<MemoryType, u64>,
    /// The most frequent tags of the new memories (at most 10, most frequent first).
    pub active_topics: Vec<String>,
    /// Sessions with activity in the window that are still live.
    pub active_sessions: u64,
    /// True when the window held more memories than a briefing reads (10,000): counts cover
    /// the newest 10,000.
    pub truncated: bool,
}

/// A newer memory that closed an older one by logical key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contradiction {
    /// The memory that holds the key now (the newer fact).
    pub memory_a: String,
    /// The memory it closed (the older fact).
    pub memory_b: String,
    /// Always `supersedes`.
    pub relationship: String,
    /// False: supersession already resolved it (the older fact is out of recall).
    pub needs_resolution: bool,
    /// The logical key both carry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logical_key: Option<String>,
    /// When it was recorded (the later of the two memories' creation times).
    pub detected_at: Timestamp,
}

/// A live session with activity in the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActiveSession {
    /// The session.
    pub session_id: String,
    /// Its description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its participants.
    pub participants: Vec<String>,
    /// Events so far.
    pub event_count: u64,
    /// Its last event, touch or creation.
    pub last_activity_at: Timestamp,
    /// When it expires if nothing happens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
}

/// What `briefing` returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Briefing {
    /// Start of the window.
    pub since: Timestamp,
    /// End of the window (now).
    pub until: Timestamp,
    /// Counts.
    pub summary: BriefingSummary,
    /// Memories created in the window, newest first (at most `limit`).
    pub new_memories: Vec<Memory>,
    /// Memories closed in the window by a newer one, newest closing first (at most `limit`).
    pub superseded_memories: Vec<Memory>,
    /// Contradictions detected in the window, newest first (at most `limit`).
    pub contradictions: Vec<Contradiction>,
    /// Live sessions with activity in the window, most recent first (at most `limit`).
    pub active_sessions: Vec<ActiveSession>,
}
