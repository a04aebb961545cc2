//! Working context (seed 003 `set_context` / `get_context`): short-lived key/value state of
//! one session, with an optional time to live, and the session touch that keeps a session
//! alive.

use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One working-context entry as returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContextEntry {
    /// The key (1–256 characters).
    pub key: String,
    /// Any JSON value, stored verbatim.
    pub value: Value,
    /// The time to live it was set with, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_seconds: Option<u64>,
    /// When it stops being returned (`updated_at` + `ttl_seconds`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
    /// When the key was first set (since it last expired or was deleted).
    pub created_at: Timestamp,
    /// When it was last set.
    pub updated_at: Timestamp,
}

/// What `touch_session` returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionTouch {
    /// The session.
    pub session_id: String,
    /// The time of the touch.
    pub touched_at: Timestamp,
    /// When the session now expires (see `Session::expires_at`), if a strategy will delete it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
}
