//! Crash tests for every memory and association write: the write is cut off after each
//! possible single-key write, on an atomic and on a non-atomic (key-by-key) backend; the data
//! is reopened and a fresh handle must see exactly the state before or after the write (after
//! it when the write was acknowledged), with counts, records, index keys and links agreeing,
//! and the space must take the next write.

mod memories_common;

use memories_common::*;
use memspace::host::ManualHost;
use memspace::kv::faulty::FaultyKv;
use memspace::kv::{Batch, Capabilities, Entry, KeyRange, Kv, KvFuture, MemoryKv};
use memspace::model::*;
use memspace::{ErrorCode, Memspace, Result, Timestamp};
use std::cell::RefCell;
use std::rc::Rc;

/// What a test prepared before the write under test.
struct Ctx {
    space: String,
    host: ManualHost,
    /// keyed `user.city`, with tags, metadata, an idempotency key, two versions, links.
    city: String,
    topic: String,
    forgotten: String,
    expiring: String,
    /// Linked to `city` and `topic`.
    hub: String,
    link: String,
}

type Op = fn(&Memspace, &Ctx) -> Result<()>;
type Prefix = fn(&Memspace, &Ctx, usize) -> Result<()>;

/// One write under test: how to run it, and the states besides before/after a crash may
/// leave (for a non-atomic batch: after its first operation).
struct Case {
    name: &'static str,
    op: Op,
    /// A write made of several commits: how to make the intermediate states it may stop at
    /// (the first k of its parts, k = 1..n).
    mid: Option<(Prefix, usize)>,
    /// A write that may be finished by calling it again (a chunked purge).
    resumable: bool,
    /// Extra setup (many links, many versions) before the write.
    big: bool,
}

const OBSERVE_AT: i64 = 1_767_225_600 + 10_000;

fn observer(kv: Rc<dyn memspace::kv::Kv>) -> Memspace {
    handle(kv, &ManualHost::new(Timestamp::from_secs(OBSERVE_AT), 7))
}

fn prepare(ms: &Memspace, host: &ManualHost, big: bool) -> Ctx {
    let space = run(ms.create_space(NewSpace::default())).unwrap().id;
    let city = remember(
        ms,
        &space,
        NewMemory {
            tags: vec!["home".into()],
            metadata: Some(serde_json::json!({"k": 1}).as_object().unwrap().clone()),
            idempotency_key: Some("idem-city".into()),
            ..keyed("lives in Paris", "user.city")
        },
    )
    .id;
    run(ms.update_memory(
        &space,
        &city,
        MemoryUpdate {
            content: Some("lives in Paris, France".into()),
            ..Default::default()
        },
    ))
    .unwrap();
    let topic = remember(ms, &space, text("travel plans")).id;
    let hub = remember(ms, &space, text("hub")).id;
    let link_id = link(ms, &space, &topic, &city, "references", 0.6).id;
    link(ms, &space, &hub, &city, "related_to", 0.4);
    link(ms, &space, &hub, &topic, "related_to", 0.4);
    let forgotten = remember(ms, &space, text("forgotten one")).id;
    link(ms, &space, &forgotten, &topic, "related_to", 0.3);
    run(ms.forget_memory(&space, &forgotten, false)).unwrap();
    let expiring = remember(
        ms,
        &space,
        NewMemory {
            expires_at: Some(Timestamp::from_secs(1_767_225_600 + 100)),
            ..text("in a meeting")
        },
    )
    .id;
    if big {
        // More versions and edges than one purge commit erases (64).
        for i in 0..40 {
            run(ms.update_memory(
                &space,
                &hub,
                MemoryUpdate {
                    content: Some(format!("hub v{i}")),
                    ..Default::default()
                },
            ))
            .unwrap();
        }
        for i in 0..30 {
            let s = remember(ms, &space, text(&format!("spoke {i}"))).id;
            link(ms, &space, &hub, &s, "contains", 0.5);
        }
    }
    Ctx {
        space,
        host: host.clone(),
        city,
        topic,
        forgotten,
        expiring,
        hub,
        link: link_id,
    }
}

fn observe(kv: Rc<dyn memspace::kv::Kv>, ctx: &Ctx) -> MemSnap {
    mem_snap(&observer(kv), &ctx.space)
}

/// Passes calls through and records how many key writes each commit makes.
struct Recording {
    inner: Rc<FaultyKv>,
    commits: RefCell<Vec<u64>>,
}

impl Kv for Recording {
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
    fn get<'a>(&'a self, key: &'a [u8]) -> KvFuture<'a, Option<Vec<u8>>> {
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
        self.inner.scan(range, limit, reverse)
    }
    fn commit<'a>(&'a self, batch: Batch) -> KvFuture<'a, ()> {
        self.commits.borrow_mut().push(batch.ops.len() as u64);
        self.inner.commit(batch)
    }
}

/// Runs `case` with a crash after every possible number of key writes (on an atomic backend,
/// where a batch lands whole or not at all, once per commit); returns crash points.
fn crash_everywhere(case: &Case, atomic: bool) -> u64 {
    let name = case.name;
    let fresh = || {
        let data = MemoryKv::new();
        let host = ManualHost::default();
        let ctx = prepare(&handle(Rc::new(data.clone()), &host), &host, case.big);
        (data, ctx)
    };
    let (data, ctx) = fresh();
    let before = observe(Rc::new(data.clone()), &ctx);
    let recording = Rc::new(Recording {
        inner: Rc::new(FaultyKv::new(data.clone(), atomic)),
        commits: RefCell::new(Vec::new()),
    });
    (case.op)(&handle(recording.clone(), &ctx.host), &ctx)
        .unwrap_or_else(|e| panic!("{name}: the write itself fails: {e}"));
    // Crash points: every key write; on an atomic backend, the start of every commit.
    let total: u64 = recording.commits.borrow().iter().sum();
    let cuts: Vec<u64> = if atomic {
        let mut at = 0;
        let mut cuts = Vec::new();
        for n in recording.commits.borrow().iter() {
            if *n > 0 {
                cuts.push(at);
            }
            at += n;
        }
        cuts
    } else {
        (0..total).collect()
    };
    let after = observe(Rc::new(data.clone()), &ctx);
    assert_ne!(
        before, after,
        "{name}: the write changes nothing observable"
    );
    let mids: Vec<MemSnap> = match case.mid {
        None => Vec::new(),
        Some((prefix, n)) => (1..n)
            .map(|k| {
                let (data, ctx) = fresh();
                prefix(&handle(Rc::new(data.clone()), &ctx.host), &ctx, k).unwrap();
                observe(Rc::new(data), &ctx)
            })
            .collect(),
    };
    let mut points = 0;
    let mut resumed = 0;
    for n in cuts {
        let (data, ctx) = fresh();
        let faulty = Rc::new(FaultyKv::new(data, atomic));
        faulty.crash_after(n);
        let result = (case.op)(&handle(faulty.clone(), &ctx.host), &ctx);
        assert!(
            faulty.crashed(),
            "{name}: no crash after {n} of {total} writes"
        );
        points += 1;
        // Reopen what reached the disk with a new process (handle and host).
        let disk = faulty.data();
        let reopened: Rc<dyn memspace::kv::Kv> = Rc::new(FaultyKv::new(disk.clone(), atomic));
        let seen = observe(reopened.clone(), &ctx);
        match &result {
            Ok(()) => assert_eq!(
                seen, after,
                "{name}: an acknowledged write is lost (crash after {n} writes, atomic={atomic})"
            ),
            Err(e) => {
                assert_eq!(e.code, ErrorCode::Storage, "{name}: {e}");
                let known = seen == before || seen == after || mids.contains(&seen);
                if !known && case.resumable {
                    // A purge stopped between its commits: the tombstone is committed and
                    // everything visible is as after; stored edges are still counted until
                    // the purge is finished by forgetting again.
                    let mut visible = seen.clone();
                    visible.stats.associations = after.stats.associations;
                    assert_eq!(
                        visible, after,
                        "{name}: a purge stopped half way shows more than its count"
                    );
                    (case.op)(&observer(reopened.clone()), &ctx).unwrap();
                    resumed += 1;
                    assert_eq!(
                        observe(reopened.clone(), &ctx),
                        after,
                        "{name}: forgetting again finishes the purge"
                    );
                } else {
                    assert!(known, "{name}: a crash after {n} writes (atomic={atomic}) leaves a state that is neither before nor after:\n{seen:#?}");
                }
            }
        }
        let ms = observer(reopened);
        check_memory_invariants(&ms, &disk, &ctx.space);
        // The space keeps working.
        run(ms.remember(&ctx.space, text("after the crash"))).unwrap();
        run(ms.remember(&ctx.space, keyed("lives in Oslo", "user.city"))).unwrap();
        check_memory_invariants(&ms, &disk, &ctx.space);
    }
    assert_eq!(
        case.resumable,
        resumed > 0,
        "{name}: stopped between the commits of a purge {resumed} times"
    );
    points
}

fn update(ms: &Memspace, c: &Ctx, id: &str, u: MemoryUpdate) -> Result<()> {
    run(ms.update_memory(&c.space, id, u)).map(|_| ())
}

const CASES: &[Case] = &[
    Case {
        name: "remember",
        op: |ms, c| {
            run(ms.remember(
                &c.space,
                NewMemory {
                    tags: vec!["t".into()],
                    context_id: Some("ctx".into()),
                    ..text("a new fact")
                },
            ))
            .map(|_| ())
        },
        mid: None,
        resumable: false,
        big: false,
    },
    Case {
        name: "remember superseding a logical key",
        op: |ms, c| run(ms.remember(&c.space, keyed("lives in Berlin", "user.city"))).map(|_| ()),
        mid: None,
        resumable: false,
        big: false,
    },
    Case {
        name: "update_memory",
        op: |ms, c| {
            update(
                ms,
                c,
                &c.city,
                MemoryUpdate {
                    content: Some("lives in Lyon".into()),
                    tags: Some(vec!["moved".into()]),
                    expected_version: Some(2),
                    ..Default::default()
                },
            )
        },
        mid: None,
        resumable: false,
        big: false,
    },
    Case {
        name: "decay_memory",
        op: |ms, c| run(ms.decay_memory(&c.space, &c.topic, Some(0.5))).map(|_| ()),
        mid: None,
        resumable: false,
        big: false,
    },
    Case {
        name: "forget_memory soft",
        op: |ms, c| run(ms.forget_memory(&c.space, &c.city, false)),
        mid: None,
        resumable: false,
        big: false,
    },
    Case {
        name: "forget_memory hard",
        op: |ms, c| run(ms.forget_memory(&c.space, &c.city, true)),
        mid: None,
        resumable: false,
        big: false,
    },
    Case {
        name: "forget_memory hard, purge in chunks",
        op: |ms, c| run(ms.forget_memory(&c.space, &c.hub, true)),
        mid: None,
        resumable: true,
        big: true,
    },
    Case {
        name: "restore_memory",
        op: |ms, c| run(ms.restore_memory(&c.space, &c.forgotten)).map(|_| ()),
        mid: None,
        resumable: false,
        big: false,
    },
    Case {
        name: "associate",
        op: |ms, c| {
            run(ms.associate(
                &c.space,
                &c.city,
                NewAssociation {
                    target_id: c.topic.clone(),
                    relationship: "occurs_in".into(),
                    strength: Some(0.7),
                    metadata: None,
                },
            ))
            .map(|_| ())
        },
        mid: None,
        resumable: false,
        big: false,
    },
    Case {
        name: "update_association",
        op: |ms, c| {
            run(ms.update_association(
                &c.space,
                &c.link,
                AssociationUpdate {
                    strength: Some(0.95),
                    metadata: None,
                },
            ))
            .map(|_| ())
        },
        mid: None,
        resumable: false,
        big: false,
    },
    Case {
        name: "delete_association",
        op: |ms, c| run(ms.delete_association(&c.space, &c.link)),
        mid: None,
        resumable: false,
        big: false,
    },
    Case {
        name: "batch_memories atomic",
        op: |ms, c| batch(ms, c, true),
        mid: None,
        resumable: false,
        big: false,
    },
    Case {
        name: "batch_memories non-atomic",
        op: |ms, c| batch(ms, c, false),
        mid: Some((batch_first, 4)),
        resumable: false,
        big: false,
    },
    Case {
        name: "sweep records an expiry",
        op: |ms, c| {
            c.host.advance_secs(200);
            let r = run(ms.sweep(10))?;
            assert_eq!(r.memories_expired, 1);
            Ok(())
        },
        mid: None,
        resumable: false,
        big: false,
    },
];

fn batch_ops(c: &Ctx) -> Vec<BatchOp> {
    vec![
        BatchOp::Create(keyed("lives in Rome", "user.city")),
        BatchOp::Update {
            memory_id: c.topic.clone(),
            update: MemoryUpdate {
                importance: Some(0.9),
                ..Default::default()
            },
        },
        BatchOp::Delete {
            memory_id: c.hub.clone(),
            hard: true,
        },
        BatchOp::Delete {
            memory_id: c.expiring.clone(),
            hard: false,
        },
    ]
}

fn batch(ms: &Memspace, c: &Ctx, atomic: bool) -> Result<()> {
    let r = run(ms.batch_memories(&c.space, batch_ops(c), atomic))?;
    match r.results.iter().find_map(|x| x.error.clone()) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// The states a non-atomic batch may stop at: its first k operations applied.
fn batch_first(ms: &Memspace, c: &Ctx, k: usize) -> Result<()> {
    let mut ops = batch_ops(c);
    ops.truncate(k);
    run(ms.batch_memories(&c.space, ops, false)).map(|_| ())
}

#[test]
fn every_memory_write_survives_a_crash_at_every_key_write() {
    let mut total = 0;
    for case in CASES {
        for atomic in [true, false] {
            let points = crash_everywhere(case, atomic);
            assert!(points >= 1, "{}: no crash point exercised", case.name);
            println!(
                "{:<40} atomic={atomic:<5} crash points: {points}",
                case.name
            );
            total += points;
        }
    }
    println!("crash points exercised in total: {total}");
}

#[test]
fn a_crash_during_a_roll_forward_still_completes_the_write() {
    // Crash a write right after its commit point, then crash the first reader's roll-forward
    // after each of its key writes: a third reader must still see the whole write.
    let mut points = 0;
    for n in 0.. {
        let data = MemoryKv::new();
        let host = ManualHost::default();
        let ctx = prepare(&handle(Rc::new(data.clone()), &host), &host, false);
        let faulty = Rc::new(FaultyKv::new(data, false));
        faulty.crash_after(2); // journal and pending head landed: committed
        let ms = handle(faulty.clone(), &host);
        assert!(run(ms.remember(&ctx.space, keyed("lives in Berlin", "user.city"))).is_err());
        let reader = Rc::new(FaultyKv::new(faulty.data(), false));
        reader.crash_after(n);
        let r = run(handle(reader.clone(), &host).get_memory(&ctx.space, &ctx.city));
        if !reader.crashed() {
            assert_eq!(r.unwrap().status, MemoryStatus::Superseded);
            break;
        }
        points += 1;
        let disk = reader.data();
        let third = observer(Rc::new(FaultyKv::new(disk.clone(), false)));
        assert_eq!(
            run(third.get_memory(&ctx.space, &ctx.city)).unwrap().status,
            MemoryStatus::Superseded
        );
        check_memory_invariants(&third, &disk, &ctx.space);
    }
    println!("roll-forward crash points: {points}");
    assert!(points >= 3);
}
