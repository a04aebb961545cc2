//! Events: post one or a batch, list (offset+limit or lastN, eventType), update one or a batch
//! with the `createdAt` token, and delete one.

use super::super::fault::{self, invalid, Served};
use super::super::http::Response;
use super::{wire, Call};
use crate::model::EventQuery;
use serde_json::{json, Value};

/// `POST …/events/` (201).
pub(super) async fn post(c: &Call<'_>, s: &str, id: &str) -> Served<Response> {
    let body = Value::Object(fault::object(c.req)?);
    let ev =
        c.ms.post_event(s, id, wire::new_event_in(&body, "body")?)
            .await?;
    Ok(Response::json(201, &wire::event_out(&ev)))
}

/// `POST …/events/batch/` (201, atomic, ≤200).
pub(super) async fn post_batch(c: &Call<'_>, s: &str, id: &str) -> Served<Response> {
    let body = fault::object(c.req)?;
    let items = wire::batch_in(&body)?
        .iter()
        .enumerate()
        .map(|(i, e)| wire::new_event_in(e, &format!("events[{i}]")))
        .collect::<Served<Vec<_>>>()?;
    let events = c.ms.post_events(s, id, items).await?;
    let items: Vec<_> = events.iter().map(wire::event_out).collect();
    Ok(Response::json(201, &json!({ "items": items })))
}

/// `GET …/events/?offset&limit` or `?lastN`, `&eventType`: chronological.
pub(super) async fn list(c: &Call<'_>, s: &str, id: &str) -> Served<Response> {
    let q = fault::query(c.req)?;
    let query = EventQuery {
        offset: fault::uint(&q, "offset")?,
        limit: fault::uint(&q, "limit")?,
        last_n: fault::uint(&q, "lastN")?,
        event_type: q.get("eventType").map(str::to_string),
    };
    let events = c.ms.list_events(s, id, query).await?;
    let items: Vec<_> = events.iter().map(wire::event_out).collect();
    Ok(Response::json(200, &json!({ "items": items })))
}

/// `PATCH …/events/{n}/?createdAt=` (the token is the event's last modification time).
pub(super) async fn update(c: &Call<'_>, s: &str, id: &str, n: u64) -> Served<Response> {
    let q = fault::query(c.req)?;
    let body = Value::Object(fault::object(c.req)?);
    let u = wire::event_update_in(&body, n, q.get("createdAt"), "body")?;
    let ev = c.ms.update_event(s, id, u).await?;
    Ok(Response::json(200, &wire::event_out(&ev)))
}

/// `PATCH …/events/batch/` (atomic, ≤200, each item with its own `createdAt`).
pub(super) async fn update_batch(c: &Call<'_>, s: &str, id: &str) -> Served<Response> {
    let body = fault::object(c.req)?;
    let mut updates = Vec::new();
    for (i, e) in wire::batch_in(&body)?.iter().enumerate() {
        let what = format!("events[{i}]");
        let seq = e.get("sequenceId").and_then(Value::as_u64).ok_or_else(|| {
            invalid(
                &format!("{what}.sequenceId"),
                "must be a non-negative integer",
            )
        })?;
        let created = match e.get("createdAt") {
            None | Some(Value::Null) => None,
            Some(Value::String(t)) => Some(t.as_str()),
            Some(_) => {
                return Err(invalid(
                    &format!("{what}.createdAt"),
                    "must be an ISO-8601 datetime",
                ))
            }
        };
        updates.push(wire::event_update_in(e, seq, created, &what)?);
    }
    let events = c.ms.update_events(s, id, updates).await?;
    let items: Vec<_> = events.iter().map(wire::event_out).collect();
    Ok(Response::json(200, &json!({ "items": items })))
}

/// `DELETE …/events/{n}/` (the ORM's `DREvent.delete()`): 204; later events keep their ids;
/// a deleted or never-posted id answers 404.
pub(super) async fn delete(c: &Call<'_>, s: &str, id: &str, n: u64) -> Served<Response> {
    c.ms.delete_event(s, id, n).await?;
    Ok(Response::empty(204))
}
