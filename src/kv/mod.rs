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

/// Size limits of a backend, in bytes as the engine makes keys and values (an adapter that
/// encodes keys, e.g. as hex, states the limit before encoding). `None` = no limit to respect.
/// The engine refuses a commit that would exceed them with a typed `validation` error before
/// anything is written (docs/storage.md, "Backend limits").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// Longest key.
    pub max_key_bytes: Option<usize>,
    /// Largest value.
    pub max_value_bytes: Option<usize>,
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

/// One read of [`Kv::read_many`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Read {
    /// One key.
    Get(Vec<u8>),
    /// Up to `limit` entries of `range` in key order (descending when `reverse`).
    Scan {
        /// The range.
        range: KeyRange,
        /// Most entries returned.
        limit: usize,
        /// Descending order.
        reverse: bool,
    },
    /// A `Scan` of a range whose keys the caller can tell from their neighbours (one key per
    /// sequence id): a backend may answer an empty key for every entry but the first two and
    /// the last (IndexedDB then reads 3 keys instead of one per entry).
    ScanDense {
        /// The range.
        range: KeyRange,
        /// Most entries returned.
        limit: usize,
        /// Descending order.
        reverse: bool,
    },
}

/// The answer to one [`Read`], in the same position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadResult {
    /// The value of a `Get`.
    Value(Option<Vec<u8>>),
    /// The entries of a `Scan`.
    Entries(Vec<Entry>),
}

/// The storage seam every backend implements.
pub trait Kv {
    /// What this backend guarantees.
    fn capabilities(&self) -> Capabilities;
    /// The backend's key and value size limits (none by default).
    fn limits(&self) -> Limits {
        Limits::default()
    }
    /// The length `Limits::max_key_bytes` bounds for `key`: its own length, unless the backend
    /// encodes keys with a length that varies with their bytes (Fastly's percent-encoding) and
    /// states its limit after encoding.
    fn stored_key_len(&self, key: &[u8]) -> usize {
        key.len()
    }
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
    /// A number that stays the same only while no other handle can have committed an
    /// [`Batch::exclusive`] batch: a record this handle read while the epoch was `n` is
    /// still the stored one as long as the epoch reads `n` and nobody else writes it without
    /// `exclusive` (IndexedDB: the number of this handle's connection, which an exclusive
    /// batch of another handle closes first; memory: the count of exclusive batches). `None`
    /// (the default): the backend has no epochs; [`Batch::epoch`] and
    /// [`Batch::exclusive`] are then never relied on.
    fn epoch(&self) -> Option<u64> {
        None
    }
    /// While `on`, this handle's reads and its next commit share one write transaction where
    /// the backend has them (IndexedDB), so no other handle's commit lands between them; a
    /// read or commit that finds that transaction ended uses a fresh one. Only fairness rests
    /// on it: the commit's preconditions still decide. The default does nothing.
    fn hold(&self, _on: bool) {}
    /// Several reads, answered in order, against one snapshot where the backend can (IndexedDB:
    /// one readonly transaction with every request issued at once). The default runs them one
    /// after another.
    fn read_many<'a>(&'a self, reads: &'a [Read]) -> KvFuture<'a, Vec<ReadResult>> {
        Box::pin(async move {
            let mut out = Vec::with_capacity(reads.len());
            for r in reads {
                out.push(match r {
                    Read::Get(k) => ReadResult::Value(self.get(k).await?),
                    Read::Scan {
                        range,
                        limit,
                        reverse,
                    }
                    | Read::ScanDense {
                        range,
                        limit,
                        reverse,
                    } => ReadResult::Entries(self.scan(range, *limit, *reverse).await?),
                });
            }
            Ok(out)
        })
    }
}

impl<K: Kv + ?Sized> Kv for std::rc::Rc<K> {
    fn capabilities(&self) -> Capabilities {
        (**self).capabilities()
    }
    fn limits(&self) -> Limits {
        (**self).limits()
    }
    fn stored_key_len(&self, key: &[u8]) -> usize {
        (**self).stored_key_len(key)
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
    fn epoch(&self) -> Option<u64> {
        (**self).epoch()
    }
    fn hold(&self, on: bool) {
        (**self).hold(on)
    }
    fn read_many<'a>(&'a self, reads: &'a [Read]) -> KvFuture<'a, Vec<ReadResult>> {
        (**self).read_many(reads)
    }
}

/// Holds a backend's reads and next commit together ([`Kv::hold`]) until dropped.
pub struct Held<'a>(&'a dyn Kv);

impl<'a> Held<'a> {
    /// Starts holding `kv`.
    pub fn new(kv: &'a dyn Kv) -> Self {
        kv.hold(true);
        Held(kv)
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.0.hold(false);
    }
}
