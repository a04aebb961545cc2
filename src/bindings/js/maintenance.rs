//! Maintenance on the `Memspace` class (a third `impl` block of the class exported by
//! [`super::memspace`]) — `verifySpace`, `restoreSpace` — and `checkJsonText`, the engine's
//! check of raw JSON text for hosts that parse request bodies themselves (the Cloudflare
//! Worker): nesting within the limit, and no number a JS double would change.

use super::error;
use super::memspace::{args, id, reject, run, JsMemspace};
use crate::error::Error;
use crate::json::{check_text, Numbers};
use js_sys::Promise;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(js_class = Memspace)]
impl JsMemspace {
    /// Walks a space's records and reports every corrupt value, dangling reference and
    /// counter mismatch: `{ recordsChecked, problems: [{ kind, key, message }], truncated }`.
    #[wasm_bindgen(js_name = verifySpace)]
    pub fn verify_space(&self, space_id: JsValue) -> Promise {
        let (space_id,) = args!(id("spaceId", &space_id));
        let ms = self.inner.clone();
        run(async move { ms.verify_space(&space_id).await })
    }

    /// Restores a soft-deleted space with everything it held (the undo of `deleteSpace`).
    #[wasm_bindgen(js_name = restoreSpace)]
    pub fn restore_space(&self, space_id: JsValue) -> Promise {
        let (space_id,) = args!(id("spaceId", &space_id));
        let ms = self.inner.clone();
        run(async move { ms.restore_space(&space_id).await })
    }

    /// Fires due time triggers across the store (eager lifecycle) and expires memories;
    /// `limit` defaults to 100. Not in the core module: memory expiry is memories code.
    pub fn sweep(&self, limit: JsValue) -> Promise {
        let limit = match limit.as_f64() {
            None if limit.is_undefined() || limit.is_null() => 100,
            Some(n) if n >= 1.0 && n.fract() == 0.0 && n <= 1e6 => n as usize,
            _ => {
                return reject(error::to_js(Error::validation(
                    "limit",
                    "must be an integer 1–1000000",
                )))
            }
        };
        let ms = self.inner.clone();
        run(async move { ms.sweep(limit).await })
    }
}

/// Checks JSON text before `JSON.parse`: throws a `MemspaceError` (`validation`, naming
/// `field`) when it nests deeper than 64 levels or spells a number a JS double cannot hold
/// exactly (`1e309`, a 400-digit integer, `9007199254740993`).
#[wasm_bindgen(js_name = checkJsonText)]
pub fn check_json_text(field: &str, text: &str) -> Result<(), JsValue> {
    check_text(field, text, Numbers::Double).map_err(error::to_js)
}
