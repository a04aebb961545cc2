//! Memories and associations (seed 003) inside a memory space.
//!
//! One record per space, the **memory head** `mh/{space}`, is the commit point of every memory
//! and association write of the space: it holds the exact counts by status and a write
//! sequence. Every write goes through [`commit`]'s one write path, which derives all index
//! keys of a memory from its record (before and after), so indexes never disagree with
//! records; on a backend without atomic batches the write travels through a redo journal and
//! readers roll a committed journal forward before they read. See docs/storage.md.

pub(crate) mod batch;
pub(crate) mod change;
pub(crate) mod commit;
pub(crate) mod expiry;
pub(crate) mod limits;
pub(crate) mod links;
pub(crate) mod read;
pub(crate) mod record;
pub(crate) mod remember;
pub(crate) mod trace;
pub(crate) mod traverse;
pub(crate) mod tx;

pub(crate) use record::{MemoryHead, MemoryRecord};

/// Kind of a memory in errors.
pub(crate) const MEMORY: &str = "memory_record";
/// Kind of an association in errors.
pub(crate) const ASSOCIATION: &str = "association";
/// Memory id prefix (`mem_` is a memory-store entry).
pub(crate) const MEMORY_PREFIX: &str = "mry";
/// Association id prefix.
pub(crate) const ASSOCIATION_PREFIX: &str = "asc";
