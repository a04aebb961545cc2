//! The JS/TS API (wasm-bindgen): one file per exported class (the `Memspace` class is split in
//! two by topic: `memspace` and `stores`).
//!
//! * [`memspace`] — the `Memspace` class: `Memspace.open(options)` and every engine operation,
//!   camelCase, async, records as plain objects.
//! * [`stores`] — memory stores, entries, versions and the memory tool: a second
//!   `#[wasm_bindgen] impl` block of the same `Memspace` class (one class, split by topic).
//! * [`extraction`] — extraction jobs, `runExtraction` and `commitSession`: a third `impl`
//!   block of the same class.
//! * [`error`] — the `MemspaceError` class (a real `Error` with `.code`, `.status`, `.details`).
//! * [`convert`] — records ↔ plain objects (snake_case ↔ camelCase field names; user JSON such
//!   as event bodies and metadata passes through verbatim).
//! * [`options`] — reading the `open()` options object.
//!
//! TypeScript types are hand-written in `js/index.d.ts` (shipped as the package's `types`).

pub mod convert;
pub mod error;
pub mod extraction;
pub mod memspace;
pub mod options;
pub mod stores;
