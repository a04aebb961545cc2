//! `/v1/memories…`: remember, recall, reflect, get, update, forget, decay, batch, list, and the
//! associations of a memory (associate, list, update, delete, traverse).

use super::body::{self, only_params, qbool, qint, qstr, Body};
use super::wire::{self, both, ok};
use super::workspaces;
use super::Ctx;
use crate::error::{Error, ErrorCode};
use crate::model::{
    AssociationQuery, AssociationUpdate, BatchOp, BatchOpStatus, Direction, Memory, MemoryFilter,
    MemoryUpdate, NewAssociation, NewMemory, Page, RecallMode, RecallQuery, Space, Tolerance,
    TraverseQuery,
};
use crate::rest::fault::{self, invalid, Fault, Served};
use crate::rest::http::Response;
use serde_json::{json, Map, Value};

/// Largest page of `GET /v1/memories` (the API's own limit).
const LIST_MAX: u64 = 200;
/// Most associations one listing returns.
const ASSOCIATIONS_MAX: usize = 1000;

fn not_found(what: &str) -> Fault {
    Fault::Engine(Error::new(ErrorCode::NotFound, format!("{what} not found")))
}

/// A memory found by id in one of the principal's workspaces: the space, and the memory or
/// the engine's answer for it there (`gone` when it is forgotten, expired or deleted).
pub(crate) async fn locate(
    cx: &Ctx<'_>,
    id: &str,
) -> Served<(Space, std::result::Result<Memory, Error>)> {
    if !crate::ids::is_valid("mry", id) {
        return Err(not_found("Memory"));
    }
    for s in workspaces::search_order(cx).await? {
        match cx.ms.get_memory(&s.id, id).await {
            Err(e) if e.code == ErrorCode::NotFound => continue,
            Err(e) if e.code == ErrorCode::Gone => return Ok((s, Err(e))),
            Err(e) => return Err(e.into()),
            Ok(m) => return Ok((s, Ok(m))),
        }
    }
    Err(not_found("Memory"))
}

/// A readable memory (active or superseded) by id, or 404.
async fn readable(cx: &Ctx<'_>, id: &str) -> Served<(Space, Memory)> {
    let (s, m) = locate(cx, id).await?;
    Ok((s, m.map_err(|_| not_found("Memory"))?))
}

fn mem(cx: &Ctx<'_>, s: &Space, m: &Memory) -> Value {
    wire::memory(m, &wire::workspace_id(s), &cx.principal.tenant_id)
}

/// Keys of a memory to create (remember and batch `create`).
const NEW_MEMORY_KEYS: &[&str] = &[
    "content",
    "type",
    "subtype",
    "importance",
    "tags",
    "metadata",
    "context_id",
    "logical_key",
    "valid_at",
    "expires_at",
    "idempotency_key",
    "user_id",
    "relations",
    "pinned",
];

/// A `NewMemory` from the wire fields (snake_case).
fn new_memory(b: &Body) -> Served<NewMemory> {
    if b.has("user_id") {
        return Err(invalid(
            "user_id",
            "per-user scopes inside a workspace are not supported: the caller's credentials \
             name the user",
        ));
    }
    if b.raw("relations")
        .is_some_and(|v| !v.is_null() && v != &json!([]))
    {
        return Err(invalid(
            "relations",
            "entity relations are not supported; link memories with associate",
        ));
    }
    if b.bool("pinned")? == Some(true) {
        return Err(invalid("pinned", "pinned memories are not supported"));
    }
    let content = b
        .str("content")?
        .ok_or_else(|| invalid("content", "is required"))?;
    Ok(NewMemory {
        content,
        memory_type: b.memory_type("type")?,
        subtype: b.subtype("subtype")?,
        importance: b.unit("importance")?,
        tags: b.strings("tags")?.unwrap_or_default(),
        metadata: b.object("metadata")?,
        context_id: b.str("context_id")?,
        logical_key: b.str("logical_key")?,
        valid_at: b.time("valid_at")?,
        expires_at: b.time("expires_at")?,
        idempotency_key: b.str("idempotency_key")?,
        ..Default::default()
    })
}

/// `POST /v1/memories` → 201 `{"memory", "replayed"}` (`Idempotency-Key` header honoured).
pub(crate) async fn remember(cx: &Ctx<'_>) -> Served<Response> {
    let mut keys = NEW_MEMORY_KEYS.to_vec();
    keys.push("workspace_id");
    let b = Body::parse(cx.req, &keys)?;
    let mut input = new_memory(&b)?;
    if let Some(k) = cx.req.header_value("idempotency-key") {
        input.idempotency_key.get_or_insert_with(|| k.to_string());
    }
    let ws = workspaces::resolve(cx, b.str("workspace_id")?).await?;
    let s = workspaces::ensure(cx, &ws).await?;
    let r = cx.ms.remember(&s.id, input).await?;
    Ok(ok(
        201,
        json!({
            "memory": mem(cx, &s, &r.memory),
            "replayed": r.replayed,
            "superseded_id": r.superseded_id,
        }),
    ))
}

/// `GET /v1/memories/{id}` → `{"memory"}`.
pub(crate) async fn get(cx: &Ctx<'_>, id: &str) -> Served<Response> {
    let (s, m) = readable(cx, id).await?;
    Ok(ok(200, json!({ "memory": mem(cx, &s, &m) })))
}

/// `PUT /v1/memories/{id}` `{"content"?, "importance"?, "tags"?, "metadata"?,
/// "expected_version"?}` → `{"memory"}`; nothing to change returns the memory as it is.
pub(crate) async fn update(cx: &Ctx<'_>, id: &str) -> Served<Response> {
    let b = Body::parse(
        cx.req,
        &[
            "content",
            "importance",
            "tags",
            "metadata",
            "expected_version",
        ],
    )?;
    let u = MemoryUpdate {
        content: b.str("content")?,
        importance: b.unit("importance")?,
        tags: b.strings("tags")?,
        metadata: b.object("metadata")?,
        expected_version: b.int("expected_version", 1, u64::MAX >> 11)?,
    };
    let (s, m) = readable(cx, id).await?;
    let m = if u.content.is_none()
        && u.importance.is_none()
        && u.tags.is_none()
        && u.metadata.is_none()
    {
        m
    } else {
        cx.ms.update_memory(&s.id, id, u).await?
    };
    Ok(ok(200, json!({ "memory": mem(cx, &s, &m) })))
}

/// `DELETE /v1/memories/{id}?hard=` → 204 (soft unless `hard=true`; a soft-forgotten memory
/// can still be hard-forgotten).
pub(crate) async fn forget(cx: &Ctx<'_>, id: &str) -> Served<Response> {
    let q = fault::query(cx.req)?;
    only_params(&q, &["hard", "workspace_id"])?;
    let hard = qbool(&q, "hard")?.unwrap_or(false);
    let (s, m) = locate(cx, id).await?;
    if let Err(e) = m {
        if !hard {
            return Err(e.into());
        }
    }
    cx.ms.forget_memory(&s.id, id, hard).await?;
    Ok(Response::empty(204))
}

/// `POST /v1/memories/{id}/decay` `{"decay_rate"?}` → `{"memory"}`.
pub(crate) async fn decay(cx: &Ctx<'_>, id: &str) -> Served<Response> {
    let b = Body::parse(cx.req, &["decay_rate"])?;
    let rate = b.unit("decay_rate")?;
    let (s, _) = readable(cx, id).await?;
    let m = cx.ms.decay_memory(&s.id, id, rate).await?;
    Ok(ok(200, json!({ "memory": mem(cx, &s, &m) })))
}

/// `GET /v1/memories?limit&offset&type&subtype&tag&context_id&workspace_id` →
/// `{"memories", "total_count"}` (newest first; `total_count` counts this page, as the SDK
/// documents).
pub(crate) async fn list(cx: &Ctx<'_>) -> Served<Response> {
    let q = fault::query(cx.req)?;
    only_params(
        &q,
        &[
            "limit",
            "offset",
            "type",
            "subtype",
            "tag",
            "context_id",
            "workspace_id",
        ],
    )?;
    let limit = qint(&q, "limit", 1, LIST_MAX)?.unwrap_or(50);
    let offset = qint(&q, "offset", 0, 1_000_000)?.unwrap_or(0);
    let filter = MemoryFilter {
        memory_type: qstr(&q, "type")
            .map(|t| body::memory_type("type", &t))
            .transpose()?,
        subtype: qstr(&q, "subtype")
            .map(|t| body::subtype("subtype", &t))
            .transpose()?,
        tags: q
            .all("tag")
            .into_iter()
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect(),
        context_id: qstr(&q, "context_id"),
        ..Default::default()
    };
    let ws = workspaces::resolve(cx, qstr(&q, "workspace_id")).await?;
    let mut out = Vec::new();
    if let Some(s) = workspaces::find(cx, &ws).await? {
        while (out.len() as u64) < limit {
            let want = (limit - out.len() as u64).min(100);
            let page = cx
                .ms
                .list_memories(
                    &s.id,
                    filter.clone(),
                    Page {
                        offset: Some(offset + out.len() as u64),
                        limit: Some(want),
                    },
                )
                .await?;
            let n = page.len() as u64;
            out.extend(page.iter().map(|m| mem(cx, &s, m)));
            if n < want {
                break;
            }
        }
    }
    Ok(ok(
        200,
        json!({ "total_count": out.len(), "memories": out }),
    ))
}

fn recall_mode(s: &str) -> Served<RecallMode> {
    match s {
        "rag" => Ok(RecallMode::Rag),
        "llm" => Ok(RecallMode::Llm),
        "hybrid" => Ok(RecallMode::Hybrid),
        _ => Err(invalid("mode", "must be rag, llm or hybrid")),
    }
}

fn tolerance(s: &str) -> Served<Tolerance> {
    match s {
        "loose" => Ok(Tolerance::Loose),
        "moderate" => Ok(Tolerance::Moderate),
        "strict" => Ok(Tolerance::Strict),
        _ => Err(invalid("tolerance", "must be loose, moderate or strict")),
    }
}

fn detail_level(b: &Body) -> Served<()> {
    match b.str("detail_level")?.as_deref() {
        None | Some("abstract" | "overview" | "full") => Ok(()),
        Some(_) => Err(invalid(
            "detail_level",
            "must be abstract, overview or full",
        )),
    }
}

/// `POST /v1/memories/recall` → `RecallResult`.
pub(crate) async fn recall(cx: &Ctx<'_>) -> Served<Response> {
    let b = Body::parse(
        cx.req,
        &[
            "query",
            "limit",
            "offset",
            "mode",
            "tolerance",
            "include_associations",
            "traverse_depth",
            "min_relevance",
            "recency_weight",
            "max_expansion",
            "types",
            "subtypes",
            "tags",
            "created_after",
            "created_before",
            "valid_at",
            "budget_tokens",
            "include_confidence",
            "include_relations",
            "include_global",
            "include_global_user",
            "detail_level",
            "workspace_id",
            "user_id",
            "event_after",
            "event_before",
            "time_order",
        ],
    )?;
    for k in ["event_after", "event_before", "time_order"] {
        if b.has(k) {
            return Err(invalid(
                k,
                "event-time filters and ordering are not supported; use created_after/created_before or valid_at",
            ));
        }
    }
    if b.has("user_id") {
        return Err(invalid(
            "user_id",
            "per-user scopes inside a workspace are not supported",
        ));
    }
    // Accepted for the SDK's sake: memspace has no global workspaces, always reports the
    // confidence and association paths, and always returns full content.
    for k in [
        "include_confidence",
        "include_relations",
        "include_global",
        "include_global_user",
    ] {
        b.bool(k)?;
    }
    detail_level(&b)?;
    let types = b
        .strings("types")?
        .unwrap_or_default()
        .iter()
        .map(|t| body::memory_type("types", t))
        .collect::<Served<Vec<_>>>()?;
    let subtypes = b
        .strings("subtypes")?
        .unwrap_or_default()
        .iter()
        .map(|t| body::subtype("subtypes", t))
        .collect::<Served<Vec<_>>>()?;
    let query = RecallQuery {
        query: b
            .str("query")?
            .ok_or_else(|| invalid("query", "is required"))?,
        types,
        subtypes,
        tags: b.strings("tags")?.unwrap_or_default(),
        limit: b.int("limit", 1, 100)?.map(|n| n as u32),
        offset: b.int("offset", 0, u32::MAX as u64)?.map(|n| n as u32),
        mode: b.str("mode")?.map(|m| recall_mode(&m)).transpose()?,
        min_relevance: b.f64("min_relevance")?,
        tolerance: b.str("tolerance")?.map(|t| tolerance(&t)).transpose()?,
        recency_weight: b.unit("recency_weight")?,
        include_associations: b.bool("include_associations")?,
        traverse_depth: b.int("traverse_depth", 0, 5)?.map(|n| n as u32),
        max_expansion: b.int("max_expansion", 1, 500)?.map(|n| n as u32),
        created_after: b.time("created_after")?,
        created_before: b.time("created_before")?,
        valid_at: b.time("valid_at")?,
        budget_tokens: b.int("budget_tokens", 1, u32::MAX as u64)?,
        ..Default::default()
    };
    let ws = workspaces::resolve(cx, b.str("workspace_id")?).await?;
    let s = workspaces::ensure(cx, &ws).await?;
    let r = cx.ms.recall(&s.id, query).await?;
    let wsid = wire::workspace_id(&s);
    let tenant = &cx.principal.tenant_id;
    Ok(ok(
        200,
        json!({
            "memories": r.memories.iter().map(|m| wire::recalled(m, &wsid, tenant)).collect::<Vec<_>>(),
            "total_count": r.total_count,
            "mode_used": r.mode_used,
            "query_tokens": r.query_tokens,
            "search_latency_ms": r.search_latency_ms.round().max(0.0) as u64,
            "retrieval_confidence": r.retrieval_confidence,
            "confidence_reasons": r.confidence_reasons,
            "budget_summary": r.budget_summary.map(|b| json!({
                "requested": b.budget_tokens,
                "used": b.used_tokens,
                "estimator": "memspace",
                "truncated_items": 0,
                "omitted_items": b.omitted,
            })),
            "generation_summary": null,
            "relation_paths": [],
            "association_paths": r.relation_paths.iter().map(|p| wire::path(p, &wsid)).collect::<Vec<_>>(),
        }),
    ))
}

/// `POST /v1/memories/reflect` `{"query", "max_tokens"?, "include_sources"?,
/// "workspace_id"?}` → `{"reflection", "source_memories", "confidence", "tokens_processed"}`
/// (501 when the host has no LLM: memspace never makes a reflection up).
pub(crate) async fn reflect(cx: &Ctx<'_>) -> Served<Response> {
    let b = Body::parse(
        cx.req,
        &[
            "query",
            "max_tokens",
            "include_sources",
            "workspace_id",
            "detail_level",
        ],
    )?;
    detail_level(&b)?;
    let query = b
        .str("query")?
        .ok_or_else(|| invalid("query", "is required"))?;
    let max_tokens = b.int("max_tokens", 1, 8192)?.map(|n| n as u32);
    let include_sources = b.bool("include_sources")?;
    let ws = workspaces::resolve(cx, b.str("workspace_id")?).await?;
    let s = workspaces::ensure(cx, &ws).await?;
    let r = cx
        .ms
        .reflect(&s.id, &query, max_tokens, include_sources)
        .await?;
    Ok(ok(
        200,
        json!({
            "reflection": r.reflection,
            "source_memories": r.source_memories,
            "confidence": r.confidence,
            "tokens_processed": r.tokens_processed,
        }),
    ))
}

/// One batch operation: `{"op": "create"|"update"|"delete", …fields}` (the API server's form)
/// or `{"type": …, "data": {…}}` (the form the SDK's docstring shows).
fn batch_op(i: usize, v: &Value) -> Served<BatchOp> {
    let field = |k: &str| format!("operations[{i}].{k}");
    let Value::Object(o) = v else {
        return Err(invalid(&format!("operations[{i}]"), "must be an object"));
    };
    let (kind, fields): (String, Map<String, Value>) = match (
        o.get("op"),
        o.get("type"),
        o.get("data"),
    ) {
        (Some(Value::String(k)), _, None) => {
            let mut f = o.clone();
            f.remove("op");
            (k.clone(), f)
        }
        (None, Some(Value::String(k)), Some(Value::Object(d))) if o.len() == 2 => {
            (k.clone(), d.clone())
        }
        _ => return Err(invalid(
            &format!("operations[{i}]"),
            "must be {\"op\": \"create\"|\"update\"|\"delete\", …} or {\"type\": …, \"data\": {…}}",
        )),
    };
    let prefixed = |f: Fault| match f {
        Fault::Invalid(k, m) => Fault::Invalid(field(&k), m),
        other => other,
    };
    let check = |allowed: &[&str]| -> Served<Body> {
        match fields.keys().find(|k| !allowed.contains(&k.as_str())) {
            Some(k) => Err(invalid(&field(k), "unknown field")),
            None => Ok(Body(fields.clone())),
        }
    };
    let memory_id = |b: &Body| -> Served<String> {
        b.str("memory_id")?
            .ok_or_else(|| invalid("memory_id", "is required"))
    };
    match kind.as_str() {
        "create" => {
            let b = check(NEW_MEMORY_KEYS)?;
            new_memory(&b).map(BatchOp::Create).map_err(prefixed)
        }
        "update" => {
            let b = check(&[
                "memory_id",
                "content",
                "importance",
                "tags",
                "metadata",
                "expected_version",
            ])?;
            (|| {
                Ok(BatchOp::Update {
                    memory_id: memory_id(&b)?,
                    update: MemoryUpdate {
                        content: b.str("content")?,
                        importance: b.unit("importance")?,
                        tags: b.strings("tags")?,
                        metadata: b.object("metadata")?,
                        expected_version: b.int("expected_version", 1, u64::MAX >> 11)?,
                    },
                })
            })()
            .map_err(prefixed)
        }
        "delete" => {
            let b = check(&["memory_id", "hard"])?;
            (|| {
                Ok(BatchOp::Delete {
                    memory_id: memory_id(&b)?,
                    hard: b.bool("hard")?.unwrap_or(false),
                })
            })()
            .map_err(prefixed)
        }
        _ => Err(invalid(&field("op"), "must be create, update or delete")),
    }
}

/// `POST /v1/memories/batch` `{"operations": [...], "workspace_id"?, "atomic"?}` →
/// `{"total_operations", "successful", "failed", "results": [...]}`.
pub(crate) async fn batch(cx: &Ctx<'_>) -> Served<Response> {
    let b = Body::parse(cx.req, &["operations", "workspace_id", "atomic"])?;
    let ops = match b.raw("operations") {
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, v)| batch_op(i, v))
            .collect::<Served<Vec<_>>>()?,
        _ => return Err(invalid("operations", "is required: a list of operations")),
    };
    let atomic = b.bool("atomic")?.unwrap_or(false);
    let ws = workspaces::resolve(cx, b.str("workspace_id")?).await?;
    let s = workspaces::ensure(cx, &ws).await?;
    let r = cx.ms.batch_memories(&s.id, ops, atomic).await?;
    let results: Vec<Value> = r
        .results
        .iter()
        .map(|o| {
            json!({
                "index": o.index,
                "type": o.op,
                "status": match o.status {
                    BatchOpStatus::Success => "success",
                    BatchOpStatus::Error => "error",
                    BatchOpStatus::Skipped => "skipped",
                },
                "memory_id": o.memory_id,
                "replayed": o.replayed,
                "error": o.error.as_ref().map(|e| e.message.clone()),
                "error_code": o.error.as_ref().map(|e| e.code.as_str()),
            })
        })
        .collect();
    Ok(ok(
        200,
        json!({
            "workspace_id": wire::workspace_id(&s),
            "total_operations": r.total_operations,
            "successful": r.successful,
            "failed": r.failed,
            "atomic": r.atomic,
            "results": results,
        }),
    ))
}

fn direction(field: &str, s: Option<&str>) -> Served<Direction> {
    match s {
        None | Some("") | Some("both") => Ok(Direction::Both),
        Some("outgoing" | "out") => Ok(Direction::Out),
        Some("incoming" | "in") => Ok(Direction::In),
        Some(_) => Err(invalid(field, "must be outgoing, incoming or both")),
    }
}

/// `POST /v1/memories/{id}/associate` `{"target_id", "relationship", "strength"?,
/// "metadata"?}` → 201, the association flat and under `"association"`.
pub(crate) async fn associate(cx: &Ctx<'_>, id: &str) -> Served<Response> {
    let b = Body::parse(
        cx.req,
        &[
            "target_id",
            "relationship",
            "strength",
            "metadata",
            "workspace_id",
        ],
    )?;
    let input = NewAssociation {
        target_id: b
            .str("target_id")?
            .ok_or_else(|| invalid("target_id", "is required"))?,
        relationship: b
            .str("relationship")?
            .ok_or_else(|| invalid("relationship", "is required"))?,
        strength: b.unit("strength")?,
        metadata: b.object("metadata")?,
    };
    let (s, _) = readable(cx, id).await?;
    let a = cx.ms.associate(&s.id, id, input).await?;
    Ok(ok(
        201,
        both(
            "association",
            wire::association(&a, &wire::workspace_id(&s)),
        ),
    ))
}

/// Every visible association of a memory in `direction`.
async fn all_associations(
    cx: &Ctx<'_>,
    s: &Space,
    id: &str,
    direction: Direction,
    relationships: Vec<String>,
) -> Served<Vec<crate::model::Association>> {
    let mut out = Vec::new();
    while out.len() < ASSOCIATIONS_MAX {
        let page = cx
            .ms
            .get_associations(
                &s.id,
                id,
                AssociationQuery {
                    direction,
                    relationships: relationships.clone(),
                    include_superseded: false,
                },
                Page {
                    offset: Some(out.len() as u64),
                    limit: Some(100),
                },
            )
            .await?;
        let n = page.len();
        out.extend(page);
        if n < 100 {
            break;
        }
    }
    Ok(out)
}

/// `GET /v1/memories/{id}/associations?direction=&relationship=` →
/// `{"associations", "total_count"}`.
pub(crate) async fn associations(cx: &Ctx<'_>, id: &str) -> Served<Response> {
    let q = fault::query(cx.req)?;
    only_params(
        &q,
        &["direction", "relationship", "relationships", "workspace_id"],
    )?;
    let d = direction("direction", q.get("direction"))?;
    let rels: Vec<String> = q
        .all("relationship")
        .into_iter()
        .chain(q.all("relationships"))
        .flat_map(|v| v.split(','))
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect();
    let (s, _) = readable(cx, id).await?;
    let ws = wire::workspace_id(&s);
    let list = all_associations(cx, &s, id, d, rels).await?;
    let out: Vec<Value> = list.iter().map(|a| wire::association(a, &ws)).collect();
    Ok(ok(
        200,
        json!({ "total_count": out.len(), "associations": out }),
    ))
}

/// The association `aid` with `id` as one of its ends, or 404.
async fn association_of(
    cx: &Ctx<'_>,
    id: &str,
    aid: &str,
) -> Served<(Space, crate::model::Association)> {
    let (s, _) = readable(cx, id).await?;
    all_associations(cx, &s, id, Direction::Both, Vec::new())
        .await?
        .into_iter()
        .find(|a| a.id == aid)
        .map(|a| (s, a))
        .ok_or_else(|| not_found("Association"))
}

/// `PATCH /v1/memories/{id}/associations/{aid}` `{"strength"?, "metadata"?}`.
pub(crate) async fn update_association(cx: &Ctx<'_>, id: &str, aid: &str) -> Served<Response> {
    let b = Body::parse(cx.req, &["strength", "metadata"])?;
    let u = AssociationUpdate {
        strength: b.unit("strength")?,
        metadata: b.object("metadata")?,
    };
    let (s, a) = association_of(cx, id, aid).await?;
    let a = if u.strength.is_none() && u.metadata.is_none() {
        a
    } else {
        cx.ms.update_association(&s.id, aid, u).await?
    };
    Ok(ok(
        200,
        both(
            "association",
            wire::association(&a, &wire::workspace_id(&s)),
        ),
    ))
}

/// `DELETE /v1/memories/{id}/associations/{aid}` → 204.
pub(crate) async fn delete_association(cx: &Ctx<'_>, id: &str, aid: &str) -> Served<Response> {
    let (s, _) = association_of(cx, id, aid).await?;
    cx.ms.delete_association(&s.id, aid).await?;
    Ok(Response::empty(204))
}

/// `POST /v1/memories/{id}/traverse` `{"max_depth"?, "direction"?, "min_strength"?,
/// "relationship_types"?, "max_nodes"?}` → `{"paths", "total_paths", "unique_nodes",
/// "nodes", "query_latency_ms"}`.
pub(crate) async fn traverse(cx: &Ctx<'_>, id: &str) -> Served<Response> {
    let b = Body::parse(
        cx.req,
        &[
            "max_depth",
            "direction",
            "min_strength",
            "relationship_types",
            "max_nodes",
            "include_superseded",
            "workspace_id",
        ],
    )?;
    let query = TraverseQuery {
        max_depth: b.int("max_depth", 1, 5)?.map(|n| n as u32),
        direction: direction("direction", b.str("direction")?.as_deref())?,
        min_strength: b.unit("min_strength")?,
        relationship_types: b.strings("relationship_types")?.unwrap_or_default(),
        max_nodes: b.int("max_nodes", 1, 10_000)?.map(|n| n as u32),
        include_superseded: b.bool("include_superseded")?.unwrap_or(false),
    };
    let started = cx.ms.clock();
    let (s, _) = readable(cx, id).await?;
    let t = cx.ms.traverse(&s.id, id, query).await?;
    let ms = (cx.ms.clock().micros() - started.micros()).max(0) as u64 / 1000;
    Ok(ok(
        200,
        wire::traversal(&t, &wire::workspace_id(&s), &cx.principal.tenant_id, ms),
    ))
}
