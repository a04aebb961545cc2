//! Sessions: `GET|POST memory/{s}/sessions/`, `GET|PATCH|DELETE memory/{s}/sessions/{sid}/`.

use super::super::fault::{self, Served};
use super::super::http::Response;
use super::{wire, Call};
use crate::error::ErrorCode;
use crate::model::SessionFilter;
use serde_json::json;

/// `POST memory/{s}/sessions/` (201; `[]` strategies → the default soft delete after 180 days).
pub(super) async fn create(c: &Call<'_>, s: &str) -> Served<Response> {
    let body = fault::object(c.req)?;
    let session = c.ms.create_session(s, wire::new_session_in(&body)?).await?;
    Ok(Response::json(201, &wire::session_out(&session)))
}

/// `GET memory/{s}/sessions/?offset&limit&participants…&description&deduplicationKey`; the
/// deduplication key is an index read (zero or one session).
pub(super) async fn list(c: &Call<'_>, s: &str) -> Served<Response> {
    let q = fault::query(c.req)?;
    let participants: Vec<String> = q
        .all("participants")
        .into_iter()
        .map(str::to_string)
        .collect();
    let filter = SessionFilter {
        offset: fault::uint(&q, "offset")?,
        limit: fault::uint(&q, "limit")?,
        participants: (!participants.is_empty()).then_some(participants),
        description: q.get("description").map(str::to_string),
        deduplication_key: q.get("deduplicationKey").map(str::to_string),
    };
    let keyed = filter.deduplication_key.is_some();
    let sessions = match c.ms.list_sessions(s, filter).await {
        Ok(v) => v,
        // A key no session can hold (empty, too long) matches nothing, as a filter should.
        Err(e)
            if keyed
                && e.code == ErrorCode::Validation
                && e.details.get("field").and_then(|f| f.as_str()) == Some("deduplication_key") =>
        {
            Vec::new()
        }
        Err(e) => return Err(e.into()),
    };
    let items: Vec<_> = sessions.iter().map(wire::session_out).collect();
    Ok(Response::json(200, &json!({ "items": items })))
}

/// `GET memory/{s}/sessions/{sid}/`.
pub(super) async fn get(c: &Call<'_>, s: &str, id: &str) -> Served<Response> {
    let session = c.ms.get_session(s, id).await?;
    Ok(Response::json(200, &wire::session_out(&session)))
}

/// `PATCH memory/{s}/sessions/{sid}/` with an optional `If-Match` version.
pub(super) async fn update(c: &Call<'_>, s: &str, id: &str) -> Served<Response> {
    let if_match = c
        .req
        .header_value("if-match")
        .map(wire::parse_if_match)
        .transpose()?;
    let body = fault::object(c.req)?;
    let session =
        c.ms.update_session(s, id, wire::session_update_in(&body, if_match)?)
            .await?;
    Ok(Response::json(200, &wire::session_out(&session)))
}

/// `DELETE memory/{s}/sessions/{sid}/` (204, soft).
pub(super) async fn delete(c: &Call<'_>, s: &str, id: &str) -> Served<Response> {
    c.ms.delete_session(s, id).await?;
    Ok(Response::empty(204))
}
