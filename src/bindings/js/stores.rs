//! Memory stores on the `Memspace` class (a second `impl` block of the class exported by
//! [`super::memspace`]): stores, entries, versions and the memory tool, named as in
//! `wit/stores.wit` in camelCase. Each method converts its arguments, calls the engine,
//! converts the result; metadata maps and content pass through verbatim.
//!
//! List filters ride in the options object next to `offset` / `limit`, as `listSessions` and
//! `listEvents` do: `listStores({ includeArchived })`, `listEntries({ prefix })`,
//! `listVersions({ entryId })`.

use super::memspace::{args, id, promise, run, run_unit, JsMemspace};
use super::{convert, error};
use crate::error::Error;
use crate::model::{EntryPrecondition, Page};
use js_sys::Promise;
use serde::Deserialize;
use wasm_bindgen::prelude::*;

/// Options of `listStores`: `{ includeArchived, offset, limit }`.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
struct StoreQuery {
    include_archived: bool,
    offset: Option<u64>,
    limit: Option<u64>,
}

/// Options of `listEntries`: `{ prefix, offset, limit }` (`prefix` defaults to `""`: all).
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
struct EntryQuery {
    prefix: String,
    offset: Option<u64>,
    limit: Option<u64>,
}

/// Options of `listVersions`: `{ entryId, offset, limit }` (no `entryId`: the whole store).
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
struct VersionQuery {
    entry_id: Option<String>,
    offset: Option<u64>,
    limit: Option<u64>,
}

fn page(offset: Option<u64>, limit: Option<u64>) -> Page {
    Page { offset, limit }
}

/// A memory-tool command: a string is the JSON text as the model sent it; anything else is
/// serialised with `JSON.stringify`, keys untouched (the tool's own names are snake_case).
fn tool_command(v: &JsValue) -> Result<String, JsValue> {
    if let Some(s) = v.as_string() {
        return Ok(s);
    }
    let bad = || {
        error::to_js(Error::validation(
            "command",
            "must be a memory-tool command object or its JSON text",
        ))
    };
    if v.is_undefined() {
        return Err(bad());
    }
    js_sys::JSON::stringify(v)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(bad)
}

#[wasm_bindgen(js_class = Memspace)]
impl JsMemspace {
    // ---- stores -------------------------------------------------------------------------

    /// Creates a memory store: `{ name, description, metadata }`.
    #[wasm_bindgen(js_name = createStore)]
    pub fn create_store(&self, space_id: JsValue, input: JsValue) -> Promise {
        let (space_id, input) = args!(id("spaceId", &space_id), convert::from_js("input", &input));
        let ms = self.inner.clone();
        run(async move { ms.create_store(&space_id, input).await })
    }

    /// Gets a store (archived ones included).
    #[wasm_bindgen(js_name = getStore)]
    pub fn get_store(&self, space_id: JsValue, store_id: JsValue) -> Promise {
        let (space_id, store_id) = args!(id("spaceId", &space_id), id("storeId", &store_id));
        let ms = self.inner.clone();
        run(async move { ms.get_store(&space_id, &store_id).await })
    }

    /// Lists stores in creation order: `{ includeArchived, offset, limit }`.
    #[wasm_bindgen(js_name = listStores)]
    pub fn list_stores(&self, space_id: JsValue, query: JsValue) -> Promise {
        let (space_id, q) = args!(
            id("spaceId", &space_id),
            convert::from_js::<StoreQuery>("query", &query)
        );
        let ms = self.inner.clone();
        run(async move {
            ms.list_stores(&space_id, q.include_archived, page(q.offset, q.limit))
                .await
        })
    }

    /// Updates name, description and/or metadata (merge patch: `null` removes a key).
    #[wasm_bindgen(js_name = updateStore)]
    pub fn update_store(&self, space_id: JsValue, store_id: JsValue, update: JsValue) -> Promise {
        let (space_id, store_id, update) = args!(
            id("spaceId", &space_id),
            id("storeId", &store_id),
            convert::from_js("update", &update)
        );
        let ms = self.inner.clone();
        run(async move { ms.update_store(&space_id, &store_id, update).await })
    }

    /// Archives a store (irreversible, idempotent).
    #[wasm_bindgen(js_name = archiveStore)]
    pub fn archive_store(&self, space_id: JsValue, store_id: JsValue) -> Promise {
        let (space_id, store_id) = args!(id("spaceId", &space_id), id("storeId", &store_id));
        let ms = self.inner.clone();
        run(async move { ms.archive_store(&space_id, &store_id).await })
    }

    /// Deletes a store with all its entries and versions (irreversible).
    #[wasm_bindgen(js_name = deleteStore)]
    pub fn delete_store(&self, space_id: JsValue, store_id: JsValue) -> Promise {
        let (space_id, store_id) = args!(id("spaceId", &space_id), id("storeId", &store_id));
        let ms = self.inner.clone();
        run_unit(async move { ms.delete_store(&space_id, &store_id).await })
    }

    // ---- entries ------------------------------------------------------------------------

    /// Creates an entry: `{ path, content, metadata }`.
    #[wasm_bindgen(js_name = createEntry)]
    pub fn create_entry(&self, space_id: JsValue, store_id: JsValue, input: JsValue) -> Promise {
        let (space_id, store_id, input) = args!(
            id("spaceId", &space_id),
            id("storeId", &store_id),
            convert::from_js("input", &input)
        );
        let ms = self.inner.clone();
        run(async move { ms.create_entry(&space_id, &store_id, input).await })
    }

    /// Gets an entry by id, with its content.
    #[wasm_bindgen(js_name = getEntry)]
    pub fn get_entry(&self, space_id: JsValue, store_id: JsValue, entry_id: JsValue) -> Promise {
        let (space_id, store_id, entry_id) = args!(
            id("spaceId", &space_id),
            id("storeId", &store_id),
            id("entryId", &entry_id)
        );
        let ms = self.inner.clone();
        run(async move { ms.get_entry(&space_id, &store_id, &entry_id).await })
    }

    /// Gets the entry at a path, with its content.
    #[wasm_bindgen(js_name = getEntryByPath)]
    pub fn get_entry_by_path(
        &self,
        space_id: JsValue,
        store_id: JsValue,
        path: JsValue,
    ) -> Promise {
        let (space_id, store_id, path) = args!(
            id("spaceId", &space_id),
            id("storeId", &store_id),
            id("path", &path)
        );
        let ms = self.inner.clone();
        run(async move { ms.get_entry_by_path(&space_id, &store_id, &path).await })
    }

    /// Lists entries in path order, without content: `{ prefix, offset, limit }`.
    #[wasm_bindgen(js_name = listEntries)]
    pub fn list_entries(&self, space_id: JsValue, store_id: JsValue, query: JsValue) -> Promise {
        let (space_id, store_id, q) = args!(
            id("spaceId", &space_id),
            id("storeId", &store_id),
            convert::from_js::<EntryQuery>("query", &query)
        );
        let ms = self.inner.clone();
        run(async move {
            ms.list_entries(&space_id, &store_id, &q.prefix, page(q.offset, q.limit))
                .await
        })
    }

    /// Updates content, path and/or metadata; `expectedVersion` / `expectedSha256` guard it.
    #[wasm_bindgen(js_name = updateEntry)]
    pub fn update_entry(
        &self,
        space_id: JsValue,
        store_id: JsValue,
        entry_id: JsValue,
        update: JsValue,
    ) -> Promise {
        let (space_id, store_id, entry_id, update) = args!(
            id("spaceId", &space_id),
            id("storeId", &store_id),
            id("entryId", &entry_id),
            convert::from_js("update", &update)
        );
        let ms = self.inner.clone();
        run(async move {
            ms.update_entry(&space_id, &store_id, &entry_id, update)
                .await
        })
    }

    /// Deletes an entry: optional `{ expectedVersion, expectedSha256 }`.
    #[wasm_bindgen(js_name = deleteEntry)]
    pub fn delete_entry(
        &self,
        space_id: JsValue,
        store_id: JsValue,
        entry_id: JsValue,
        precondition: JsValue,
    ) -> Promise {
        let (space_id, store_id, entry_id, pre) = args!(
            id("spaceId", &space_id),
            id("storeId", &store_id),
            id("entryId", &entry_id),
            convert::from_js::<EntryPrecondition>("precondition", &precondition)
        );
        let ms = self.inner.clone();
        run_unit(async move { ms.delete_entry(&space_id, &store_id, &entry_id, pre).await })
    }

    // ---- versions -----------------------------------------------------------------------

    /// Lists versions newest first, without content: `{ entryId, offset, limit }`.
    #[wasm_bindgen(js_name = listVersions)]
    pub fn list_versions(&self, space_id: JsValue, store_id: JsValue, query: JsValue) -> Promise {
        let (space_id, store_id, q) = args!(
            id("spaceId", &space_id),
            id("storeId", &store_id),
            convert::from_js::<VersionQuery>("query", &query)
        );
        let ms = self.inner.clone();
        run(async move {
            let p = page(q.offset, q.limit);
            ms.list_versions(&space_id, &store_id, q.entry_id.as_deref(), p)
                .await
        })
    }

    /// Gets one version, with its content unless redacted or a deletion.
    #[wasm_bindgen(js_name = getVersion)]
    pub fn get_version(
        &self,
        space_id: JsValue,
        store_id: JsValue,
        version_id: JsValue,
    ) -> Promise {
        let (space_id, store_id, version_id) = args!(
            id("spaceId", &space_id),
            id("storeId", &store_id),
            id("versionId", &version_id)
        );
        let ms = self.inner.clone();
        run(async move { ms.get_version(&space_id, &store_id, &version_id).await })
    }

    /// Redacts a version: its content is erased from storage; the record stays.
    #[wasm_bindgen(js_name = redactVersion)]
    pub fn redact_version(
        &self,
        space_id: JsValue,
        store_id: JsValue,
        version_id: JsValue,
    ) -> Promise {
        let (space_id, store_id, version_id) = args!(
            id("spaceId", &space_id),
            id("storeId", &store_id),
            id("versionId", &version_id)
        );
        let ms = self.inner.clone();
        run(async move { ms.redact_version(&space_id, &store_id, &version_id).await })
    }

    // ---- the memory tool ----------------------------------------------------------------

    /// Runs one memory-tool command (an object such as `{ command: "view", path: "/memories" }`
    /// or its JSON text) and resolves to the tool's text result.
    #[wasm_bindgen(js_name = memoryTool)]
    pub fn memory_tool(&self, space_id: JsValue, store_id: JsValue, command: JsValue) -> Promise {
        let (space_id, store_id, command) = args!(
            id("spaceId", &space_id),
            id("storeId", &store_id),
            tool_command(&command)
        );
        let ms = self.inner.clone();
        promise(Box::pin(async move {
            let text = ms
                .memory_tool(&space_id, &store_id, &command)
                .await
                .map_err(error::to_js)?;
            Ok(JsValue::from(text))
        }))
    }
}
