//! Helpers shared by the core-block, working-context, briefing and context suites: a
//! memory-backed world with a manual clock, and a backend that yields at every call so that
//! several handles' operations interleave (two tabs, two worker requests).
#![allow(dead_code)]

use memspace::host::ManualHost;
use memspace::kv::{Batch, Capabilities, Entry, KeyRange, Kv, KvFuture, MemoryKv};
use memspace::model::*;
use memspace::runtime::block_on;
use memspace::{ErrorCode, Memspace, Result};
use serde_json::json;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// Runs an engine future on the synchronous executor.
pub fn run<T>(f: impl Future<Output = Result<T>>) -> Result<T> {
    block_on(f).and_then(|r| r)
}

/// Asserts that `r` failed with `code` and returns the error.
#[track_caller]
pub fn expect_code<T: std::fmt::Debug>(r: Result<T>, code: ErrorCode) -> memspace::Error {
    match r {
        Ok(v) => panic!("expected {code}, got Ok({v:?})"),
        Err(e) => {
            assert_eq!(e.code, code, "unexpected error: {e}");
            e
        }
    }
}

/// One store, one clock, principal u1/t1, one space.
pub struct World {
    pub kv: MemoryKv,
    pub host: ManualHost,
    pub ms: Memspace,
    pub space: String,
}

impl World {
    pub fn new() -> Self {
        let kv = MemoryKv::new();
        let host = ManualHost::default();
        let ms = Memspace::new(
            Rc::new(kv.clone()),
            Rc::new(host.clone()),
            Principal::new("u1", "t1"),
        )
        .unwrap();
        let space = run(ms.create_space(NewSpace::default())).unwrap().id;
        World {
            kv,
            host,
            ms,
            space,
        }
    }

    /// Another handle on the same store (another tab).
    pub fn other_handle(&self) -> Memspace {
        Memspace::new(
            Rc::new(self.kv.clone()),
            Rc::new(self.host.clone()),
            Principal::new("u1", "t1"),
        )
        .unwrap()
    }

    /// A handle of another principal on the same store.
    pub fn stranger(&self) -> Memspace {
        Memspace::new(
            Rc::new(self.kv.clone()),
            Rc::new(self.host.clone()),
            Principal::new("u2", "t1"),
        )
        .unwrap()
    }

    /// A session with participants u1 and u2 and the given strategies.
    pub fn session_with(&self, strategies: Vec<LifecycleStrategy>) -> Session {
        run(self.ms.create_session(
            &self.space,
            NewSession {
                participants: vec!["u1".into(), "u2".into()],
                lifecycle_strategies: strategies,
                ..Default::default()
            },
        ))
        .unwrap()
    }

    pub fn session(&self) -> Session {
        self.session_with(vec![])
    }

    /// Posts a message from user u1 (`agent` false) or the agent.
    pub fn say(&self, session: &str, agent: bool, text: &str) -> Event {
        let emitter = if agent {
            Emitter::new("agent", "bot")
        } else {
            Emitter::new("user", "u1")
        };
        run(self.ms.post_event(
            &self.space,
            session,
            NewEvent {
                body: json!({ "content": text }),
                emitter,
                event_type: Some("message".into()),
            },
        ))
        .unwrap()
    }

    /// Writes a block (create when `expected` is None).
    pub fn write_block(
        &self,
        block_type: &str,
        agent: Option<&str>,
        content: &str,
        expected: Option<memspace::Timestamp>,
    ) -> Result<MemoryBlock> {
        run(self.ms.update_block(
            &self.space,
            block_type,
            BlockWrite {
                content: content.into(),
                agent_id: agent.map(String::from),
                expected_updated_at: expected,
                ..Default::default()
            },
        ))
    }
}

/// Answers every call only after yielding once, as an asynchronous backend would.
pub struct YieldingKv(pub MemoryKv);

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
        self.0.capabilities()
    }
    fn get<'a>(&'a self, key: &'a [u8]) -> KvFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move {
            YieldOnce(false).await;
            self.0.get(key).await
        })
    }
    fn get_many<'a>(&'a self, keys: &'a [Vec<u8>]) -> KvFuture<'a, Vec<Option<Vec<u8>>>> {
        Box::pin(async move {
            YieldOnce(false).await;
            self.0.get_many(keys).await
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
            self.0.scan(range, limit, reverse).await
        })
    }
    fn commit<'a>(&'a self, batch: Batch) -> KvFuture<'a, ()> {
        Box::pin(async move {
            YieldOnce(false).await;
            self.0.commit(batch).await
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

/// `n` handles over one yielding store, a clock and a space made through the first.
pub fn racing_handles(n: usize) -> (Vec<Memspace>, ManualHost, String) {
    let kv: Rc<dyn Kv> = Rc::new(YieldingKv(MemoryKv::new()));
    let host = ManualHost::default();
    let hs: Vec<Memspace> = (0..n)
        .map(|_| {
            Memspace::new(
                kv.clone(),
                Rc::new(host.clone()),
                Principal::new("u1", "t1"),
            )
            .unwrap()
        })
        .collect();
    let space = interleave(vec![Box::pin(hs[0].create_space(NewSpace::default()))], 1)
        .remove(0)
        .unwrap()
        .id;
    (hs, host, space)
}
