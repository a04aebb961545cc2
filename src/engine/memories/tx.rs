//! A memory write being assembled: the records and edges it read and changed, so that
//! several operations (a batch, a remember that supersedes) see each other's changes before
//! they commit together through the write path.

use super::commit::{LinkChange, LoadedHead, MemoryWrite, RecordChange};
use super::{MemoryRecord, ASSOCIATION_PREFIX, MEMORY_PREFIX};
use crate::codec::envelope;
use crate::engine::stores::sha256_hex;
use crate::engine::{kv_error, layout, Memspace};
use crate::error::Result;
use crate::ids;
use crate::kv::{Entry, KeyRange, Op, Precondition, Read, ReadResult};
use crate::model::{Association, MemoryStatus, NewMemory, Space};
use crate::time::Timestamp;
use std::collections::HashMap;

/// Active memories with one content hash a replay check reads at most (the same text in one
/// context and under one logical key twice is rare: only an update can make it).
const HASH_SCAN: usize = 64;

/// Before (as stored) and now (in this write) of one record or edge.
#[derive(Debug, Clone)]
struct Slot<T> {
    old: Option<T>,
    cur: Option<T>,
}

/// The working set of one memory write.
#[derive(Debug)]
pub(crate) struct MemTx {
    /// The space written to.
    pub space: Space,
    /// Its head as loaded.
    pub head: LoadedHead,
    /// The time of the write.
    pub now: Timestamp,
    records: HashMap<String, Slot<MemoryRecord>>,
    order: Vec<String>,
    links: HashMap<String, Slot<Association>>,
    link_order: Vec<String>,
    snapshots: Vec<MemoryRecord>,
    erase: Vec<Vec<u8>>,
    extra_ops: Vec<Op>,
    extra_preconditions: Vec<Precondition>,
    /// Index keys read ahead by [`MemTx::prefetch_remember`] (absent keys as `None`).
    pre_gets: HashMap<Vec<u8>, Option<Vec<u8>>>,
    /// Content-hash scans read ahead, by range start.
    pre_scans: HashMap<Vec<u8>, Vec<Entry>>,
    /// Keys a hard forget may still erase in this write (the rest is purged afterwards).
    pub purge_budget: usize,
    /// Memories whose purge continues after this write commits.
    pub purge_after: Vec<String>,
}

impl MemTx {
    /// An empty write on `space`, whose head was loaded as `head`.
    pub(crate) fn new(space: Space, head: LoadedHead, now: Timestamp) -> Self {
        MemTx {
            space,
            head,
            now,
            records: HashMap::new(),
            order: Vec::new(),
            links: HashMap::new(),
            link_order: Vec::new(),
            snapshots: Vec::new(),
            erase: Vec::new(),
            extra_ops: Vec::new(),
            extra_preconditions: Vec::new(),
            pre_gets: HashMap::new(),
            pre_scans: HashMap::new(),
            purge_budget: super::limits::PURGE_CHUNK,
            purge_after: Vec::new(),
        }
    }

    /// The memory as this write sees it (`None`: no such memory in the space).
    pub(crate) async fn get(&mut self, ms: &Memspace, id: &str) -> Result<Option<MemoryRecord>> {
        if !ids::is_valid(MEMORY_PREFIX, id) {
            return Ok(None);
        }
        if let Some(slot) = self.records.get(id) {
            return Ok(slot.cur.clone());
        }
        let rec = ms
            .load::<MemoryRecord>(&layout::memory(&self.space.id, id))
            .await?
            .map(|(r, _)| r);
        self.records.insert(
            id.to_string(),
            Slot {
                old: rec.clone(),
                cur: rec.clone(),
            },
        );
        self.order.push(id.to_string());
        Ok(rec)
    }

    /// Sets a memory's new state (a new memory when it was never read).
    pub(crate) fn put(&mut self, rec: MemoryRecord) {
        let id = rec.memory.id.clone();
        match self.records.get_mut(&id) {
            Some(slot) => slot.cur = Some(rec),
            None => {
                self.records.insert(
                    id.clone(),
                    Slot {
                        old: None,
                        cur: Some(rec),
                    },
                );
                self.order.push(id);
            }
        }
    }

    /// Changes `before` into `after`, keeping `before` as a version snapshot when `snapshot`.
    pub(crate) fn modify(&mut self, before: &MemoryRecord, after: MemoryRecord, snapshot: bool) {
        if snapshot {
            self.snapshots.push(before.clone());
        }
        self.put(after);
    }

    /// Drops the version snapshots this write was going to add for `id` (a hard forget in the
    /// same write must not leave one behind).
    pub(crate) fn drop_snapshots(&mut self, id: &str) {
        self.snapshots.retain(|s| s.memory.id != id);
    }

    /// Adds raw ops and preconditions of another record that must commit with this write
    /// (written before the head; inside the journal on non-atomic backends).
    #[allow(dead_code)] // extraction (next issue) commits its job progress with its memories
    pub(crate) fn add_ops(&mut self, ops: Vec<Op>, preconditions: Vec<Precondition>) {
        self.extra_ops.extend(ops);
        self.extra_preconditions.extend(preconditions);
    }

    /// Erases a key in this write.
    pub(crate) fn erase(&mut self, key: Vec<u8>) {
        self.erase.push(key);
    }

    /// Records currently in the working set.
    fn current(&self) -> impl Iterator<Item = &MemoryRecord> {
        self.order
            .iter()
            .filter_map(|id| self.records.get(id)?.cur.as_ref())
    }

    /// The active memory holding logical key `key`, if any.
    pub(crate) async fn holder(
        &mut self,
        ms: &Memspace,
        key: &str,
    ) -> Result<Option<MemoryRecord>> {
        let held = |r: &MemoryRecord| {
            r.memory.status == MemoryStatus::Active && r.memory.logical_key.as_deref() == Some(key)
        };
        if let Some(r) = self.current().find(|r| held(r)) {
            return Ok(Some(r.clone()));
        }
        let Some(id) = self
            .read_id(ms, &layout::logical_key(&self.space.id, key))
            .await?
        else {
            return Ok(None);
        };
        if self.records.contains_key(&id) {
            return Ok(None); // in the working set, and not the holder
        }
        Ok(self.get(ms, &id).await?.filter(held))
    }

    /// An active, unexpired memory with this content hash, context and logical key.
    pub(crate) async fn same_content(
        &mut self,
        ms: &Memspace,
        context: Option<&str>,
        hash: &str,
        logical_key: Option<&str>,
    ) -> Result<Option<MemoryRecord>> {
        let now = self.now;
        let same = |r: &MemoryRecord| {
            let m = &r.memory;
            r.effective_status(now) == MemoryStatus::Active
                && m.content_hash == hash
                && m.context_id.as_deref() == context
                && m.logical_key.as_deref() == logical_key
        };
        if let Some(r) = self.current().find(|r| same(r)) {
            return Ok(Some(r.clone()));
        }
        let range = layout::content_hash_range(&self.space.id, context.unwrap_or(""), hash);
        let hits = match self.pre_scans.get(&range.start) {
            Some(hits) => hits.clone(),
            None => ms
                .kv
                .scan(&range, HASH_SCAN, false)
                .await
                .map_err(kv_error)?,
        };
        for (k, _) in hits {
            let Some(id) = crate::codec::keys::string_parts(&k).and_then(|mut p| p.pop()) else {
                continue;
            };
            if self.records.contains_key(&id) {
                continue; // already looked at in the working set
            }
            if let Some(r) = self.get(ms, &id).await?.filter(|r| same(r)) {
                return Ok(Some(r));
            }
        }
        Ok(None)
    }

    /// The memory remembered with idempotency key `key`, if any.
    pub(crate) async fn by_idempotency_key(
        &mut self,
        ms: &Memspace,
        key: &str,
    ) -> Result<Option<MemoryRecord>> {
        let has = |r: &MemoryRecord| r.idempotency_key.as_deref() == Some(key);
        if let Some(r) = self.current().find(|r| has(r)) {
            return Ok(Some(r.clone()));
        }
        let Some(id) = self
            .read_id(ms, &layout::idempotency_key(&self.space.id, key))
            .await?
        else {
            return Ok(None);
        };
        if self.records.contains_key(&id) {
            return Ok(None);
        }
        Ok(self.get(ms, &id).await?.filter(has))
    }

    /// A memory id stored at `key` (a logical-key or idempotency-key index entry).
    async fn read_id(&self, ms: &Memspace, key: &[u8]) -> Result<Option<String>> {
        match self.pre_gets.get(key) {
            Some(Some(bytes)) => Ok(Some(envelope::decode(bytes)?)),
            Some(None) => Ok(None),
            None => Ok(ms.load::<String>(key).await?.map(|(id, _)| id)),
        }
    }

    /// Reads ahead, in one `read_many` and one `get_many`, what remembering `inputs` (checked)
    /// looks up: their idempotency keys, logical keys and content hashes, and the memories
    /// those name. A batch of 100 creates then costs two reads instead of a hundred or more.
    pub(crate) async fn prefetch_remember(
        &mut self,
        ms: &Memspace,
        inputs: &[&NewMemory],
    ) -> Result<()> {
        let sp = self.space.id.clone();
        let mut gets: Vec<Vec<u8>> = Vec::new();
        let mut scans: Vec<(KeyRange, usize)> = Vec::new();
        for n in inputs {
            if let Some(k) = &n.idempotency_key {
                gets.push(layout::idempotency_key(&sp, k));
            }
            if let Some(k) = &n.logical_key {
                gets.push(layout::logical_key(&sp, k));
            }
            let hash = sha256_hex(n.content.as_bytes());
            let range =
                layout::content_hash_range(&sp, n.context_id.as_deref().unwrap_or(""), &hash);
            if !scans.iter().any(|(r, _)| r.start == range.start) {
                scans.push((range, HASH_SCAN));
            }
        }
        gets.sort();
        gets.dedup();
        let reads: Vec<Read> = gets
            .iter()
            .map(|k| Read::Get(k.clone()))
            .chain(scans.iter().map(|(range, limit)| Read::Scan {
                range: range.clone(),
                limit: *limit,
                reverse: false,
            }))
            .collect();
        let mut answers = ms.kv.read_many(&reads).await.map_err(kv_error)?.into_iter();
        let mut values = Vec::with_capacity(gets.len());
        for _ in 0..gets.len() {
            match answers.next() {
                Some(ReadResult::Value(v)) => values.push(v),
                _ => return Err(read_many_mismatch()),
            }
        }
        let mut ranges = Vec::with_capacity(scans.len());
        for _ in 0..scans.len() {
            match answers.next() {
                Some(ReadResult::Entries(e)) => ranges.push(e),
                _ => return Err(read_many_mismatch()),
            }
        }
        let mut ids: Vec<String> = Vec::new();
        for (k, v) in gets.into_iter().zip(values) {
            if let Some(b) = &v {
                ids.push(envelope::decode(b)?);
            }
            self.pre_gets.insert(k, v);
        }
        for ((range, _), hits) in scans.into_iter().zip(ranges) {
            for (k, _) in &hits {
                if let Some(id) = crate::codec::keys::string_parts(k).and_then(|mut p| p.pop()) {
                    ids.push(id);
                }
            }
            self.pre_scans.insert(range.start, hits);
        }
        ids.sort();
        ids.dedup();
        ids.retain(|id| ids::is_valid(MEMORY_PREFIX, id) && !self.records.contains_key(id));
        let keys: Vec<Vec<u8>> = ids.iter().map(|id| layout::memory(&sp, id)).collect();
        let found = if keys.is_empty() {
            Vec::new()
        } else {
            ms.kv.get_many(&keys).await.map_err(kv_error)?
        };
        for (id, bytes) in ids.into_iter().zip(found) {
            let rec: Option<MemoryRecord> = bytes.map(|b| envelope::decode(&b)).transpose()?;
            self.records.insert(
                id.clone(),
                Slot {
                    old: rec.clone(),
                    cur: rec,
                },
            );
            self.order.push(id);
        }
        Ok(())
    }

    // ---- associations ---------------------------------------------------------------------

    fn track_link(&mut self, a: Option<Association>, id: &str) {
        if !self.links.contains_key(id) {
            self.links.insert(
                id.to_string(),
                Slot {
                    old: a.clone(),
                    cur: a,
                },
            );
            self.link_order.push(id.to_string());
        }
    }

    /// The association with id `id`, as this write sees it.
    pub(crate) async fn link(&mut self, ms: &Memspace, id: &str) -> Result<Option<Association>> {
        if !ids::is_valid(ASSOCIATION_PREFIX, id) {
            return Ok(None);
        }
        if let Some(slot) = self.links.get(id) {
            return Ok(slot.cur.clone());
        }
        let a = ms
            .load::<Association>(&layout::association(&self.space.id, id))
            .await?
            .map(|(a, _)| a);
        self.track_link(a.clone(), id);
        Ok(a)
    }

    /// The edge `source —relationship→ target`, if it exists.
    pub(crate) async fn link_between(
        &mut self,
        ms: &Memspace,
        source: &str,
        target: &str,
        relationship: &str,
    ) -> Result<Option<Association>> {
        let is = |a: &Association| {
            a.source_id == source && a.target_id == target && a.relationship == relationship
        };
        for id in &self.link_order {
            if let Some(slot) = self.links.get(id) {
                if let Some(a) = slot.cur.as_ref().filter(|a| is(a)) {
                    return Ok(Some(a.clone()));
                }
                if slot.old.as_ref().is_some_and(is) {
                    return Ok(None); // removed in this write
                }
            }
        }
        let key = layout::association_out(&self.space.id, source, target, relationship);
        match ms.load::<Association>(&key).await? {
            Some((a, _)) if !self.links.contains_key(&a.id) => {
                self.track_link(Some(a.clone()), &a.id.clone());
                Ok(Some(a))
            }
            _ => Ok(None),
        }
    }

    /// Up to `limit` edges touching `memory` (both directions) that still exist in this write.
    pub(crate) async fn links_touching(
        &mut self,
        ms: &Memspace,
        memory: &str,
        limit: usize,
    ) -> Result<Vec<Association>> {
        let mut out: Vec<Association> = Vec::new();
        for id in &self.link_order {
            if let Some(a) = self.links.get(id).and_then(|s| s.cur.as_ref()) {
                if (a.source_id == memory || a.target_id == memory) && out.len() < limit {
                    out.push(a.clone());
                }
            }
        }
        for out_dir in [true, false] {
            if out.len() >= limit {
                break;
            }
            // Edges removed in this write are still in storage: read past them.
            let want = limit - out.len() + self.links.len();
            let range = layout::associations_of(&self.space.id, memory, out_dir);
            let rows = ms.kv.scan(&range, want, false).await.map_err(kv_error)?;
            for (_, v) in rows {
                let a: Association = crate::codec::envelope::decode(&v)?;
                if self.links.contains_key(&a.id) || out.iter().any(|o| o.id == a.id) {
                    continue;
                }
                if out.len() >= limit {
                    break;
                }
                self.track_link(Some(a.clone()), &a.id.clone());
                out.push(a);
            }
        }
        Ok(out)
    }

    /// Sets an edge (new or changed).
    pub(crate) fn put_link(&mut self, a: Association) {
        let id = a.id.clone();
        match self.links.get_mut(&id) {
            Some(slot) => slot.cur = Some(a),
            None => {
                self.links.insert(
                    id.clone(),
                    Slot {
                        old: None,
                        cur: Some(a),
                    },
                );
                self.link_order.push(id);
            }
        }
    }

    /// Removes an edge read by this write.
    pub(crate) fn delete_link(&mut self, id: &str) {
        if let Some(slot) = self.links.get_mut(id) {
            slot.cur = None;
        }
    }

    /// The write: records and edges whose state changed, snapshots and erasures.
    pub(crate) fn into_write(self) -> MemoryWrite {
        let mut w = MemoryWrite::default();
        let MemTx {
            mut records,
            order,
            mut links,
            link_order,
            snapshots,
            erase,
            extra_ops,
            extra_preconditions,
            ..
        } = self;
        for id in order {
            if let Some(Slot {
                old,
                cur: Some(new),
            }) = records.remove(&id)
            {
                if old.as_ref() != Some(&new) {
                    w.records.push(RecordChange { old, new });
                }
            }
        }
        for id in link_order {
            if let Some(Slot { old, cur }) = links.remove(&id) {
                if old != cur {
                    w.links.push(LinkChange { old, new: cur });
                }
            }
        }
        w.snapshots = snapshots;
        w.erase = erase;
        w.extra_ops = extra_ops;
        w.extra_preconditions = extra_preconditions;
        w
    }
}

/// A backend answered `read_many` with results that do not match the reads asked.
fn read_many_mismatch() -> crate::Error {
    crate::Error::storage("the storage backend answered read_many out of shape")
}
