//! The in-memory backend: a shared `BTreeMap`, atomic and isolated (single-threaded).

use super::{Batch, Capabilities, Entry, KeyRange, Kv, KvError, KvFuture, Op};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::ops::Bound;
use std::rc::Rc;

/// An ordered in-memory map; clones share the same data (like two handles on one database).
/// An optional quota bounds what it holds: a batch that would exceed it is refused whole
/// with a `Quota` error (so a full store never commits half a write or exhausts wasm memory).
#[derive(Clone, Debug, Default)]
pub struct MemoryKv {
    map: Rc<RefCell<BTreeMap<Vec<u8>, Vec<u8>>>>,
    used: Rc<Cell<usize>>,
    quota: Rc<Cell<Option<usize>>>,
}

/// What one stored pair counts against a quota: its bytes plus the map's per-key overhead.
pub const ENTRY_OVERHEAD: usize = 64;

fn size(key: &[u8], value: &[u8]) -> usize {
    key.len() + value.len() + ENTRY_OVERHEAD
}

impl MemoryKv {
    /// An empty store.
    pub fn new() -> Self {
        MemoryKv::default()
    }

    /// A store holding a copy of `map` (used to "reopen" after a simulated crash).
    pub fn from_map(map: BTreeMap<Vec<u8>, Vec<u8>>) -> Self {
        let used = map.iter().map(|(k, v)| size(k, v)).sum();
        MemoryKv {
            map: Rc::new(RefCell::new(map)),
            used: Rc::new(Cell::new(used)),
            quota: Rc::default(),
        }
    }

    /// Sets (or, with `None`, lifts) the quota in bytes, for every clone.
    pub fn set_quota(&self, bytes: Option<usize>) {
        self.quota.set(bytes);
    }

    /// The quota in bytes, if any.
    pub fn quota(&self) -> Option<usize> {
        self.quota.get()
    }

    /// Bytes counted against the quota: keys and values plus [`ENTRY_OVERHEAD`] per key.
    pub fn used_bytes(&self) -> usize {
        self.used.get()
    }

    /// A copy of everything stored.
    pub fn snapshot(&self) -> BTreeMap<Vec<u8>, Vec<u8>> {
        self.map.borrow().clone()
    }

    /// Number of keys stored.
    pub fn len(&self) -> usize {
        self.map.borrow().len()
    }

    /// True when nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.map.borrow().is_empty()
    }

    pub(crate) fn read(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.map.borrow().get(key).cloned()
    }

    pub(crate) fn range(&self, range: &KeyRange, limit: usize, reverse: bool) -> Vec<Entry> {
        let map = self.map.borrow();
        let upper = match &range.end {
            Some(e) => Bound::Excluded(e.clone()),
            None => Bound::Unbounded,
        };
        let iter = map.range((Bound::Included(range.start.clone()), upper));
        let clone = |(k, v): (&Vec<u8>, &Vec<u8>)| (k.clone(), v.clone());
        if reverse {
            iter.rev().take(limit).map(clone).collect()
        } else {
            iter.take(limit).map(clone).collect()
        }
    }

    /// Checks all preconditions against current contents, then the quota.
    pub(crate) fn check(&self, batch: &Batch) -> Result<(), KvError> {
        let map = self.map.borrow();
        for p in &batch.preconditions {
            if !p.holds(map.get(p.key()).map(|v| v.as_slice())) {
                return Err(KvError::Conflict {
                    key: p.key().to_vec(),
                });
            }
        }
        let Some(quota) = self.quota.get() else {
            return Ok(());
        };
        // The batch's effect on the total, each key counted at its last op in the batch.
        let mut last: BTreeMap<&[u8], Option<&[u8]>> = BTreeMap::new();
        for op in &batch.ops {
            match op {
                Op::Put(k, v) => last.insert(k, Some(v)),
                Op::Delete(k) => last.insert(k, None),
            };
        }
        let (mut add, mut free) = (0usize, 0usize);
        for (k, v) in last {
            if let Some(old) = map.get(k) {
                free += size(k, old);
            }
            if let Some(v) = v {
                add += size(k, v);
            }
        }
        let after = self.used.get().saturating_sub(free).saturating_add(add);
        if add > free && after > quota {
            return Err(KvError::Quota(format!(
                "the in-memory store is full: it holds {} bytes, this write needs {} more and the quota is {quota} bytes",
                self.used.get(),
                add - free
            )));
        }
        Ok(())
    }

    /// Applies one operation.
    pub(crate) fn apply(&self, op: &Op) {
        let mut map = self.map.borrow_mut();
        let (old, new) = match op {
            Op::Put(k, v) => (map.insert(k.clone(), v.clone()), size(k, v)),
            Op::Delete(k) => (map.remove(k), 0),
        };
        let freed = old.map_or(0, |old| size(op.key(), &old));
        self.used.set(self.used.get().saturating_sub(freed) + new);
    }
}

impl Kv for MemoryKv {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            atomic_batches: true,
        }
    }

    fn get<'a>(&'a self, key: &'a [u8]) -> KvFuture<'a, Option<Vec<u8>>> {
        let v = self.read(key);
        Box::pin(async move { Ok(v) })
    }

    fn get_many<'a>(&'a self, keys: &'a [Vec<u8>]) -> KvFuture<'a, Vec<Option<Vec<u8>>>> {
        let v = keys.iter().map(|k| self.read(k)).collect();
        Box::pin(async move { Ok(v) })
    }

    fn scan<'a>(
        &'a self,
        range: &'a KeyRange,
        limit: usize,
        reverse: bool,
    ) -> KvFuture<'a, Vec<Entry>> {
        let v = self.range(range, limit, reverse);
        Box::pin(async move { Ok(v) })
    }

    fn commit<'a>(&'a self, batch: Batch) -> KvFuture<'a, ()> {
        let res = self.check(&batch).map(|()| {
            for op in &batch.ops {
                self.apply(op);
            }
        });
        Box::pin(async move { res })
    }
}
