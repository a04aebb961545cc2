//! DataRobot error bodies: JSON with `Content-Type: application/json` exactly and a `detail`
//! (FastAPI style), the status codes the SDK and its async ORM dispatch on.
//!
//! * `not_found` and `gone` → 404 (the service answers 404 for deleted things).
//! * `duplicate` → 409 with `errorName` (`SessionDeduplicationConflict` or
//!   `MemorySpaceDeduplicationConflict`) and the existing id and URL.
//! * `conflict` on an event's unmodified-since token → 422 `Patch of incorrect version of
//!   event` (the string the ORM matches); other conflicts (stale `If-Match`) → 409.
//! * `validation` → 422 `{"detail": [{"loc", "msg", "type"}]}`, except a `user` emitter that is
//!   not a participant → 400.
//! * A malformed percent-escape → 400; a body over the cap → 413 `too_large`; 405; 501.

use super::super::fault::Fault;
use super::super::http::{Response, MAX_BODY_BYTES};
use crate::error::{Error, ErrorCode};
use serde_json::{json, Value};

/// What a duplicate means where it happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dup {
    /// A session deduplication key (`memory/{s}/sessions/`).
    Session,
    /// A space deduplication key (`memory/new/`).
    Space,
}

/// Where an error happened: the space id (for the existing-session URL) and what a
/// `duplicate` means there.
#[derive(Debug, Clone)]
pub struct Ctx<'a> {
    /// The space of the route, if any.
    pub space_id: Option<&'a str>,
    /// Session or space deduplication.
    pub dup: Dup,
}

/// `{"detail": detail, …extra}`.
pub fn error(status: u16, detail: impl Into<Value>, extra: Value) -> Response {
    let mut body = json!({ "detail": detail.into() });
    if let (Some(b), Value::Object(x)) = (body.as_object_mut(), extra) {
        b.extend(x);
    }
    Response::json(status, &body)
}

/// snake_case engine field names as the wire spells them (`event_type` → `eventType`).
pub fn camel(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut up = false;
    for c in field.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// 422 in the FastAPI shape for a field.
pub fn validation(field: &str, msg: &str) -> Response {
    error(
        422,
        json!([{ "loc": ["body", camel(field)], "msg": msg, "type": "value_error" }]),
        json!({ "code": "validation" }),
    )
}

/// The 409 of a space deduplication key held by `existing` (`None`: no winner resolved).
pub fn space_conflict(key: &str, existing: Option<&str>) -> Response {
    error(
        409,
        format!("a memory space with deduplication key {key:?} exists"),
        json!({
            "errorName": "MemorySpaceDeduplicationConflict",
            "deduplicationKey": key,
            "existingMemorySpaceId": existing,
            "existingMemorySpaceUrl": existing.map(|id| format!("/memory/{id}/")),
        }),
    )
}

fn detail_str<'a>(e: &'a Error, key: &str) -> Option<&'a str> {
    e.details.get(key).and_then(Value::as_str)
}

/// The wire response of an engine error (space ids in its details are engine ids).
pub fn engine(e: &Error, ctx: &Ctx) -> Response {
    let field = detail_str(e, "field");
    match e.code {
        ErrorCode::NotFound | ErrorCode::Gone => {
            error(404, e.message.as_str(), json!({ "code": e.code.as_str() }))
        }
        ErrorCode::Duplicate => {
            let id = detail_str(e, "existing_id");
            let key = detail_str(e, "deduplication_key").unwrap_or_default();
            match ctx.dup {
                Dup::Space => space_conflict(key, id.map(super::wire::space_wire_id).as_deref()),
                Dup::Session => error(
                    409,
                    e.message.as_str(),
                    json!({
                        "errorName": "SessionDeduplicationConflict",
                        "deduplicationKey": key,
                        "existingSessionId": id,
                        "existingSessionUrl": id.map(|id| format!(
                            "/memory/{}/sessions/{id}/", ctx.space_id.unwrap_or_default()
                        )),
                    }),
                ),
            }
        }
        ErrorCode::Conflict if detail_str(e, "precondition") == Some("if_unmodified_since") => {
            error(
                422,
                "Patch of incorrect version of event",
                json!({
                    "code": "conflict",
                    "sequenceId": e.details.get("sequence_id"),
                    "updatedAt": e.details.get("updated_at"),
                }),
            )
        }
        ErrorCode::Conflict => {
            let mut extra = json!({ "code": "conflict" });
            if let Some(v) = e.details.get("current_version") {
                extra["currentVersion"] = v.clone();
            }
            error(409, e.message.as_str(), extra)
        }
        ErrorCode::Validation
            if field == Some("emitter.id") && e.message.contains("participant") =>
        {
            error(400, e.message.as_str(), json!({ "code": "bad_request" }))
        }
        ErrorCode::Validation => validation(field.unwrap_or("body"), &e.message),
        _ => error(
            e.status(),
            e.message.as_str(),
            json!({ "code": e.code.as_str() }),
        ),
    }
}

/// The wire response of a refused request.
pub fn fault(f: &Fault, ctx: &Ctx) -> Response {
    match f {
        Fault::Engine(e) => engine(e, ctx),
        Fault::NoRoute => not_found(),
        Fault::Method(allowed) => error(
            405,
            "Method Not Allowed",
            json!({ "code": "method_not_allowed" }),
        )
        .with_header("allow", &allowed.join(", ")),
        Fault::Encoding => error(
            400,
            "Malformed percent-encoding in the URL",
            json!({ "code": "bad_request" }),
        ),
        Fault::TooLarge => error(
            413,
            format!("Request body too large: at most {MAX_BODY_BYTES} bytes"),
            json!({ "code": "too_large", "maxBytes": MAX_BODY_BYTES }),
        ),
        Fault::Syntax(m) => validation("body", m),
        Fault::Invalid(field, m) => validation(field, &format!("{field}: {m}")),
        Fault::Unsupported(m) => error(501, m.as_str(), json!({ "code": "unsupported" })),
        Fault::Unauthorized => unauthorized(),
    }
}

/// 404 for a path no route serves.
pub fn not_found() -> Response {
    error(404, "Not Found", json!({ "code": "not_found" }))
}

/// 401 before anything else is looked at.
pub fn unauthorized() -> Response {
    error(
        401,
        "Invalid or missing API token",
        json!({ "code": "unauthorized" }),
    )
}
