//! DataRobot wire shapes ↔ engine records. Only field names are mapped: `body`, `metadata`
//! and strategy `trigger`/`opts` pass through verbatim in both directions (the models SDK
//! camelizes user keys on the way out; they are kept as sent).

use super::super::fault::{from_value, invalid, Served};
use crate::ids;
use crate::model::{
    Event, EventUpdate, NewEvent, NewSession, NewSpace, Principal, Session, SessionUpdate, Space,
    SpaceUpdate,
};
use crate::time::Timestamp;
use serde_json::{json, Map, Value};

/// Copies the listed keys that are present (explicit nulls included).
fn pick(src: &Map<String, Value>, keys: &[&str]) -> Map<String, Value> {
    keys.iter()
        .filter_map(|k| src.get(*k).map(|v| (k.to_string(), v.clone())))
        .collect()
}

/// A value that must be a JSON object.
pub fn require_object<'a>(v: &'a Value, what: &str) -> Served<&'a Map<String, Value>> {
    v.as_object()
        .ok_or_else(|| invalid(what, "must be a JSON object"))
}

// ---- memory spaces ----

/// The wire id of a space: its engine id's 128 bits as a UUID-shaped string (what DataRobot
/// ids look like, and the SDK expects), sorted like the engine ids. An id that does not fit
/// 128 bits (none the engine makes) is shown as it is.
pub fn space_wire_id(engine_id: &str) -> String {
    match ids::to_u128("spc", engine_id) {
        Some(n) => {
            let h = format!("{n:032x}");
            format!(
                "{}-{}-{}-{}-{}",
                &h[..8],
                &h[8..12],
                &h[12..16],
                &h[16..20],
                &h[20..]
            )
        }
        None => engine_id.to_string(),
    }
}

/// The engine id of a wire space id (lower-case hex UUID shape), `None` if it is not one.
pub fn space_engine_id(wire_id: &str) -> Option<String> {
    let b = wire_id.as_bytes();
    let shaped = b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_digit() || (b'a'..=b'f').contains(&c),
        });
    if !shaped {
        return None;
    }
    let hex: String = wire_id.chars().filter(|&c| c != '-').collect();
    u128::from_str_radix(&hex, 16)
        .ok()
        .map(|n| ids::from_u128("spc", n))
}

/// Engine space → wire MemorySpace; owner ids are the host principal's.
pub fn space_out(s: &Space, p: &Principal) -> Value {
    json!({
        "memorySpaceId": space_wire_id(&s.id),
        "userId": p.user_id,
        "tenantId": p.tenant_id,
        "description": s.description,
        "llmModelName": s.llm_model_name,
        "llmBaseUrl": s.llm_base_url,
        "customInstructions": s.custom_instructions,
        "createdAt": s.created_at,
        "deduplicationKey": s.deduplication_key,
    })
}

const SPACE_FIELDS: [&str; 4] = [
    "description",
    "llmModelName",
    "llmBaseUrl",
    "customInstructions",
];

/// `POST memory/new/` body → engine NewSpace.
pub fn new_space_in(body: &Map<String, Value>) -> Served<NewSpace> {
    let mut keys = SPACE_FIELDS.to_vec();
    keys.push("deduplicationKey");
    from_value("body", Value::Object(pick(body, &keys)))
}

/// The deduplication key of a `POST memory/new/` body (a string or absent/null).
pub fn new_space_key(body: &Map<String, Value>) -> Served<Option<String>> {
    match body.get("deduplicationKey") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid("deduplicationKey", "must be a string")),
    }
}

/// Fields only a session update has: on the space route they mean the URL was a session's
/// (the platform resolves a `..` session id to the space's URL).
const SESSION_ONLY: [&str; 3] = ["participants", "metadata", "lifecycleStrategies"];

/// `PATCH memory/{s}/` body → engine SpaceUpdate (absent = keep, null = clear).
pub fn space_update_in(body: &Map<String, Value>) -> Served<SpaceUpdate> {
    if let Some(stray) = SESSION_ONLY.iter().find(|k| body.contains_key(**k)) {
        return Err(invalid(
            stray,
            "is a session field, not a memory space field (was a session id such as \"..\" resolved to the space URL?)",
        ));
    }
    from_value("body", Value::Object(pick(body, &SPACE_FIELDS)))
}

// ---- sessions ----

/// Engine session → wire Session.
pub fn session_out(s: &Session) -> Value {
    json!({
        "id": s.id,
        "participants": s.participants,
        "description": s.description,
        "metadata": s.metadata,
        "createdAt": s.created_at,
        "lifecycleStrategies": s.lifecycle_strategies,
        "version": s.version,
        "deduplicationKey": s.deduplication_key,
    })
}

/// `POST memory/{s}/sessions/` body → engine NewSession (`lifecycleStrategies: null` = none
/// given = the default strategy).
pub fn new_session_in(body: &Map<String, Value>) -> Served<NewSession> {
    let mut m = pick(
        body,
        &[
            "participants",
            "lifecycleStrategies",
            "description",
            "metadata",
            "deduplicationKey",
        ],
    );
    if m.get("lifecycleStrategies") == Some(&Value::Null) {
        m.remove("lifecycleStrategies");
    }
    from_value("body", Value::Object(m))
}

/// `PATCH memory/{s}/sessions/{sid}/` body + `If-Match` → engine SessionUpdate.
pub fn session_update_in(
    body: &Map<String, Value>,
    if_match: Option<u64>,
) -> Served<SessionUpdate> {
    let m = pick(body, &["description", "metadata", "lifecycleStrategies"]);
    if m.get("lifecycleStrategies") == Some(&Value::Null) {
        return Err(invalid(
            "lifecycleStrategies",
            "cannot be cleared; give 1–5 strategies",
        ));
    }
    let mut u: SessionUpdate = from_value("body", Value::Object(m))?;
    u.if_match = if_match;
    Ok(u)
}

/// `If-Match: "3"` (models SDK), `3` (ORM) or `W/"3"` → 3.
pub fn parse_if_match(h: &str) -> Served<u64> {
    let t = h.trim();
    let t = t.strip_prefix("W/").unwrap_or(t);
    let t = t.strip_prefix('"').unwrap_or(t);
    let t = t.strip_suffix('"').unwrap_or(t);
    if (1..=15).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(v) = t.parse() {
            return Ok(v);
        }
    }
    Err(invalid(
        "If-Match",
        "must be a session version such as \"3\"",
    ))
}

// ---- events ----

/// Engine event → wire Event; `createdAt` is the last modification time (the OCC token).
pub fn event_out(e: &Event) -> Value {
    json!({
        "sequenceId": e.sequence_id,
        "eventType": e.event_type,
        "body": e.body,
        "emitterType": e.emitter.kind,
        "emitterId": e.emitter.id,
        "createdAt": e.updated_at,
    })
}

/// One wire new event `{body, emitter, type?}` → engine NewEvent.
pub fn new_event_in(item: &Value, what: &str) -> Served<NewEvent> {
    let item = require_object(item, what)?;
    let mut m = Map::new();
    for (from, to) in [
        ("body", "body"),
        ("emitter", "emitter"),
        ("type", "eventType"),
    ] {
        if let Some(v) = item
            .get(from)
            .filter(|v| !(to == "eventType" && v.is_null()))
        {
            m.insert(to.to_string(), v.clone());
        }
    }
    from_value(what, Value::Object(m))
}

/// `{"events": [...]}` → the list.
pub fn batch_in(body: &Map<String, Value>) -> Served<&Vec<Value>> {
    body.get("events")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid("events", "must be a list"))
}

/// One wire event update (`type` in requests is the engine's `eventType`; `createdAt` is
/// the unmodified-since token).
pub fn event_update_in(
    item: &Value,
    sequence_id: u64,
    created_at: Option<&str>,
    what: &str,
) -> Served<EventUpdate> {
    let item = require_object(item, what)?;
    let mut m = Map::new();
    m.insert("sequenceId".into(), json!(sequence_id));
    for (from, to) in [
        ("body", "body"),
        ("type", "eventType"),
        ("emitter", "emitter"),
    ] {
        if let Some(v) = item.get(from) {
            m.insert(to.to_string(), v.clone());
        }
    }
    let mut u: EventUpdate = from_value(what, Value::Object(m))?;
    if let Some(t) = created_at {
        u.if_unmodified_since = Some(normalize_time(t, "createdAt")?);
    }
    Ok(u)
}

/// An ISO-8601 time as Python's `isoformat()` and the ORM write it: RFC 3339 with `Z` or
/// `±hh:mm`, also `±hhmm`, a space for `T`, or no offset (taken as UTC).
pub fn normalize_time(s: &str, field: &str) -> Served<Timestamp> {
    let bad = || invalid(field, "must be an ISO-8601 datetime");
    let mut t = s.trim().replacen(' ', "T", 1);
    let b = t.as_bytes();
    let has_offset = t.ends_with(['Z', 'z'])
        || b.get(19..)
            .is_some_and(|tail| tail.iter().any(|c| matches!(c, b'+' | b'-')));
    if !has_offset {
        t.push('Z');
    } else if b.len() >= 5 {
        // `+0000` → `+00:00`
        let n = t.len();
        let tail = &t.as_bytes()[n - 5..];
        if matches!(tail[0], b'+' | b'-') && tail[1..].iter().all(u8::is_ascii_digit) {
            t.insert(n - 2, ':');
        }
    }
    Timestamp::parse(&t).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_accepts_quoted_bare_and_weak_versions() {
        assert_eq!(parse_if_match("\"3\"").unwrap(), 3);
        assert_eq!(parse_if_match("3").unwrap(), 3);
        assert_eq!(parse_if_match("W/\"12\"").unwrap(), 12);
        assert!(parse_if_match("abc").is_err());
        assert!(parse_if_match("").is_err());
    }

    #[test]
    fn created_at_tokens_parse_in_python_and_orm_spellings() {
        let z = normalize_time("2026-01-02T03:04:05.123456Z", "t").unwrap();
        for s in [
            "2026-01-02T03:04:05.123456+00:00",
            "2026-01-02 03:04:05.123456",
            "2026-01-02T03:04:05.123456+0000",
        ] {
            assert_eq!(normalize_time(s, "t").unwrap(), z, "{s}");
        }
        assert!(normalize_time("yesterday", "t").is_err());
    }
}
