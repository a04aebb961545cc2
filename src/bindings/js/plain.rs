//! Event inputs read through their JSON text: `plainJson` (js/input.js) writes an input that
//! is plain JSON data as one string, so it crosses into WebAssembly in one call and one copy
//! instead of [`super::input`]'s call per key, value and type check. Taken only where that
//! text reads as events the way [`super::input`] reads them (the same keys, types and
//! values); anything else (not plain data, over a limit, an unknown key, a wrong type, a lone
//! surrogate) answers `None`, and the caller reads the value field by field, which names
//! what is wrong.

use super::input::{JSON_BUDGET, MAX_JSON_DEPTH, MAX_LIST};
use crate::model::{Emitter, NewEvent};
use serde_json::{Map, Value};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/input.js")]
extern "C" {
    #[wasm_bindgen(js_name = plainJson)]
    fn plain_json(value: &JsValue, budget: u32, max_depth: u32, max_list: u32) -> Option<String>;
}

/// `value` parsed from its JSON text, if it is plain JSON data within the limits of one user
/// JSON value (applied to the whole input, so every body nested in it is within them too).
fn parsed(value: &JsValue) -> Option<Value> {
    let text = plain_json(value, JSON_BUDGET as u32, MAX_JSON_DEPTH, MAX_LIST)?;
    serde_json::from_slice(text.as_bytes()).ok()
}

/// The `events` of `postEvents`, if plain.
pub fn events(value: &JsValue) -> Option<Vec<NewEvent>> {
    let Value::Array(items) = parsed(value)? else {
        return None;
    };
    let mut events = Vec::with_capacity(items.len());
    for item in items {
        events.push(event(item)?);
    }
    Some(events)
}

/// The `event` of `postEvent`, if plain.
pub fn one_event(value: &JsValue) -> Option<NewEvent> {
    event(parsed(value)?)
}

/// An event object as serde reads [`NewEvent`]: `body` (any JSON) and `emitter` required,
/// `eventType` a string, null or absent, no other key.
fn event(v: Value) -> Option<NewEvent> {
    let (mut body, mut emitter, mut event_type) = (None, None, None);
    for (k, v) in object(v)? {
        match k.as_str() {
            "body" => body = Some(v),
            "emitter" => emitter = Some(emitter_of(v)?),
            "eventType" => event_type = optional_string(v)?,
            _ => return None,
        }
    }
    Some(NewEvent {
        body: body?,
        emitter: emitter?,
        event_type,
    })
}

/// An emitter object as serde reads [`Emitter`]: `type` a string, `id` a string, null or absent.
fn emitter_of(v: Value) -> Option<Emitter> {
    let (mut kind, mut id) = (None, None);
    for (k, v) in object(v)? {
        match k.as_str() {
            "type" => kind = Some(string(v)?),
            "id" => id = optional_string(v)?,
            _ => return None,
        }
    }
    Some(Emitter { kind: kind?, id })
}

fn object(v: Value) -> Option<Map<String, Value>> {
    match v {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

fn string(v: Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s),
        _ => None,
    }
}

/// A string, or `None` for null.
fn optional_string(v: Value) -> Option<Option<String>> {
    match v {
        Value::Null => Some(None),
        v => string(v).map(Some),
    }
}
