//! Records ↔ plain JS objects through serde, with no JSON text in between.
//!
//! Field names come from the model's serde attributes (`#[serde(rename_all = "camelCase")]`):
//! the same names in records, inputs, TypeScript types and error messages. User JSON (event
//! bodies, metadata) is `serde_json::Value`, kept in key order (`preserve_order`) and passed
//! through as is. Inputs are read by [`super::input`] (unknown keys, non-JSON values and
//! oversized values are `validation` errors); outputs are written by serde-wasm-bindgen as
//! plain objects (maps as objects, `None` as `null`).

use super::input::{self, InputError};
use super::plain;
use crate::error::Error;
use crate::model::NewEvent;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// A record as a plain object.
#[cfg(feature = "js")]
pub fn to_js<T: Serialize + ?Sized>(record: &T) -> Result<JsValue, JsValue> {
    record
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| super::error::to_js(Error::storage(format!("encode: {e}"))))
}

/// A record as a plain object. The core module (feature `js-core` alone) writes every record
/// through JSON text: records are JSON data, so the object is the same, and the module does
/// without a second serializer per record type (smaller wasm).
#[cfg(not(feature = "js"))]
pub fn to_js<T: Serialize + ?Sized>(record: &T) -> Result<JsValue, JsValue> {
    to_js_json(record)
}

/// A record as a plain object through JSON text (one `JSON.parse`): for the event paths,
/// where serde-wasm-bindgen's per-field calls and per-string decodes cost more than the
/// storage read (docs/engineering/browser-performance.md has the measurement).
pub fn to_js_json<T: Serialize + ?Sized>(record: &T) -> Result<JsValue, JsValue> {
    let text =
        serde_json::to_string(record).map_err(|e| super::error::to_js(Error::encode_failed(e)))?;
    parse_json(&text)
}

/// JSON text the engine produced, as JS values.
pub fn parse_json(text: &str) -> Result<JsValue, JsValue> {
    js_sys::JSON::parse(text)
        .map_err(|_| super::error::to_js(Error::storage("the engine produced invalid JSON")))
}

/// The `validation` error for input `what` that failed to convert.
pub fn input_error(what: &str, e: InputError) -> JsValue {
    super::error::invalid_input(&e.field(what), e.message())
}

/// An input object (`undefined` / `null` = `{}`) as an engine input type.
pub fn from_js<T: DeserializeOwned>(what: &str, input: &JsValue) -> Result<T, JsValue> {
    input::from_value(or_empty_object(input)).map_err(|e| input_error(what, e))
}

/// `input`, or a new empty object for `undefined` / `null` (not generic: one copy for every
/// input type).
fn or_empty_object(input: &JsValue) -> JsValue {
    if input.is_undefined() || input.is_null() {
        js_sys::Object::new().into()
    } else {
        input.clone()
    }
}

/// A JSON value input as given (`null` stays `null`, unlike [`from_js`]'s option objects).
pub fn json_from_js<T: DeserializeOwned>(what: &str, input: &JsValue) -> Result<T, JsValue> {
    input::from_value(input.clone()).map_err(|e| input_error(what, e))
}

/// The `event` of `postEvent`: through its JSON text when it is plain data ([`plain`]), else
/// as [`from_js`] reads it (which names what is wrong).
pub fn event_from_js(what: &str, input: &JsValue) -> Result<NewEvent, JsValue> {
    match plain::one_event(input) {
        Some(e) => Ok(e),
        None => from_js(what, input),
    }
}

/// The `events` of `postEvents`: through their JSON text when plain data ([`plain`]), else as
/// [`list_from_js`] reads them (which names what is wrong).
pub fn events_from_js(what: &str, input: &JsValue) -> Result<Vec<NewEvent>, JsValue> {
    match plain::events(input) {
        Some(e) => Ok(e),
        None => list_from_js(what, input),
    }
}

/// A list input (`events`, `updates`) as engine inputs.
pub fn list_from_js<T: DeserializeOwned>(what: &str, input: &JsValue) -> Result<Vec<T>, JsValue> {
    input::from_value(input.clone()).map_err(|e| input_error(what, e))
}
