//! The WebAssembly component (`wit/`, world `memspace:memory/memspace`).
//!
//! The engine is async over the [`Kv`](crate::kv::Kv) seam; the component's imports are
//! synchronous, so every [`Kv`] future here is ready at once and [`block_on`] drives an
//! operation to completion in one poll: no threads, no busy loop.
//!
//! One file per interface: [`kv`], [`host`], [`embedding`] and [`llm`] adapt the imports to
//! the engine's seams, [`memory`] exports the `memspace` resource, [`stores`] the memory-store
//! functions, [`memories`] the memory and association functions, [`context`] the
//! `agent-context` functions (blocks, working context, `context-for`, workspaces) and
//! [`extraction`] the extraction jobs that borrow it; [`convert`], [`convert_stores`],
//! [`convert_memories`], [`convert_context`] and [`convert_extraction`] map records and
//! errors, and [`json`] turns the `json` strings of the interface into values.
//!
//! The Rust bindings are generated from `wit/` at compile time by `wit_bindgen::generate!`,
//! so they can never be stale: a WIT change that the code does not follow fails the build.
//!
//! [`Kv`]: crate::kv::Kv
//! [`block_on`]: crate::runtime::block_on

mod context;
mod convert;
mod convert_context;
mod convert_extraction;
mod convert_memories;
mod convert_recall;
mod convert_stores;
mod embedding;
mod extraction;
mod host;
mod json;
mod kv;
mod llm;
mod memories;
mod memory;
mod recall;
mod stores;

wit_bindgen::generate!({
    path: "wit",
    world: "memspace",
});

/// The type the generated `export!` macro binds the exports to.
struct Component;

export!(Component);
