//! Shared test harness: a memory-backed engine with a manual clock and seeded ids.
#![allow(dead_code)]

use memspace::host::ManualHost;
use memspace::kv::{Kv, MemoryKv};
use memspace::model::*;
use memspace::{Memspace, Result};
use serde_json::json;
use std::rc::Rc;

pub mod basics;
pub mod interleave;
pub mod spy;
pub mod typed;
pub use basics::*;

/// A test world: one store, one clock, principal u1/t1.
pub struct World {
    pub kv: MemoryKv,
    pub host: ManualHost,
    pub ms: Memspace,
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
        World { kv, host, ms }
    }

    /// A world over any backend.
    pub fn with_kv(kv: Rc<dyn Kv>, host: ManualHost) -> Memspace {
        Memspace::new(kv, Rc::new(host), Principal::new("u1", "t1")).unwrap()
    }

    pub fn space(&self) -> Space {
        run(self.ms.create_space(NewSpace::default())).unwrap()
    }

    pub fn session(&self, space: &Space) -> Session {
        self.session_with(space, vec![])
    }

    pub fn session_with(&self, space: &Space, strategies: Vec<LifecycleStrategy>) -> Session {
        run(self.ms.create_session(
            &space.id,
            NewSession {
                participants: vec!["u1".into(), "u2".into()],
                lifecycle_strategies: strategies,
                ..Default::default()
            },
        ))
        .unwrap()
    }

    pub fn post(&self, space: &Space, session: &Session, text: &str) -> Result<Event> {
        run(self.ms.post_event(&space.id, &session.id, msg(text)))
    }

    pub fn events(&self, space: &Space, session: &Session, q: EventQuery) -> Result<Vec<Event>> {
        run(self.ms.list_events(&space.id, &session.id, q))
    }
}

/// A user message event from u1.
pub fn msg(text: &str) -> NewEvent {
    NewEvent {
        body: json!({ "content": text }),
        emitter: Emitter::new("user", "u1"),
        event_type: Some("message".into()),
    }
}

/// An agent event of a given type.
pub fn agent(text: &str, kind: &str) -> NewEvent {
    NewEvent {
        body: json!({ "content": text }),
        emitter: Emitter::new("agent", "bot"),
        event_type: Some(kind.into()),
    }
}

/// `n` letters that do not compress (xorshift): a body stored at its full size.
pub fn noise(n: usize) -> String {
    let mut x = 0x2545_f491_u32;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            char::from(b'a' + (x % 26) as u8)
        })
        .collect()
}

pub fn seqs(events: &[Event]) -> Vec<u64> {
    events.iter().map(|e| e.sequence_id).collect()
}

/// A world with one session holding `n` events (every third a tool output), posted in
/// batches of 200.
pub fn world_with_events(n: usize) -> (World, Space, Session) {
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    let batch: Vec<_> = (0..n)
        .map(|i| {
            if i % 3 == 0 {
                agent(&format!("t{i}"), "tool_output")
            } else {
                msg(&format!("m{i}"))
            }
        })
        .collect();
    for chunk in batch.chunks(200) {
        run(w.ms.post_events(&sp.id, &s.id, chunk.to_vec())).unwrap();
    }
    (w, sp, s)
}

/// `n` handles over `kv` sharing one manual clock, and a space and a one-participant session
/// created through the first.
pub fn handles_over(
    kv: std::rc::Rc<dyn Kv>,
    n: usize,
) -> (
    Vec<memspace::Memspace>,
    memspace::model::Space,
    memspace::model::Session,
) {
    use memspace::model::{NewSession, NewSpace};
    let host = memspace::host::ManualHost::default();
    let hs: Vec<memspace::Memspace> = (0..n)
        .map(|_| World::with_kv(kv.clone(), host.clone()))
        .collect();
    let space = interleave::interleave(vec![Box::pin(hs[0].create_space(NewSpace::default()))], 1)
        .remove(0)
        .unwrap();
    let session = interleave::interleave(
        vec![Box::pin(hs[0].create_session(
            &space.id,
            NewSession {
                participants: vec!["u1".into()],
                ..Default::default()
            },
        ))],
        1,
    )
    .remove(0)
    .unwrap();
    (hs, space, session)
}
