//! What can go wrong while serving a request, before each API renders it in its own error
//! shape: an engine error, or a request the routes refuse themselves (no route, wrong method,
//! a malformed escape, a body that is too large or not the documented JSON).

use super::http::{percent_decode, BadEncoding, Query, Request};
use crate::error::Error;
use crate::json::{check_text, Numbers};
use serde_json::{Map, Value};

/// A refused request, rendered by each API's error module.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// An engine error (code, message, details).
    Engine(Error),
    /// No route here (404).
    NoRoute,
    /// The route exists, the method does not (405); the allowed methods.
    Method(&'static [&'static str]),
    /// A malformed percent-escape in the path or query (400).
    Encoding,
    /// The body (or its declared length) is over the cap (413).
    TooLarge,
    /// Malformed JSON syntax or a body that is not UTF-8 (the API decides: 400 or 422).
    Syntax(String),
    /// A field of the request is not the documented shape (422 / 400): field, message.
    Invalid(String, String),
    /// Not served here (501): what.
    Unsupported(String),
    /// No or unknown credentials (401).
    Unauthorized,
}

impl From<Error> for Fault {
    fn from(e: Error) -> Self {
        Fault::Engine(e)
    }
}

impl From<BadEncoding> for Fault {
    fn from(_: BadEncoding) -> Self {
        Fault::Encoding
    }
}

/// Result of a route handler.
pub type Served<T> = std::result::Result<T, Fault>;

/// A `Fault::Invalid` for a field.
pub fn invalid(field: &str, msg: impl Into<String>) -> Fault {
    Fault::Invalid(field.to_string(), msg.into())
}

/// One decoded path segment (an id): malformed escapes are [`Fault::Encoding`].
pub fn segment(raw: &str) -> Served<String> {
    Ok(percent_decode(raw, false)?)
}

/// The request's query, decoded.
pub fn query(req: &Request) -> Served<Query> {
    Ok(Query::parse(&req.query)?)
}

/// The body as JSON: empty (or whitespace) is `None`; otherwise checked for nesting and for
/// numbers a double would change (they are refused, never stored as something else), then
/// parsed.
pub fn body(req: &Request) -> Served<Option<Value>> {
    if req.too_large() {
        return Err(Fault::TooLarge);
    }
    let text = std::str::from_utf8(&req.body)
        .map_err(|_| Fault::Syntax("the body is not valid UTF-8".into()))?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    check_text("body", text, Numbers::Double)?;
    serde_json::from_str(text)
        .map(Some)
        .map_err(|e| Fault::Syntax(format!("the body is not valid JSON: {e}")))
}

/// The body as a JSON object (an empty body is `{}`).
pub fn object(req: &Request) -> Served<Map<String, Value>> {
    match body(req)? {
        None => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m),
        Some(_) => Err(invalid("body", "must be a JSON object")),
    }
}

/// A non-negative integer query parameter (at most 15 digits), `None` when absent or empty.
pub fn uint(q: &Query, name: &str) -> Served<Option<u64>> {
    match q.get(name) {
        None | Some("") => Ok(None),
        Some(v) if v.len() <= 15 && v.bytes().all(|b| b.is_ascii_digit()) => Ok(v.parse().ok()),
        Some(_) => Err(invalid(name, "must be a non-negative integer")),
    }
}

/// Deserialises a JSON value into an engine input type, naming `field` in the error.
pub fn from_value<T: serde::de::DeserializeOwned>(field: &str, v: Value) -> Served<T> {
    serde_json::from_value(v).map_err(|e| invalid(field, e.to_string()))
}
