//! Lifecycle strategies (seed 001): what happens to a session, fired by exactly one trigger.

use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What a strategy does when its trigger fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StrategyType {
    /// Hide the session and its events (kept for audit).
    SoftDelete,
    /// Queue memory extraction over the session's events; with `softDelete` (the default) the
    /// session is hidden at once and soft-deleted when the extraction job is done.
    ExtractMemories,
}

/// When a strategy fires; exactly one condition, integer-valued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum Trigger {
    /// Seconds since session creation (1..=63,072,000).
    Ttl(u64),
    /// Seconds since the last event, or creation when there are none (1..=63,072,000).
    Idle(u64),
    /// Cumulative events in the session (1..=1,000,000).
    EventCount(u64),
    /// Cumulative tokens over event content (1..=100,000,000).
    TokenCount(u64),
}

/// Options of `extract_memories` (none are allowed for `soft_delete`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StrategyOpts {
    /// Also soft-delete the session after extracting (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soft_delete: Option<bool>,
    /// Agent id attached to extracted memories.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// Metadata attached to extracted memories.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
}

/// One lifecycle strategy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifecycleStrategy {
    /// What it does.
    #[serde(rename = "type")]
    pub kind: StrategyType,
    /// When it fires.
    pub trigger: Trigger,
    /// Options (extract_memories only).
    #[serde(default)]
    pub opts: Option<StrategyOpts>,
}

impl LifecycleStrategy {
    /// A `soft_delete` strategy.
    pub fn soft_delete(trigger: Trigger) -> Self {
        LifecycleStrategy {
            kind: StrategyType::SoftDelete,
            trigger,
            opts: None,
        }
    }

    /// An `extract_memories` strategy.
    pub fn extract(trigger: Trigger, opts: Option<StrategyOpts>) -> Self {
        LifecycleStrategy {
            kind: StrategyType::ExtractMemories,
            trigger,
            opts,
        }
    }

    /// Whether firing this strategy soft-deletes the session.
    pub fn deletes_session(&self) -> bool {
        match self.kind {
            StrategyType::SoftDelete => true,
            StrategyType::ExtractMemories => self
                .opts
                .as_ref()
                .and_then(|o| o.soft_delete)
                .unwrap_or(true),
        }
    }
}

/// A record that strategy `index` fired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StrategyExecution {
    /// Position of the strategy in `lifecycle_strategies`.
    pub index: usize,
    /// Its type when it fired.
    #[serde(rename = "type")]
    pub kind: StrategyType,
    /// When the trigger became due (the time the effect is dated).
    pub due_at: Timestamp,
    /// When the engine noticed and applied it (lazy evaluation).
    pub fired_at: Timestamp,
    /// The extraction job it queued, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
}
