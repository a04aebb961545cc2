//! A memory backend that records what a handle asks of storage, in order.

use memspace::kv::{
    Batch, Capabilities, Entry, KeyRange, Kv, KvFuture, MemoryKv, Read, ReadResult,
};
use std::cell::RefCell;

/// One call a handle made of storage.
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    /// `get`.
    Get,
    /// `get_many`.
    GetMany,
    /// `scan`.
    Scan,
    /// `read_many`, with its reads (one snapshot).
    ReadMany(Vec<Read>),
    /// `commit`.
    Commit,
    /// `hold(on)`.
    Hold(bool),
}

impl Call {
    /// "read", "commit", "hold" or "release".
    pub fn name(&self) -> &'static str {
        match self {
            Call::Get | Call::GetMany | Call::Scan | Call::ReadMany(_) => "read",
            Call::Commit => "commit",
            Call::Hold(true) => "hold",
            Call::Hold(false) => "release",
        }
    }
}

/// [`MemoryKv`] (shared with other handles through `inner`) with a log of every call.
#[derive(Default)]
pub struct Spy {
    pub inner: MemoryKv,
    log: RefCell<Vec<Call>>,
}

impl Spy {
    fn note(&self, call: Call) {
        self.log.borrow_mut().push(call);
    }

    /// Forgets the calls so far.
    pub fn clear(&self) {
        self.log.borrow_mut().clear();
    }

    /// The names of the calls so far ([`Call::name`]), forgetting them.
    pub fn take_names(&self) -> Vec<&'static str> {
        std::mem::take(&mut *self.log.borrow_mut())
            .iter()
            .map(Call::name)
            .collect()
    }

    /// The reads of each `read_many` so far.
    pub fn snapshots(&self) -> Vec<Vec<Read>> {
        let log = self.log.borrow();
        let reads = log.iter().filter_map(|c| match c {
            Call::ReadMany(r) => Some(r.clone()),
            _ => None,
        });
        reads.collect()
    }

    /// Reads so far outside a snapshot (`get`, `get_many`, `scan`).
    pub fn lone_reads(&self) -> usize {
        let log = self.log.borrow();
        log.iter()
            .filter(|c| matches!(c, Call::Get | Call::GetMany | Call::Scan))
            .count()
    }
}

impl Kv for Spy {
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
    fn epoch(&self) -> Option<u64> {
        self.inner.epoch()
    }
    fn hold(&self, on: bool) {
        self.note(Call::Hold(on));
    }
    fn get<'a>(&'a self, key: &'a [u8]) -> KvFuture<'a, Option<Vec<u8>>> {
        self.note(Call::Get);
        self.inner.get(key)
    }
    fn get_many<'a>(&'a self, keys: &'a [Vec<u8>]) -> KvFuture<'a, Vec<Option<Vec<u8>>>> {
        self.note(Call::GetMany);
        self.inner.get_many(keys)
    }
    fn scan<'a>(
        &'a self,
        range: &'a KeyRange,
        limit: usize,
        reverse: bool,
    ) -> KvFuture<'a, Vec<Entry>> {
        self.note(Call::Scan);
        self.inner.scan(range, limit, reverse)
    }
    fn read_many<'a>(&'a self, reads: &'a [Read]) -> KvFuture<'a, Vec<ReadResult>> {
        self.note(Call::ReadMany(reads.to_vec()));
        self.inner.read_many(reads)
    }
    fn commit<'a>(&'a self, batch: Batch) -> KvFuture<'a, ()> {
        self.note(Call::Commit);
        self.inner.commit(batch)
    }
}
