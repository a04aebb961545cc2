//! Reading the `Memspace.open(options)` object.

use super::error;
use crate::error::{Error, ErrorCode};
use crate::index::head::EmbeddingModel;
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
        /// Most bytes of keys and values it may hold.
        max_bytes: usize,
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
    /// `embed(texts) => Promise<Float32Array[]>` and its model: the embedding capability.
    pub embed: Option<(Function, EmbeddingModel)>,
    /// `(request) => Promise<response>`: the LLM capability (extraction).
    pub llm: Option<Function>,
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

/// True when the JS realm has a global `indexedDB`.
fn has_indexed_db() -> bool {
    Reflect::get(&js_sys::global(), &"indexedDB".into())
        .is_ok_and(|v| !v.is_undefined() && !v.is_null())
}

/// The keys `open()` understands.
const KEYS: [&str; 12] = [
    "maxBytes",
    "storage",
    "name",
    "kv",
    "principal",
    "durability",
    "indexedDB",
    "clock",
    "countTokens",
    "embed",
    "embeddingModel",
    "llm",
];

/// Default quota of `storage: "memory"`: a quarter of wasm32's 4 GiB, leaving room for the
/// copies reads and writes make, so a full store is a `quota` error, never an out-of-memory
/// abort of the instance.
pub const DEFAULT_MEMORY_BYTES: usize = 1 << 30;

/// `maxBytes`: a positive integer, at most the default.
fn max_bytes(obj: &JsValue) -> Result<usize, JsValue> {
    match get(obj, "maxBytes") {
        None => Ok(DEFAULT_MEMORY_BYTES),
        Some(v) => match v.as_f64() {
            Some(n) if n >= 1.0 && n.fract() == 0.0 && n <= DEFAULT_MEMORY_BYTES as f64 => {
                Ok(n as usize)
            }
            _ => Err(invalid(
                "maxBytes",
                &format!("must be an integer 1–{DEFAULT_MEMORY_BYTES}"),
            )),
        },
    }
}

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

/// `embed` with its `embeddingModel: { id, dimensions }` (both or neither).
fn embedder(obj: &JsValue) -> Result<Option<(Function, EmbeddingModel)>, JsValue> {
    let f = function(obj, "embed")?;
    let m = get(obj, "embeddingModel");
    let (f, m) = match (f, m) {
        (None, None) => return Ok(None),
        (Some(_), None) => {
            return Err(invalid(
                "embeddingModel",
                "is required with embed: { id, dimensions } of the model embed uses",
            ))
        }
        (None, Some(_)) => {
            return Err(invalid(
                "embed",
                "is required with embeddingModel: (texts) => Promise<Float32Array[]>",
            ))
        }
        (Some(f), Some(m)) => (f, m),
    };
    no_unknown_keys(&m, &["id", "dimensions"])?;
    let id = string(&m, "id", "")?;
    if id.is_empty() || id.chars().count() > 128 {
        return Err(invalid(
            "embeddingModel.id",
            "must be a model name of 1–128 characters",
        ));
    }
    let max = crate::index::vectors::MAX_DIMS as f64;
    let dims = get(&m, "dimensions")
        .and_then(|d| d.as_f64())
        .filter(|d| d.fract() == 0.0 && (1.0..=max).contains(d))
        .ok_or_else(|| {
            invalid(
                "embeddingModel.dimensions",
                &format!("must be an integer 1–{max}"),
            )
        })?;
    Ok(Some((
        f,
        EmbeddingModel {
            id,
            dims: dims as u32,
        },
    )))
}

/// Parses `{ storage, name, kv, principal, durability, indexedDB, clock, countTokens, embed,
/// embeddingModel }`.
/// Parses `{ storage, name, kv, principal, durability, indexedDB, clock, countTokens, llm }`.
pub fn parse(obj: &JsValue) -> Result<Options, JsValue> {
    if !(obj.is_undefined() || obj.is_null() || (obj.is_object() && !super::input::is_array(obj))) {
        return Err(invalid("options", "must be an object"));
    }
    no_unknown_keys(obj, &KEYS)?;
    let name = string(obj, "name", "memspace")?;
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
                    max_bytes: max_bytes(obj)?,
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
            max_bytes: max_bytes(obj)?,
        },
    };
    let principal = match get(obj, "principal") {
        None => Principal::new("local", "local"),
        Some(p) => super::convert::from_js("principal", &p)?,
    };
    Ok(Options {
        storage,
        principal,
        clock: function(obj, "clock")?,
        count_tokens: function(obj, "countTokens")?,
        embed: embedder(obj)?,
        llm: function(obj, "llm")?,
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
