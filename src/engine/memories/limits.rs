//! Every limit of memories and associations, in one place (documented in docs/memories.md).
//! "Characters" count Unicode scalar values; byte limits count UTF-8 bytes.

use crate::engine::validate;
use crate::error::{Error, Result};
use crate::model::{is_relationship_type, NewMemory, Provenance};
use crate::time::Timestamp;
use serde_json::{Map, Value};

/// Largest memory content: 16 KiB.
pub const CONTENT_MAX_BYTES: usize = 16 * 1024;
/// Most tags per memory.
pub const TAGS_MAX: usize = 32;
/// Longest tag, in characters.
pub const TAG_MAX_CHARS: usize = 64;
/// Largest memory metadata object, encoded.
pub const METADATA_MAX_BYTES: usize = 16 * 1024;
/// Largest association metadata object, encoded.
pub const LINK_METADATA_MAX_BYTES: usize = 4 * 1024;
/// Longest context id, logical key or idempotency key, in characters.
pub const KEY_MAX_CHARS: usize = 128;
/// Longest provenance `source` label, in characters.
pub const SOURCE_MAX_CHARS: usize = 64;
/// Default importance.
pub const DEFAULT_IMPORTANCE: f64 = 0.5;
/// Default association strength.
pub const DEFAULT_STRENGTH: f64 = 0.5;
/// Default decay rate.
pub const DEFAULT_DECAY_RATE: f64 = 0.1;
/// Most operations per batch.
pub const BATCH_MAX: usize = 100;
/// Deepest traversal.
pub const DEPTH_MAX: u32 = 5;
/// Default traversal depth (and trace chain depth).
pub const DEFAULT_DEPTH: u32 = 2;
/// Most memories one traversal reaches.
pub const NODES_MAX: u32 = 500;
/// Default node cap of a traversal.
pub const DEFAULT_NODES: u32 = 50;
/// Edges of one node a traversal reads per direction.
pub const EDGES_PER_NODE: usize = 1000;
/// Memories a trace's association chain reaches at most.
pub const TRACE_NODES_MAX: u32 = 100;
/// Earlier versions a trace returns.
pub const TRACE_HISTORY_MAX: usize = 100;
/// Versions and edges a hard forget erases per commit (an edge is three keys); the rest
/// follow in more commits, so no commit grows past ~200 key writes.
pub const PURGE_CHUNK: usize = 64;

/// A number in `[0, 1]` (finite).
pub fn unit(field: &str, v: f64) -> Result<f64> {
    if !v.is_finite() || !(0.0..=1.0).contains(&v) {
        return Err(Error::validation(field, "must be a number from 0 to 1"));
    }
    Ok(v)
}

/// Memory content: not blank, at most 16 KiB; stored exactly as given.
pub fn content(s: &str) -> Result<()> {
    if s.len() > CONTENT_MAX_BYTES {
        return Err(Error::validation(
            "content",
            format!("must be at most {CONTENT_MAX_BYTES} bytes, got {}", s.len()),
        )
        .with("max", CONTENT_MAX_BYTES as u64));
    }
    if s.trim().is_empty() {
        return Err(Error::validation("content", "must not be blank"));
    }
    Ok(())
}

/// A tag list: at most 32 tags of 1–64 characters without control characters; returns the
/// set (sorted, duplicates removed).
pub fn tags(list: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = list.to_vec();
    out.sort();
    out.dedup();
    if out.len() > TAGS_MAX {
        return Err(Error::validation(
            "tags",
            format!("at most {TAGS_MAX} distinct tags, got {}", out.len()),
        )
        .with("max", TAGS_MAX as u64));
    }
    for t in &out {
        validate::text("tags", t, 1, TAG_MAX_CHARS)?;
        if t.contains(['\n', '\t', '\r']) {
            return Err(Error::validation(
                "tags",
                "must not contain line breaks or tabs",
            ));
        }
    }
    Ok(out)
}

/// A JSON metadata object of at most `max` bytes encoded, nested at most
/// [`crate::json::MAX_DEPTH`] levels.
pub fn metadata(field: &str, m: &Map<String, Value>, max: usize) -> Result<()> {
    crate::json::check_value(field, &Value::Object(m.clone()))?;
    let size = serde_json::to_vec(m).map(|v| v.len()).unwrap_or(usize::MAX);
    if size > max {
        return Err(
            Error::validation(field, format!("encodes to {size} bytes; at most {max}"))
                .with("max", max as u64),
        );
    }
    Ok(())
}

/// A key-like string (context id, logical key, idempotency key): 1–128 characters, no
/// control characters.
pub fn key(field: &str, s: &str) -> Result<()> {
    validate::ident(field, s)?;
    validate::text(field, s, 1, KEY_MAX_CHARS)
}

/// Provenance fields.
pub fn provenance(p: &Provenance) -> Result<()> {
    if let Some(s) = &p.source {
        validate::text("provenance.source", s, 1, SOURCE_MAX_CHARS)?;
    }
    for (field, v) in [
        ("provenance.session_id", &p.session_id),
        ("provenance.job_id", &p.job_id),
        ("provenance.agent_id", &p.agent_id),
    ] {
        if let Some(v) = v {
            validate::ident(field, v)?;
        }
    }
    if let (Some(a), Some(b)) = (p.event_from, p.event_to) {
        if a > b {
            return Err(Error::validation(
                "provenance.event_to",
                "must not be before event_from",
            ));
        }
    }
    Ok(())
}

/// A relationship type name of the closed list.
pub fn relationship(field: &str, name: &str) -> Result<()> {
    if !is_relationship_type(name) {
        return Err(Error::validation(
            field,
            format!("unknown relationship type {name:?}; see relationship_types()"),
        ));
    }
    Ok(())
}

/// Checks and normalises a `remember` input at time `now` (tags become a sorted set,
/// importance defaults to 0.5, the type defaults from the subtype).
pub fn new_memory(mut m: NewMemory, now: Timestamp) -> Result<NewMemory> {
    content(&m.content)?;
    m.importance = Some(unit(
        "importance",
        m.importance.unwrap_or(DEFAULT_IMPORTANCE),
    )?);
    m.tags = tags(&m.tags)?;
    if let Some(md) = &m.metadata {
        metadata("metadata", md, METADATA_MAX_BYTES)?;
    }
    for (field, v) in [
        ("context_id", &m.context_id),
        ("logical_key", &m.logical_key),
        ("idempotency_key", &m.idempotency_key),
    ] {
        if let Some(v) = v {
            key(field, v)?;
        }
    }
    if let Some(p) = &m.provenance {
        provenance(p)?;
    }
    for (field, t) in [("valid_at", m.valid_at), ("expires_at", m.expires_at)] {
        if t.is_some_and(|t| !t.is_rfc3339()) {
            return Err(Error::validation(field, "must be within years 0000–9999"));
        }
    }
    if let Some(e) = m.expires_at {
        if e <= now {
            return Err(Error::validation("expires_at", "must be in the future"));
        }
    }
    if m.memory_type.is_none() {
        m.memory_type = Some(
            m.subtype
                .map_or(crate::model::MemoryType::Semantic, |s| s.default_type()),
        );
    }
    Ok(m)
}
