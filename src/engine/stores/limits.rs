//! Every limit of seed 002 for stores and entries, in one place. Lengths said in
//! "characters" count Unicode scalar values; byte limits count UTF-8 bytes.

use crate::error::{Error, Result};
use crate::model::{Metadata, MetadataPatch};

/// Longest store name, in characters (after trimming).
pub const NAME_MAX: usize = 64;
/// Longest store description, in characters (after trimming).
pub const DESCRIPTION_MAX: usize = 1024;
/// Most metadata pairs.
pub const METADATA_PAIRS_MAX: usize = 16;
/// Longest metadata key, in characters.
pub const METADATA_KEY_MAX: usize = 64;
/// Longest metadata value, in characters.
pub const METADATA_VALUE_MAX: usize = 512;
/// Largest entry content: 100 KB = 102,400 bytes.
pub const CONTENT_MAX_BYTES: usize = 100 * 1024;

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// A store name: trimmed, then 1–64 characters without control characters; returns it trimmed.
pub fn name(raw: &str) -> Result<String> {
    let s = raw.trim();
    let n = chars(s);
    if n == 0 || n > NAME_MAX {
        return Err(Error::validation(
            "name",
            format!("must be 1–{NAME_MAX} characters after trimming, got {n}"),
        )
        .with("max", NAME_MAX as u64));
    }
    if s.chars().any(char::is_control) {
        return Err(Error::validation(
            "name",
            "must not contain control characters",
        ));
    }
    Ok(s.to_string())
}

/// A store description: trimmed, then ≤1024 characters; returns it trimmed.
pub fn description(raw: &str) -> Result<String> {
    let s = raw.trim();
    crate::engine::validate::text("description", s, 0, DESCRIPTION_MAX)?;
    Ok(s.to_string())
}

fn metadata_key(k: &str) -> Result<()> {
    let n = chars(k);
    if n == 0 || n > METADATA_KEY_MAX {
        return Err(Error::validation(
            "metadata",
            format!("keys must be 1–{METADATA_KEY_MAX} characters, got {n}"),
        )
        .with("key", k));
    }
    Ok(())
}

fn metadata_value(k: &str, v: &str) -> Result<()> {
    let n = chars(v);
    if n > METADATA_VALUE_MAX {
        return Err(Error::validation(
            "metadata",
            format!("values must be at most {METADATA_VALUE_MAX} characters, got {n}"),
        )
        .with("key", k));
    }
    Ok(())
}

/// A whole metadata object.
pub fn metadata(m: &Metadata) -> Result<()> {
    if m.len() > METADATA_PAIRS_MAX {
        return Err(Error::validation(
            "metadata",
            format!("at most {METADATA_PAIRS_MAX} pairs, got {}", m.len()),
        )
        .with("max", METADATA_PAIRS_MAX as u64));
    }
    for (k, v) in m {
        metadata_key(k)?;
        metadata_value(k, v)?;
    }
    Ok(())
}

/// Checks the keys and values of a merge patch (the pair count is checked on the result).
pub fn metadata_patch(p: &MetadataPatch) -> Result<()> {
    for (k, v) in p {
        metadata_key(k)?;
        if let Some(v) = v {
            metadata_value(k, v)?;
        }
    }
    Ok(())
}

/// Applies a merge patch to `current` and checks the result.
pub fn apply_metadata_patch(current: &Metadata, patch: &MetadataPatch) -> Result<Metadata> {
    let mut out = current.clone();
    for (k, v) in patch {
        match v {
            Some(v) => out.insert(k.clone(), v.clone()),
            None => out.remove(k),
        };
    }
    metadata(&out)?;
    Ok(out)
}

/// Entry content: non-empty after trimming, at most 102,400 bytes; stored exactly as given.
pub fn content(s: &str) -> Result<()> {
    if s.len() > CONTENT_MAX_BYTES {
        return Err(Error::validation(
            "content",
            format!("must be at most {CONTENT_MAX_BYTES} bytes, got {}", s.len()),
        )
        .with("max", CONTENT_MAX_BYTES as u64));
    }
    if s.trim().is_empty() {
        return Err(Error::validation(
            "content",
            "must not be empty after trimming",
        ));
    }
    Ok(())
}

/// An expected SHA-256: 64 hex digits; returns it lowercased.
pub fn sha256(field: &str, s: &str) -> Result<String> {
    if s.len() != 64 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::validation(field, "must be 64 hexadecimal digits"));
    }
    Ok(s.to_ascii_lowercase())
}

/// An expected version: at least 1.
pub fn version(field: &str, v: u64) -> Result<()> {
    if v == 0 {
        return Err(Error::validation(field, "versions start at 1"));
    }
    Ok(())
}
