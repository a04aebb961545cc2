//! `MemspaceError`: engine errors as real JS `Error` instances with `.code`, `.status` and
//! `.details`. The class is defined once, in `js/error.js`, which the package exports, so
//! `instanceof MemspaceError` holds for every thrown error (`errorClass()` returns it too).
//!
//! The engine names fields in Rust (`last_n`); callers know them by their JS names (`lastN`),
//! so detail keys, `details.field` / `details.precondition` and the field names inside
//! messages are given in JS spelling. Memory-tool errors (`toolError`) are passed through
//! untouched: their text is for the model, in the tool's own snake_case names.

use super::convert;
use crate::error::Error;
use serde_json::{Map, Value};
use wasm_bindgen::prelude::*;

// The class lives in a plain JS module (js/error.js) so the package can export it before the
// WebAssembly module is loaded; scripts/build-npm.sh points the generated glue at dist/error.js.
#[wasm_bindgen(module = "/js/error.js")]
extern "C" {
    /// The JS class.
    #[wasm_bindgen(js_name = MemspaceError, extends = js_sys::Error)]
    type JsMemspaceError;

    #[wasm_bindgen(constructor, js_class = "MemspaceError")]
    fn new(code: &str, status: u16, message: &str, details: JsValue) -> JsMemspaceError;

    #[wasm_bindgen(thread_local_v2, js_name = MemspaceError)]
    static CLASS: JsValue;
}

/// The `MemspaceError` class, for hosts that load the glue themselves (the Cloudflare Worker)
/// to re-export (`instanceof` checks). Not in the npm package's core module, which imports the
/// class from js/error.js directly.
#[cfg(feature = "js")]
#[wasm_bindgen(js_name = errorClass)]
pub fn error_class() -> JsValue {
    CLASS.with(JsValue::clone)
}

/// `llm_model_name` → `llmModelName` (engine field names, ASCII, to JS ones; ASCII case
/// mapping keeps Unicode's case tables out of the module).
pub fn camel(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut up = false;
    for c in s.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.push(c.to_ascii_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Engine field names that messages mention, as their JS spelling.
const FIELDS: [&str; 51] = [
    "last_n",
    "event_type",
    "sequence_id",
    "if_match",
    "if_unmodified_since",
    "llm_model_name",
    "llm_base_url",
    "custom_instructions",
    "deduplication_key",
    "lifecycle_strategies",
    "user_id",
    "tenant_id",
    "expected_version",
    "expected_sha256",
    "include_archived",
    "entry_id",
    "memory_space_id",
    "current_version",
    "agent_id",
    "soft_delete_after",
    "min_relevance",
    "recency_weight",
    "traverse_depth",
    "max_expansion",
    "created_after",
    "created_before",
    "max_tokens",
    "batch_size",
    "embedding_model",
    "context_id",
    "logical_key",
    "idempotency_key",
    "valid_at",
    "expires_at",
    "decay_rate",
    "target_id",
    "max_depth",
    "max_nodes",
    "min_strength",
    "relationship_types",
    "memory_id",
    "session_id",
    "event_from",
    "event_to",
    "job_id",
    "max_memories",
    "min_importance",
    "lease_secs",
    "chunk_tokens",
    "run_extraction",
    "commit_session",
];

/// A message with engine field names in JS spelling (whole words only).
fn js_message(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if FIELDS.contains(&word.as_str()) || word.starts_with("principal.") {
            out.push_str(&word.split('.').map(camel).collect::<Vec<_>>().join("."));
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in msg.chars() {
        if c.is_ascii_alphanumeric() || c == '_' || (c == '.' && word == "principal") {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Error details with JS keys; `field` and `precondition` values name fields too.
fn details(e: &Error, tool: bool) -> Map<String, Value> {
    e.details
        .iter()
        .map(|(k, v)| {
            let v = match (k.as_str(), v) {
                ("field" | "precondition", Value::String(s)) if !tool => {
                    Value::String(s.split('.').map(camel).collect::<Vec<_>>().join("."))
                }
                _ => v.clone(),
            };
            (camel(k), v)
        })
        .collect()
}

/// An engine error as a thrown JS value.
pub fn to_js(e: Error) -> JsValue {
    let tool = e.details.get("tool_error") == Some(&Value::Bool(true));
    let message = if tool {
        e.message.clone()
    } else {
        js_message(&e.message)
    };
    let details =
        convert::to_js(&details(&e, tool)).unwrap_or_else(|_| js_sys::Object::new().into());
    JsMemspaceError::new(e.code.as_str(), e.status(), &message, details).into()
}

/// A `validation` error about a JS input, its field path already in the caller's spelling.
pub fn invalid_input(field: &str, message: &str) -> JsValue {
    let e = Error::validation(field, message);
    let details = convert::to_js(&e.details).unwrap_or_else(|_| js_sys::Object::new().into());
    JsMemspaceError::new(e.code.as_str(), e.status(), &e.message, details).into()
}
