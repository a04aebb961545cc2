//! The recall index: the pure parts (tokenizer, BM25, posting / vector / doc pages, SIMD
//! kernels, fusion) that the engine's recall stores through the [`Kv`](crate::kv::Kv) seam.
//!
//! Nothing here does I/O: pages are encoded and decoded here, read and written by the engine
//! (see `docs/storage.md`, "Recall index", for the key layout and the commit order).

pub mod bm25;
pub mod bytes;
pub mod delta;
pub mod docs;
pub mod fusion;
pub mod head;
pub mod postings;
pub mod simd;
pub mod tokenize;
pub mod vectors;
