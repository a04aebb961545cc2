//! A per-handle cache of the records write paths read first (space records, session heads).
//!
//! It is only ever a guess: a write that used a cached record also puts that record's bytes
//! in its commit preconditions (a space record confirmed at an epoch: that epoch), so a stale guess fails the commit as a lost race, the cache is
//! dropped, and the operation is retried from storage. Reads that answer callers use it only
//! for a space record confirmed at the backend's current epoch (`confirm`, `Kv::epoch`).
//! It saves the read transactions of an append (one readwrite transaction instead of three in
//! IndexedDB). Next to the bytes a slot may hold the record they decode to: a caller that
//! holds bytes just read compares them with the slot's (a memcmp) instead of decoding JSON,
//! so a read re-validates the cached record against storage in its own transaction.

use crate::kv::{Batch, Op};
use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

/// Entries kept before the cache starts over (a head is a few hundred bytes).
const MAX_ENTRIES: usize = 1024;
/// Bytes of sized records ([`RecordCache::remember_sized`]: event texts, with their keys and
/// stored bytes) remembered before the cache starts over.
const MAX_SIZED_BYTES: usize = 512 << 10;

/// Last known bytes of a key, and the record they decode to when a caller said so.
struct Slot {
    bytes: Vec<u8>,
    decoded: Option<Rc<dyn Any>>,
    /// The backend epoch at which `bytes` were read from storage (see [`crate::kv::Kv::epoch`]):
    /// while the epoch reads the same, they are still the stored bytes of a record every other
    /// handle writes only in exclusive batches (space records).
    epoch: Option<u64>,
}

/// Last known bytes of some keys.
#[derive(Clone, Default)]
pub(crate) struct RecordCache(Rc<RefCell<HashMap<Vec<u8>, Slot>>>, Rc<Cell<usize>>);

impl RecordCache {
    /// The last known bytes of `key`.
    pub(crate) fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.0.borrow().get(key).map(|s| s.bytes.clone())
    }

    /// The last known bytes of `key` and their record, if it was remembered as a `T`.
    pub(crate) fn latest<T: 'static>(&self, key: &[u8]) -> Option<(Rc<T>, Vec<u8>)> {
        let map = self.0.borrow();
        let slot = map.get(key)?;
        let v = slot.decoded.clone()?.downcast::<T>().ok()?;
        Some((v, slot.bytes.clone()))
    }

    /// The record `bytes` decode to, if they are the bytes cached for `key` as a `T`.
    pub(crate) fn decoded<T: 'static>(&self, key: &[u8], bytes: &[u8]) -> Option<Rc<T>> {
        let map = self.0.borrow();
        let slot = map.get(key).filter(|s| s.bytes == bytes)?;
        slot.decoded.clone()?.downcast::<T>().ok()
    }

    /// Remembers bytes just read from storage (keeping their record if they are unchanged).
    pub(crate) fn remember(&self, key: &[u8], bytes: &[u8]) {
        let mut map = self.0.borrow_mut();
        if let Some(slot) = map.get(key) {
            if slot.bytes == bytes {
                return;
            }
        }
        Self::put(&mut map, key, bytes.to_vec(), None);
    }

    /// Remembers bytes read from storage while the backend's epoch was `epoch` before and
    /// after the read (keeping their record if they are unchanged).
    pub(crate) fn confirm(&self, key: &[u8], bytes: &[u8], epoch: u64) {
        self.remember(key, bytes);
        if let Some(slot) = self.0.borrow_mut().get_mut(key) {
            slot.epoch = Some(epoch);
        }
    }

    /// The epoch `key`'s bytes were confirmed at ([`RecordCache::confirm`]).
    pub(crate) fn confirmed_at(&self, key: &[u8]) -> Option<u64> {
        self.0.borrow().get(key).and_then(|s| s.epoch)
    }

    /// Remembers bytes just read or written with the record they decode to.
    pub(crate) fn remember_decoded<T: 'static>(&self, key: &[u8], bytes: &[u8], value: Rc<T>) {
        let mut map = self.0.borrow_mut();
        if let Some(slot) = map.get_mut(key).filter(|s| s.bytes == bytes) {
            slot.decoded = Some(value);
            return;
        }
        Self::put(&mut map, key, bytes.to_vec(), Some(value));
    }

    /// [`RecordCache::remember_decoded`] for a record of `weight` bytes (an event's text).
    /// Such records, with their keys and bytes, are counted (never less than they hold: a
    /// replaced or dropped one is not subtracted); the cache starts over before the count
    /// would pass `MAX_SIZED_BYTES`, and one larger than that is not remembered at all.
    pub(crate) fn remember_sized<T: 'static>(
        &self,
        key: &[u8],
        bytes: &[u8],
        value: Rc<T>,
        weight: usize,
    ) {
        let add = weight + key.len() + bytes.len();
        if add > MAX_SIZED_BYTES {
            return;
        }
        if self.1.get() + add > MAX_SIZED_BYTES {
            self.clear();
        }
        self.1.set(self.1.get() + add);
        self.remember_decoded(key, bytes, value);
    }

    fn put(
        map: &mut HashMap<Vec<u8>, Slot>,
        key: &[u8],
        bytes: Vec<u8>,
        decoded: Option<Rc<dyn Any>>,
    ) {
        if map.len() >= MAX_ENTRIES && !map.contains_key(key) {
            map.clear();
        }
        map.insert(
            key.to_vec(),
            Slot {
                bytes,
                decoded,
                epoch: None,
            },
        );
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
                    // A record remembered for exactly these bytes stays.
                    let decoded = map
                        .get(&k)
                        .filter(|s| s.bytes == v)
                        .and_then(|s| s.decoded.clone());
                    map.insert(
                        k,
                        Slot {
                            bytes: v,
                            decoded,
                            epoch: None,
                        },
                    );
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
        self.1.set(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sized_records_stay_under_their_byte_cap_and_one_larger_than_it_is_not_kept() {
        let c = RecordCache::default();
        let text = Rc::new(vec![b'x'; 1000]);
        let n = MAX_SIZED_BYTES / 1010;
        for i in 0..=n {
            let key = (i as u64).to_be_bytes();
            c.remember_sized(&key, b"v", text.clone(), 1000);
            let held: usize = c.0.borrow().len() * (1000 + 8 + 1);
            assert!(held <= MAX_SIZED_BYTES, "{held} B held after {i}");
        }
        // The first ones went when the cap was reached; the newest is there.
        assert!(c.decoded::<Vec<u8>>(&0u64.to_be_bytes(), b"v").is_none());
        assert!(c
            .decoded::<Vec<u8>>(&(n as u64).to_be_bytes(), b"v")
            .is_some());
        c.remember_sized(b"big", b"v", Rc::new(()), MAX_SIZED_BYTES);
        assert!(c.decoded::<()>(b"big", b"v").is_none());
    }
}
