//! Input validation: every limit of seeds 000/001 and the compat notes, in one place.

use crate::error::{Error, Result};
use crate::model::{Emitter, LifecycleStrategy, Page, StrategyType, Trigger};
use serde_json::{Map, Value};

/// Largest ttl / idle: two years in seconds.
pub const MAX_SECONDS: u64 = 63_072_000;
/// Largest eventCount trigger.
pub const MAX_EVENT_COUNT: u64 = 1_000_000;
/// Largest tokenCount trigger.
pub const MAX_TOKEN_COUNT: u64 = 100_000_000;
/// Most strategies per session.
pub const MAX_STRATEGIES: usize = 5;
/// Default strategy ttl: 180 days.
pub const DEFAULT_TTL: u64 = 180 * 86_400;
/// Most items per batch post/update.
pub const MAX_BATCH: usize = 200;
/// Largest page.
pub const MAX_LIMIT: u64 = 100;
/// Largest encoded event body / metadata.
pub const MAX_JSON_BYTES: usize = 256 * 1024;

/// Counts characters (Unicode scalar values), as the seeds' "characters" do.
fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Optional text of at most `max` characters.
pub fn opt_text(field: &str, v: &Option<String>, max: usize) -> Result<()> {
    match v {
        Some(s) => text(field, s, 0, max),
        None => Ok(()),
    }
}

/// Text of `min..=max` characters without control characters other than tab/newline.
pub fn text(field: &str, s: &str, min: usize, max: usize) -> Result<()> {
    let n = chars(s);
    if n < min || n > max {
        return Err(
            Error::validation(field, format!("must be {min}–{max} characters, got {n}"))
                .with("max", max as u64),
        );
    }
    if s.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(Error::validation(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// An id-like string: 1–256 chars, no control characters.
pub fn ident(field: &str, s: &str) -> Result<()> {
    text(field, s, 1, 256)?;
    if s.contains(['\n', '\t', '\r']) {
        return Err(Error::validation(
            field,
            "must not contain whitespace controls",
        ));
    }
    Ok(())
}

/// Deduplication key: 1–72 characters.
pub fn dedup_key(v: &Option<String>) -> Result<()> {
    match v {
        Some(k) => text("deduplication_key", k, 1, 72).and_then(|()| ident("deduplication_key", k)),
        None => Ok(()),
    }
}

/// LLM base URL: http(s), ≤2083 characters.
pub fn base_url(v: &Option<String>) -> Result<()> {
    opt_text("llm_base_url", v, 2083)?;
    if let Some(u) = v {
        let lower = u.to_ascii_lowercase();
        let rest = lower
            .strip_prefix("https://")
            .or_else(|| lower.strip_prefix("http://"));
        if rest.is_none_or(|r| r.is_empty() || r.contains(char::is_whitespace)) {
            return Err(Error::validation("llm_base_url", "must be an http(s) URL"));
        }
    }
    Ok(())
}

/// A JSON object of bounded encoded size.
pub fn json_object(field: &str, v: &Option<Map<String, Value>>) -> Result<()> {
    if let Some(m) = v {
        json_size(field, &Value::Object(m.clone()))?;
    }
    Ok(())
}

/// Any user JSON: nested at most [`crate::json::MAX_DEPTH`] deep (checked first, without
/// recursion) and of bounded encoded size (counted while serialising, nothing buffered).
pub fn json_size(field: &str, v: &Value) -> Result<()> {
    crate::json::check_value(field, v)?;
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut n = Count(0);
    let size = serde_json::to_writer(&mut n, v)
        .map(|()| n.0)
        .unwrap_or(usize::MAX);
    json_len(field, size)
}

/// The size bound of user JSON, for a value already encoded to `size` bytes.
pub fn json_len(field: &str, size: usize) -> Result<()> {
    if size > MAX_JSON_BYTES {
        return Err(Error::validation(
            field,
            format!("encodes to {size} bytes; at most {MAX_JSON_BYTES}"),
        ));
    }
    Ok(())
}

/// Pagination: offset ≥ 0, limit 1–100; returns (offset, limit) with defaults.
pub fn page(p: Page) -> Result<(u64, u64)> {
    let limit = p.limit.unwrap_or(MAX_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(Error::validation("limit", format!("must be 1–{MAX_LIMIT}")));
    }
    Ok((p.offset.unwrap_or(0), limit))
}

/// Participants: 1–100 unique ids.
pub fn participants(ps: &[String]) -> Result<()> {
    if ps.is_empty() || ps.len() > 100 {
        return Err(Error::validation(
            "participants",
            "must list 1–100 participant ids",
        ));
    }
    for (i, p) in ps.iter().enumerate() {
        ident("participants", p)?;
        if ps[..i].contains(p) {
            return Err(Error::validation(
                "participants",
                format!("duplicate participant {p}"),
            ));
        }
    }
    Ok(())
}

/// Emitter: type 1–64 chars; id ≤256.
pub fn emitter(e: &Emitter) -> Result<()> {
    text("emitter.type", &e.kind, 1, 64)?;
    if let Some(id) = &e.id {
        ident("emitter.id", id)?;
    }
    Ok(())
}

/// Strategies as seed 001 says; empty → the default 180-day soft delete.
pub fn strategies(list: Vec<LifecycleStrategy>) -> Result<Vec<LifecycleStrategy>> {
    if list.is_empty() {
        return Ok(vec![LifecycleStrategy::soft_delete(Trigger::Ttl(
            DEFAULT_TTL,
        ))]);
    }
    if list.len() > MAX_STRATEGIES {
        return Err(Error::validation(
            "lifecycle_strategies",
            format!("at most {MAX_STRATEGIES} strategies"),
        ));
    }
    for s in &list {
        let (name, v, max) = match s.trigger {
            Trigger::Ttl(v) => ("ttl", v, MAX_SECONDS),
            Trigger::Idle(v) => ("idle", v, MAX_SECONDS),
            Trigger::EventCount(v) => ("eventCount", v, MAX_EVENT_COUNT),
            Trigger::TokenCount(v) => ("tokenCount", v, MAX_TOKEN_COUNT),
        };
        if v < 1 || v > max {
            return Err(
                Error::validation(&format!("trigger.{name}"), format!("must be 1–{max}"))
                    .with("max", max),
            );
        }
        match (&s.kind, &s.opts) {
            (StrategyType::SoftDelete, Some(_)) => {
                return Err(Error::validation("opts", "soft_delete takes no options"));
            }
            (StrategyType::ExtractMemories, Some(o)) => {
                if let Some(a) = &o.agent_id {
                    ident("opts.agentId", a)?;
                }
                json_object("opts.metadata", &o.metadata)?;
            }
            _ => {}
        }
    }
    Ok(list)
}
