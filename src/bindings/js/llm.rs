//! The LLM capability from a JS function: `llm(request) → Promise<response>` (the `llm`
//! option of `Memspace.open`). The request is a plain object with camelCase fields
//! (`purpose`, `model`, `baseUrl`, `messages: [{role, content}]`, `format: "json" | "text"`,
//! `maxTokens`, `temperature`); the answer is a string, or `{ text?, json?, model?,
//! finishReason?, refusal?, usage?: {promptTokens, completionTokens, totalTokens} }`. A
//! rejection becomes an `upstream` error (`reason` from the rejection's `reason` or `code`
//! when it is one of memspace's, `timeout` for an `AbortError`/`TimeoutError`, else
//! `unavailable`).

use crate::error::Error;
use crate::host::llm::{reason, upstream, Llm, LlmRequest, LlmResponse, LlmUsage};
use crate::host::{HostFuture, LlmFormat};
use js_sys::{Function, Promise, Reflect, JSON};
use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The host LLM as a JS callback.
#[derive(Debug, Clone)]
pub struct JsLlm {
    f: Function,
}

impl JsLlm {
    /// Wraps `llm(request) → response | Promise<response>`.
    pub fn new(f: Function) -> Self {
        JsLlm { f }
    }
}

fn get(v: &JsValue, key: &str) -> Option<JsValue> {
    Reflect::get(v, &key.into())
        .ok()
        .filter(|x| !x.is_undefined() && !x.is_null())
}

fn string(v: &JsValue, key: &str) -> Option<String> {
    get(v, key).and_then(|x| x.as_string())
}

fn bad_answer(why: &str) -> Error {
    upstream(
        reason::MALFORMED_OUTPUT,
        format!("the llm callback resolved to {why}; expected a string or {{ text | json }}"),
    )
}

/// The request as the callback sees it.
fn request_to_js(r: &LlmRequest) -> Result<JsValue, Error> {
    let mut o = serde_json::Map::new();
    o.insert("purpose".into(), Value::String(r.purpose.clone()));
    o.insert(
        "model".into(),
        r.model.clone().map_or(Value::Null, Value::String),
    );
    o.insert(
        "baseUrl".into(),
        r.base_url.clone().map_or(Value::Null, Value::String),
    );
    let messages = r
        .messages
        .iter()
        .map(|m| serde_json::json!({ "role": m.role.as_str(), "content": m.content }))
        .collect();
    o.insert("messages".into(), Value::Array(messages));
    o.insert(
        "format".into(),
        Value::String(match r.format {
            LlmFormat::Json => "json".into(),
            LlmFormat::Text => "text".into(),
        }),
    );
    if let Some(n) = r.max_tokens {
        o.insert("maxTokens".into(), n.into());
    }
    if let Some(t) = r.temperature {
        o.insert("temperature".into(), t.into());
    }
    JSON::parse(&Value::Object(o).to_string())
        .map_err(|_| Error::storage("could not build the llm request"))
}

/// The callback's answer as a response.
fn response_from_js(v: &JsValue) -> Result<LlmResponse, Error> {
    if let Some(s) = v.as_string() {
        return Ok(LlmResponse::text(s));
    }
    if !v.is_object() {
        return Err(bad_answer("neither a string nor an object"));
    }
    let json = match get(v, "json") {
        None => None,
        Some(j) => {
            let text = JSON::stringify(&j)
                .ok()
                .and_then(|s| s.as_string())
                .ok_or_else(|| bad_answer("a `json` that is not JSON-serialisable"))?;
            Some(serde_json::from_str(&text).map_err(|_| bad_answer("an unreadable `json`"))?)
        }
    };
    let text = string(v, "text").unwrap_or_default();
    if json.is_none() && get(v, "text").is_some_and(|t| t.as_string().is_none()) {
        return Err(bad_answer("a `text` that is not a string"));
    }
    let usage = get(v, "usage").map(|u| {
        let n = |k: &str| {
            get(&u, k)
                .and_then(|x| x.as_f64())
                .filter(|x| x.is_finite() && *x >= 0.0)
                .map_or(0, |x| x as u64)
        };
        LlmUsage {
            prompt_tokens: n("promptTokens"),
            completion_tokens: n("completionTokens"),
            total_tokens: n("totalTokens"),
        }
    });
    Ok(LlmResponse {
        text,
        json,
        model: string(v, "model"),
        finish_reason: string(v, "finishReason"),
        refusal: string(v, "refusal"),
        usage,
    })
}

/// A rejection (or a synchronous throw) as an `upstream` error.
fn rejection(e: JsValue) -> Error {
    let message = string(&e, "message")
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "the llm callback failed".into());
    let known = [
        reason::TIMEOUT,
        reason::REFUSAL,
        reason::MALFORMED_OUTPUT,
        reason::TRUNCATED,
        reason::HTTP,
        reason::UNAVAILABLE,
    ];
    let given = string(&e, "reason")
        .or_else(|| string(&e, "code"))
        .and_then(|r| known.iter().find(|k| **k == r).copied());
    let name = string(&e, "name").unwrap_or_default();
    let why = given.unwrap_or(if name == "AbortError" || name == "TimeoutError" {
        reason::TIMEOUT
    } else {
        reason::UNAVAILABLE
    });
    let mut err = upstream(why, format!("the llm callback failed: {message}"));
    if let Some(s) = get(&e, "status").and_then(|s| s.as_f64()) {
        err = err.with("status", s as u64);
    }
    err
}

impl Llm for JsLlm {
    fn complete<'a>(&'a self, request: &'a LlmRequest) -> HostFuture<'a, LlmResponse> {
        Box::pin(async move {
            let arg = request_to_js(request)?;
            let out = self.f.call1(&JsValue::UNDEFINED, &arg).map_err(rejection)?;
            let value = match out.dyn_into::<Promise>() {
                Ok(p) => JsFuture::from(p).await.map_err(rejection)?,
                Err(v) => v,
            };
            response_from_js(&value)
        })
    }
}
