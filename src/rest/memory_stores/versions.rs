//! The memory versions of a store: list (newest first; filters `memory_id`, `operation`,
//! `created_at[gte|lte]`, and the actor filters), retrieve, redact.
//!
//! Versions record no actor (`created_by` is `null`: the engine does not know which key or
//! session wrote), so a listing filtered by `session_id`, `api_key_id` or
//! `service_account_id` is empty.

use super::super::fault::{self, invalid, Served};
use super::super::http::{Request, Response};
use super::memories::{path_out, view, View};
use super::{page_param, time_param, ts, MAX_LIMIT};
use crate::model::{MemoryVersion, Page, VersionAction};
use crate::Memspace;
use serde_json::{json, Value};

/// Most items of a page with `view=full`.
const FULL_VIEW_LIMIT: u64 = 20;
/// Default page size.
const DEFAULT_LIMIT: u64 = 20;

fn operation(a: VersionAction) -> &'static str {
    match a {
        VersionAction::Created => "created",
        VersionAction::Updated => "modified",
        VersionAction::Deleted => "deleted",
    }
}

/// Engine version → wire `memory_version`: a redacted version has no path, content, hash or
/// size; a `deleted` one no content, hash or size.
fn version_out(v: &MemoryVersion, view: View) -> Value {
    let gone = v.redacted || v.action == VersionAction::Deleted;
    json!({
        "type": "memory_version",
        "id": v.id,
        "memory_id": v.entry_id,
        "memory_store_id": v.store_id,
        "operation": operation(v.action),
        "created_at": ts(&v.created_at),
        "path": (!v.redacted).then(|| path_out(&v.entry_path)),
        "content": if view == View::Full && !gone { v.content.as_deref() } else { None },
        "content_sha256": (!gone).then_some(v.content_sha256.as_str()),
        "content_size_bytes": (!gone).then_some(v.size),
        "created_by": Value::Null,
        "redacted_at": v.redacted_at.as_ref().map(ts),
        "redacted_by": Value::Null,
    })
}

/// `GET …/{store}/memory_versions/{id}?view=` (default full).
pub(super) async fn retrieve(
    ms: &Memspace,
    home: &str,
    store: &str,
    id: &str,
    req: &Request,
) -> Served<Response> {
    let v = view(&fault::query(req)?, View::Full)?;
    let ver = ms.get_version(home, store, id).await?;
    Ok(Response::json(200, &version_out(&ver, v)))
}

/// `POST …/{store}/memory_versions/{id}/redact`.
pub(super) async fn redact(ms: &Memspace, home: &str, store: &str, id: &str) -> Served<Response> {
    let ver = ms.redact_version(home, store, id).await?;
    Ok(Response::json(200, &version_out(&ver, View::Full)))
}

/// `GET …/{store}/memory_versions?memory_id&operation&created_at[gte]&created_at[lte]&…`
/// (default basic): newest first; the cursor counts versions already walked.
pub(super) async fn list(
    ms: &Memspace,
    home: &str,
    store: &str,
    req: &Request,
) -> Served<Response> {
    let q = fault::query(req)?;
    let v = view(&q, View::Basic)?;
    let mut limit = fault::uint(&q, "limit")?.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(invalid("limit", "must be 1–100"));
    }
    if v == View::Full {
        limit = limit.min(FULL_VIEW_LIMIT);
    }
    let op = match q.get("operation") {
        None | Some("") => None,
        Some("created") => Some(VersionAction::Created),
        Some("modified") => Some(VersionAction::Updated),
        Some("deleted") => Some(VersionAction::Deleted),
        Some(_) => return Err(invalid("operation", "must be created, modified or deleted")),
    };
    let gte = time_param(&q, "created_at[gte]")?;
    let lte = time_param(&q, "created_at[lte]")?;
    let memory_id = q.get("memory_id").filter(|m| !m.is_empty());
    let by_actor = ["session_id", "api_key_id", "service_account_id"]
        .iter()
        .any(|k| q.get(k).is_some_and(|v| !v.is_empty()));
    let start = page_param(&q)?;
    // The store must exist (and be the caller's) whatever the filters say.
    ms.load_store(home, store).await?;
    if by_actor {
        return Ok(Response::json(
            200,
            &json!({ "data": [], "next_page": null }),
        ));
    }
    let mut data = Vec::new();
    let mut next = None;
    let mut at = start;
    'walk: loop {
        let chunk = ms
            .list_versions(
                home,
                store,
                memory_id,
                Page {
                    offset: Some(at),
                    limit: Some(MAX_LIMIT),
                },
            )
            .await?;
        let n = chunk.len() as u64;
        for ver in chunk {
            let keep = op.is_none_or(|o| o == ver.action)
                && gte.as_ref().is_none_or(|t| ver.created_at >= *t)
                && lte.as_ref().is_none_or(|t| ver.created_at <= *t);
            if keep {
                if data.len() as u64 == limit {
                    next = Some(at);
                    break 'walk;
                }
                data.push(ver);
            }
            at += 1;
        }
        if n < MAX_LIMIT {
            break;
        }
    }
    let mut out = Vec::with_capacity(data.len());
    for ver in data {
        if v == View::Full && !ver.redacted && ver.action != VersionAction::Deleted {
            out.push(version_out(&ms.get_version(home, store, &ver.id).await?, v));
        } else {
            out.push(version_out(&ver, v));
        }
    }
    Ok(Response::json(
        200,
        &json!({ "data": out, "next_page": next.map(|o| format!("p{o}")) }),
    ))
}
