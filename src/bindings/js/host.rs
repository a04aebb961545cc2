//! The JavaScript host (browser, Node, workers): `Date.now()`, `crypto.getRandomValues`, and
//! optional caller callbacks for the clock and a tokenizer.

use crate::host::Host;
use crate::time::Timestamp;
use js_sys::{Function, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

/// Host capabilities from the JS global scope, optionally overridden by callbacks.
#[derive(Debug, Default)]
pub struct JsHost {
    clock: Option<Function>,
    count_tokens: Option<Function>,
}

impl JsHost {
    /// A host with the global clock and random source.
    pub fn new() -> Self {
        JsHost::default()
    }

    /// Uses `clock()` (milliseconds since the epoch, like `Date.now`) instead of `Date.now`.
    pub fn with_clock(mut self, clock: Option<Function>) -> Self {
        self.clock = clock;
        self
    }

    /// Uses `countTokens(text) → number` instead of the built-in token estimate.
    pub fn with_token_counter(mut self, f: Option<Function>) -> Self {
        self.count_tokens = f;
        self
    }
}

impl Host for JsHost {
    fn now(&self) -> Timestamp {
        let ms = self
            .clock
            .as_ref()
            .and_then(|f| f.call0(&JsValue::UNDEFINED).ok())
            .and_then(|v| v.as_f64())
            .filter(|v| v.is_finite())
            .unwrap_or_else(js_sys::Date::now);
        Timestamp((ms * 1000.0) as i64)
    }

    fn fill_random(&self, buf: &mut [u8]) {
        let arr = Uint8Array::new_with_length(buf.len() as u32);
        let crypto =
            Reflect::get(&js_sys::global(), &"crypto".into()).unwrap_or(JsValue::UNDEFINED);
        let filled = Reflect::get(&crypto, &"getRandomValues".into())
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok())
            .is_some_and(|f| f.call1(&crypto, &arr).is_ok());
        if filled {
            arr.copy_to(buf);
        } else {
            // No Web Crypto: ids need uniqueness, not secrecy (see Host::fill_random).
            for b in buf.iter_mut() {
                *b = (js_sys::Math::random() * 256.0) as u8;
            }
        }
    }

    fn count_tokens(&self, text: &str) -> Option<u64> {
        let f = self.count_tokens.as_ref()?;
        let n = f.call1(&JsValue::UNDEFINED, &text.into()).ok()?.as_f64()?;
        (n.is_finite() && n >= 0.0).then_some(n as u64)
    }
}
