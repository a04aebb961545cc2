//! The `Memspace` class: `Memspace.open(options)`, then every engine operation as an async
//! camelCase method. Each method converts its arguments, calls the engine, converts the result.
//! Spaces, sessions, events and lifecycle are here; memory stores are a second `impl` block of
//! the same class in [`super::stores`].

use super::host::JsHost;
use super::indexeddb::{Durability, IndexedDbKv};
use super::kv_adapter::JsKv;
use super::{convert, error, options};
use crate::engine::Memspace;
use crate::error::Error;
use crate::kv::{Kv, KvError, MemoryKv};
use crate::model::{EventQuery, Page, Principal, SessionFilter};
use js_sys::Promise;
use serde::Serialize;
use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

thread_local! {
    /// Named in-memory stores: handles opened with the same name share one (like two tabs).
    pub(super) static MEMORY: RefCell<HashMap<String, MemoryKv>> = RefCell::new(HashMap::new());
}

/// Bytes of WebAssembly memory the module holds (a diagnostic: memory grows, never shrinks).
#[wasm_bindgen(js_name = wasmMemoryBytes)]
pub fn wasm_memory_bytes() -> f64 {
    (core::arch::wasm32::memory_size(0) * 65536) as f64
}

/// A memspace handle for one principal over one store.
#[wasm_bindgen(js_name = Memspace)]
pub struct JsMemspace {
    /// Shared: a call takes its own reference for its future (one count, not a field-wise
    /// clone of the handle).
    pub(super) inner: Rc<Memspace>,
    idb: Option<Rc<IndexedDbKv>>,
    storage: &'static str,
}

fn kv_err(e: KvError) -> JsValue {
    error::to_js(crate::engine::kv_error(e))
}

/// A boxed binding future: the task glue is then instantiated once for the whole API instead
/// of once per method (smaller wasm).
pub(super) type JsFuture = Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>>;

/// Turns a binding future into a promise: run to its first await inside the call, then
/// polled from its waker ([`super::task`]).
pub(super) fn promise(fut: JsFuture) -> Promise {
    super::task::promise(fut)
}

/// Runs an engine call and converts its record result to a plain object.
pub(super) fn run<T: Serialize, F: Future<Output = crate::Result<T>> + 'static>(fut: F) -> Promise {
    promise(Box::pin(async move {
        let v = fut.await.map_err(error::to_js)?;
        convert::to_js(&v)
    }))
}

/// Runs an engine call and converts its result through JSON text (event updates).
#[cfg(feature = "js")]
pub(super) fn run_json<T: Serialize, F: Future<Output = crate::Result<T>> + 'static>(
    fut: F,
) -> Promise {
    promise(Box::pin(async move {
        let v = fut.await.map_err(error::to_js)?;
        convert::to_js_json(&v)
    }))
}

/// Runs an engine call that returns nothing (resolves to `undefined`).
pub(super) fn run_unit<F: Future<Output = crate::Result<()>> + 'static>(fut: F) -> Promise {
    promise(Box::pin(async move {
        fut.await.map_err(error::to_js)?;
        Ok(JsValue::UNDEFINED)
    }))
}

/// A rejected promise for an argument that failed conversion.
pub(super) fn reject(e: JsValue) -> Promise {
    Promise::reject(&e)
}

/// An id argument: a string, else a `validation` error.
pub(super) fn id(field: &str, v: &JsValue) -> Result<String, JsValue> {
    v.as_string()
        .ok_or_else(|| error::to_js(Error::validation(field, "must be a string")))
}

/// Converts every argument or returns a rejected promise with the first conversion error.
macro_rules! args {
    ($($e:expr),+) => {
        match (|| Ok::<_, JsValue>(($($e?,)+)))() {
            Ok(v) => v,
            Err(e) => return $crate::bindings::js::memspace::reject(e),
        }
    };
}
#[cfg(feature = "js")] // the other impl blocks of the class
pub(super) use args;

#[wasm_bindgen(js_class = Memspace)]
impl JsMemspace {
    /// Opens a handle: `{ storage: "indexeddb" | "memory", name, kv, principal, durability, indexedDB, clock, countTokens, embed, embeddingModel, llm }`.
    #[wasm_bindgen(js_name = open)]
    pub async fn open(options: JsValue) -> Result<JsMemspace, JsValue> {
        let opts = options::parse(&options)?;
        let host = Rc::new(
            JsHost::new()
                .with_clock(opts.clock)
                .with_token_counter(opts.count_tokens),
        );
        let (kv, idb, storage): (Rc<dyn Kv>, _, _) = match opts.storage {
            options::Storage::IndexedDb {
                name,
                durability,
                factory,
            } => {
                let d = Durability::parse(&durability).ok_or_else(|| {
                    error::to_js(Error::validation(
                        "durability",
                        "must be \"strict\", \"relaxed\" or \"default\"",
                    ))
                })?;
                let kv = match factory {
                    Some(f) => IndexedDbKv::open_with_factory(f, &name, d).await,
                    None => IndexedDbKv::open(&name, d).await,
                }
                .map_err(kv_err)?;
                let kv = Rc::new(kv);
                (kv.clone(), Some(kv), "indexeddb")
            }
            options::Storage::Memory { name, max_bytes } => {
                let kv = MEMORY.with(|m| m.borrow_mut().entry(name).or_default().clone());
                kv.set_quota(Some(max_bytes));
                (Rc::new(kv), None, "memory")
            }
            options::Storage::Adapter(obj) => {
                (Rc::new(JsKv::new(obj).map_err(kv_err)?), None, "adapter")
            }
        };
        #[allow(unused_mut)] // the core module (feature `js-core` alone) keeps the plain handle
        let mut inner = Memspace::new(kv, host, opts.principal).map_err(error::to_js)?;
        // Only the full API uses the capabilities; the core module parses (validates) them.
        #[cfg(feature = "js")]
        if let Some((f, model)) = opts.embed {
            inner = inner.with_embedder(Rc::new(super::embed::JsEmbedder::new(f, model)));
        }
        #[cfg(feature = "js")]
        if let Some(f) = opts.llm {
            inner = inner.with_llm(Rc::new(super::llm::JsLlm::new(f)));
        }
        Ok(JsMemspace {
            inner: Rc::new(inner),
            idb,
            storage,
        })
    }

    /// `"indexeddb"`, `"memory"` or `"adapter"`.
    #[wasm_bindgen(getter)]
    pub fn storage(&self) -> String {
        self.storage.to_string()
    }

    /// The calling principal `{ userId, tenantId }`.
    #[wasm_bindgen(getter)]
    pub fn principal(&self) -> Result<JsValue, JsValue> {
        convert::to_js(self.inner.principal())
    }

    /// The same store acting for another principal.
    #[wasm_bindgen(js_name = forPrincipal)]
    pub fn for_principal(&self, principal: JsValue) -> Result<JsMemspace, JsValue> {
        let p: Principal = convert::from_js("principal", &principal)?;
        let inner = self.inner.for_principal(p).map_err(error::to_js)?;
        Ok(JsMemspace {
            inner: Rc::new(inner),
            idb: self.idb.clone(),
            storage: self.storage,
        })
    }

    /// The closed list of relationship types (`{ name, category, description, inverse }`):
    /// synchronous, so it is in the core module.
    #[wasm_bindgen(js_name = relationshipTypes)]
    pub fn relationship_types(&self) -> Result<JsValue, JsValue> {
        convert::to_js(self.inner.relationship_types())
    }

    /// Closes the IndexedDB connection (a later call reopens it); no-op for other storage.
    pub fn close(&self) {
        if let Some(idb) = &self.idb {
            idb.close();
        }
    }

    /// Creates a memory space.
    #[wasm_bindgen(js_name = createSpace)]
    pub fn create_space(&self, input: JsValue) -> Promise {
        let (input,) = args!(convert::from_js("input", &input));
        let ms = self.inner.clone();
        run(async move { ms.create_space(input).await })
    }

    /// Gets a space.
    #[wasm_bindgen(js_name = getSpace)]
    pub fn get_space(&self, space_id: JsValue) -> Promise {
        let (space_id,) = args!(id("spaceId", &space_id));
        let ms = self.inner.clone();
        run(async move { ms.get_space(&space_id).await })
    }

    /// Lists the caller's spaces: `{ offset, limit }`.
    #[wasm_bindgen(js_name = listSpaces)]
    pub fn list_spaces(&self, page: JsValue) -> Promise {
        let (page,) = args!(convert::from_js::<Page>("page", &page));
        let ms = self.inner.clone();
        run(async move { ms.list_spaces(page).await })
    }

    /// Updates a space (absent = unchanged, null = clear).
    #[wasm_bindgen(js_name = updateSpace)]
    pub fn update_space(&self, space_id: JsValue, update: JsValue) -> Promise {
        let (space_id, update) = args!(
            id("spaceId", &space_id),
            convert::from_js("update", &update)
        );
        let ms = self.inner.clone();
        run(async move { ms.update_space(&space_id, update).await })
    }

    /// Soft-deletes a space.
    #[wasm_bindgen(js_name = deleteSpace)]
    pub fn delete_space(&self, space_id: JsValue) -> Promise {
        let (space_id,) = args!(id("spaceId", &space_id));
        let ms = self.inner.clone();
        run_unit(async move { ms.delete_space(&space_id).await })
    }

    /// Creates a session.
    #[wasm_bindgen(js_name = createSession)]
    pub fn create_session(&self, space_id: JsValue, input: JsValue) -> Promise {
        let (space_id, input) = args!(id("spaceId", &space_id), convert::from_js("input", &input));
        let ms = self.inner.clone();
        run(async move { ms.create_session(&space_id, input).await })
    }

    /// Gets a session.
    #[wasm_bindgen(js_name = getSession)]
    pub fn get_session(&self, space_id: JsValue, session_id: JsValue) -> Promise {
        let (space_id, session_id) = args!(id("spaceId", &space_id), id("sessionId", &session_id));
        let ms = self.inner.clone();
        run(async move { ms.get_session(&space_id, &session_id).await })
    }

    /// Lists sessions: `{ offset, limit, participants, description }`.
    #[wasm_bindgen(js_name = listSessions)]
    pub fn list_sessions(&self, space_id: JsValue, filter: JsValue) -> Promise {
        let (space_id, filter) = args!(
            id("spaceId", &space_id),
            convert::from_js::<SessionFilter>("filter", &filter)
        );
        let ms = self.inner.clone();
        run(async move { ms.list_sessions(&space_id, filter).await })
    }

    /// Updates a session; `ifMatch` guards against stale versions.
    #[wasm_bindgen(js_name = updateSession)]
    pub fn update_session(
        &self,
        space_id: JsValue,
        session_id: JsValue,
        update: JsValue,
    ) -> Promise {
        let (space_id, session_id, update) = args!(
            id("spaceId", &space_id),
            id("sessionId", &session_id),
            convert::from_js("update", &update)
        );
        let ms = self.inner.clone();
        run(async move { ms.update_session(&space_id, &session_id, update).await })
    }

    /// Soft-deletes a session.
    #[wasm_bindgen(js_name = deleteSession)]
    pub fn delete_session(&self, space_id: JsValue, session_id: JsValue) -> Promise {
        let (space_id, session_id) = args!(id("spaceId", &space_id), id("sessionId", &session_id));
        let ms = self.inner.clone();
        run_unit(async move { ms.delete_session(&space_id, &session_id).await })
    }

    /// Appends one event.
    #[wasm_bindgen(js_name = postEvent)]
    pub fn post_event(&self, space_id: JsValue, session_id: JsValue, event: JsValue) -> Promise {
        let (space_id, session_id, event) = args!(
            id("spaceId", &space_id),
            id("sessionId", &session_id),
            convert::event_from_js("event", &event)
        );
        let ms = self.inner.clone();
        // The answer is parsed while the commit flushes (kept only if it succeeds).
        promise(Box::pin(async move {
            ms.post_event_with(&space_id, &session_id, event, |t| convert::parse_json(&t))
                .await
                .map_err(error::to_js)?
        }))
    }

    /// Appends up to 200 events atomically.
    #[wasm_bindgen(js_name = postEvents)]
    pub fn post_events(&self, space_id: JsValue, session_id: JsValue, events: JsValue) -> Promise {
        let (space_id, session_id, events) = args!(
            id("spaceId", &space_id),
            id("sessionId", &session_id),
            convert::events_from_js("events", &events)
        );
        let ms = self.inner.clone();
        promise(Box::pin(async move {
            ms.post_events_with(&space_id, &session_id, events, |t| convert::parse_json(&t))
                .await
                .map_err(error::to_js)?
        }))
    }

    /// Lists events: `{ offset, limit }` or `{ lastN }`, optionally `{ eventType }`.
    #[wasm_bindgen(js_name = listEvents)]
    pub fn list_events(&self, space_id: JsValue, session_id: JsValue, query: JsValue) -> Promise {
        let (space_id, session_id, query) = args!(
            id("spaceId", &space_id),
            id("sessionId", &session_id),
            convert::from_js::<EventQuery>("query", &query)
        );
        let ms = self.inner.clone();
        promise(Box::pin(async move {
            let text = ms
                .list_events_json(&space_id, &session_id, query)
                .await
                .map_err(error::to_js)?;
            convert::parse_json(&text)
        }))
    }
}

// Updates and deletes of past events: in the full module only (feature `js`), like the other
// rarely needed writes; the core module keeps appends and reads.
#[cfg(feature = "js")]
#[wasm_bindgen(js_class = Memspace)]
impl JsMemspace {
    /// Updates one event by `sequenceId`.
    #[wasm_bindgen(js_name = updateEvent)]
    pub fn update_event(&self, space_id: JsValue, session_id: JsValue, update: JsValue) -> Promise {
        let (space_id, session_id, update) = args!(
            id("spaceId", &space_id),
            id("sessionId", &session_id),
            convert::from_js("update", &update)
        );
        let ms = self.inner.clone();
        run_json(async move { ms.update_event(&space_id, &session_id, update).await })
    }

    /// Updates up to 200 events atomically.
    #[wasm_bindgen(js_name = updateEvents)]
    pub fn update_events(
        &self,
        space_id: JsValue,
        session_id: JsValue,
        updates: JsValue,
    ) -> Promise {
        let (space_id, session_id, updates) = args!(
            id("spaceId", &space_id),
            id("sessionId", &session_id),
            convert::list_from_js("updates", &updates)
        );
        let ms = self.inner.clone();
        run_json(async move { ms.update_events(&space_id, &session_id, updates).await })
    }

    /// Deletes one event by sequence id (later events keep theirs; a deleted id is `gone`).
    #[wasm_bindgen(js_name = deleteEvent)]
    pub fn delete_event(
        &self,
        space_id: JsValue,
        session_id: JsValue,
        sequence_id: JsValue,
    ) -> Promise {
        let (space_id, session_id, seq) = args!(
            id("spaceId", &space_id),
            id("sessionId", &session_id),
            convert::from_js::<u64>("sequenceId", &sequence_id)
        );
        let ms = self.inner.clone();
        run_unit(async move { ms.delete_event(&space_id, &session_id, seq).await })
    }
}
