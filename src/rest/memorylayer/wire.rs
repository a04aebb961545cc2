//! Engine records in MemoryLayer's snake_case wire shapes. Objects the SDK reads flat but the
//! API's own server nests (`{"workspace": {…}}`) are sent as both: the flat object plus the
//! nested key holding the same object, so either kind of client reads them.

use super::super::http::Response;
use crate::model::{
    Association, Briefing, ContextEntry, GraphPath, Memory, RecalledMemory, Session, Space,
    Traversal,
};
use crate::time::Timestamp;
use serde_json::{json, Map, Value};

/// Wire time (RFC 3339, UTC).
pub(crate) fn ts(t: &Timestamp) -> Value {
    serde_json::to_value(t).unwrap_or(Value::Null)
}

fn opt_ts(t: &Option<Timestamp>) -> Value {
    t.as_ref().map(ts).unwrap_or(Value::Null)
}

/// The workspace id of a space: its deduplication key (every workspace has one), else the
/// space id.
pub(crate) fn workspace_id(s: &Space) -> String {
    s.deduplication_key.clone().unwrap_or_else(|| s.id.clone())
}

/// A memory (`Memory` of the SDK).
pub(crate) fn memory(m: &Memory, workspace: &str, tenant: &str) -> Value {
    json!({
        "id": m.id,
        "workspace_id": workspace,
        "tenant_id": tenant,
        "content": m.content,
        "type": m.memory_type.as_str(),
        "subtype": m.subtype.map(|s| s.as_str()),
        "importance": m.importance,
        "tags": m.tags,
        "metadata": m.metadata,
        "context_id": m.context_id,
        "logical_key": m.logical_key,
        "content_hash": m.content_hash,
        "status": m.status.as_str(),
        "version": m.version,
        "session_id": m.provenance.session_id,
        "source": m.provenance.source,
        "access_count": 0,
        "pinned": false,
        "created_at": ts(&m.created_at),
        "updated_at": ts(&m.updated_at),
        "valid_at": ts(&m.valid_at),
        "invalid_at": opt_ts(&m.invalid_at),
        "expires_at": opt_ts(&m.expires_at),
        "superseded_by": m.superseded_by,
    })
}

/// A recalled memory: the memory with its scores and the channel that found it.
pub(crate) fn recalled(r: &RecalledMemory, workspace: &str, tenant: &str) -> Value {
    let mut v = memory(&r.memory, workspace, tenant);
    if let Value::Object(o) = &mut v {
        o.insert("relevance_score".into(), json!(r.relevance_score));
        o.insert("boosted_score".into(), json!(r.boosted_score));
        o.insert("source_scope".into(), json!("workspace"));
        o.insert("match_signals".into(), json!([r.source]));
    }
    v
}

/// An association (`Association` of the SDK).
pub(crate) fn association(a: &Association, workspace: &str) -> Value {
    json!({
        "id": a.id,
        "workspace_id": workspace,
        "source_id": a.source_id,
        "target_id": a.target_id,
        "relationship": a.relationship,
        "strength": a.strength,
        "metadata": a.metadata,
        "created_at": ts(&a.created_at),
        "updated_at": ts(&a.updated_at),
    })
}

/// One path of a traversal or of recall's association expansion.
pub(crate) fn path(p: &GraphPath, workspace: &str) -> Value {
    json!({
        "memory_ids": p.memory_ids,
        "associations": p.associations.iter().map(|a| association(a, workspace)).collect::<Vec<_>>(),
        "strength": p.strength,
        "depth": p.depth,
    })
}

/// A traversal (`traverse_graph`'s dict).
pub(crate) fn traversal(t: &Traversal, workspace: &str, tenant: &str, latency_ms: u64) -> Value {
    json!({
        "start_id": t.start_id,
        "paths": t.paths.iter().map(|p| path(p, workspace)).collect::<Vec<_>>(),
        "total_paths": t.paths.len(),
        "unique_nodes": t.nodes.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
        "nodes": t.nodes.iter().map(|m| memory(m, workspace, tenant)).collect::<Vec<_>>(),
        "truncated": t.truncated,
        "query_latency_ms": latency_ms,
    })
}

/// The MemoryLayer view of an engine session's metadata: `{"context_id", "metadata"}`.
pub(crate) fn session_parts(s: &Session) -> (Value, Map<String, Value>) {
    let md = s.metadata.clone().unwrap_or_default();
    let context = md.get("context_id").cloned().unwrap_or(Value::Null);
    let user = match md.get("metadata") {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    (context, user)
}

/// The session's sliding time to live (its `idle` soft-delete trigger), in seconds.
pub(crate) fn session_ttl(s: &Session) -> Option<u64> {
    s.lifecycle_strategies.iter().find_map(|l| match l.trigger {
        crate::model::Trigger::Idle(t) if l.deletes_session() => Some(t),
        _ => None,
    })
}

/// A session (`Session` of the SDK).
pub(crate) fn session(s: &Session, workspace: &str, user: &str) -> Value {
    let (context, metadata) = session_parts(s);
    let ttl = session_ttl(s);
    let active = s
        .touched_at
        .into_iter()
        .chain(s.last_event_at)
        .max()
        .unwrap_or(s.created_at);
    // Every session this API creates has an idle strategy, so `expires_at` is set; the
    // fallback covers sessions made otherwise (never without an expiry on the wire).
    let expires = s
        .expires_at
        .unwrap_or_else(|| active.plus_secs(ttl.unwrap_or(0) as i64));
    json!({
        "id": s.id,
        "workspace_id": workspace,
        "user_id": user,
        "context_id": context,
        "metadata": metadata,
        "ttl_seconds": ttl,
        "expires_at": ts(&expires),
        "created_at": ts(&s.created_at),
        "updated_at": ts(&s.updated_at),
        "last_activity_at": ts(&active),
    })
}

/// A workspace (`Workspace` of the SDK).
pub(crate) fn workspace(s: &Space, tenant: &str) -> Value {
    json!({
        "id": workspace_id(s),
        "tenant_id": tenant,
        "name": s.name.clone().unwrap_or_else(|| workspace_id(s)),
        "settings": s.settings,
        "tags": s.tags,
        "created_at": ts(&s.created_at),
        "updated_at": ts(&s.updated_at),
    })
}

/// A working-memory entry.
pub(crate) fn entry(e: &ContextEntry) -> Value {
    json!({
        "key": e.key,
        "value": e.value,
        "ttl_seconds": e.ttl_seconds,
        "expires_at": opt_ts(&e.expires_at),
        "created_at": ts(&e.created_at),
        "updated_at": ts(&e.updated_at),
    })
}

/// The SDK's `SessionBriefing` (flat) from an engine briefing, with the recent memories and
/// the engine's own counts beside it.
pub(crate) fn briefing(
    b: &Briefing,
    workspace: &str,
    tenant: &str,
    lookback_minutes: u64,
) -> Value {
    let s = &b.summary;
    let types: Map<String, Value> = s
        .memory_types
        .iter()
        .map(|(t, n)| (t.as_str().to_string(), json!(n)))
        .collect();
    let decisions: Vec<&str> = b
        .new_memories
        .iter()
        .filter(|m| m.subtype == Some(crate::model::MemorySubtype::Decision))
        .map(|m| m.content.as_str())
        .collect();
    let mut activity = Vec::new();
    if s.recent_memories > 0 || s.recently_superseded > 0 {
        activity.push(json!({
            "timestamp": ts(&b.until),
            "summary": format!(
                "{} new memories and {} superseded in the last {} minutes",
                s.recent_memories, s.recently_superseded, lookback_minutes
            ),
            "memories_created": s.recent_memories,
            "key_decisions": decisions,
        }));
    }
    let threads: Vec<Value> = b
        .active_sessions
        .iter()
        .map(|a| {
            json!({
                "topic": a.description.clone().unwrap_or_else(|| format!("session {}", a.session_id)),
                "status": "active",
                "last_activity": ts(&a.last_activity_at),
                "key_memories": [],
                "session_id": a.session_id,
                "expires_at": opt_ts(&a.expires_at),
            })
        })
        .collect();
    let contradictions: Vec<Value> = b
        .contradictions
        .iter()
        .map(|c| {
            json!({
                "memory_a": c.memory_a,
                "memory_b": c.memory_b,
                "relationship": c.relationship,
                "needs_resolution": c.needs_resolution,
                "logical_key": c.logical_key,
                "detected_at": ts(&c.detected_at),
            })
        })
        .collect();
    json!({
        "workspace_summary": {
            "workspace_id": workspace,
            "total_memories": s.total_memories,
            "superseded_memories": s.superseded_memories,
            "total_associations": s.total_associations,
            "recent_memories": s.recent_memories,
            "recently_superseded": s.recently_superseded,
            "memory_types": types,
            "active_topics": s.active_topics,
            "active_sessions": s.active_sessions,
            "truncated": s.truncated,
        },
        "recent_activity": activity,
        "open_threads": threads,
        "contradictions_detected": contradictions,
        "recent_memories": b.new_memories.iter().map(|m| memory(m, workspace, tenant)).collect::<Vec<_>>(),
        "superseded_memories": b.superseded_memories.iter().map(|m| memory(m, workspace, tenant)).collect::<Vec<_>>(),
        "since": ts(&b.since),
        "until": ts(&b.until),
    })
}

/// `obj` plus `key` holding a copy of it (the flat-and-nested superset).
pub(crate) fn both(key: &str, obj: Value) -> Value {
    let mut out = obj.clone();
    if let Value::Object(o) = &mut out {
        o.insert(key.to_string(), obj);
    }
    out
}

/// A JSON response.
pub(crate) fn ok(status: u16, v: Value) -> Response {
    Response::json(status, &v)
}
