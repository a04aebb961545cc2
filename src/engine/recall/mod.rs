//! Recall: the persistent hybrid index (BM25 postings, int8 vectors, doc table) kept in the
//! same commits as the memories it indexes, and the queries over it.
//!
//! Writers call [`Memspace::plan_index`] with the memories a write changes, put the plan's
//! ops into their batch **before** the write's commit point and its preconditions with
//! theirs, and call [`Memspace::install_index_plan`] once the batch committed. Readers go
//! through [`Memspace::search_index`]. Key layout and crash analysis: `docs/storage.md`,
//! "Recall index".

mod cache;
mod hook;
mod llm;
mod query;
mod rebuild;
mod search;
mod write;

pub(crate) use cache::IndexCache;
pub(crate) use write::IndexPlan;

#[cfg(test)]
mod tests;
