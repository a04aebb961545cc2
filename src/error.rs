//! The one error type of memspace: a stable code, the HTTP status a REST facade would use,
//! a human message and structured details (e.g. the existing id on `duplicate`).

use serde_json::{Map, Value};
use std::fmt;

/// Stable error codes; their string forms never change once released.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// Input failed validation (422).
    Validation,
    /// The thing does not exist, or belongs to another principal (404).
    NotFound,
    /// A precondition (version, timestamp, key absence) did not hold (409).
    Conflict,
    /// A deduplication key is already held by a live record (409); details carry the existing id.
    Duplicate,
    /// The target is archived and read-only (409).
    Archived,
    /// The target was soft-deleted (410).
    Gone,
    /// The backend is out of space (507).
    Quota,
    /// The backend failed or holds bytes that do not decode (500).
    Storage,
    /// The backend or host cannot do what was asked (501).
    Unsupported,
    /// A host service the operation depends on (the LLM) failed, timed out, refused or answered
    /// unusably (502); details carry the `reason`.
    Upstream,
}

impl ErrorCode {
    /// All codes, for bindings and interface-completeness checks.
    pub const ALL: [ErrorCode; 10] = [
        ErrorCode::Validation,
        ErrorCode::NotFound,
        ErrorCode::Conflict,
        ErrorCode::Duplicate,
        ErrorCode::Archived,
        ErrorCode::Gone,
        ErrorCode::Quota,
        ErrorCode::Storage,
        ErrorCode::Unsupported,
        ErrorCode::Upstream,
    ];

    /// The stable string form (`"not_found"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Validation => "validation",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::Duplicate => "duplicate",
            ErrorCode::Archived => "archived",
            ErrorCode::Gone => "gone",
            ErrorCode::Quota => "quota",
            ErrorCode::Storage => "storage",
            ErrorCode::Unsupported => "unsupported",
            ErrorCode::Upstream => "upstream",
        }
    }

    /// The HTTP status a REST facade answers with.
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::Validation => 422,
            ErrorCode::NotFound => 404,
            ErrorCode::Conflict | ErrorCode::Duplicate | ErrorCode::Archived => 409,
            ErrorCode::Gone => 410,
            ErrorCode::Quota => 507,
            ErrorCode::Storage => 500,
            ErrorCode::Unsupported => 501,
            ErrorCode::Upstream => 502,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An engine error: code + message + details object.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    /// Stable machine-readable code.
    pub code: ErrorCode,
    /// Human-readable explanation.
    pub message: String,
    /// Structured details (always a JSON object; empty when there are none).
    pub details: Map<String, Value>,
}

/// Result alias used throughout the engine.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An error with a code and message and no details.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: bounded(message.into(), MAX_MESSAGE),
            details: Map::new(),
        }
    }

    /// Adds one detail field (a string value is cut at [`MAX_DETAIL`] characters).
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        let value = match value.into() {
            Value::String(s) => Value::String(bounded(s, MAX_DETAIL)),
            v => v,
        };
        self.details
            .insert(bounded(key.to_string(), MAX_DETAIL), value);
        self
    }

    /// A `validation` error naming the offending field.
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Error::new(ErrorCode::Validation, format!("{field}: {message}")).with("field", field)
    }

    /// A `not_found` error for a kind of thing and its id.
    pub fn not_found(kind: &str, id: &str) -> Self {
        let id = shown_id(id);
        Error::new(ErrorCode::NotFound, format!("{kind} {id} not found"))
            .with("kind", kind)
            .with("id", id.as_ref())
    }

    /// A `gone` error for a soft-deleted thing.
    pub fn gone(kind: &str, id: &str) -> Self {
        let id = shown_id(id);
        Error::new(ErrorCode::Gone, format!("{kind} {id} was deleted"))
            .with("kind", kind)
            .with("id", id.as_ref())
    }

    /// A `conflict` error.
    pub fn conflict(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::Conflict, message)
    }

    /// A `conflict` from losing a race with another writer: the engine re-reads and retries
    /// these (and only these) before giving up.
    pub fn lost_race(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::Conflict, message).with("race", true)
    }

    /// True for a [`Error::lost_race`] conflict.
    pub fn is_lost_race(&self) -> bool {
        self.code == ErrorCode::Conflict
            && self.details.get("race") == Some(&serde_json::Value::Bool(true))
    }

    /// A `storage` error.
    pub fn storage(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::Storage, message)
    }

    /// The `storage` error for a value that did not encode to JSON (`encode: …`). One
    /// function for every encoding call site: the message is built in one place, not in each
    /// generic caller's copy.
    #[cold]
    pub(crate) fn encode_failed(e: serde_json::Error) -> Self {
        Error::storage(format!("encode: {e}"))
    }

    /// The `storage` error for stored JSON that did not decode (`decode: …`); see
    /// [`Error::encode_failed`].
    #[cold]
    pub(crate) fn decode_failed(e: serde_json::Error) -> Self {
        Error::storage(format!("decode: {e}"))
    }

    /// The HTTP status for this error.
    pub fn status(&self) -> u16 {
        self.code.status()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {}

/// Errors inside results (e.g. per-operation results of a batch) serialise as
/// `{code, status, message, details}`.
impl serde::Serialize for Error {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Error", 4)?;
        st.serialize_field("code", self.code.as_str())?;
        st.serialize_field("status", &self.status())?;
        st.serialize_field("message", &self.message)?;
        st.serialize_field("details", &self.details)?;
        st.end()
    }
}

/// Longest message, in characters: messages are for people and models, and a caller's 70 KB
/// key or command must not come back inside one.
pub const MAX_MESSAGE: usize = 1024;
/// Longest string detail value, in characters.
pub const MAX_DETAIL: usize = 256;

/// `s` cut at `max` characters with a trailing `…`.
fn bounded(s: String, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s,
        Some((at, _)) => {
            let mut s = s;
            s.truncate(at);
            s.push('…');
            s
        }
    }
}

/// Longest id an error repeats, in characters: no id the engine issues is longer, and a
/// caller's 70 KB "id" must not come back as a 70 KB message.
const MAX_SHOWN_ID: usize = 128;

/// `id` as an error shows it: cut at [`MAX_SHOWN_ID`] characters with a trailing `…`.
fn shown_id(id: &str) -> std::borrow::Cow<'_, str> {
    match id.char_indices().nth(MAX_SHOWN_ID) {
        None => std::borrow::Cow::Borrowed(id),
        Some((at, _)) => std::borrow::Cow::Owned(format!("{}…", &id[..at])),
    }
}
