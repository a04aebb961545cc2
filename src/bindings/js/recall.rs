//! Recall on the `Memspace` class (another `impl` block of the class exported by
//! [`super::memspace`]): `recall`, `reflect`, `reindex` with progress callbacks and
//! `checkIndex`, named as in `wit/recall.wit` in camelCase (docs/recall.md).
//!
//! `recall` and `reflect` take the query text alone or the full options object
//! (`{ query, limit, tags, explain, … }`); a query `embedding` may be a `Float32Array`.

use super::memspace::{args, id, promise, run, run_json, JsMemspace};
use super::{convert, error};
use crate::model::{RecallQuery, ReindexOptions, ReindexProgress};
use js_sys::{Function, Promise, Reflect};
use serde::de::IgnoredAny;
use serde::Deserialize;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Input of `reflect`: `{ query, maxTokens, includeSources }`.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
struct ReflectQuery {
    query: String,
    max_tokens: Option<u32>,
    include_sources: Option<bool>,
}

/// Input of `reindex`: `{ batchSize, cursor, onProgress }` (the callback is read apart).
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
struct ReindexArgs {
    batch_size: Option<u32>,
    cursor: Option<String>,
    on_progress: Option<IgnoredAny>,
}

/// A query given as its text alone, or as the options object.
fn query_of<T: for<'de> Deserialize<'de>>(
    v: &JsValue,
    text: impl FnOnce(String) -> T,
) -> Result<T, JsValue> {
    match v.as_string() {
        Some(s) => Ok(text(s)),
        None => convert::from_js("query", v),
    }
}

/// `onProgress`, if given: a function, else `validation`.
fn on_progress(options: &JsValue) -> Result<Option<Function>, JsValue> {
    if !options.is_object() {
        return Ok(None);
    }
    let f = Reflect::get(options, &"onProgress".into()).unwrap_or(JsValue::UNDEFINED);
    if f.is_undefined() || f.is_null() {
        return Ok(None);
    }
    f.dyn_into::<Function>().map(Some).map_err(|_| {
        error::invalid_input(
            "options.onProgress",
            "must be a function (progress) => void | false",
        )
    })
}

#[wasm_bindgen(js_class = Memspace)]
impl JsMemspace {
    /// Recalls the memories that matter for a query: `recall(spaceId, "text")` or
    /// `recall(spaceId, { query, types, subtypes, tags, limit, offset, mode, minRelevance,
    /// tolerance, recencyWeight, includeAssociations, traverseDepth, maxExpansion,
    /// createdAfter, createdBefore, validAt, budgetTokens, explain, embedding })`.
    pub fn recall(&self, space_id: JsValue, query: JsValue) -> Promise {
        let (space_id, q) = args!(
            id("spaceId", &space_id),
            query_of(&query, |query| RecallQuery {
                query,
                ..Default::default()
            })
        );
        let ms = self.inner.clone();
        // Through JSON text: one `JSON.parse` builds the result objects (serde-wasm-bindgen's
        // per-field calls and per-string decodes cost more than a warm recall's search).
        run_json(async move { ms.recall(&space_id, q).await })
    }

    /// Synthesises an answer from recalled memories with the host LLM (`unsupported` without
    /// one): `reflect(spaceId, "text")` or `reflect(spaceId, { query, maxTokens,
    /// includeSources })`.
    pub fn reflect(&self, space_id: JsValue, query: JsValue) -> Promise {
        let (space_id, q) = args!(
            id("spaceId", &space_id),
            query_of(&query, |query| ReflectQuery {
                query,
                ..Default::default()
            })
        );
        let ms = self.inner.clone();
        run(async move {
            ms.reflect(&space_id, &q.query, q.max_tokens, q.include_sources)
                .await
        })
    }

    /// Rebuilds a space's index from its records, `batchSize` memories per step from `cursor`
    /// (default: the start) to the end; `onProgress(progress)` is called after each step with
    /// the totals so far and may return `false` to stop there (resume with its `cursor`).
    /// Resolves to the last progress.
    pub fn reindex(&self, space_id: JsValue, options: JsValue) -> Promise {
        let (space_id, o, callback) = args!(
            id("spaceId", &space_id),
            convert::from_js::<ReindexArgs>("options", &options),
            on_progress(&options)
        );
        let _ = o.on_progress;
        let ms = self.inner.clone();
        promise(Box::pin(async move {
            let thrown: RefCell<Option<JsValue>> = RefCell::new(None);
            let mut report = |p: &ReindexProgress| -> bool {
                let Some(f) = &callback else { return true };
                let arg = match convert::to_js(p) {
                    Ok(v) => v,
                    Err(e) => {
                        *thrown.borrow_mut() = Some(e);
                        return false;
                    }
                };
                match f.call1(&JsValue::UNDEFINED, &arg) {
                    Ok(r) => r.as_bool() != Some(false),
                    Err(e) => {
                        *thrown.borrow_mut() = Some(e);
                        false
                    }
                }
            };
            let opts = ReindexOptions {
                batch_size: o.batch_size,
                cursor: o.cursor,
            };
            let last = ms
                .reindex_all(&space_id, opts, &mut report)
                .await
                .map_err(error::to_js)?;
            if let Some(e) = thrown.take() {
                return Err(e);
            }
            convert::to_js(&last)
        }))
    }

    /// Compares a space's index with its records: `{ recordsIndexable, indexed, missing,
    /// orphans, stale, statsConsistent }`.
    #[wasm_bindgen(js_name = checkIndex)]
    pub fn check_index(&self, space_id: JsValue) -> Promise {
        let (space_id,) = args!(id("spaceId", &space_id));
        let ms = self.inner.clone();
        run(async move { ms.check_index(&space_id).await })
    }

    /// **Benchmarks only** (not in the typings): memory writes through this handle skip the
    /// recall index from now on, for the "remember without indexing" baseline of
    /// `npm run bench:recall`. Memories written so are invisible to recall until `reindex`.
    #[doc(hidden)]
    #[wasm_bindgen(js_name = skipRecallIndexForBenchmarks)]
    pub fn skip_recall_index_for_benchmarks(&self) {
        self.inner.skip_recall_index_for_benchmarks();
    }
}
