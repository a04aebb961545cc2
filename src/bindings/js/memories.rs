//! Memories and associations on the `Memspace` class (another `impl` block of the class
//! exported by [`super::memspace`]), named as in `wit/memories.wit` in camelCase. Each method
//! converts its arguments, calls the engine, converts the result.
//!
//! Filters and options ride in one object next to `offset` / `limit`, as the other lists do:
//! `listMemories({ type, tags, statuses, offset, limit })`, `getAssociations(id, { direction,
//! offset })`; optional scalars are options too: `forgetMemory(id, { hard })`,
//! `traceMemory(id, { depth })`, `batchMemories(ops, { atomic })`.

use super::memspace::{args, id, promise, run, run_unit, JsMemspace};
use super::{convert, error};
use crate::error::Error;
use crate::model::{
    AssociationQuery, Direction, MemoryFilter, MemoryStatus, MemorySubtype, MemoryType, Page,
};
use js_sys::Promise;
use serde::Deserialize;
use wasm_bindgen::prelude::*;

/// Options of `listMemories`: the filters of [`MemoryFilter`] plus `offset` / `limit`.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
struct MemoryQuery {
    #[serde(rename = "type")]
    memory_type: Option<MemoryType>,
    subtype: Option<MemorySubtype>,
    tags: Vec<String>,
    context_id: Option<String>,
    logical_key: Option<String>,
    statuses: Vec<MemoryStatus>,
    offset: Option<u64>,
    limit: Option<u64>,
}

/// Options of `getAssociations`: [`AssociationQuery`] plus `offset` / `limit`.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
struct LinkQuery {
    direction: Direction,
    relationships: Vec<String>,
    include_superseded: bool,
    offset: Option<u64>,
    limit: Option<u64>,
}

/// Options of `forgetMemory`: `{ hard }`.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
struct ForgetOptions {
    hard: bool,
}

/// Options of `traceMemory`: `{ depth }`.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
struct TraceOptions {
    depth: Option<u32>,
}

/// Options of `batchMemories`: `{ atomic }`.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
struct BatchOptions {
    atomic: bool,
}

/// An optional number argument: `undefined` / `null` = none; anything but a number is
/// `validation` (the engine then checks its range; NaN is out of every range).
fn opt_number(field: &str, v: &JsValue) -> Result<Option<f64>, JsValue> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.as_f64()
        .map(Some)
        .ok_or_else(|| error::to_js(Error::validation(field, "must be a number")))
}

#[wasm_bindgen(js_class = Memspace)]
impl JsMemspace {
    // ---- memories ------------------------------------------------------------------------

    /// Stores a memory; replays an idempotency key or the same content; a logical key
    /// supersedes the holder in the same commit. Resolves to `{ memory, replayed, supersededId }`.
    #[wasm_bindgen(js_name = remember)]
    pub fn remember(&self, space_id: JsValue, input: JsValue) -> Promise {
        let (space_id, input) = args!(id("spaceId", &space_id), convert::from_js("input", &input));
        let ms = self.inner.clone();
        run(async move { ms.remember(&space_id, input).await })
    }

    /// Gets an active or superseded memory (`gone` for forgotten, expired, deleted).
    #[wasm_bindgen(js_name = getMemory)]
    pub fn get_memory(&self, space_id: JsValue, memory_id: JsValue) -> Promise {
        let (space_id, memory_id) = args!(id("spaceId", &space_id), id("memoryId", &memory_id));
        let ms = self.inner.clone();
        run(async move { ms.get_memory(&space_id, &memory_id).await })
    }

    /// Lists memories newest first: `{ type, subtype, tags, contextId, logicalKey, statuses, offset, limit }`.
    #[wasm_bindgen(js_name = listMemories)]
    pub fn list_memories(&self, space_id: JsValue, query: JsValue) -> Promise {
        let (space_id, q) = args!(
            id("spaceId", &space_id),
            convert::from_js::<MemoryQuery>("query", &query)
        );
        let ms = self.inner.clone();
        run(async move {
            let filter = MemoryFilter {
                memory_type: q.memory_type,
                subtype: q.subtype,
                tags: q.tags,
                context_id: q.context_id,
                logical_key: q.logical_key,
                statuses: q.statuses,
            };
            let page = Page {
                offset: q.offset,
                limit: q.limit,
            };
            ms.list_memories(&space_id, filter, page).await
        })
    }

    /// Updates content, importance, tags and/or metadata (`expectedVersion` → `conflict`).
    #[wasm_bindgen(js_name = updateMemory)]
    pub fn update_memory(&self, space_id: JsValue, memory_id: JsValue, update: JsValue) -> Promise {
        let (space_id, memory_id, update) = args!(
            id("spaceId", &space_id),
            id("memoryId", &memory_id),
            convert::from_js("update", &update)
        );
        let ms = self.inner.clone();
        run(async move { ms.update_memory(&space_id, &memory_id, update).await })
    }

    /// Lowers importance to `importance × (1 − rate)` (rate 0–1, default 0.1).
    #[wasm_bindgen(js_name = decayMemory)]
    pub fn decay_memory(&self, space_id: JsValue, memory_id: JsValue, rate: JsValue) -> Promise {
        let (space_id, memory_id, rate) = args!(
            id("spaceId", &space_id),
            id("memoryId", &memory_id),
            opt_number("rate", &rate)
        );
        let ms = self.inner.clone();
        run(async move { ms.decay_memory(&space_id, &memory_id, rate).await })
    }

    /// Forgets a memory: soft (default; restorable) or `{ hard: true }` (erased, tombstone).
    #[wasm_bindgen(js_name = forgetMemory)]
    pub fn forget_memory(
        &self,
        space_id: JsValue,
        memory_id: JsValue,
        options: JsValue,
    ) -> Promise {
        let (space_id, memory_id, o) = args!(
            id("spaceId", &space_id),
            id("memoryId", &memory_id),
            convert::from_js::<ForgetOptions>("options", &options)
        );
        let ms = self.inner.clone();
        run_unit(async move { ms.forget_memory(&space_id, &memory_id, o.hard).await })
    }

    /// Restores a soft-forgotten memory to its former status.
    #[wasm_bindgen(js_name = restoreMemory)]
    pub fn restore_memory(&self, space_id: JsValue, memory_id: JsValue) -> Promise {
        let (space_id, memory_id) = args!(id("spaceId", &space_id), id("memoryId", &memory_id));
        let ms = self.inner.clone();
        run(async move { ms.restore_memory(&space_id, &memory_id).await })
    }

    /// Traces a memory in any status: `{ memory, history, historyTruncated, associations }`;
    /// options `{ depth }` (0–5, default 2).
    #[wasm_bindgen(js_name = traceMemory)]
    pub fn trace_memory(&self, space_id: JsValue, memory_id: JsValue, options: JsValue) -> Promise {
        let (space_id, memory_id, o) = args!(
            id("spaceId", &space_id),
            id("memoryId", &memory_id),
            convert::from_js::<TraceOptions>("options", &options)
        );
        let ms = self.inner.clone();
        run(async move { ms.trace_memory(&space_id, &memory_id, o.depth).await })
    }

    /// Runs 1–100 operations (`{ op: "create" | "update" | "delete", … }`); `{ atomic: true }`
    /// applies all or none. A failed operation's `error` is a `MemspaceError`, like a thrown one.
    #[wasm_bindgen(js_name = batchMemories)]
    pub fn batch_memories(
        &self,
        space_id: JsValue,
        operations: JsValue,
        options: JsValue,
    ) -> Promise {
        let (space_id, ops, o) = args!(
            id("spaceId", &space_id),
            convert::list_from_js("operations", &operations),
            convert::from_js::<BatchOptions>("options", &options)
        );
        let ms = self.inner.clone();
        promise(Box::pin(async move {
            let r = ms
                .batch_memories(&space_id, ops, o.atomic)
                .await
                .map_err(error::to_js)?;
            let errors: Vec<Option<Error>> = r.results.iter().map(|x| x.error.clone()).collect();
            let out = convert::to_js(&r)?;
            let results: js_sys::Array = js_sys::Reflect::get(&out, &"results".into())?.into();
            for (i, e) in errors.into_iter().enumerate() {
                if let Some(e) = e {
                    js_sys::Reflect::set(
                        &results.get(i as u32),
                        &"error".into(),
                        &error::to_js(e),
                    )?;
                }
            }
            Ok(out)
        }))
    }

    /// Exact counts by status, and of associations.
    #[wasm_bindgen(js_name = memoryStats)]
    pub fn memory_stats(&self, space_id: JsValue) -> Promise {
        let (space_id,) = args!(id("spaceId", &space_id));
        let ms = self.inner.clone();
        run(async move { ms.memory_stats(&space_id).await })
    }

    // ---- associations --------------------------------------------------------------------

    /// Links `sourceId → input.targetId`: `{ targetId, relationship, strength, metadata }`.
    #[wasm_bindgen(js_name = associate)]
    pub fn associate(&self, space_id: JsValue, source_id: JsValue, input: JsValue) -> Promise {
        let (space_id, source_id, input) = args!(
            id("spaceId", &space_id),
            id("sourceId", &source_id),
            convert::from_js("input", &input)
        );
        let ms = self.inner.clone();
        run(async move { ms.associate(&space_id, &source_id, input).await })
    }

    /// The visible edges of a memory: `{ direction, relationships, includeSuperseded, offset, limit }`.
    #[wasm_bindgen(js_name = getAssociations)]
    pub fn get_associations(
        &self,
        space_id: JsValue,
        memory_id: JsValue,
        query: JsValue,
    ) -> Promise {
        let (space_id, memory_id, q) = args!(
            id("spaceId", &space_id),
            id("memoryId", &memory_id),
            convert::from_js::<LinkQuery>("query", &query)
        );
        let ms = self.inner.clone();
        run(async move {
            let query = AssociationQuery {
                direction: q.direction,
                relationships: q.relationships,
                include_superseded: q.include_superseded,
            };
            let page = Page {
                offset: q.offset,
                limit: q.limit,
            };
            ms.get_associations(&space_id, &memory_id, query, page)
                .await
        })
    }

    /// Changes an association's `strength` and/or `metadata`.
    #[wasm_bindgen(js_name = updateAssociation)]
    pub fn update_association(
        &self,
        space_id: JsValue,
        association_id: JsValue,
        update: JsValue,
    ) -> Promise {
        let (space_id, association_id, update) = args!(
            id("spaceId", &space_id),
            id("associationId", &association_id),
            convert::from_js("update", &update)
        );
        let ms = self.inner.clone();
        run(async move {
            ms.update_association(&space_id, &association_id, update)
                .await
        })
    }

    /// Deletes an association.
    #[wasm_bindgen(js_name = deleteAssociation)]
    pub fn delete_association(&self, space_id: JsValue, association_id: JsValue) -> Promise {
        let (space_id, association_id) = args!(
            id("spaceId", &space_id),
            id("associationId", &association_id)
        );
        let ms = self.inner.clone();
        run_unit(async move { ms.delete_association(&space_id, &association_id).await })
    }

    /// Walks the associations: `{ maxDepth, direction, minStrength, relationshipTypes, maxNodes, includeSuperseded }`.
    #[wasm_bindgen(js_name = traverse)]
    pub fn traverse(&self, space_id: JsValue, start_id: JsValue, query: JsValue) -> Promise {
        let (space_id, start_id, query) = args!(
            id("spaceId", &space_id),
            id("startId", &start_id),
            convert::from_js("query", &query)
        );
        let ms = self.inner.clone();
        run(async move { ms.traverse(&space_id, &start_id, query).await })
    }
}
