//! The storage seam: ordered byte keys, byte values, atomic conditional batches.
//!
//! Everything memspace stores goes through [`Kv`]. Keys compare byte-wise. A [`Batch`] is an
//! ordered list of puts and deletes plus preconditions; backends that can (memory, IndexedDB,
//! Durable Objects) check the preconditions and apply the batch in one transaction, and say so
//! in [`Capabilities::atomic_batches`]. Backends that cannot (Workers KV, Fastly KV) apply the
//! operations one by one **in batch order**, which is why the engine orders every batch so that
//! its commit point comes last (see `docs/storage.md`).

mod batch;
#[cfg(any(test, feature = "test-support"))]
pub mod conformance;
#[cfg(any(test, feature = "test-support"))]
pub mod faulty;
mod memory;

pub use batch::{Batch, Op, Precondition};
pub use memory::MemoryKv;

use std::future::Future;
use std::pin::Pin;

/// A boxed, single-threaded future returned by [`Kv`] methods.
pub type KvFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, KvError>> + 'a>>;

/// A key-value pair as returned by scans.
pub type Entry = (Vec<u8>, Vec<u8>);

/// What a backend can guarantee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// True when a batch and its preconditions are applied all-or-nothing, isolated from other writers.
    pub atomic_batches: bool,
}

/// Storage failures, mapped to engine errors by the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KvError {
    /// A precondition did not hold; nothing was applied.
    Conflict {
        /// The key whose precondition failed.
        key: Vec<u8>,
    },
    /// The backend is out of space; nothing was applied on atomic backends.
    Quota(String),
    /// Any other backend failure.
    Storage(String),
}

/// A half-open key range `[start, end)`; `end = None` means "to the end of the keyspace".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRange {
    /// Inclusive lower bound.
    pub start: Vec<u8>,
    /// Exclusive upper bound.
    pub end: Option<Vec<u8>>,
}

impl KeyRange {
    /// All keys starting with `prefix`.
    pub fn prefix(prefix: &[u8]) -> Self {
        KeyRange {
            start: prefix.to_vec(),
            end: prefix_end(prefix),
        }
    }

    /// True when `key` lies in the range.
    pub fn contains(&self, key: &[u8]) -> bool {
        key >= self.start.as_slice() && self.end.as_deref().is_none_or(|e| key < e)
    }
}

/// The smallest key greater than every key starting with `prefix` (`None` if there is none).
pub fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// The storage seam every backend implements.
pub trait Kv {
    /// What this backend guarantees.
    fn capabilities(&self) -> Capabilities;
    /// Reads one key.
    fn get<'a>(&'a self, key: &'a [u8]) -> KvFuture<'a, Option<Vec<u8>>>;
    /// Reads several keys; the result has one slot per key, in order.
    fn get_many<'a>(&'a self, keys: &'a [Vec<u8>]) -> KvFuture<'a, Vec<Option<Vec<u8>>>>;
    /// Reads up to `limit` entries of `range` in key order (descending when `reverse`).
    fn scan<'a>(
        &'a self,
        range: &'a KeyRange,
        limit: usize,
        reverse: bool,
    ) -> KvFuture<'a, Vec<Entry>>;
    /// Checks the preconditions and applies the operations (atomically when the backend can).
    fn commit<'a>(&'a self, batch: Batch) -> KvFuture<'a, ()>;
    /// Several point reads and forward scans at once: one result slot per key and per
    /// `(range, limit)`, in order. Backends with read transactions (IndexedDB) answer them in
    /// one; the default runs `get_many` and then each `scan`.
    fn read_many<'a>(
        &'a self,
        gets: &'a [Vec<u8>],
        scans: &'a [(KeyRange, usize)],
    ) -> ReadMany<'a> {
        Box::pin(async move {
            let values = if gets.is_empty() {
                Vec::new()
            } else {
                self.get_many(gets).await?
            };
            let mut ranges = Vec::with_capacity(scans.len());
            for (range, limit) in scans {
                ranges.push(self.scan(range, *limit, false).await?);
            }
            Ok((values, ranges))
        })
    }
}

/// What [`Kv::read_many`] returns: the values of the gets and the entries of each scan.
pub type ReadMany<'a> = KvFuture<'a, (Vec<Option<Vec<u8>>>, Vec<Vec<Entry>>)>;

impl<K: Kv + ?Sized> Kv for std::rc::Rc<K> {
    fn capabilities(&self) -> Capabilities {
        (**self).capabilities()
    }
    fn get<'a>(&'a self, key: &'a [u8]) -> KvFuture<'a, Option<Vec<u8>>> {
        (**self).get(key)
    }
    fn get_many<'a>(&'a self, keys: &'a [Vec<u8>]) -> KvFuture<'a, Vec<Option<Vec<u8>>>> {
        (**self).get_many(keys)
    }
    fn scan<'a>(
        &'a self,
        range: &'a KeyRange,
        limit: usize,
        reverse: bool,
    ) -> KvFuture<'a, Vec<Entry>> {
        (**self).scan(range, limit, reverse)
    }
    fn commit<'a>(&'a self, batch: Batch) -> KvFuture<'a, ()> {
        (**self).commit(batch)
    }
    fn read_many<'a>(
        &'a self,
        gets: &'a [Vec<u8>],
        scans: &'a [(KeyRange, usize)],
    ) -> ReadMany<'a> {
        (**self).read_many(gets, scans)
    }
}
