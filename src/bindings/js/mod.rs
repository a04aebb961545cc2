//! The JS/TS API (wasm-bindgen) and the JS-only backends. One file per exported class or
//! topic; no engine logic here: arguments are converted, the engine is called, results and
//! errors are converted back.
//!
//! * [`memspace`] — the `Memspace` class: `Memspace.open(options)`, spaces, sessions, events,
//!   lifecycle. [`stores`] — memory stores, entries, versions and the memory tool;
//!   [`memories`] — memories and associations; [`context`] — core blocks, archival recall,
//!   `contextFor`, working context, briefing and workspaces; [`extraction`] — extraction
//!   jobs, `runExtraction` and `commitSession`; [`recall`] — `recall`, `reflect`, `reindex`
//!   (with progress callbacks) and `checkIndex`: more `#[wasm_bindgen] impl` blocks of the
//!   same class.
//! * [`rest`] (feature `rest`) — the `Rest` class: the REST surface for edge hosts.
//! * [`convert`] — records ↔ plain objects through serde (serde-wasm-bindgen out, [`input`]
//!   in; [`plain`] reads event inputs that are plain JSON data as one JSON text); [`error`] —
//!   the `MemspaceError` class; [`options`] — the `open()` options;
//!   [`task`] — the promise every async method returns (polled in the call and from its waker).
//! * Backends only JS hosts have: [`indexeddb`] (browser storage), [`kv_adapter`] (a KV
//!   adapter object supplied by the caller: Node, Durable Objects), [`host`] (clock, random
//!   source and token counter from JS), [`embed`] (the `embed` option as the engine's
//!   embedder), [`llm`] (the `llm` option as the engine's LLM), [`memory_adapter`] (the
//!   in-memory store as a KV adapter object, for a second module instance).
//! * Feature `js-core` alone builds only [`memspace`] (spaces, sessions, events, lifecycle)
//!   and what it needs: the npm package's default module. Feature `js` adds the rest.
//!
//! A new method: convert each argument with `convert::from_js::<T>("name", &arg)` where `T`
//! is a model type with `#[serde(rename_all = "camelCase", deny_unknown_fields)]` (or
//! `id(...)` for ids) inside `args!`, call the engine in `run(...)`, and add its TypeScript
//! signature and types to `js/index.d.ts` (plus a `test/types` check).
//!
//! TypeScript types are hand-written in `js/index.d.ts` (shipped as the package's `types`).

#[cfg(feature = "js")]
pub mod context;
pub mod convert;
#[cfg(feature = "js")]
pub mod embed;
pub mod error;
#[cfg(feature = "js")]
pub mod extraction;
pub mod host;
pub mod indexeddb;
pub mod input;
pub mod kv_adapter;
#[cfg(feature = "js")]
pub mod llm;
#[cfg(feature = "js")]
pub mod maintenance;
#[cfg(feature = "js")]
pub mod memories;
pub mod memory_adapter;
pub mod memspace;
pub mod options;
pub mod plain;
#[cfg(feature = "js")]
pub mod recall;
#[cfg(feature = "rest")]
pub mod rest;
#[cfg(feature = "js")]
pub mod stores;
pub mod task;
