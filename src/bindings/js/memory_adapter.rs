//! `memoryStoreAdapter(name)`: this module's named in-memory store as a `KvAdapter` object
//! (see [`super::kv_adapter`]), so that another module instance — the npm package's full
//! module, loaded on first use — opens the very same store. Calls answer synchronously;
//! commits stay atomic and isolated (checked and applied inside one call).

use super::memspace::MEMORY;
use crate::kv::{Batch, KeyRange, Kv, KvError, MemoryKv};
use js_sys::{Array, Reflect, Uint8Array};
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The in-memory store called `name`, shared with the handles of this module.
#[wasm_bindgen(js_name = MemoryStoreAdapter)]
pub struct JsMemoryStoreAdapter {
    kv: MemoryKv,
}

/// The adapter for the in-memory store `name` (created empty if no handle opened it yet).
#[wasm_bindgen(js_name = memoryStoreAdapter)]
pub fn memory_store_adapter(name: String) -> JsMemoryStoreAdapter {
    let kv = MEMORY.with(|m| m.borrow_mut().entry(name).or_default().clone());
    JsMemoryStoreAdapter { kv }
}

/// The in-memory backend's futures are ready when created: takes the value out.
fn now<T>(fut: impl Future<Output = Result<T, KvError>>) -> Result<T, JsValue> {
    match pin!(fut).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(r) => r.map_err(|e| kv_error(&e)),
        Poll::Pending => {
            Err(js_sys::Error::new("the in-memory store did not answer at once").into())
        }
    }
}

/// A rejection the KvAdapter seam understands: `code` "conflict" (with `key`) or "quota".
fn kv_error(e: &KvError) -> JsValue {
    let (code, key, message) = match e {
        KvError::Conflict { key } => ("conflict", Some(key), "kv precondition failed".to_string()),
        KvError::Quota(m) => ("quota", None, m.clone()),
        KvError::Storage(m) => ("storage", None, m.clone()),
    };
    let err = js_sys::Error::new(&message);
    let _ = Reflect::set(&err, &"code".into(), &code.into());
    if let Some(k) = key {
        let _ = Reflect::set(&err, &"key".into(), &Uint8Array::from(k.as_slice()).into());
    }
    err.into()
}

fn field(v: &JsValue, name: &str) -> JsValue {
    Reflect::get(v, &name.into()).unwrap_or(JsValue::UNDEFINED)
}

fn bytes(v: &JsValue) -> Result<Vec<u8>, JsValue> {
    v.dyn_ref::<Uint8Array>()
        .map(Uint8Array::to_vec)
        .ok_or_else(|| js_sys::TypeError::new("expected a Uint8Array").into())
}

fn list(v: &JsValue) -> Result<Array, JsValue> {
    v.clone()
        .dyn_into::<Array>()
        .map_err(|_| js_sys::TypeError::new("expected an array").into())
}

#[wasm_bindgen(js_class = MemoryStoreAdapter)]
impl JsMemoryStoreAdapter {
    /// Commits are all-or-nothing and isolated.
    #[wasm_bindgen(getter, js_name = atomicBatches)]
    pub fn atomic_batches(&self) -> bool {
        true
    }

    /// The value of `key`, or `undefined`.
    pub fn get(&self, key: Uint8Array) -> Option<Uint8Array> {
        self.kv
            .read(&key.to_vec())
            .map(|v| Uint8Array::from(v.as_slice()))
    }

    /// The values of `keys` (`undefined` where absent).
    #[wasm_bindgen(js_name = getMany)]
    pub fn get_many(&self, keys: Array) -> Array {
        keys.iter()
            .map(|k| match k.dyn_ref::<Uint8Array>() {
                Some(k) => self
                    .get(k.clone())
                    .map_or(JsValue::UNDEFINED, JsValue::from),
                None => JsValue::UNDEFINED,
            })
            .collect()
    }

    /// `[key, value]` pairs of `[start, end)` (`end` null: no end), at most `limit`.
    pub fn scan(
        &self,
        start: Uint8Array,
        end: JsValue,
        limit: f64,
        reverse: bool,
    ) -> Result<Array, JsValue> {
        let range = KeyRange {
            start: start.to_vec(),
            end: if end.is_null() || end.is_undefined() {
                None
            } else {
                Some(bytes(&end)?)
            },
        };
        let limit = if limit.is_finite() && limit >= 0.0 {
            limit as usize
        } else {
            0
        };
        Ok(self
            .kv
            .range(&range, limit, reverse)
            .into_iter()
            .map(|(k, v)| {
                let pair = Array::new();
                pair.push(&Uint8Array::from(k.as_slice()));
                pair.push(&Uint8Array::from(v.as_slice()));
                JsValue::from(pair)
            })
            .collect())
    }

    /// Checks the preconditions and applies the operations of `{ ops, preconditions }`.
    pub fn commit(&self, batch: JsValue) -> Result<(), JsValue> {
        let mut b = Batch::new();
        for op in list(&field(&batch, "ops"))?.iter() {
            let key = bytes(&field(&op, "key"))?;
            match field(&op, "type").as_string().as_deref() {
                Some("put") => b.put(key, bytes(&field(&op, "value"))?),
                Some("delete") => b.delete(key),
                _ => return Err(js_sys::TypeError::new("unknown op type").into()),
            };
        }
        for p in list(&field(&batch, "preconditions"))?.iter() {
            let key = bytes(&field(&p, "key"))?;
            match field(&p, "type").as_string().as_deref() {
                Some("absent") => b.require_absent(key),
                Some("equals") => b.require_equals(key, bytes(&field(&p, "value"))?),
                _ => return Err(js_sys::TypeError::new("unknown precondition type").into()),
            };
        }
        now(self.kv.commit(b))
    }
}
