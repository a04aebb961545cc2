//! Records ↔ plain JS objects through JSON: Rust field names are snake_case, JS ones camelCase.
//! Only the engine's own field names are renamed; the values of `body` and `metadata` (user
//! JSON) and of `trigger` and `opts` (already camelCase) are passed through untouched.

use crate::error::Error;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use wasm_bindgen::prelude::*;

/// Keys whose values are user data or already JS-shaped: never renamed inside.
const VERBATIM: [&str; 5] = ["body", "metadata", "trigger", "opts", "breakdown"];

/// `llm_model_name` → `llmModelName`.
pub fn camel(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut up = false;
    for c in s.chars() {
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

/// `llmModelName` → `llm_model_name`.
pub fn snake(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn rename(v: Value, f: &dyn Fn(&str) -> String) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let v = if VERBATIM.contains(&k.as_str()) {
                        v
                    } else {
                        rename(v, f)
                    };
                    (f(&k), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(|v| rename(v, f)).collect()),
        other => other,
    }
}

fn parse_json(json: &str) -> Result<JsValue, JsValue> {
    js_sys::JSON::parse(json)
}

/// A record as a plain object with camelCase fields.
pub fn to_js<T: Serialize>(record: &T) -> Result<JsValue, JsValue> {
    let v = serde_json::to_value(record)
        .map_err(|e| super::error::to_js(Error::storage(format!("encode: {e}"))))?;
    let json = rename(v, &camel).to_string();
    parse_json(&json)
}

/// An input object (camelCase, `undefined` = `{}`) as an engine input type.
pub fn from_js<T: DeserializeOwned>(what: &str, input: &JsValue) -> Result<T, JsValue> {
    let v = if input.is_undefined() || input.is_null() {
        Value::Object(Map::new())
    } else {
        json_of(what, input)?
    };
    serde_json::from_value(rename(v, &snake))
        .map_err(|e| super::error::to_js(Error::validation(what, e.to_string())))
}

/// A list input (`events`, `updates`) as engine inputs.
pub fn list_from_js<T: DeserializeOwned>(what: &str, input: &JsValue) -> Result<Vec<T>, JsValue> {
    if !js_sys::Array::is_array(input) {
        return Err(super::error::to_js(Error::validation(
            what,
            "must be an array",
        )));
    }
    let v = json_of(what, input)?;
    serde_json::from_value(rename(v, &snake))
        .map_err(|e| super::error::to_js(Error::validation(what, e.to_string())))
}

/// Any JS value as JSON (`JSON.stringify`), failing with `validation` when it is not JSON.
fn json_of(what: &str, input: &JsValue) -> Result<Value, JsValue> {
    let bad = |m: String| super::error::to_js(Error::validation(what, m));
    let s = js_sys::JSON::stringify(input).map_err(|_| bad("is not JSON-serialisable".into()))?;
    let s = s
        .as_string()
        .ok_or_else(|| bad("is not JSON-serialisable".into()))?;
    serde_json::from_str(&s).map_err(|e| bad(e.to_string()))
}

/// Error details with camelCase keys; `field` and `precondition` values name fields too.
pub fn details_to_js(details: &Map<String, Value>) -> JsValue {
    let map: Map<String, Value> = details
        .iter()
        .map(|(k, v)| {
            let v = match (k.as_str(), v) {
                ("field" | "precondition", Value::String(s)) => {
                    Value::String(s.split('.').map(camel).collect::<Vec<_>>().join("."))
                }
                _ => v.clone(),
            };
            (camel(k), v)
        })
        .collect();
    parse_json(&Value::Object(map).to_string()).unwrap_or_else(|_| js_sys::Object::new().into())
}
