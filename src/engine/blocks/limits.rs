//! Every limit of core blocks, in one place.

use crate::error::{Error, Result};

/// Longest block type, in characters.
pub const BLOCK_TYPE_MAX: usize = 64;
/// Longest agent id, in characters.
pub const AGENT_ID_MAX: usize = 128;
/// Longest description, in characters.
pub const DESCRIPTION_MAX: usize = 1_000;
/// Token limit of a new block unless one is given.
pub const DEFAULT_LIMIT_TOKENS: u64 = 2_000;
/// Byte limit of a new block unless one is given.
pub const DEFAULT_LIMIT_BYTES: u64 = 8_192;
/// Largest token limit a block may have.
pub const LIMIT_TOKENS_MAX: u64 = 16_384;
/// Largest byte limit a block may have (64 KiB).
pub const LIMIT_BYTES_MAX: u64 = 65_536;
/// Most blocks of one scope (the user's, or one agent's).
pub const BLOCKS_PER_SCOPE_MAX: usize = 100;

/// The type that names archival memory, which is not a block (it is the space's memories).
pub const ARCHIVAL: &str = "archival";

/// A block type: 1–64 of `a-z 0-9 _ - .`, starting with a letter or digit; not `archival`.
pub(crate) fn block_type(t: &str) -> Result<()> {
    let n = t.chars().count();
    let ok_chars = t
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-' | b'.'));
    let ok_start = t
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if n == 0 || n > BLOCK_TYPE_MAX || !ok_chars || !ok_start {
        return Err(Error::validation(
            "block_type",
            format!(
                "must be 1–{BLOCK_TYPE_MAX} characters of a-z, 0-9, _, - and ., starting with a letter or digit"
            ),
        )
        .with("max", BLOCK_TYPE_MAX as u64));
    }
    if t == ARCHIVAL {
        return Err(Error::validation(
            "block_type",
            "archival memory is not a block: it is the space's memories (remember, recall_archival, forget_memory)",
        ));
    }
    Ok(())
}

/// An agent id: 1–128 of `A-Z a-z 0-9 _ - . : @`.
pub(crate) fn agent_id(a: &str) -> Result<()> {
    let n = a.chars().count();
    let ok = a
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':' | b'@'));
    if n == 0 || n > AGENT_ID_MAX || !ok {
        return Err(Error::validation(
            "agent_id",
            format!("must be 1–{AGENT_ID_MAX} characters of A-Z, a-z, 0-9, _, -, ., : and @"),
        )
        .with("max", AGENT_ID_MAX as u64));
    }
    Ok(())
}

/// A description: at most 1,000 characters without control characters other than newlines.
pub(crate) fn description(d: &str) -> Result<()> {
    crate::engine::validate::text("description", d, 0, DESCRIPTION_MAX)
}

/// A token limit: 1–16,384.
pub(crate) fn limit_tokens(v: u64) -> Result<()> {
    if v == 0 || v > LIMIT_TOKENS_MAX {
        return Err(Error::validation(
            "limit_tokens",
            format!("must be 1–{LIMIT_TOKENS_MAX}, got {v}"),
        )
        .with("max", LIMIT_TOKENS_MAX));
    }
    Ok(())
}

/// A byte limit: 1–65,536.
pub(crate) fn limit_bytes(v: u64) -> Result<()> {
    if v == 0 || v > LIMIT_BYTES_MAX {
        return Err(Error::validation(
            "limit_bytes",
            format!("must be 1–{LIMIT_BYTES_MAX}, got {v}"),
        )
        .with("max", LIMIT_BYTES_MAX));
    }
    Ok(())
}

/// Content within the block's limits (checked against the limits the write leaves in place).
pub(crate) fn content_fits(
    content: &str,
    tokens: u64,
    limit_bytes: u64,
    limit_tokens: u64,
) -> Result<()> {
    let bytes = content.len() as u64;
    if bytes > limit_bytes {
        return Err(Error::validation(
            "content",
            format!("is {bytes} bytes; the block holds at most {limit_bytes}"),
        )
        .with("bytes", bytes)
        .with("limit_bytes", limit_bytes));
    }
    if tokens > limit_tokens {
        return Err(Error::validation(
            "content",
            format!("is {tokens} tokens; the block holds at most {limit_tokens}"),
        )
        .with("tokens", tokens)
        .with("limit_tokens", limit_tokens));
    }
    if content
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
    {
        return Err(Error::validation(
            "content",
            "must not contain control characters other than tab and line breaks",
        ));
    }
    Ok(())
}
