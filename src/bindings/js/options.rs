//! Reading the `Memspace.open(options)` object.

use super::error;
use crate::error::{Error, ErrorCode};
use crate::model::Principal;
use js_sys::{Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// Which storage `open()` uses.
pub enum Storage {
    /// IndexedDB database `name` (optionally from a given `IDBFactory`, e.g. a Storage Bucket's).
    IndexedDb {
        /// Database name.
        name: String,
        /// `"strict" | "relaxed" | "default"`.
        durability: String,
        /// A factory other than the global `indexedDB`.
        factory: Option<web_sys::IdbFactory>,
    },
    /// The in-memory store called `name` (shared by handles in the same JS realm).
    Memory {
        /// Store name.
        name: String,
        /// Its quota in bytes (`quotaBytes`, else [`DEFAULT_MEMORY_QUOTA`]).
        quota: usize,
    },
    /// A caller-supplied KV adapter object.
    Adapter(JsValue),
}

/// Parsed options.
pub struct Options {
    /// Where data lives.
    pub storage: Storage,
    /// Who is calling.
    pub principal: Principal,
    /// `() => number` (ms since the epoch) instead of `Date.now`.
    pub clock: Option<Function>,
    /// `(text) => number` instead of the built-in token estimate.
    pub count_tokens: Option<Function>,
}

fn get(obj: &JsValue, key: &str) -> Option<JsValue> {
    if !obj.is_object() {
        return None;
    }
    Reflect::get(obj, &key.into())
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

pub(super) fn invalid(field: &str, msg: &str) -> JsValue {
    error::invalid_input(field, msg)
}

fn string(obj: &JsValue, key: &str, default: &str) -> Result<String, JsValue> {
    match get(obj, key) {
        None => Ok(default.to_string()),
        Some(v) => match v.dyn_ref::<js_sys::JsString>() {
            Some(s) if s.is_valid_utf16() => Ok(String::from(s)),
            Some(_) => Err(invalid(key, "contains a lone UTF-16 surrogate")),
            None => Err(invalid(key, "must be a string")),
        },
    }
}

fn function(obj: &JsValue, key: &str) -> Result<Option<Function>, JsValue> {
    match get(obj, key) {
        None => Ok(None),
        Some(v) => v
            .dyn_into::<Function>()
            .map(Some)
            .map_err(|_| invalid(key, "must be a function")),
    }
}

/// The in-memory store's quota when `quotaBytes` is not given: 1 GiB, well below the 4 GiB a
/// wasm32 memory can reach, so a full store is a `quota` error rather than a trap.
pub const DEFAULT_MEMORY_QUOTA: usize = 1 << 30;
/// The largest `quotaBytes` accepted: 3 GiB (the engine needs room beside the data).
const MAX_MEMORY_QUOTA: f64 = (3u64 << 30) as f64;

/// `quotaBytes`: an integer number of bytes in 1..=3 GiB.
fn quota(obj: &JsValue) -> Result<Option<usize>, JsValue> {
    match get(obj, "quotaBytes") {
        None => Ok(None),
        Some(v) => match v.as_f64() {
            Some(n) if n.fract() == 0.0 && (1.0..=MAX_MEMORY_QUOTA).contains(&n) => {
                Ok(Some(n as usize))
            }
            _ => Err(invalid(
                "quotaBytes",
                "must be an integer number of bytes from 1 to 3 GiB (3221225472)",
            )),
        },
    }
}

/// True when the JS realm has a global `indexedDB`.
fn has_indexed_db() -> bool {
    Reflect::get(&js_sys::global(), &"indexedDB".into())
        .is_ok_and(|v| !v.is_undefined() && !v.is_null())
}

/// The keys `open()` understands.
const KEYS: [&str; 9] = [
    "storage",
    "quotaBytes",
    "name",
    "kv",
    "principal",
    "durability",
    "indexedDB",
    "clock",
    "countTokens",
];

/// The methods a KV adapter must have.
const ADAPTER_METHODS: [&str; 4] = ["get", "getMany", "scan", "commit"];

/// Rejects an own key of `obj` that is not in `known`, naming it as the caller spelled it.
fn no_unknown_keys(obj: &JsValue, known: &[&str]) -> Result<(), JsValue> {
    if !obj.is_object() {
        return Ok(());
    }
    let keys = super::input::object_keys(obj.unchecked_ref::<js_sys::Object>())
        .map_err(|_| invalid("options", "reading its keys threw"))?;
    for key in keys.iter() {
        let key = key.as_string().unwrap_or_default();
        if !known.contains(&key.as_str()) {
            let msg = format!("unknown key `{key}`; expected one of: {}", known.join(", "));
            return Err(invalid(&key, &msg));
        }
    }
    Ok(())
}

/// A KV adapter object with every method of the seam (else `validation`).
fn adapter(kv: JsValue) -> Result<JsValue, JsValue> {
    if !kv.is_object() {
        return Err(invalid("kv", "must be a KvAdapter object"));
    }
    for m in ADAPTER_METHODS {
        let f = Reflect::get(&kv, &m.into()).unwrap_or(JsValue::UNDEFINED);
        if !f.is_function() {
            return Err(invalid(
                "kv",
                &format!(
                    "the KvAdapter has no {m}() method (it needs get, getMany, scan and commit)"
                ),
            ));
        }
    }
    Ok(kv)
}

/// Parses `{ storage, quotaBytes, name, kv, principal, durability, indexedDB, clock, countTokens }`.
pub fn parse(obj: &JsValue) -> Result<Options, JsValue> {
    if !(obj.is_undefined() || obj.is_null() || (obj.is_object() && !super::input::is_array(obj))) {
        return Err(invalid("options", "must be an object"));
    }
    no_unknown_keys(obj, &KEYS)?;
    let name = string(obj, "name", "memspace")?;
    let quota = quota(obj)?;
    let kv = get(obj, "kv");
    let storage = match (get(obj, "storage").map(|s| s.as_string()), kv) {
        (Some(None), _) => return Err(invalid("storage", "must be \"indexeddb\" or \"memory\"")),
        (None, Some(kv)) => Storage::Adapter(adapter(kv)?),
        (Some(Some(_)), Some(_)) => {
            return Err(invalid("kv", "give either storage or kv, not both"))
        }
        (Some(Some(s)), None) => {
            match s.as_str() {
                "indexeddb" => {
                    let factory = indexed_db_factory(obj)?;
                    if factory.is_none() && !has_indexed_db() {
                        let e = Error::new(ErrorCode::Unsupported, "IndexedDB is not available here; use storage \"memory\" or a kv adapter");
                        return Err(error::to_js(e));
                    }
                    Storage::IndexedDb {
                        name,
                        durability: string(obj, "durability", "strict")?,
                        factory,
                    }
                }
                "memory" => Storage::Memory {
                    name,
                    quota: quota.unwrap_or(DEFAULT_MEMORY_QUOTA),
                },
                _ => return Err(invalid("storage", "must be \"indexeddb\" or \"memory\"")),
            }
        }
        (None, None) if has_indexed_db() => Storage::IndexedDb {
            name,
            durability: string(obj, "durability", "strict")?,
            factory: indexed_db_factory(obj)?,
        },
        (None, None) => Storage::Memory {
            name,
            quota: quota.unwrap_or(DEFAULT_MEMORY_QUOTA),
        },
    };
    if quota.is_some() && !matches!(storage, Storage::Memory { .. }) {
        return Err(invalid(
            "quotaBytes",
            "applies to storage \"memory\" only (IndexedDB and adapters have their own)",
        ));
    }
    let principal = match get(obj, "principal") {
        None => Principal::new("local", "local"),
        Some(p) => super::convert::from_js("principal", &p)?,
    };
    Ok(Options {
        storage,
        principal,
        clock: function(obj, "clock")?,
        count_tokens: function(obj, "countTokens")?,
    })
}

fn indexed_db_factory(obj: &JsValue) -> Result<Option<web_sys::IdbFactory>, JsValue> {
    match get(obj, "indexedDB") {
        None => Ok(None),
        Some(f) => f
            .dyn_into()
            .map(Some)
            .map_err(|_| invalid("indexedDB", "must be an IDBFactory")),
    }
}
