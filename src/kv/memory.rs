//! The in-memory backend: a shared `BTreeMap`, atomic and isolated (single-threaded).

use super::{Batch, Capabilities, Entry, KeyRange, Kv, KvError, KvFuture, Op};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::ops::Bound;
use std::rc::Rc;

/// An ordered in-memory map; clones share the same data (like two handles on one database).
#[derive(Clone, Debug, Default)]
pub struct MemoryKv {
    map: Rc<RefCell<BTreeMap<Vec<u8>, Vec<u8>>>>,
}

impl MemoryKv {
    /// An empty store.
    pub fn new() -> Self {
        MemoryKv::default()
    }

    /// A store holding a copy of `map` (used to "reopen" after a simulated crash).
    pub fn from_map(map: BTreeMap<Vec<u8>, Vec<u8>>) -> Self {
        MemoryKv {
            map: Rc::new(RefCell::new(map)),
        }
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

    /// Applies one operation.
    pub(crate) fn apply(&self, op: &Op) {
        let mut map = self.map.borrow_mut();
        match op {
            Op::Put(k, v) => {
                map.insert(k.clone(), v.clone());
            }
            Op::Delete(k) => {
                map.remove(k);
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

    fn commit<'a>(&'a self, batch: Batch) -> KvFuture<'a, ()> {
        let res = self.check(&batch).map(|()| {
            for op in &batch.ops {
                self.apply(op);
            }
        });
        Box::pin(async move { res })
    }
}
