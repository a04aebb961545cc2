//! MemoryLayer error bodies: FastAPI's `{"detail": …}` (the SDK reads `detail` and raises by
//! status: 401, 403, 404, 422, 429, ≥500, 501 → `NotFoundError`/`EnterpriseRequiredError`).
//! Every error is JSON: the SDK calls `.json()` on it unguarded.

use super::super::fault::Fault;
use super::super::http::{Response, MAX_BODY_BYTES};
use crate::error::{Error, ErrorCode};
use serde_json::{json, Value};

/// `{"detail": detail, "code": code}`.
pub fn error(status: u16, detail: impl Into<Value>, code: &str) -> Response {
    Response::json(status, &json!({ "detail": detail.into(), "code": code }))
}

/// The response of an engine error: `not_found`/`gone` 404 (an expired session is gone),
/// `validation` 422 (FastAPI list shape), conflicts 409, `unsupported` 501.
pub fn engine(e: &Error) -> Response {
    match e.code {
        ErrorCode::NotFound | ErrorCode::Gone => error(404, e.message.as_str(), e.code.as_str()),
        ErrorCode::Validation => {
            let field = e
                .details
                .get("field")
                .and_then(Value::as_str)
                .unwrap_or("body");
            Response::json(
                422,
                &json!({
                    "detail": [{ "loc": ["body", field], "msg": e.message, "type": "value_error" }],
                    "code": "validation",
                }),
            )
        }
        _ => error(e.status(), e.message.as_str(), e.code.as_str()),
    }
}

/// The response of a refused request.
pub fn fault(f: &Fault) -> Response {
    match f {
        Fault::Engine(e) => engine(e),
        Fault::NoRoute => error(404, "Not Found", "not_found"),
        Fault::Method(allowed) => error(405, "Method Not Allowed", "method_not_allowed")
            .with_header("allow", &allowed.join(", ")),
        Fault::Encoding => error(400, "Malformed percent-encoding in the URL", "bad_request"),
        Fault::TooLarge => Response::json(
            413,
            &json!({
                "detail": format!("Request body too large: at most {MAX_BODY_BYTES} bytes"),
                "code": "too_large",
                "max_bytes": MAX_BODY_BYTES,
            }),
        ),
        Fault::Syntax(m) => Response::json(
            422,
            &json!({
                "detail": [{ "loc": ["body"], "msg": m, "type": "json_invalid" }],
                "code": "validation",
            }),
        ),
        Fault::Invalid(field, m) => Response::json(
            422,
            &json!({
                "detail": [{ "loc": ["body", field], "msg": format!("{field}: {m}"), "type": "value_error" }],
                "code": "validation",
            }),
        ),
        Fault::Unsupported(m) => error(501, m.as_str(), "unsupported"),
        Fault::Unauthorized => error(401, "Invalid or missing API key", "unauthorized")
            .with_header("www-authenticate", "Bearer"),
    }
}
