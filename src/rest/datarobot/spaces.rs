//! Memory spaces: `GET memory/`, `POST memory/new/`, `GET|PATCH|DELETE memory/{s}/`, the
//! `restore/` undo of a delete and the `extraction-jobs/` outbox (extensions, not DataRobot).

use super::super::fault::{self, invalid, Served};
use super::super::http::{Request, Response};
use super::{wire, Call};
use crate::error::ErrorCode;
use crate::model::Page;
use serde_json::{json, Value};

/// `?offset&limit&deduplicationKey` of `GET memory/` (limit 1–100, default 100).
pub(super) fn list_params(req: &Request) -> Served<(u64, u64, Option<String>)> {
    let q = fault::query(req)?;
    let offset = fault::uint(&q, "offset")?.unwrap_or(0);
    let limit = fault::uint(&q, "limit")?.unwrap_or(100);
    if !(1..=100).contains(&limit) {
        return Err(invalid("limit", "must be 1–100"));
    }
    Ok((offset, limit, q.get("deduplicationKey").map(str::to_string)))
}

/// `GET memory/`: the principal's live spaces in creation order.
pub(super) async fn list(c: &Call<'_>) -> Served<Response> {
    let (offset, limit, key) = list_params(c.req)?;
    let spaces = match key {
        Some(k) => match c.ms.space_by_key(&k).await {
            Ok(s) => s.into_iter().filter(|_| offset == 0).collect(),
            // A key no space can hold (empty, too long) matches nothing, as a filter should.
            Err(e) if e.code == ErrorCode::Validation => Vec::new(),
            Err(e) => return Err(e.into()),
        },
        None => {
            c.ms.list_spaces(Page {
                offset: Some(offset),
                limit: Some(limit),
            })
            .await?
        }
    };
    let items: Vec<_> = spaces
        .iter()
        .map(|s| wire::space_out(s, c.principal))
        .collect();
    Ok(Response::json(200, &json!({ "items": items })))
}

/// `POST memory/new/` (201). With a host-chosen id (a sharded host) a retried create of the
/// caller's live space returns it again.
pub(super) async fn create(c: &Call<'_>) -> Served<Response> {
    let body = fault::object(c.req)?;
    let input = wire::new_space_in(&body)?;
    let id = match c.opts.new_space_id.as_deref() {
        Some(w) => Some(
            wire::space_engine_id(w)
                .ok_or_else(|| invalid("newSpaceId", "must be a space id (UUID shape)"))?,
        ),
        None => None,
    };
    let space = c.ms.create_space_as(input, id.as_deref()).await?;
    Ok(Response::json(201, &wire::space_out(&space, c.principal)))
}

/// `GET memory/{s}/`.
pub(super) async fn get(c: &Call<'_>, s: &str) -> Served<Response> {
    let space = c.ms.get_space(s).await?;
    Ok(Response::json(200, &wire::space_out(&space, c.principal)))
}

/// `PATCH memory/{s}/` (absent = keep, null = clear).
pub(super) async fn update(c: &Call<'_>, s: &str) -> Served<Response> {
    let body = fault::object(c.req)?;
    let space = c.ms.update_space(s, wire::space_update_in(&body)?).await?;
    Ok(Response::json(200, &wire::space_out(&space, c.principal)))
}

/// `DELETE memory/{s}/` (204): a soft delete that `restore/` undoes.
pub(super) async fn delete(c: &Call<'_>, s: &str) -> Served<Response> {
    c.ms.delete_space(s).await?;
    Ok(Response::empty(204))
}

/// `POST memory/{s}/restore/` (extension): undoes a space delete with everything it held; a
/// live space is returned unchanged; another live space holding its key → 409.
pub(super) async fn restore(c: &Call<'_>, s: &str) -> Served<Response> {
    match c.ms.restore_space(s).await {
        Ok(space) => Ok(Response::json(200, &wire::space_out(&space, c.principal))),
        Err(e) if e.code == ErrorCode::Conflict && e.details.contains_key("existing_id") => {
            let existing = e.details.get("existing_id").and_then(|v| v.as_str());
            let existing = existing.map(wire::space_wire_id);
            let key = e.details.get("deduplication_key").and_then(|v| v.as_str());
            Ok(super::errors::space_conflict(
                key.unwrap_or_default(),
                existing.as_deref(),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET memory/{s}/extraction-jobs/?offset&limit&status&sessionId` (extension): the space's
/// extraction jobs, paged.
pub(super) async fn jobs(c: &Call<'_>, s: &str) -> Served<Response> {
    let q = fault::query(c.req)?;
    let status = match q.get("status") {
        None | Some("") => None,
        Some(v) => Some(fault::from_value("status", Value::String(v.to_string()))?),
    };
    let filter = crate::model::JobFilter {
        status,
        session_id: q.get("sessionId").map(str::to_string),
        offset: fault::uint(&q, "offset")?,
        limit: fault::uint(&q, "limit")?,
    };
    let jobs = c.ms.list_extraction_jobs(s, filter).await?;
    Ok(Response::json(200, &json!({ "items": jobs })))
}
