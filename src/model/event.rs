//! Events (seed 001 `Event`): one message or state in a session, addressed by sequence id.

use super::Patch;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Who produced an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Emitter {
    /// `user`, `agent`, `tool`, … (1–64 chars); a `user` must be a participant.
    #[serde(rename = "type")]
    pub kind: String,
    /// The emitter's id.
    #[serde(default)]
    pub id: Option<String>,
}

impl Emitter {
    /// An emitter of a type with an id.
    pub fn new(kind: &str, id: &str) -> Self {
        Emitter {
            kind: kind.to_string(),
            id: Some(id.to_string()),
        }
    }
}

/// An event as stored and returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// Parent session.
    pub session_id: String,
    /// 0, 1, 2… within the session.
    pub sequence_id: u64,
    /// Application-defined label.
    pub event_type: Option<String>,
    /// Any JSON, stored verbatim.
    pub body: Value,
    /// Who produced it.
    pub emitter: Emitter,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last modification time (strictly increases on each update; the OCC token).
    pub updated_at: Timestamp,
}

/// Input of `post_event`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewEvent {
    /// Payload (any JSON, ≤256 KiB encoded).
    pub body: Value,
    /// Who produced it.
    pub emitter: Emitter,
    /// Label (≤128 chars).
    #[serde(default)]
    pub event_type: Option<String>,
}

/// Input of `list_events`: offset+limit or last_n, not both.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct EventQuery {
    /// Events to skip from the start.
    pub offset: Option<u64>,
    /// Events to return (1–100, default 100).
    pub limit: Option<u64>,
    /// The most recent n events (1–100), still ascending.
    pub last_n: Option<u64>,
    /// Only events with this label.
    pub event_type: Option<String>,
}

/// Input of `update_event`: at least one of body, event_type, emitter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct EventUpdate {
    /// The event to update.
    pub sequence_id: u64,
    /// Replacement body (replaced whole; an explicit `null` body replaces it with `null`).
    #[serde(deserialize_with = "present")]
    pub body: Option<Value>,
    /// New label (null clears).
    pub event_type: Patch<String>,
    /// Replacement emitter.
    pub emitter: Option<Emitter>,
    /// Optimistic concurrency: reject if the event was modified after this time.
    pub if_unmodified_since: Option<Timestamp>,
}

/// A field that is present is `Some`, even when it is `null` (absent fields take the default).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}
