//! Event inputs read through their JSON text: `plainJson` (js/input.js) writes an input that
//! is plain JSON data as one UTF-8 text, so it crosses into WebAssembly in one call and one copy
//! instead of [`super::input`]'s call per key, value and type check. Taken only where that
//! text reads as events the way [`super::input`] reads them (the same keys, types and
//! values); anything else (not plain data, over a limit, an unknown key, a wrong type, a lone
//! surrogate) answers `None`, and the caller reads the value field by field, which names
//! what is wrong.

use super::input::{JSON_BUDGET, MAX_JSON_DEPTH, MAX_LIST};
use crate::model::NewEvent;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/input.js")]
extern "C" {
    #[wasm_bindgen(js_name = plainJson)]
    fn plain_json(value: &JsValue, budget: u32, max_depth: u32, max_list: u32) -> Option<Vec<u8>>;
}

/// `value` read as `T` from its JSON text, if it is plain JSON data within the limits of one
/// user JSON value (applied to the whole input, so every body nested in it is within them
/// too). `T`'s own serde derive reads it, as [`super::input`] does field by field: the same
/// keys (unknown ones refused), types and defaults; any error answers `None`.
fn parsed<T: DeserializeOwned>(value: &JsValue) -> Option<T> {
    let text = plain_json(value, JSON_BUDGET as u32, MAX_JSON_DEPTH, MAX_LIST)?;
    serde_json::from_slice(&text).ok()
}

/// The `events` of `postEvents`, if plain.
pub fn events(value: &JsValue) -> Option<Vec<NewEvent>> {
    parsed(value)
}

/// The `event` of `postEvent`, if plain.
pub fn one_event(value: &JsValue) -> Option<NewEvent> {
    parsed(value)
}
