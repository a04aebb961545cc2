//! Memory-store error bodies: `{"type": "error", "error": {"type", "message", …}}` with the
//! status classes the SDK maps (400, 401, 404, 409, 412, 413, 422, ≥500). Conflicts that a
//! retry cannot fix (a failed precondition, a path in use) carry `x-should-retry: false`: the
//! SDK retries every 409 otherwise.

use super::super::fault::Fault;
use super::super::http::{Response, MAX_BODY_BYTES};
use crate::error::{Error, ErrorCode};
use serde_json::{json, Map, Value};

/// An error response of `error_type` with optional extra fields in `error`.
pub fn error(status: u16, error_type: &str, message: &str, extra: Map<String, Value>) -> Response {
    let mut err = json!({ "type": error_type, "message": message });
    if let Some(e) = err.as_object_mut() {
        e.extend(extra);
    }
    let r = Response::json(status, &json!({ "type": "error", "error": err }));
    if status == 409 {
        r.with_header("x-should-retry", "false")
    } else {
        r
    }
}

fn plain(status: u16, error_type: &str, message: &str) -> Response {
    error(status, error_type, message, Map::new())
}

/// The response of an engine error.
pub fn engine(e: &Error) -> Response {
    let d = |k: &str| e.details.get(k).and_then(Value::as_str);
    match e.code {
        ErrorCode::NotFound | ErrorCode::Gone => plain(404, "not_found_error", &e.message),
        ErrorCode::Validation => plain(400, "invalid_request_error", &e.message),
        ErrorCode::Archived => plain(400, "invalid_request_error", &e.message),
        ErrorCode::Conflict if d("precondition") == Some("path") => {
            let mut extra = Map::new();
            if let Some(id) = d("conflicting_entry_id").or(d("existing_id")) {
                extra.insert("conflicting_memory_id".into(), json!(id));
            }
            if let Some(p) = d("conflicting_path") {
                // Engine paths are relative; wire paths start with `/`.
                extra.insert("conflicting_path".into(), json!(format!("/{p}")));
            }
            error(409, "memory_path_conflict_error", &e.message, extra)
        }
        ErrorCode::Conflict if d("precondition") == Some("not_current_version") => {
            plain(409, "conflict_error", &e.message)
        }
        ErrorCode::Conflict if d("precondition").is_some() && !e.is_lost_race() => {
            plain(409, "memory_precondition_failed_error", &e.message)
        }
        ErrorCode::Conflict | ErrorCode::Duplicate => plain(409, "conflict_error", &e.message),
        ErrorCode::Quota => plain(507, "api_error", &e.message),
        ErrorCode::Unsupported => plain(501, "api_error", &e.message),
        ErrorCode::Upstream => plain(502, "api_error", &e.message),
        ErrorCode::Storage => plain(500, "api_error", &e.message),
    }
}

/// The response of a refused request.
pub fn fault(f: &Fault) -> Response {
    match f {
        Fault::Engine(e) => engine(e),
        Fault::NoRoute => plain(404, "not_found_error", "Not Found"),
        Fault::Method(allowed) => plain(405, "invalid_request_error", "Method Not Allowed")
            .with_header("allow", &allowed.join(", ")),
        Fault::Encoding => plain(
            400,
            "invalid_request_error",
            "Malformed percent-encoding in the URL",
        ),
        Fault::TooLarge => plain(
            413,
            "request_too_large",
            &format!("Request body too large: at most {MAX_BODY_BYTES} bytes"),
        ),
        Fault::Syntax(m) => plain(400, "invalid_request_error", m),
        Fault::Invalid(field, m) => plain(400, "invalid_request_error", &format!("{field}: {m}")),
        Fault::Unsupported(m) => plain(501, "api_error", m),
        Fault::Unauthorized => plain(401, "authentication_error", "invalid x-api-key"),
    }
}
