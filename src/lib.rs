//! # memspace
//!
//! An agent-memory engine: memory spaces, chat sessions and their events, lifecycle
//! strategies evaluated lazily on access, and memory stores (path-addressed, versioned
//! documents an agent edits like files, also through the Anthropic memory tool), over one
//! small storage seam ([`kv::Kv`]) that maps onto IndexedDB, Durable Objects, Workers KV or
//! memory.
//!
//! ```
//! use memspace::{host::ManualHost, kv::MemoryKv, model::*, runtime::block_on, Memspace};
//! use std::rc::Rc;
//!
//! # fn main() -> memspace::Result<()> {
//! let ms = Memspace::new(Rc::new(MemoryKv::new()), Rc::new(ManualHost::default()), Principal::new("u1", "t1"))?;
//! let space = block_on(ms.create_space(NewSpace::default()))??;
//! let new_session = NewSession { participants: vec!["u1".into()], ..Default::default() };
//! let session = block_on(ms.create_session(&space.id, new_session))??;
//! let ev = NewEvent { body: serde_json::json!({"content": "hi"}), emitter: Emitter::new("user", "u1"), event_type: Some("message".into()) };
//! let posted = block_on(ms.post_event(&space.id, &session.id, ev))??;
//! assert_eq!(posted.sequence_id, 0);
//! # Ok(())
//! # }
//! ```
//!
//! Layers, from the top: bindings (none in the core), [`Memspace`] (the engine), the
//! [`codec`] (keys and value envelopes), and the [`kv`] seam with its backends. The commit
//! protocol and crash analysis are in `docs/storage.md`.

pub mod bindings;
pub mod codec;
mod engine;
pub mod error;
pub mod host;
pub mod ids;
pub mod index;
pub mod json;
pub mod kv;
pub mod model;
#[cfg(feature = "rest")]
pub mod rest;
pub mod runtime;
#[cfg(any(test, feature = "test-support"))]
pub mod testkit;
pub mod time;
pub mod tokens;

pub use engine::{Memspace, SweepReport};
pub use error::{Error, ErrorCode, Result};
pub use time::Timestamp;

/// The examples of `docs/memories.md`, run as doc tests so the user guide cannot drift.
#[cfg(doctest)]
#[doc = include_str!("../docs/memories.md")]
pub struct MemoriesGuide;

/// The examples of `docs/context.md`, run as doc tests so the user guide cannot drift.
#[cfg(doctest)]
#[doc = include_str!("../docs/context.md")]
pub struct ContextGuide;

/// The Rust example of `docs/extraction.md`, run as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../docs/extraction.md")]
pub struct ExtractionGuide;
