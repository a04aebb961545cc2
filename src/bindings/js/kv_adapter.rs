//! A [`Kv`] backed by a JavaScript object: how Node programs, Durable Objects and other hosts
//! plug their storage in (`Memspace.open({ kv })`).
//!
//! The object implements the same seam with Promises (or plain values):
//!
//! ```ts
//! interface KvAdapter {
//!   atomicBatches?: boolean;   // true when commit is all-or-nothing and isolated
//!   maxKeyBytes?: number;      // longest key the store takes (engine bytes), e.g. 512 for Workers KV
//!   maxValueBytes?: number;    // largest value it takes; the engine refuses bigger writes (`validation`)
//!   get(key: Uint8Array): Promise<Uint8Array | null | undefined>;
//!   getMany(keys: Uint8Array[]): Promise<(Uint8Array | null | undefined)[]>;
//!   scan(start: Uint8Array, end: Uint8Array | null, limit: number, reverse: boolean): Promise<[Uint8Array, Uint8Array][]>;
//!   commit(batch: { ops: KvOp[]; preconditions: KvPrecondition[] }): Promise<void>;
//! }
//! ```
//!
//! A failed precondition rejects with an error whose `code` is `"conflict"` (and optionally
//! `key`); `code: "quota"` or a `QuotaExceededError` means out of space; anything else is a
//! storage error. Keys compare byte-wise; `scan` covers `[start, end)`, `end = null` = no end.

use crate::kv::{
    Batch, Capabilities, Entry, KeyRange, Kv, KvError, KvFuture, Limits, Op, Precondition,
};
use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    /// The caller's adapter object.
    #[wasm_bindgen(typescript_type = "KvAdapter")]
    pub type JsKvObject;

    #[wasm_bindgen(method, catch, structural)]
    fn get(this: &JsKvObject, key: Uint8Array) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, structural, js_name = getMany)]
    fn get_many(this: &JsKvObject, keys: Array) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, structural)]
    fn scan(
        this: &JsKvObject,
        start: Uint8Array,
        end: JsValue,
        limit: f64,
        reverse: bool,
    ) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, structural)]
    fn commit(this: &JsKvObject, batch: Object) -> Result<JsValue, JsValue>;
}

/// A [`Kv`] that forwards every call to a JS adapter object.
pub struct JsKv {
    obj: JsKvObject,
    atomic: bool,
    limits: Limits,
}

impl std::fmt::Debug for JsKv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsKv")
            .field("atomic", &self.atomic)
            .finish_non_exhaustive()
    }
}

impl JsKv {
    /// Wraps an adapter object; fails if a method of the seam is missing.
    pub fn new(obj: JsValue) -> Result<Self, KvError> {
        if !obj.is_object() {
            return Err(KvError::Storage("the kv adapter must be an object".into()));
        }
        for m in ["get", "getMany", "scan", "commit"] {
            let f = Reflect::get(&obj, &m.into()).unwrap_or(JsValue::UNDEFINED);
            if !f.is_function() {
                return Err(KvError::Storage(format!(
                    "the kv adapter has no {m}() method"
                )));
            }
        }
        let atomic = Reflect::get(&obj, &"atomicBatches".into())
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        // Optional size limits (bytes of engine keys / values), e.g. 512 for Workers KV keys.
        let limit = |name: &str| {
            Reflect::get(&obj, &name.into())
                .ok()
                .and_then(|v| v.as_f64())
                .filter(|n| n.is_finite() && *n >= 0.0)
                .map(|n| n as usize)
        };
        let limits = Limits {
            max_key_bytes: limit("maxKeyBytes"),
            max_value_bytes: limit("maxValueBytes"),
        };
        Ok(JsKv {
            obj: obj.unchecked_into(),
            atomic,
            limits,
        })
    }
}

/// JS strings of the seam's property names, made once per thread: building them from Rust
/// `&str` decodes UTF-8 on every call (a commit names six of them per operation).
struct Names {
    then: JsValue,
    type_: JsValue,
    key: JsValue,
    value: JsValue,
    put: JsValue,
    delete: JsValue,
    absent: JsValue,
    equals: JsValue,
    ops: JsValue,
    preconditions: JsValue,
}

thread_local! {
    static NAMES: Names = Names {
        then: "then".into(),
        type_: "type".into(),
        key: "key".into(),
        value: "value".into(),
        put: "put".into(),
        delete: "delete".into(),
        absent: "absent".into(),
        equals: "equals".into(),
        ops: "ops".into(),
        preconditions: "preconditions".into(),
    };
}

/// True for a Promise or any object with a callable `then` (what `await` would unwrap).
fn thenable(v: &JsValue) -> bool {
    v.is_instance_of::<Promise>()
        || (v.is_object()
            && NAMES.with(|n| Reflect::get(v, &n.then).is_ok_and(|t| t.is_function())))
}

/// Awaits whatever a method returned (a Promise or a plain value). A plain value (a
/// synchronous adapter, e.g. a Durable Object's SQLite KV) is used as is: no Promise, no
/// microtask, no wake-up of the engine's future per storage call.
async fn settle(r: Result<JsValue, JsValue>) -> Result<JsValue, KvError> {
    let v = r.map_err(|e| adapter_error(&e))?;
    if !thenable(&v) {
        return Ok(v);
    }
    JsFuture::from(Promise::resolve(&v))
        .await
        .map_err(|e| adapter_error(&e))
}

fn field(v: &JsValue, name: &str) -> Option<JsValue> {
    Reflect::get(v, &name.into())
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

/// Maps an adapter's rejection: `code: "conflict" | "quota"`, `QuotaExceededError`, or storage.
fn adapter_error(e: &JsValue) -> KvError {
    let code = field(e, "code").and_then(|c| c.as_string());
    let name = field(e, "name").and_then(|c| c.as_string());
    let message = field(e, "message")
        .and_then(|m| m.as_string())
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "kv adapter failed".into());
    match (code.as_deref(), name.as_deref()) {
        (Some("conflict"), _) => KvError::Conflict {
            key: field(e, "key")
                .and_then(|k| bytes(&k, "conflict key").ok())
                .unwrap_or_default(),
        },
        (Some("quota"), _) | (_, Some("QuotaExceededError")) => KvError::Quota(message),
        _ => KvError::Storage(format!("kv adapter: {message}")),
    }
}

fn js_bytes(b: &[u8]) -> Uint8Array {
    Uint8Array::from(b)
}

/// Bytes of a `Uint8Array` or `ArrayBuffer` the adapter returned; anything else is a storage
/// error, never a JS exception thrown through wasm (that would leave the call hanging and the
/// handle's write lock held).
fn bytes(v: &JsValue, what: &str) -> Result<Vec<u8>, KvError> {
    if let Some(a) = v.dyn_ref::<Uint8Array>() {
        Ok(a.to_vec())
    } else if let Some(b) = v.dyn_ref::<js_sys::ArrayBuffer>() {
        Ok(Uint8Array::new(b).to_vec())
    } else {
        Err(KvError::Storage(format!(
            "kv adapter: {what} returned a value that is not a Uint8Array"
        )))
    }
}

fn opt_bytes(v: &JsValue, what: &str) -> Result<Option<Vec<u8>>, KvError> {
    if v.is_undefined() || v.is_null() {
        Ok(None)
    } else {
        bytes(v, what).map(Some)
    }
}

fn bad_shape(what: &str) -> KvError {
    KvError::Storage(format!(
        "kv adapter: {what} returned a value of the wrong shape"
    ))
}

fn obj(pairs: &[(&JsValue, &JsValue)]) -> Object {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, k, v);
    }
    o
}

/// The batch as a plain JS object: `{ ops: [{type: "put"|"delete", key, value?}], preconditions: [{type: "absent"|"equals", key, value?}] }`.
fn batch_js(batch: &Batch) -> Object {
    NAMES.with(|n| {
        let ops: Array = batch
            .ops
            .iter()
            .map(|op| match op {
                Op::Put(k, v) => obj(&[
                    (&n.type_, &n.put),
                    (&n.key, &js_bytes(k).into()),
                    (&n.value, &js_bytes(v).into()),
                ]),
                Op::Delete(k) => obj(&[(&n.type_, &n.delete), (&n.key, &js_bytes(k).into())]),
            })
            .collect();
        let pre: Array = batch
            .preconditions
            .iter()
            .map(|p| match p {
                Precondition::Absent(k) => {
                    obj(&[(&n.type_, &n.absent), (&n.key, &js_bytes(k).into())])
                }
                Precondition::Equals(k, v) => obj(&[
                    (&n.type_, &n.equals),
                    (&n.key, &js_bytes(k).into()),
                    (&n.value, &js_bytes(v).into()),
                ]),
            })
            .collect();
        obj(&[(&n.ops, &ops.into()), (&n.preconditions, &pre.into())])
    })
}

impl Kv for JsKv {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            atomic_batches: self.atomic,
        }
    }

    fn limits(&self) -> Limits {
        self.limits
    }

    fn get<'a>(&'a self, key: &'a [u8]) -> KvFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move {
            let v = settle(self.obj.get(js_bytes(key))).await?;
            opt_bytes(&v, "get")
        })
    }

    fn get_many<'a>(&'a self, keys: &'a [Vec<u8>]) -> KvFuture<'a, Vec<Option<Vec<u8>>>> {
        Box::pin(async move {
            let arr: Array = keys.iter().map(|k| JsValue::from(js_bytes(k))).collect();
            let v = settle(self.obj.get_many(arr)).await?;
            let arr = v.dyn_into::<Array>().map_err(|_| bad_shape("getMany"))?;
            if arr.length() as usize != keys.len() {
                return Err(bad_shape("getMany"));
            }
            arr.iter().map(|v| opt_bytes(&v, "getMany")).collect()
        })
    }

    fn scan<'a>(
        &'a self,
        range: &'a KeyRange,
        limit: usize,
        reverse: bool,
    ) -> KvFuture<'a, Vec<Entry>> {
        Box::pin(async move {
            if limit == 0 {
                return Ok(Vec::new());
            }
            let end = range
                .end
                .as_ref()
                .map(|e| JsValue::from(js_bytes(e)))
                .unwrap_or(JsValue::NULL);
            let v = settle(
                self.obj
                    .scan(js_bytes(&range.start), end, limit as f64, reverse),
            )
            .await?;
            let arr = v.dyn_into::<Array>().map_err(|_| bad_shape("scan"))?;
            let mut out = Vec::with_capacity(arr.length() as usize);
            for pair in arr.iter() {
                let pair = pair.dyn_into::<Array>().map_err(|_| bad_shape("scan"))?;
                out.push((bytes(&pair.get(0), "scan")?, bytes(&pair.get(1), "scan")?));
            }
            out.truncate(limit);
            Ok(out)
        })
    }

    fn commit<'a>(&'a self, batch: Batch) -> KvFuture<'a, ()> {
        Box::pin(async move {
            settle(self.obj.commit(batch_js(&batch))).await?;
            Ok(())
        })
    }
}
