//! The in-memory backend: a shared `BTreeMap`, atomic and isolated (single-threaded).

use super::{Batch, Capabilities, Entry, KeyRange, Kv, KvError, KvFuture, Op};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::ops::Bound;
use std::rc::Rc;

/// An ordered in-memory map; clones share the same data (like two handles on one database).
#[derive(Clone, Debug, Default)]
pub struct MemoryKv {
    map: Rc<RefCell<BTreeMap<Vec<u8>, Vec<u8>>>>,
    /// Bytes of keys and values stored (kept while a quota is set).
    bytes: Rc<Cell<usize>>,
    /// Most bytes of keys and values the store may hold (`None`: no limit).
    quota: Rc<Cell<Option<usize>>>,
    /// Exclusive batches committed (the epoch of every handle on this store).
    epoch: Rc<Cell<u64>>,
}

impl MemoryKv {
    /// An empty store.
    pub fn new() -> Self {
        MemoryKv::default()
    }

    /// A store holding a copy of `map` (used to "reopen" after a simulated crash).
    pub fn from_map(map: BTreeMap<Vec<u8>, Vec<u8>>) -> Self {
        let bytes = map.iter().map(|(k, v)| k.len() + v.len()).sum();
        MemoryKv {
            map: Rc::new(RefCell::new(map)),
            bytes: Rc::new(Cell::new(bytes)),
            quota: Rc::default(),
            epoch: Rc::default(),
        }
    }

    /// Limits the bytes of keys and values this store (and its clones) may hold: a commit
    /// that would pass it fails with `Quota` and applies nothing. Keeps a wasm instance from
    /// running out of memory (an abort there would poison it).
    pub fn set_quota(&self, max_bytes: Option<usize>) {
        self.quota.set(max_bytes);
    }

    /// Bytes of keys and values stored.
    pub fn bytes(&self) -> usize {
        self.bytes.get()
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

    /// Checks all preconditions against current contents.
    pub(crate) fn check(&self, batch: &Batch) -> Result<(), KvError> {
        let map = self.map.borrow();
        for p in &batch.preconditions {
            if !p.holds(map.get(p.key()).map(|v| v.as_slice())) {
                return Err(KvError::Conflict {
                    key: p.key().to_vec(),
                });
            }
        }
        Ok(())
    }

    /// Fails with `Quota` when `batch` could take the store past its quota (counted as if
    /// every put were new: a bound, not an exact figure).
    fn check_quota(&self, batch: &Batch) -> Result<(), KvError> {
        let Some(max) = self.quota.get() else {
            return Ok(());
        };
        let map = self.map.borrow();
        let mut after = self.bytes.get();
        for op in &batch.ops {
            if let Op::Put(k, v) = op {
                let old = map.get(k).map_or(0, |o| k.len() + o.len());
                after = (after + k.len() + v.len()).saturating_sub(old);
            }
        }
        if after > max {
            return Err(KvError::Quota(format!(
                "the in-memory store would hold {after} bytes; its quota is {max}"
            )));
        }
        Ok(())
    }

    /// Applies one operation.
    pub(crate) fn apply(&self, op: &Op) {
        let mut map = self.map.borrow_mut();
        let bytes = &self.bytes;
        match op {
            Op::Put(k, v) => {
                let old = map
                    .insert(k.clone(), v.clone())
                    .map_or(0, |o| k.len() + o.len());
                bytes.set((bytes.get() + k.len() + v.len()).saturating_sub(old));
            }
            Op::Delete(k) => {
                if let Some(o) = map.remove(k) {
                    bytes.set(bytes.get().saturating_sub(k.len() + o.len()));
                }
            }
        }
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

    fn epoch(&self) -> Option<u64> {
        Some(self.epoch.get())
    }

    fn commit<'a>(&'a self, batch: Batch) -> KvFuture<'a, ()> {
        let epoch = self.epoch.get();
        let res = match batch.epoch {
            Some(e) if e != epoch => Err(KvError::Conflict { key: Vec::new() }),
            _ => Ok(()),
        };
        let res = res
            .and_then(|()| self.check(&batch))
            .and_then(|()| self.check_quota(&batch))
            .map(|()| {
                for op in &batch.ops {
                    self.apply(op);
                }
                if batch.exclusive {
                    self.epoch.set(epoch + 1);
                }
            });
        Box::pin(async move { res })
    }
}
