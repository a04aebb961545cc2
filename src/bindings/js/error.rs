//! `MemspaceError`: engine errors as real JS `Error` instances with `.code`, `.status` and
//! `.details` (camelCase keys). The class is defined once, in JS, and exported to the package
//! through `errorClass()` so `instanceof MemspaceError` holds for every thrown error.

use super::convert;
use crate::error::Error;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = "export class MemspaceError extends Error {
  constructor(code, status, message, details) {
    super(message);
    this.name = 'MemspaceError';
    this.code = code;
    this.status = status;
    this.details = details;
  }
}")]
extern "C" {
    /// The JS class.
    #[wasm_bindgen(js_name = MemspaceError, extends = js_sys::Error)]
    type JsMemspaceError;

    #[wasm_bindgen(constructor, js_class = "MemspaceError")]
    fn new(code: &str, status: u16, message: &str, details: JsValue) -> JsMemspaceError;

    #[wasm_bindgen(thread_local_v2, js_name = MemspaceError)]
    static CLASS: JsValue;
}

/// The `MemspaceError` class, for the package to re-export (`instanceof` checks).
#[wasm_bindgen(js_name = errorClass)]
pub fn error_class() -> JsValue {
    CLASS.with(JsValue::clone)
}

/// An engine error as a thrown JS value.
pub fn to_js(e: Error) -> JsValue {
    let details = convert::details_to_js(&e.details);
    JsMemspaceError::new(e.code.as_str(), e.status(), &e.message, details).into()
}
