//! Interleaving harness shared by the race suites: a backend that yields at every call, as an
//! asynchronous one would, and a seeded scheduler that polls several handles' operations in a
//! random order, so two tabs or two worker requests meet mid-operation.

use memspace::kv::{Batch, Capabilities, Entry, KeyRange, Kv, KvFuture, MemoryKv};
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// Answers every call only after yielding once; counts commits refused by a precondition.
pub struct YieldingKv {
    pub inner: MemoryKv,
    pub refused: Cell<u64>,
}

impl YieldingKv {
    /// A yielding view of `inner`.
    pub fn new(inner: MemoryKv) -> Self {
        YieldingKv {
            inner,
            refused: Cell::new(0),
        }
    }
}

struct YieldOnce(bool);
impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            Poll::Pending
        }
    }
}

impl Kv for YieldingKv {
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
    fn epoch(&self) -> Option<u64> {
        self.inner.epoch()
    }
    fn get<'a>(&'a self, key: &'a [u8]) -> KvFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move {
            YieldOnce(false).await;
            self.inner.get(key).await
        })
    }
    fn get_many<'a>(&'a self, keys: &'a [Vec<u8>]) -> KvFuture<'a, Vec<Option<Vec<u8>>>> {
        Box::pin(async move {
            YieldOnce(false).await;
            self.inner.get_many(keys).await
        })
    }
    fn scan<'a>(
        &'a self,
        range: &'a KeyRange,
        limit: usize,
        reverse: bool,
    ) -> KvFuture<'a, Vec<Entry>> {
        Box::pin(async move {
            YieldOnce(false).await;
            self.inner.scan(range, limit, reverse).await
        })
    }
    fn commit<'a>(&'a self, batch: Batch) -> KvFuture<'a, ()> {
        Box::pin(async move {
            YieldOnce(false).await;
            let r = self.inner.commit(batch).await;
            if r.is_err() {
                self.refused.set(self.refused.get() + 1);
            }
            r
        })
    }
}

/// A boxed task for [`interleave`].
pub type Task<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// Polls the tasks in a seeded random order until all finish.
pub fn interleave<T>(mut tasks: Vec<Task<'_, T>>, seed: u64) -> Vec<T> {
    let mut out: Vec<Option<T>> = tasks.iter().map(|_| None).collect();
    let mut rng = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut cx = Context::from_waker(Waker::noop());
    while out.iter().any(|o| o.is_none()) {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let i = (rng % tasks.len() as u64) as usize;
        if out[i].is_some() {
            continue;
        }
        if let Poll::Ready(v) = tasks[i].as_mut().poll(&mut cx) {
            out[i] = Some(v);
        }
    }
    out.into_iter().flatten().collect()
}
