//! The `Rest` class (feature `rest`): the REST surface of [`crate::rest`] for JS hosts (the
//! Cloudflare Worker). `new Rest(memspace)` serves over that handle's store;
//! `rest.handle(principal, request, options)` resolves to the response; `Rest.route(request,
//! authenticated)` says which shard serves a request (or answers it); `newSpaceId()` makes
//! the id a sharded host names a new DataRobot space's shard with.
//!
//! A request is `{ method, path, query, headers: [[name, value], …], body: Uint8Array }` (path
//! and query still percent-encoded, query without `?`); a response is `{ status, headers:
//! [[name, value], …], body: Uint8Array }`.

use super::error;
use super::host::JsHost;
use super::memspace::{promise, JsMemspace};
use crate::error::Error;
use crate::model::Principal;
use crate::rest::{self, Options, Request, Response, Route};
use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

/// The REST surface over one store.
#[wasm_bindgen(js_name = Rest)]
pub struct JsRest {
    inner: rest::Rest,
}

fn bad(field: &str, msg: &str) -> JsValue {
    error::to_js(Error::validation(field, msg))
}

thread_local! {
    /// JS strings of the request, response and principal property names, made once per
    /// thread (a Rust `&str` → JS string conversion decodes UTF-8 on every call).
    static NAMES: std::cell::RefCell<Vec<(&'static str, JsValue)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The JS string `name` (made on first use).
fn name(name: &'static str) -> JsValue {
    NAMES.with(|names| {
        let mut names = names.borrow_mut();
        if let Some((_, v)) = names.iter().find(|(n, _)| *n == name) {
            return v.clone();
        }
        let v = JsValue::from_str(name);
        names.push((name, v.clone()));
        v
    })
}

fn get(obj: &JsValue, key: &'static str) -> JsValue {
    Reflect::get(obj, &name(key)).unwrap_or(JsValue::UNDEFINED)
}

fn string(obj: &JsValue, key: &'static str, default: Option<&str>) -> Result<String, JsValue> {
    let v = get(obj, key);
    match (v.as_string(), default) {
        (Some(s), _) => Ok(s),
        (None, Some(d)) if v.is_undefined() || v.is_null() => Ok(d.to_string()),
        _ => Err(bad(&format!("request.{key}"), "must be a string")),
    }
}

/// `{ method, path, query, headers, body }` → [`Request`].
fn request(v: &JsValue) -> Result<Request, JsValue> {
    if !v.is_object() {
        return Err(bad("request", "must be an object"));
    }
    let mut headers = Vec::new();
    let h = get(v, "headers");
    if !h.is_undefined() && !h.is_null() {
        let pairs: Array = h
            .dyn_into()
            .map_err(|_| bad("request.headers", "must be an array of [name, value] pairs"))?;
        for pair in pairs.iter() {
            let pair: Array = pair
                .dyn_into()
                .map_err(|_| bad("request.headers", "must be an array of [name, value] pairs"))?;
            match (pair.get(0).as_string(), pair.get(1).as_string()) {
                (Some(k), Some(v)) => headers.push((k, v)),
                _ => return Err(bad("request.headers", "names and values must be strings")),
            }
        }
    }
    let b = get(v, "body");
    let body = if b.is_undefined() || b.is_null() {
        Vec::new()
    } else {
        b.dyn_into::<Uint8Array>()
            .map_err(|_| bad("request.body", "must be a Uint8Array"))?
            .to_vec()
    };
    Ok(Request {
        method: string(v, "method", None)?,
        path: string(v, "path", None)?,
        query: string(v, "query", Some(""))?,
        headers,
        body,
    })
}

/// [`Response`] → `{ status, headers, body }`.
fn response(r: &Response) -> JsValue {
    let o = Object::new();
    let headers = Array::new();
    for (k, v) in &r.headers {
        headers.push(&Array::of2(&JsValue::from_str(k), &JsValue::from_str(v)));
    }
    // Setting plain properties on a fresh object cannot fail.
    let _ = Reflect::set(&o, &name("status"), &JsValue::from(r.status));
    let _ = Reflect::set(&o, &name("headers"), &headers);
    let _ = Reflect::set(&o, &name("body"), &Uint8Array::from(r.body.as_slice()));
    o.into()
}

/// `{ userId, tenantId }` (or null: unauthenticated).
fn principal(v: &JsValue) -> Result<Option<Principal>, JsValue> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    match (get(v, "userId").as_string(), get(v, "tenantId").as_string()) {
        (Some(u), Some(t)) => Ok(Some(Principal::new(u, t))),
        _ => Err(bad(
            "principal",
            "must be { userId, tenantId } strings or null",
        )),
    }
}

#[wasm_bindgen(js_class = Rest)]
impl JsRest {
    /// The REST surface over `memspace`'s store and host (its principal is not used).
    #[wasm_bindgen(constructor)]
    pub fn new(memspace: &JsMemspace) -> JsRest {
        JsRest {
            inner: rest::Rest::new(crate::engine::Memspace::clone(&memspace.inner)),
        }
    }

    /// Serves one request for `principal` (`null`: unauthenticated, a 401 in the API's shape);
    /// `options.newSpaceId` names a DataRobot space being created.
    pub fn handle(&self, principal_: JsValue, request_: JsValue, options: JsValue) -> Promise {
        let parsed = (|| {
            let req = request(&request_)?;
            let p = principal(&principal_)?;
            let new_space_id = if options.is_object() {
                get(&options, "newSpaceId").as_string()
            } else {
                None
            };
            Ok::<_, JsValue>((req, p, Options { new_space_id }))
        })();
        let (req, p, opts) = match parsed {
            Ok(v) => v,
            Err(e) => return Promise::reject(&e),
        };
        let inner = self.inner.clone();
        promise(Box::pin(async move {
            let r = inner.handle(p.as_ref(), &req, &opts).await;
            Ok(response(&r))
        }))
    }

    /// Where a request goes: `{ respond: response }` (answered without an engine: 401, 404,
    /// 405, 413, the version probe, malformed requests) or `{ target: { target, … } }`.
    pub fn route(request_: JsValue, authenticated: bool) -> Result<JsValue, JsValue> {
        let req = request(&request_)?;
        let o = Object::new();
        match rest::route(&req, authenticated) {
            Route::Respond(r) => {
                let _ = Reflect::set(&o, &name("respond"), &response(&r));
            }
            Route::Forward(t) => {
                let t = super::convert::to_js(&t)?;
                let _ = Reflect::set(&o, &name("target"), &t);
            }
        }
        Ok(o.into())
    }
}

#[wasm_bindgen(js_class = Rest)]
impl JsRest {
    /// The DataRobot 409 of a space deduplication key held by `existingId` (null: no winner
    /// could be resolved), for the directory of a sharded host.
    #[wasm_bindgen(js_name = spaceConflict)]
    pub fn space_conflict(key: &str, existing_id: Option<String>) -> JsValue {
        response(&rest::datarobot::space_conflict(
            key,
            existing_id.as_deref(),
        ))
    }
}

/// A fresh DataRobot wire space id (UUID-shaped, sorted by creation time): what a sharded host
/// names a new space's shard with before creating the space there (`options.newSpaceId`).
#[wasm_bindgen(js_name = newSpaceId)]
pub fn new_space_id() -> String {
    rest::datarobot::space_wire_id(&crate::ids::new_id("spc", &JsHost::new()))
}
