//! `/v1/sessions…`: working-memory sessions with a sliding time to live, their key/value
//! working memory, touch, commit (extraction into long-term memories) and the briefing.
//!
//! A MemoryLayer session is an engine session of the workspace's space whose lifetime is a
//! soft-delete `idle` strategy of `ttl_seconds` (activity and touches restart it); an expired
//! session is gone (404). Its `context_id` and `metadata` are kept in the engine session's
//! metadata as `{"context_id", "metadata"}`.

use super::body::{only_params, qbool, qint, qstr, Body};
use super::wire::{self, both, ok};
use super::workspaces;
use super::Ctx;
use crate::error::{Error, ErrorCode};
use crate::model::{
    BriefingQuery, CommitOptions, LifecycleStrategy, NewSession, Session, SessionFilter, Space,
    Trigger,
};
use crate::rest::fault::{self, invalid, Fault, Served};
use crate::rest::http::Response;
use serde_json::{json, Map, Value};

/// Shortest and longest session time to live, in seconds (the API's limits).
const TTL_MIN: u64 = 60;
const TTL_MAX: u64 = 86_400;
/// Default time to live (the SDK's default).
const TTL_DEFAULT: u64 = 3600;

fn not_found() -> Fault {
    Fault::Engine(Error::new(ErrorCode::NotFound, "Session not found"))
}

/// The live session `id` in one of the principal's workspaces, if any.
pub(crate) async fn locate(cx: &Ctx<'_>, id: &str) -> Served<Option<(Space, Session)>> {
    if !crate::ids::is_valid("ses", id) {
        return Ok(None);
    }
    for s in workspaces::search_order(cx).await? {
        match cx.ms.get_session(&s.id, id).await {
            Ok(sess) => return Ok(Some((s, sess))),
            Err(e) if e.code == ErrorCode::NotFound => continue,
            // Expired (soft-deleted by its idle strategy) or deleted: it was here.
            Err(e) if e.code == ErrorCode::Gone => return Ok(None),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(None)
}

async fn live(cx: &Ctx<'_>, id: &str) -> Served<(Space, Session)> {
    locate(cx, id).await?.ok_or_else(not_found)
}

fn out(cx: &Ctx<'_>, s: &Space, sess: &Session) -> Value {
    wire::session(sess, &wire::workspace_id(s), &cx.principal.user_id)
}

/// `POST /v1/sessions` `{"ttl_seconds"?, "workspace_id"?, "context_id"?, "metadata"?,
/// "working_memory"?, "briefing"?}` → 201, the session flat and under `"session"`, and
/// `"briefing"` (null unless asked for).
pub(crate) async fn create(cx: &Ctx<'_>) -> Served<Response> {
    let b = Body::parse(
        cx.req,
        &[
            "ttl_seconds",
            "workspace_id",
            "context_id",
            "metadata",
            "working_memory",
            "briefing",
            "session_id",
        ],
    )?;
    if b.has("session_id") {
        return Err(invalid(
            "session_id",
            "session ids are chosen by the server; omit session_id",
        ));
    }
    let ttl = b
        .int("ttl_seconds", TTL_MIN, TTL_MAX)?
        .unwrap_or(TTL_DEFAULT);
    let context = b.str("context_id")?;
    if let Some(c) = &context {
        if c.is_empty() || c.chars().count() > 128 {
            return Err(invalid("context_id", "must be 1–128 characters"));
        }
    }
    let metadata = b.object("metadata")?.unwrap_or_default();
    let working = b.object("working_memory")?.unwrap_or_default();
    let with_briefing = b.bool("briefing")?.unwrap_or(false);
    let ws = workspaces::resolve(cx, b.str("workspace_id")?).await?;
    let s = workspaces::ensure(cx, &ws).await?;
    let mut md = Map::new();
    md.insert("context_id".into(), json!(context));
    md.insert("metadata".into(), Value::Object(metadata));
    let sess = cx
        .ms
        .create_session(
            &s.id,
            NewSession {
                participants: vec![cx.principal.user_id.clone()],
                lifecycle_strategies: vec![LifecycleStrategy::soft_delete(Trigger::Idle(ttl))],
                metadata: Some(md),
                ..Default::default()
            },
        )
        .await?;
    for (k, v) in working {
        cx.ms.set_context(&s.id, &sess.id, &k, v, None).await?;
    }
    let briefing = if with_briefing {
        let b = cx.ms.briefing(&s.id, BriefingQuery::default()).await?;
        wire::briefing(&b, &wire::workspace_id(&s), &cx.principal.tenant_id, 60)
    } else {
        Value::Null
    };
    let mut v = both("session", out(cx, &s, &sess));
    if let Value::Object(o) = &mut v {
        o.insert("briefing".into(), briefing);
    }
    Ok(ok(201, v))
}

/// `GET /v1/sessions/{id}`: the session flat and under `"session"`.
pub(crate) async fn get(cx: &Ctx<'_>, id: &str) -> Served<Response> {
    let (s, sess) = live(cx, id).await?;
    Ok(ok(200, both("session", out(cx, &s, &sess))))
}

/// `GET /v1/sessions?workspace_id&context_id&include_expired` → `{"sessions",
/// "total_count"}` (expired sessions are deleted, so `include_expired` finds none).
pub(crate) async fn list(cx: &Ctx<'_>) -> Served<Response> {
    let q = fault::query(cx.req)?;
    only_params(
        &q,
        &[
            "workspace_id",
            "context_id",
            "include_expired",
            "offset",
            "limit",
        ],
    )?;
    qbool(&q, "include_expired")?;
    let context = qstr(&q, "context_id");
    let offset = qint(&q, "offset", 0, 1_000_000)?.unwrap_or(0);
    let limit = qint(&q, "limit", 1, 100)?.unwrap_or(100);
    let ws = workspaces::resolve(cx, qstr(&q, "workspace_id")).await?;
    let mut out_list = Vec::new();
    if let Some(s) = workspaces::find(cx, &ws).await? {
        // Filtered by context over the creation-ordered listing.
        let mut seen = 0u64;
        let mut at = 0u64;
        'scan: loop {
            let page = cx
                .ms
                .list_sessions(
                    &s.id,
                    SessionFilter {
                        offset: Some(at),
                        limit: Some(100),
                        ..Default::default()
                    },
                )
                .await?;
            let n = page.len() as u64;
            for sess in page {
                let (c, _) = wire::session_parts(&sess);
                if context
                    .as_ref()
                    .is_some_and(|want| c.as_str() != Some(want.as_str()))
                {
                    continue;
                }
                if seen >= offset {
                    if out_list.len() as u64 == limit {
                        break 'scan;
                    }
                    out_list.push(out(cx, &s, &sess));
                }
                seen += 1;
            }
            if n < 100 {
                break;
            }
            at += n;
        }
    }
    Ok(ok(
        200,
        json!({ "total_count": out_list.len(), "sessions": out_list }),
    ))
}

/// `DELETE /v1/sessions/{id}` → 204.
pub(crate) async fn delete(cx: &Ctx<'_>, id: &str) -> Served<Response> {
    let (s, _) = live(cx, id).await?;
    cx.ms.delete_session(&s.id, id).await?;
    Ok(Response::empty(204))
}

/// `POST /v1/sessions/{id}/memory` `{"key", "value", "ttl_seconds"?}` → 201 the entry.
pub(crate) async fn set_memory(cx: &Ctx<'_>, id: &str) -> Served<Response> {
    let b = Body::parse(cx.req, &["key", "value", "ttl_seconds"])?;
    let key = b.str("key")?.ok_or_else(|| invalid("key", "is required"))?;
    let value = b
        .raw("value")
        .cloned()
        .ok_or_else(|| invalid("value", "is required"))?;
    let ttl = b.int("ttl_seconds", 1, crate::engine::validate::MAX_SECONDS)?;
    let (s, _) = live(cx, id).await?;
    let e = cx.ms.set_context(&s.id, id, &key, value, ttl).await?;
    Ok(ok(201, wire::entry(&e)))
}

/// `GET /v1/sessions/{id}/memory?key=a,b` → `{key: value}` for the live keys asked for (all
/// live keys without `key`). Keys are split on commas, as the SDK joins them.
pub(crate) async fn get_memory(cx: &Ctx<'_>, id: &str) -> Served<Response> {
    let q = fault::query(cx.req)?;
    only_params(&q, &["key", "keys"])?;
    let keys: Vec<String> = q
        .all("key")
        .into_iter()
        .chain(q.all("keys"))
        .flat_map(|v| v.split(','))
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .collect();
    let (s, _) = live(cx, id).await?;
    let entries = cx.ms.get_context(&s.id, id, &keys).await?;
    let map: Map<String, Value> = entries.into_iter().map(|e| (e.key, e.value)).collect();
    Ok(ok(200, Value::Object(map)))
}

/// `POST /v1/sessions/{id}/touch` → `{"session_id", "expires_at", "touched_at"}`.
pub(crate) async fn touch(cx: &Ctx<'_>, id: &str) -> Served<Response> {
    let q = fault::query(cx.req)?;
    only_params(&q, &["extend_seconds"])?;
    if q.get("extend_seconds").is_some() {
        return Err(invalid(
            "extend_seconds",
            "is not supported: a touch restarts the session's ttl_seconds",
        ));
    }
    let (s, _) = live(cx, id).await?;
    let t = cx.ms.touch_session(&s.id, id).await?;
    Ok(ok(
        200,
        json!({
            "session_id": t.session_id,
            "touched_at": wire::ts(&t.touched_at),
            "expires_at": t.expires_at.as_ref().map(wire::ts),
        }),
    ))
}

/// `POST /v1/sessions/{id}/commit` `{"min_importance"?, "deduplicate"?, "max_memories"?,
/// "categories"?}` → the extraction report (501 when the host has no LLM).
pub(crate) async fn commit(cx: &Ctx<'_>, id: &str) -> Served<Response> {
    let b = Body::parse(
        cx.req,
        &[
            "min_importance",
            "deduplicate",
            "max_memories",
            "categories",
        ],
    )?;
    let opts = CommitOptions {
        min_importance: b.unit("min_importance")?,
        deduplicate: b.bool("deduplicate")?,
        categories: b.strings("categories")?,
        max_memories: b.int("max_memories", 1, 500)?.map(|n| n as u32),
        ..Default::default()
    };
    let (s, _) = live(cx, id).await?;
    let r = cx.ms.commit_session(&s.id, id, opts).await?;
    Ok(ok(
        200,
        json!({
            "session_id": r.session_id,
            "memories_extracted": r.memories_extracted,
            "memories_deduplicated": r.memories_deduplicated,
            "memories_filtered": r.memories_filtered,
            "memories_created": r.memories_created,
            "memory_ids": r.memory_ids,
            "breakdown": r.breakdown,
            "extraction_time_ms": r.extraction_time_ms,
            "job_ids": r.job_ids,
        }),
    ))
}

/// `GET /v1/sessions/briefing?lookback_minutes&detail_level&limit&include_memories&
/// include_contradictions&workspace_id` → the SDK's `SessionBriefing`, flat and under
/// `"briefing"`.
pub(crate) async fn briefing(cx: &Ctx<'_>) -> Served<Response> {
    let q = fault::query(cx.req)?;
    only_params(
        &q,
        &[
            "lookback_minutes",
            "detail_level",
            "limit",
            "include_memories",
            "include_contradictions",
            "workspace_id",
        ],
    )?;
    match qstr(&q, "detail_level").as_deref() {
        None | Some("abstract" | "overview" | "full") => {}
        Some(_) => {
            return Err(invalid(
                "detail_level",
                "must be abstract, overview or full",
            ))
        }
    }
    let lookback = qint(&q, "lookback_minutes", 1, 525_600)?;
    let query = BriefingQuery {
        lookback_minutes: lookback,
        limit: qint(&q, "limit", 1, 100)?.map(|n| n as u32),
        include_memories: qbool(&q, "include_memories")?,
        include_contradictions: qbool(&q, "include_contradictions")?,
    };
    let ws = workspaces::resolve(cx, qstr(&q, "workspace_id")).await?;
    let s = workspaces::ensure(cx, &ws).await?;
    let b = cx.ms.briefing(&s.id, query).await?;
    Ok(ok(
        200,
        both(
            "briefing",
            wire::briefing(
                &b,
                &wire::workspace_id(&s),
                &cx.principal.tenant_id,
                lookback.unwrap_or(60),
            ),
        ),
    ))
}
