//! Adversarial schedules against one-record appends (docs/storage.md, "One-record appends").
//! A backend whose `read_many` is not one snapshot (the default: reads one after another, as
//! every JavaScript `KvAdapter` with `atomicBatches: true` and the race suites' yielding
//! backend do) lets another handle write between a head's read and its newest event's read.

mod common;
use common::*;
use memspace::kv::{Batch, Capabilities, Entry, KeyRange, Kv, KvFuture, MemoryKv};
use memspace::model::*;
use memspace::{ErrorCode, Memspace};
use std::cell::RefCell;
use std::rc::Rc;

type Hook = Box<dyn FnOnce()>;

/// A memory store whose reads run one after another (the default `read_many`), and which runs
/// a hook once, just before answering the first one-key reverse scan of an event range after
/// it is armed: another handle's writes land between a head's read and its newest event's.
struct BetweenReads {
    inner: MemoryKv,
    hook: RefCell<Option<Hook>>,
    /// Run once before answering the next read of a session head.
    on_head: RefCell<Option<Hook>>,
}

impl Kv for BetweenReads {
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
    fn epoch(&self) -> Option<u64> {
        self.inner.epoch()
    }
    fn get<'a>(&'a self, key: &'a [u8]) -> KvFuture<'a, Option<Vec<u8>>> {
        if key.starts_with(b"se\0") {
            let hook = self.on_head.borrow_mut().take();
            if let Some(h) = hook {
                h();
            }
        }
        self.inner.get(key)
    }
    fn get_many<'a>(&'a self, keys: &'a [Vec<u8>]) -> KvFuture<'a, Vec<Option<Vec<u8>>>> {
        self.inner.get_many(keys)
    }
    fn scan<'a>(
        &'a self,
        range: &'a KeyRange,
        limit: usize,
        reverse: bool,
    ) -> KvFuture<'a, Vec<Entry>> {
        if limit == 1 && reverse && range.start.starts_with(b"ev\0") {
            let hook = self.hook.borrow_mut().take();
            if let Some(h) = hook {
                h();
            }
        }
        self.inner.scan(range, limit, reverse)
    }
    fn commit<'a>(&'a self, batch: Batch) -> KvFuture<'a, ()> {
        self.inner.commit(batch)
    }
}

fn plain(text: &str) -> NewEvent {
    NewEvent {
        body: serde_json::json!({ "content": text }),
        emitter: Emitter::new("user", "u1"),
        event_type: None,
    }
}

/// Handle `a` reads through [`BetweenReads`], handle `b` writes the store directly.
fn two_handles() -> (Memspace, Memspace, Rc<BetweenReads>, Space, Session) {
    let inner = MemoryKv::new();
    let host = memspace::host::ManualHost::default();
    let kv = Rc::new(BetweenReads {
        inner: inner.clone(),
        hook: RefCell::new(None),
        on_head: RefCell::new(None),
    });
    let a = World::with_kv(kv.clone(), host.clone());
    let b = World::with_kv(Rc::new(inner), host);
    let sp = run(b.create_space(NewSpace::default())).unwrap();
    let s = run(b.create_session(
        &sp.id,
        NewSession {
            participants: vec!["u1".into()],
            ..Default::default()
        },
    ))
    .unwrap();
    (a, b, kv, sp, s)
}

/// Handle B adds "soft-delete at 3 events" and appends the 2nd event while handle A reads the
/// head (before) and the newest event (after); A then appends. Run serially, the append that
/// makes 3 events fires the soft delete, and every later append answers `gone`.
#[test]
fn a_strategy_added_between_a_heads_read_and_its_newest_events_read_still_fires() {
    let (a, b, kv, sp, s) = two_handles();
    run(b.post_event(&sp.id, &s.id, plain("e0"))).unwrap();
    let (b2, spid, sid) = (b.clone(), sp.id.clone(), s.id.clone());
    *kv.hook.borrow_mut() = Some(Box::new(move || {
        run(b2.update_session(
            &spid,
            &sid,
            SessionUpdate {
                lifecycle_strategies: Some(vec![LifecycleStrategy::soft_delete(
                    Trigger::EventCount(3),
                )]),
                ..Default::default()
            },
        ))
        .unwrap();
        run(b2.post_event(&spid, &sid, plain("e1"))).unwrap();
    }));
    // A's first append reads the head, then (hook) B writes, then A reads the newest event.
    let third = run(a.post_event(&sp.id, &s.id, plain("e2"))).unwrap();
    assert_eq!(third.sequence_id, 2);
    assert!(kv.hook.borrow().is_none(), "the hook ran");
    // The third event reached the strategy's count: the session is deleted from here on.
    let fourth = run(a.post_event(&sp.id, &s.id, plain("e3")));
    expect_code(fourth, ErrorCode::Gone);
}

/// Handle B updates the description (acknowledged) and appends while handle A reads the head
/// (before) and the newest event (after); A appends one untyped event (one record), then a
/// typed one (its page mark and event, no head). B's update must survive A's appends.
#[test]
fn a_metadata_update_between_a_heads_read_and_its_newest_events_read_is_kept() {
    let (a, b, kv, sp, s) = two_handles();
    run(b.post_event(&sp.id, &s.id, plain("e0"))).unwrap();
    let (b2, spid, sid) = (b.clone(), sp.id.clone(), s.id.clone());
    *kv.hook.borrow_mut() = Some(Box::new(move || {
        run(b2.update_session(
            &spid,
            &sid,
            SessionUpdate {
                description: Patch::Set("kept".into()),
                ..Default::default()
            },
        ))
        .unwrap();
        run(b2.post_event(&spid, &sid, plain("e1"))).unwrap();
    }));
    run(a.post_event(&sp.id, &s.id, plain("e2"))).unwrap();
    assert!(kv.hook.borrow().is_none(), "the hook ran");
    // A typed event marks its type's first page: a head write.
    run(a.post_event(&sp.id, &s.id, msg("typed"))).unwrap();
    let got = run(b.get_session(&sp.id, &s.id)).unwrap();
    assert_eq!(got.event_count, 4);
    assert_eq!(
        got.description.as_deref(),
        Some("kept"),
        "B's acknowledged update was lost"
    );
    assert_eq!(got.version, 2);
}

/// (Not new with one-record appends: `post_batch` reads the space once and retries on it.) A
/// space deleted while an append of a handle without a cached space reads the session answers
/// `gone`, like every append after the delete, not `conflict` after its retries.
#[test]
fn an_append_whose_space_is_deleted_while_it_reads_the_session_answers_gone() {
    let (a, b, kv, sp, s) = two_handles();
    run(b.post_event(&sp.id, &s.id, plain("e0"))).unwrap();
    let (b2, spid) = (b.clone(), sp.id.clone());
    *kv.on_head.borrow_mut() = Some(Box::new(move || {
        run(b2.delete_space(&spid)).unwrap();
    }));
    let r = run(a.post_event(&sp.id, &s.id, plain("e1")));
    assert!(kv.on_head.borrow().is_none(), "the hook ran");
    expect_code(r, ErrorCode::Gone);
}

/// On a backend without atomic batches nothing is folded, so nothing needs the running token
/// count: events stay in format 3, which every deployed version reads (Workers KV and Fastly
/// KV run old and new versions side by side during a gradual deploy or after a rollback).
#[test]
fn events_on_a_backend_without_atomic_batches_keep_the_format_every_version_reads() {
    use memspace::kv::faulty::FaultyKv;
    let inner = MemoryKv::new();
    let kv = Rc::new(FaultyKv::new(inner.clone(), false));
    let ms = World::with_kv(kv, memspace::host::ManualHost::default());
    let sp = run(ms.create_space(NewSpace::default())).unwrap();
    let s = run(ms.create_session(
        &sp.id,
        NewSession {
            participants: vec!["u1".into()],
            ..Default::default()
        },
    ))
    .unwrap();
    run(ms.post_event(&sp.id, &s.id, plain("e0"))).unwrap();
    let key = memspace::codec::keys::Key::table("ev")
        .s(&sp.id)
        .s(&s.id)
        .n(0)
        .build();
    let stored = inner.snapshot()[&key].clone();
    assert_eq!(stored[0], memspace::codec::event::EVENT_FORMAT);
}

/// The race suites' own model (a yielding backend, seeded schedules): handle 0 appends
/// untyped events (one record each) and then typed ones (a page mark and the event) while
/// handle 1 updates the description and appends, twice. Both updates were acknowledged: the
/// last stays.
#[test]
fn seeded_appends_with_a_head_write_racing_metadata_updates_keep_the_last_update() {
    use common::interleave::{interleave, Task, YieldingKv};
    let mut lost = Vec::new();
    for seed in 0..200 {
        let kv = Rc::new(YieldingKv::new(MemoryKv::new()));
        let (hs, sp, s) = handles_over(kv, 2);
        let (h0, h1) = (hs[0].clone(), hs[1].clone());
        let (a, b) = (sp.id.clone(), s.id.clone());
        let appends: Task<'static, memspace::Result<()>> = Box::pin(async move {
            for i in 0..4 {
                h0.post_event(&a, &b, plain(&format!("p{i}"))).await?;
            }
            for (i, t) in ["t0", "t1", "t2"].iter().enumerate() {
                h0.post_event(&a, &b, agent(&format!("x{i}"), t)).await?;
            }
            Ok(())
        });
        let (a, b) = (sp.id.clone(), s.id.clone());
        let updates: Task<'static, memspace::Result<()>> = Box::pin(async move {
            for d in ["x", "y"] {
                h1.update_session(
                    &a,
                    &b,
                    SessionUpdate {
                        description: Patch::Set(d.into()),
                        ..Default::default()
                    },
                )
                .await?;
                h1.post_event(&a, &b, plain(d)).await?;
            }
            Ok(())
        });
        for r in interleave(vec![appends, updates], seed) {
            r.unwrap();
        }
        let got = run(hs[1].get_session(&sp.id, &s.id)).unwrap();
        assert_eq!(got.event_count, 9, "seed {seed}");
        if got.description.as_deref() != Some("y") || got.version != 3 {
            lost.push((seed, got.description, got.version));
        }
    }
    assert!(lost.is_empty(), "acknowledged updates lost: {lost:?}");
}

/// The tokens the engine counts for these bodies, appended in order to a fresh session.
fn tokens_of_bodies(bodies: &[serde_json::Value]) -> u64 {
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    for b in bodies {
        let e = NewEvent {
            body: b.clone(),
            emitter: Emitter::new("user", "u1"),
            event_type: None,
        };
        run(w.ms.post_event(&sp.id, &s.id, e)).unwrap();
    }
    run(w.ms.get_session(&sp.id, &s.id)).unwrap().token_count
}

/// Three handles on the race suites' yielding backend: one appends (one record, typed ones
/// that write the head, a batch), one updates the session twice, appends and deletes an
/// event, one reads and touches. Whatever the schedule: every acknowledged append is listed
/// at its id, the counts and tokens are the live events', the last update stands, and the
/// store verifies clean.
#[test]
fn seeded_mixed_writers_keep_every_acknowledged_write() {
    use common::interleave::{interleave, Task, YieldingKv};
    type Acked = Vec<(u64, serde_json::Value)>;
    for seed in 0..150 {
        let kv = Rc::new(YieldingKv::new(MemoryKv::new()));
        let (hs, sp, s) = handles_over(kv, 3);
        run(hs[0].post_event(&sp.id, &s.id, plain("warm"))).unwrap();
        let (h0, h1, h2) = (hs[0].clone(), hs[1].clone(), hs[2].clone());
        let (a, b) = (sp.id.clone(), s.id.clone());
        let t0: Task<'static, memspace::Result<Acked>> = Box::pin(async move {
            let mut acked = Vec::new();
            for i in 0..6 {
                let e = match i % 3 {
                    2 => agent(&format!("x{i}"), &format!("t{i}")),
                    _ => plain(&format!("p{i} {}", "w ".repeat(i))),
                };
                let body = e.body.clone();
                let got = h0.post_event(&a, &b, e).await?;
                acked.push((got.sequence_id, body));
            }
            let batch: Vec<NewEvent> = (0..3).map(|i| plain(&format!("b{i}"))).collect();
            let bodies: Vec<_> = batch.iter().map(|e| e.body.clone()).collect();
            let got = h0.post_events(&a, &b, batch).await?;
            for (e, body) in got.iter().zip(bodies) {
                acked.push((e.sequence_id, body));
            }
            Ok(acked)
        });
        let (a, b) = (sp.id.clone(), s.id.clone());
        let t1: Task<'static, memspace::Result<Acked>> = Box::pin(async move {
            let mut acked = Vec::new();
            let upd = |d: &str| SessionUpdate {
                description: Patch::Set(d.into()),
                ..Default::default()
            };
            h1.update_session(&a, &b, upd("d1")).await?;
            let e = plain("from h1");
            let body = e.body.clone();
            let got = h1.post_event(&a, &b, e).await?;
            acked.push((got.sequence_id, body));
            h1.delete_event(&a, &b, 0).await?;
            h1.update_session(&a, &b, upd("d2")).await?;
            Ok(acked)
        });
        let (a, b) = (sp.id.clone(), s.id.clone());
        let t2: Task<'static, memspace::Result<Acked>> = Box::pin(async move {
            for _ in 0..2 {
                h2.get_session(&a, &b).await?;
                let q = EventQuery {
                    last_n: Some(3),
                    ..Default::default()
                };
                h2.list_events(&a, &b, q).await?;
                h2.touch_session(&a, &b).await?;
            }
            Ok(Vec::new())
        });
        let mut acked: Acked = Vec::new();
        for r in interleave(vec![t0, t1, t2], seed) {
            acked.extend(r.unwrap_or_else(|e| panic!("seed {seed}: {e}")));
        }
        acked.sort_by_key(|(s, _)| *s);
        let ids: Vec<u64> = acked.iter().map(|(s, _)| *s).collect();
        assert_eq!(
            ids,
            (1..=acked.len() as u64).collect::<Vec<_>>(),
            "seed {seed}"
        );
        for h in &hs {
            let got = run(h.get_session(&sp.id, &s.id)).unwrap();
            assert_eq!(got.event_count, 1 + acked.len() as u64, "seed {seed}");
            let live: Vec<_> = acked.iter().map(|(_, b)| b.clone()).collect();
            assert_eq!(got.token_count, tokens_of_bodies(&live), "seed {seed}");
            assert_eq!(
                (got.description.as_deref(), got.version),
                (Some("d2"), 3),
                "seed {seed}"
            );
            let listed = run(h.list_events(&sp.id, &s.id, EventQuery::default())).unwrap();
            let listed: Vec<_> = listed
                .into_iter()
                .map(|e| (e.sequence_id, e.body))
                .collect();
            assert_eq!(listed, acked, "seed {seed}");
        }
        let report = run(hs[2].verify_space(&sp.id)).unwrap();
        assert!(report.is_clean(), "seed {seed}: {report:?}");
    }
}
