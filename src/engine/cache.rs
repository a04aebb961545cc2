//! A per-handle cache of the records write paths read first (space records, session heads),
//! and, apart from them, of rendered texts (an event's JSON) keyed by the stored bytes they
//! were rendered from.
//!
//! The records are only ever a guess: a write that used a cached record also puts that
//! record's bytes in its commit preconditions (a space record confirmed at an epoch: that
//! epoch), so a stale guess fails the commit as a lost race, the records are dropped, and
//! the operation is retried from storage. Reads that answer callers use them only for a space
//! record confirmed at the backend's current epoch (`confirm`, `Kv::epoch`).
//! It saves the read transactions of an append (one readwrite transaction instead of three in
//! IndexedDB). Next to the bytes a slot may hold the record they decode to: a caller that
//! holds bytes just read compares them with the slot's (a memcmp) instead of decoding JSON,
//! so a read re-validates the cached record against storage in its own transaction.
//!
//! A text is never a guess: it is served only to a caller holding the very bytes it was
//! rendered from, just read from storage. Texts have their own byte budget and start over
//! alone when it is spent, so reading more texts than fit never drops the records.
//!
//! Memory: at most [`MAX_ENTRIES`] records (heads and space records, each at most the
//! backend's value size; a few hundred bytes in practice) and [`MAX_TEXT_BYTES`] (512 KiB)
//! of texts, counted with their keys, stored bytes and [`TEXT_ENTRY_BYTES`] each.

use crate::kv::{Batch, Op};
use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

/// Records (and texts) kept before they start over (a head is a few hundred bytes).
const MAX_ENTRIES: usize = 1024;
/// Bytes of texts ([`RecordCache::remember_text`]), with their keys and stored bytes, kept
/// before the texts start over: 512 KiB.
const MAX_TEXT_BYTES: usize = 512 << 10;
/// Bytes counted for each text besides its own, its key's and its stored bytes' (the map's
/// entry, the vectors' and the `Rc`'s headers, the allocator's, a text's unused room).
const TEXT_ENTRY_BYTES: usize = 128;

/// Last known bytes of a key, and the record they decode to when a caller said so.
struct Slot {
    bytes: Vec<u8>,
    decoded: Option<Rc<dyn Any>>,
    /// The backend epoch at which `bytes` were read from storage (see [`crate::kv::Kv::epoch`]):
    /// while the epoch reads the same, they are still the stored bytes of a record every other
    /// handle writes only in exclusive batches (space records).
    epoch: Option<u64>,
}

type Map = HashMap<Vec<u8>, Slot>;

/// Last known bytes of some keys, and texts rendered from stored bytes.
#[derive(Clone, Default)]
pub(crate) struct RecordCache(Rc<Maps>);

#[derive(Default)]
struct Maps {
    records: RefCell<Map>,
    /// Texts by key, each in a slot with the stored bytes it came from (no epoch).
    texts: RefCell<Map>,
    /// Bytes counted for `texts` since they last started over (never less than they hold:
    /// a replaced text is not subtracted).
    text_bytes: Cell<usize>,
}

impl RecordCache {
    /// The last known bytes of `key`.
    pub(crate) fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.0.records.borrow().get(key).map(|s| s.bytes.clone())
    }

    /// The last known bytes of `key` and their record, if it was remembered as a `T`.
    pub(crate) fn latest<T: 'static>(&self, key: &[u8]) -> Option<(Rc<T>, Vec<u8>)> {
        let map = self.0.records.borrow();
        let slot = map.get(key)?;
        let v = slot.decoded.clone()?.downcast::<T>().ok()?;
        Some((v, slot.bytes.clone()))
    }

    /// The record `bytes` decode to, if they are the bytes cached for `key` as a `T`.
    pub(crate) fn decoded<T: 'static>(&self, key: &[u8], bytes: &[u8]) -> Option<Rc<T>> {
        Self::find(&self.0.records.borrow(), key, bytes)
    }

    fn find<T: 'static>(map: &Map, key: &[u8], bytes: &[u8]) -> Option<Rc<T>> {
        let slot = map.get(key).filter(|s| s.bytes == bytes)?;
        slot.decoded.clone()?.downcast::<T>().ok()
    }

    /// Remembers bytes just read from storage (keeping their record if they are unchanged).
    pub(crate) fn remember(&self, key: &[u8], bytes: &[u8]) {
        let mut map = self.0.records.borrow_mut();
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
        if let Some(slot) = self.0.records.borrow_mut().get_mut(key) {
            slot.epoch = Some(epoch);
        }
    }

    /// The epoch `key`'s bytes were confirmed at ([`RecordCache::confirm`]).
    pub(crate) fn confirmed_at(&self, key: &[u8]) -> Option<u64> {
        self.0.records.borrow().get(key).and_then(|s| s.epoch)
    }

    /// Remembers bytes just read or written with the record they decode to.
    pub(crate) fn remember_decoded<T: 'static>(&self, key: &[u8], bytes: &[u8], value: Rc<T>) {
        let mut map = self.0.records.borrow_mut();
        if let Some(slot) = map.get_mut(key).filter(|s| s.bytes == bytes) {
            slot.decoded = Some(value);
            return;
        }
        Self::put(&mut map, key, bytes.to_vec(), Some(value));
    }

    /// The text rendered from `bytes` under `key`, if it was remembered as a `T` for exactly
    /// these bytes.
    pub(crate) fn text<T: 'static>(&self, key: &[u8], bytes: &[u8]) -> Option<Rc<T>> {
        Self::find(&self.0.texts.borrow(), key, bytes)
    }

    /// Remembers the text of `weight` bytes rendered from `bytes` under `key`. The texts
    /// start over (alone: the records stay) before their count would pass `MAX_TEXT_BYTES`
    /// or `MAX_ENTRIES` texts; a text larger than that is not remembered at all.
    pub(crate) fn remember_text<T: 'static>(
        &self,
        key: &[u8],
        bytes: &[u8],
        text: Rc<T>,
        weight: usize,
    ) {
        let add = weight + key.len() + bytes.len() + TEXT_ENTRY_BYTES;
        if add > MAX_TEXT_BYTES {
            return;
        }
        let mut texts = self.0.texts.borrow_mut();
        let mut used = self.0.text_bytes.get() + add;
        if used > MAX_TEXT_BYTES {
            texts.clear();
            used = add;
        }
        self.0.text_bytes.set(used);
        Self::put(&mut texts, key, bytes.to_vec(), Some(text));
    }

    fn put(map: &mut Map, key: &[u8], bytes: Vec<u8>, decoded: Option<Rc<dyn Any>>) {
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
        let map = self.0.records.borrow();
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
        let mut map = self.0.records.borrow_mut();
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

    /// Forgets the records (after a failed commit or an error that a stale guess may
    /// explain). Texts stay: each is served only for the bytes it was rendered from.
    pub(crate) fn clear(&self) {
        self.0.records.borrow_mut().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes a text of 1000 B under an 8-byte key with 1 stored byte counts for.
    const EACH: usize = 1000 + 8 + 1 + TEXT_ENTRY_BYTES;

    #[test]
    fn texts_stay_under_their_byte_cap_and_one_larger_than_it_is_not_kept() {
        let c = RecordCache::default();
        let text = Rc::new(vec![b'x'; 1000]);
        let n = MAX_TEXT_BYTES / EACH;
        for i in 0..=n {
            let key = (i as u64).to_be_bytes();
            c.remember_text(&key, b"v", text.clone(), 1000);
            let held = c.0.texts.borrow().len() * EACH;
            assert!(held <= MAX_TEXT_BYTES, "{held} B held after {i}");
        }
        // The first ones went when the cap was reached; the newest is there.
        assert!(c.text::<Vec<u8>>(&0u64.to_be_bytes(), b"v").is_none());
        assert!(c.text::<Vec<u8>>(&(n as u64).to_be_bytes(), b"v").is_some());
        c.remember_text(b"big", b"v", Rc::new(()), MAX_TEXT_BYTES);
        assert!(c.text::<()>(b"big", b"v").is_none());
    }

    #[test]
    fn spending_the_text_budget_evicts_texts_only_and_keeps_heads_and_spaces() {
        let c = RecordCache::default();
        c.remember_decoded(b"se/head", b"h1", Rc::new(7u32));
        c.confirm(b"sp/space", b"s1", 3);
        let text = Rc::new(vec![b'x'; 1000]);
        for i in 0..3 * MAX_TEXT_BYTES / EACH {
            c.remember_text(&(i as u64).to_be_bytes(), b"v", text.clone(), 1000);
        }
        assert!(c.0.texts.borrow().len() < MAX_TEXT_BYTES / EACH + 1);
        assert_eq!(c.decoded::<u32>(b"se/head", b"h1").as_deref(), Some(&7));
        assert_eq!(c.confirmed_at(b"sp/space"), Some(3));
        assert_eq!(c.get(b"sp/space").as_deref(), Some(&b"s1"[..]));
    }

    #[test]
    fn a_text_is_served_only_for_the_bytes_it_was_rendered_from() {
        let c = RecordCache::default();
        c.remember_text(b"ev/1", b"old", Rc::new(1u8), 1);
        assert_eq!(c.text::<u8>(b"ev/1", b"old").as_deref(), Some(&1));
        assert!(c.text::<u8>(b"ev/1", b"new").is_none());
        assert!(c.text::<u32>(b"ev/1", b"old").is_none());
        c.remember_text(b"ev/1", b"new", Rc::new(2u8), 1);
        assert!(c.text::<u8>(b"ev/1", b"old").is_none());
        assert_eq!(c.text::<u8>(b"ev/1", b"new").as_deref(), Some(&2));
    }

    #[test]
    fn dropping_the_records_after_a_failed_commit_keeps_the_texts() {
        let c = RecordCache::default();
        c.remember(b"se/head", b"h1");
        c.remember_text(b"ev/1", b"b", Rc::new(1u8), 1);
        c.clear();
        assert!(c.get(b"se/head").is_none());
        assert_eq!(c.text::<u8>(b"ev/1", b"b").as_deref(), Some(&1));
    }
}
