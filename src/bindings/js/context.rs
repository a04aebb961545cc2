//! Core blocks, archival recall, the per-turn memory context, working context and the
//! workspace view of spaces on the `Memspace` class (another `impl` block of the class
//! exported by [`super::memspace`]), named as in `wit/context.wit` in camelCase. Each method
//! converts its arguments, calls the engine, converts the result; nothing else.
//!
//! Optional scoping rides in an options object: `getBlock(spaceId, type, { agentId })`,
//! `deleteBlock(spaceId, type, { agentId, expectedUpdatedAt })`,
//! `setContext(spaceId, sessionId, key, value, { ttlSeconds })`.

use super::memspace::{args, id, run, JsMemspace};
use super::{convert, error};
use crate::error::Error;
use crate::model::Page;
use crate::time::Timestamp;
use js_sys::Promise;
use serde::Deserialize;
use serde_json::Value;
use wasm_bindgen::prelude::*;

/// Options of `getBlock`: `{ agentId }`.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
struct BlockScopeOptions {
    agent_id: Option<String>,
}

/// Options of `deleteBlock`: `{ agentId, expectedUpdatedAt }`.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
struct BlockDeleteOptions {
    agent_id: Option<String>,
    expected_updated_at: Option<Timestamp>,
}

/// Options of `listBlockVersions`: `{ agentId, offset, limit }`.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
struct BlockVersionQuery {
    agent_id: Option<String>,
    offset: Option<u64>,
    limit: Option<u64>,
}

/// Options of `setContext`: `{ ttlSeconds }`.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
struct SetContextOptions {
    ttl_seconds: Option<u64>,
}

/// A list of keys (`undefined` / `null`: every key).
fn keys(v: &JsValue) -> Result<Vec<String>, JsValue> {
    if v.is_undefined() || v.is_null() {
        return Ok(Vec::new());
    }
    convert::from_js::<Vec<String>>("keys", v)
}

/// Any JSON value (not `undefined`).
fn value(v: &JsValue) -> Result<Value, JsValue> {
    if v.is_undefined() {
        return Err(error::to_js(Error::validation(
            "value",
            "must be a JSON value",
        )));
    }
    convert::json_from_js::<Value>("value", v)
}

#[wasm_bindgen(js_class = Memspace)]
impl JsMemspace {
    // ---- core blocks --------------------------------------------------------------------

    /// Creates (`expectedUpdatedAt` absent or null) or replaces (the `updatedAt` last read) a
    /// block: `{ content, agentId, expectedUpdatedAt, description, limitTokens, limitBytes, readOnly }`.
    #[wasm_bindgen(js_name = updateBlock)]
    pub fn update_block(&self, space_id: JsValue, block_type: JsValue, write: JsValue) -> Promise {
        let (space_id, block_type, write) = args!(
            id("spaceId", &space_id),
            id("blockType", &block_type),
            convert::from_js("write", &write)
        );
        let ms = self.inner.clone();
        run(async move { ms.update_block(&space_id, &block_type, write).await })
    }

    /// Gets the user's block, or an agent's with `{ agentId }`.
    #[wasm_bindgen(js_name = getBlock)]
    pub fn get_block(&self, space_id: JsValue, block_type: JsValue, options: JsValue) -> Promise {
        let (space_id, block_type, o) = args!(
            id("spaceId", &space_id),
            id("blockType", &block_type),
            convert::from_js::<BlockScopeOptions>("options", &options)
        );
        let ms = self.inner.clone();
        run(async move {
            ms.get_block(&space_id, &block_type, o.agent_id.as_deref())
                .await
        })
    }

    /// Lists blocks: `{ scope: "user" | "agent" | "all", agentId }`.
    #[wasm_bindgen(js_name = listBlocks)]
    pub fn list_blocks(&self, space_id: JsValue, query: JsValue) -> Promise {
        let (space_id, query) = args!(id("spaceId", &space_id), convert::from_js("query", &query));
        let ms = self.inner.clone();
        run(async move { ms.list_blocks(&space_id, query).await })
    }

    /// Deletes a block: `{ agentId, expectedUpdatedAt }`; resolves to `undefined`.
    #[wasm_bindgen(js_name = deleteBlock)]
    pub fn delete_block(
        &self,
        space_id: JsValue,
        block_type: JsValue,
        options: JsValue,
    ) -> Promise {
        let (space_id, block_type, o) = args!(
            id("spaceId", &space_id),
            id("blockType", &block_type),
            convert::from_js::<BlockDeleteOptions>("options", &options)
        );
        let ms = self.inner.clone();
        super::memspace::run_unit(async move {
            ms.delete_block(
                &space_id,
                &block_type,
                o.agent_id.as_deref(),
                o.expected_updated_at,
            )
            .await
        })
    }

    /// A block's history, newest first: `{ agentId, offset, limit }`.
    #[wasm_bindgen(js_name = listBlockVersions)]
    pub fn list_block_versions(
        &self,
        space_id: JsValue,
        block_type: JsValue,
        query: JsValue,
    ) -> Promise {
        let (space_id, block_type, q) = args!(
            id("spaceId", &space_id),
            id("blockType", &block_type),
            convert::from_js::<BlockVersionQuery>("query", &query)
        );
        let ms = self.inner.clone();
        run(async move {
            let page = Page {
                offset: q.offset,
                limit: q.limit,
            };
            ms.list_block_versions(&space_id, &block_type, q.agent_id.as_deref(), page)
                .await
        })
    }

    /// Archival recall: `{ query, agentId, limit, minScore }`.
    #[wasm_bindgen(js_name = recallArchival)]
    pub fn recall_archival(&self, space_id: JsValue, query: JsValue) -> Promise {
        let (space_id, query) = args!(id("spaceId", &space_id), convert::from_js("query", &query));
        let ms = self.inner.clone();
        run(async move { ms.recall_archival(&space_id, query).await })
    }

    // ---- the memory context -------------------------------------------------------------

    /// The memory context of one model turn: `{ agentId, sessionId, query, budgetTokens,
    /// policy: { archivalMode, archivalLimit, archivalMinScore, includeUserCore,
    /// includeAgentCore }, refresh }`.
    #[wasm_bindgen(js_name = contextFor)]
    pub fn context_for(&self, space_id: JsValue, request: JsValue) -> Promise {
        let (space_id, request) = args!(
            id("spaceId", &space_id),
            convert::from_js("request", &request)
        );
        let ms = self.inner.clone();
        run(async move { ms.context_for(&space_id, request).await })
    }

    // ---- working context ----------------------------------------------------------------

    /// Sets a working-context key (any JSON value): options `{ ttlSeconds }`.
    #[wasm_bindgen(js_name = setContext)]
    pub fn set_context(
        &self,
        space_id: JsValue,
        session_id: JsValue,
        key: JsValue,
        value_in: JsValue,
        options: JsValue,
    ) -> Promise {
        let (space_id, session_id, key, v, o) = args!(
            id("spaceId", &space_id),
            id("sessionId", &session_id),
            id("key", &key),
            value(&value_in),
            convert::from_js::<SetContextOptions>("options", &options)
        );
        let ms = self.inner.clone();
        run(async move {
            ms.set_context(&space_id, &session_id, &key, v, o.ttl_seconds)
                .await
        })
    }

    /// The named keys that are set and live, or every live key without `keys`.
    #[wasm_bindgen(js_name = getContext)]
    pub fn get_context(&self, space_id: JsValue, session_id: JsValue, keys_in: JsValue) -> Promise {
        let (space_id, session_id, k) = args!(
            id("spaceId", &space_id),
            id("sessionId", &session_id),
            keys(&keys_in)
        );
        let ms = self.inner.clone();
        run(async move { ms.get_context(&space_id, &session_id, &k).await })
    }

    /// Deletes a key; resolves to true when a live entry was removed.
    #[wasm_bindgen(js_name = deleteContext)]
    pub fn delete_context(&self, space_id: JsValue, session_id: JsValue, key: JsValue) -> Promise {
        let (space_id, session_id, key) = args!(
            id("spaceId", &space_id),
            id("sessionId", &session_id),
            id("key", &key)
        );
        let ms = self.inner.clone();
        run(async move { ms.delete_context(&space_id, &session_id, &key).await })
    }

    /// Marks a session active now; resolves to `{ sessionId, touchedAt, expiresAt }`.
    #[wasm_bindgen(js_name = touchSession)]
    pub fn touch_session(&self, space_id: JsValue, session_id: JsValue) -> Promise {
        let (space_id, session_id) = args!(id("spaceId", &space_id), id("sessionId", &session_id));
        let ms = self.inner.clone();
        run(async move { ms.touch_session(&space_id, &session_id).await })
    }

    // ---- workspaces and briefing --------------------------------------------------------

    /// The caller's live spaces by tags: `{ tags, match: "all" | "any", offset, limit }`.
    #[wasm_bindgen(js_name = findSpaces)]
    pub fn find_spaces(&self, query: JsValue) -> Promise {
        let query = args!(convert::from_js("query", &query)).0;
        let ms = self.inner.clone();
        run(async move { ms.find_spaces(query).await })
    }

    /// The caller's live space holding a deduplication key, or null.
    #[wasm_bindgen(js_name = spaceByKey)]
    pub fn space_by_key(&self, key: JsValue) -> Promise {
        let key = args!(id("key", &key)).0;
        let ms = self.inner.clone();
        run(async move { ms.space_by_key(&key).await })
    }

    /// The relationship types, memory types and subtypes of a space.
    #[wasm_bindgen(js_name = workspaceSchema)]
    pub fn workspace_schema(&self, space_id: JsValue) -> Promise {
        let space_id = args!(id("spaceId", &space_id)).0;
        let ms = self.inner.clone();
        run(async move { ms.workspace_schema(&space_id).await })
    }

    /// What changed in a space lately: `{ lookbackMinutes, limit, includeMemories, includeContradictions }`.
    #[wasm_bindgen(js_name = briefing)]
    pub fn briefing(&self, space_id: JsValue, query: JsValue) -> Promise {
        let (space_id, query) = args!(id("spaceId", &space_id), convert::from_js("query", &query));
        let ms = self.inner.clone();
        run(async move { ms.briefing(&space_id, query).await })
    }
}
