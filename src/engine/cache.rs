//! A per-handle cache of the records write paths read first (space records, session heads).
//!
//! It is only ever a guess: a write that used a cached record also puts that record's bytes
//! in its commit preconditions, so a stale guess fails the commit as a lost race, the cache is
//! dropped, and the operation is retried from storage. Reads that answer callers never use it.
//! It saves the read transactions of an append (one readwrite transaction instead of three in
//! IndexedDB).

use crate::kv::{Batch, Op};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Entries kept before the cache starts over (a head is a few hundred bytes).
const MAX_ENTRIES: usize = 1024;

/// Last known bytes of some keys.
#[derive(Clone, Default)]
pub(crate) struct RecordCache(Rc<RefCell<HashMap<Vec<u8>, Vec<u8>>>>);

impl RecordCache {
    /// The last known bytes of `key`.
    pub(crate) fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.0.borrow().get(key).cloned()
    }

    /// Remembers bytes just read from storage.
    pub(crate) fn remember(&self, key: &[u8], bytes: &[u8]) {
        let mut map = self.0.borrow_mut();
        if map.len() >= MAX_ENTRIES && !map.contains_key(key) {
            map.clear();
        }
        map.insert(key.to_vec(), bytes.to_vec());
    }

    /// The changes `batch` would make to cached keys, to apply once it has committed.
    pub(crate) fn pending(&self, batch: &Batch) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
        let map = self.0.borrow();
        batch
            .ops
            .iter()
            .filter(|op| map.contains_key(op.key()))
            .map(|op| match op {
                Op::Put(k, v) => (k.clone(), Some(v.clone())),
                Op::Delete(k) => (k.clone(), None),
            })
            .collect()
    }

    /// Applies changes of a batch that committed.
    pub(crate) fn committed(&self, changes: Vec<(Vec<u8>, Option<Vec<u8>>)>) {
        let mut map = self.0.borrow_mut();
        for (k, v) in changes {
            match v {
                Some(v) => {
                    map.insert(k, v);
                }
                None => {
                    map.remove(&k);
                }
            }
        }
    }

    /// Forgets everything (after a failed commit or an error that a stale guess may explain).
    pub(crate) fn clear(&self) {
        self.0.borrow_mut().clear();
    }
}
