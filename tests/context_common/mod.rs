//! Helpers shared by the core-block, working-context, briefing and context suites: a
//! memory-backed world with a manual clock, and a backend that yields at every call so that
//! several handles' operations interleave (two tabs, two worker requests).
#![allow(dead_code)]

use memspace::host::ManualHost;
use memspace::kv::{Kv, MemoryKv};
use memspace::model::*;
use memspace::{Memspace, Result};
use serde_json::json;
use std::rc::Rc;

#[path = "../common/basics.rs"]
mod basics;
#[path = "../common/interleave.rs"]
mod interleave;
pub use basics::*;
pub use interleave::*;

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

/// `n` handles over one yielding store, a clock and a space made through the first.
pub fn racing_handles(n: usize) -> (Vec<Memspace>, ManualHost, String) {
    let kv: Rc<dyn Kv> = Rc::new(YieldingKv::new(MemoryKv::new()));
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
