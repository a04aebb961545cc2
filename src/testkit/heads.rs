//! Stored session heads as JSON, for tests that read a head's bytes directly.

use crate::Result;

/// A stored session head (compact format 4 or JSON format 2) as the JSON record format 2
/// stored: the session's camelCase fields beside the bookkeeping (`nextDue`, `jobSeq`, …).
pub fn head_json(bytes: &[u8]) -> Result<serde_json::Value> {
    crate::engine::head::to_json(&crate::engine::head::decode(bytes)?)
}
