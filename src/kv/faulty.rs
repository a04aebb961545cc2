//! A test backend that misbehaves on purpose: it can fail the N-th key write, "crash" after
//! the N-th key write (every later call fails and the data is reopened from what landed), run
//! out of quota, and apply batches one key at a time like Workers KV / Fastly KV.

use super::{Batch, Capabilities, Entry, KeyRange, Kv, KvError, KvFuture, Limits, MemoryKv};
use std::cell::Cell;

/// Fault plan and counters around a [`MemoryKv`].
#[derive(Debug)]
pub struct FaultyKv {
    inner: MemoryKv,
    atomic: bool,
    writes: Cell<u64>,
    fail_write_at: Cell<Option<u64>>,
    crash_after: Cell<Option<u64>>,
    crashed: Cell<bool>,
    quota_bytes: Cell<Option<usize>>,
    limits: Cell<Limits>,
}

impl FaultyKv {
    /// Wraps `inner`; `atomic = false` applies batches key by key in batch order.
    pub fn new(inner: MemoryKv, atomic: bool) -> Self {
        FaultyKv {
            inner,
            atomic,
            writes: Cell::new(0),
            fail_write_at: Cell::new(None),
            crash_after: Cell::new(None),
            crashed: Cell::new(false),
            quota_bytes: Cell::new(None),
            limits: Cell::new(Limits::default()),
        }
    }

    /// Makes the `n`-th key write from now (1-based) fail with a storage error.
    pub fn fail_write_at(&self, n: u64) {
        self.fail_write_at.set(Some(self.writes.get() + n));
    }

    /// Crashes after `n` more key writes: write `n + 1` never lands and every later call fails.
    pub fn crash_after(&self, n: u64) {
        self.crash_after.set(Some(self.writes.get() + n));
    }

    /// Rejects any commit that writes more than `bytes` bytes with a quota error.
    pub fn set_quota_bytes(&self, bytes: Option<usize>) {
        self.quota_bytes.set(bytes);
    }

    /// Reports these size limits (as Workers KV's 512-byte keys would), for the engine to enforce.
    pub fn set_limits(&self, limits: Limits) {
        self.limits.set(limits);
    }

    /// Key writes that have landed so far.
    pub fn writes(&self) -> u64 {
        self.writes.get()
    }

    /// True once a planned crash happened.
    pub fn crashed(&self) -> bool {
        self.crashed.get()
    }

    /// The data as it is on "disk" (what a reopened process would read).
    pub fn data(&self) -> MemoryKv {
        self.inner.clone()
    }

    fn dead(&self) -> Result<(), KvError> {
        if self.crashed.get() {
            Err(KvError::Storage("crashed".into()))
        } else {
            Ok(())
        }
    }

    fn commit_now(&self, batch: &Batch) -> Result<(), KvError> {
        self.dead()?;
        if let Some(q) = self.quota_bytes.get() {
            if batch.write_bytes() > q {
                return Err(KvError::Quota(format!(
                    "batch of {} bytes exceeds quota of {q}",
                    batch.write_bytes()
                )));
            }
        }
        self.inner.check(batch)?;
        let n = batch.ops.len() as u64;
        let start = self.writes.get();
        let fail_at = self
            .fail_write_at
            .get()
            .filter(|f| *f > start && *f <= start + n);
        let crash_at = self
            .crash_after
            .get()
            .filter(|c| *c >= start && *c < start + n);
        if self.atomic {
            // All-or-nothing: a fault anywhere inside the batch means none of it lands.
            if crash_at.is_some() {
                self.crashed.set(true);
                return Err(KvError::Storage("crashed".into()));
            }
            if fail_at.is_some() {
                self.fail_write_at.set(None);
                return Err(KvError::Storage("injected write failure".into()));
            }
            for op in &batch.ops {
                self.inner.apply(op);
            }
            self.writes.set(start + n);
            return Ok(());
        }
        for (i, op) in batch.ops.iter().enumerate() {
            let this = start + i as u64 + 1;
            if crash_at.is_some_and(|c| this > c) {
                self.crashed.set(true);
                return Err(KvError::Storage("crashed".into()));
            }
            if fail_at == Some(this) {
                self.fail_write_at.set(None);
                return Err(KvError::Storage("injected write failure".into()));
            }
            self.inner.apply(op);
            self.writes.set(this);
        }
        Ok(())
    }
}

impl Kv for FaultyKv {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            atomic_batches: self.atomic,
        }
    }

    fn limits(&self) -> Limits {
        self.limits.get()
    }

    fn get<'a>(&'a self, key: &'a [u8]) -> KvFuture<'a, Option<Vec<u8>>> {
        let r = self.dead().map(|()| self.inner.read(key));
        Box::pin(async move { r })
    }

    fn get_many<'a>(&'a self, keys: &'a [Vec<u8>]) -> KvFuture<'a, Vec<Option<Vec<u8>>>> {
        let r = self
            .dead()
            .map(|()| keys.iter().map(|k| self.inner.read(k)).collect());
        Box::pin(async move { r })
    }

    fn scan<'a>(
        &'a self,
        range: &'a KeyRange,
        limit: usize,
        reverse: bool,
    ) -> KvFuture<'a, Vec<Entry>> {
        let r = self
            .dead()
            .map(|()| self.inner.range(range, limit, reverse));
        Box::pin(async move { r })
    }

    fn commit<'a>(&'a self, batch: Batch) -> KvFuture<'a, ()> {
        let r = self.commit_now(&batch);
        Box::pin(async move { r })
    }
}
