//! Recall: the persistent hybrid index (BM25 postings, int8 vectors, doc table) kept in the
//! same commits as the memories it indexes, and the queries over it.
//!
//! Writers call [`Memspace::plan_index`] with the memories a write changes, put the plan's
//! ops into their batch **before** the write's commit point and its preconditions with
//! theirs, and call [`Memspace::install_index_plan`] once the batch committed. Readers go
//! through [`Memspace::search_index`]. Key layout and crash analysis: `docs/storage.md`,
//! "Recall index".

// Phase one: the index machinery lands before the memory records that will call it.
#![allow(dead_code)]

mod cache;
mod search;
mod write;

pub(crate) use cache::IndexCache;
#[allow(unused_imports)]
pub(crate) use search::{IndexHit, IndexQuery};
#[allow(unused_imports)]
pub(crate) use write::{DocChange, IndexDoc, IndexPlan};

#[cfg(test)]
mod tests;
