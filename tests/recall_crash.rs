//! Crash tests of index writes: every memory write that changes the recall index (remember,
//! supersede, update, decay, soft and hard forget, restore, an atomic batch) is cut after each
//! of its key writes, on an atomic backend and on a key-by-key one. After each crash the data
//! is reopened with a new handle, which must recall exactly what it recalled before the write
//! or exactly what it recalls after it (after it when the write was acknowledged), and whose
//! index must agree with the records (`check_index`).

mod recall_common;

use memspace::host::ManualHost;
use memspace::index::delta::MAX_RECORDS;
use memspace::kv::faulty::FaultyKv;
use memspace::kv::{Kv, MemoryKv};
use memspace::model::*;
use memspace::{Memspace, Result};
use recall_common::*;
use std::collections::BTreeMap;
use std::rc::Rc;

type Snapshot = BTreeMap<Vec<u8>, Vec<u8>>;

const QUERIES: &[&str] = &[
    "Alice city Lisbon Porto",
    "standup time",
    "vault code",
    "release notes",
    "parking",
];

/// A new handle on what landed, with the backend's capabilities (a key-by-key backend rolls
/// journals forward on reads) and a host whose ids differ from the crashed handle's.
fn reopen(kv: MemoryKv, atomic: bool) -> Memspace {
    let host = ManualHost::new(memspace::Timestamp::from_secs(1_767_225_600), 777);
    handle(Rc::new(FaultyKv::new(kv, atomic)), &host, true)
}

/// What recall answers for the fixed queries (ids, contents and scores, in order).
fn answers(kv: MemoryKv, sp: &str, atomic: bool) -> Vec<Vec<(String, String, String)>> {
    let ms = reopen(kv, atomic);
    QUERIES
        .iter()
        .map(|t| {
            run(ms.recall(
                sp,
                RecallQuery {
                    query: t.to_string(),
                    min_relevance: Some(0.0),
                    limit: Some(100),
                    ..Default::default()
                },
            ))
            .unwrap()
            .memories
            .into_iter()
            .map(|m| {
                (
                    m.memory.id,
                    m.memory.content,
                    format!("{:.6}", m.boosted_score),
                )
            })
            .collect()
        })
        .collect()
}

fn base() -> (Snapshot, String, BTreeMap<&'static str, String>) {
    let (ms, kv, _, sp) = setup(true);
    let mut ids = BTreeMap::new();
    ids.insert(
        "city",
        remember_with(
            &ms,
            &sp,
            NewMemory {
                content: "Alice lives in Lisbon".into(),
                logical_key: Some("alice.city".into()),
                ..Default::default()
            },
        ),
    );
    ids.insert("standup", remember(&ms, &sp, "Standup is at 9am"));
    ids.insert("vault", remember(&ms, &sp, "The vault code is 4711"));
    let gone = remember(&ms, &sp, "Parking is behind the building");
    // The forget folds every delta record into the pages ...
    run(ms.forget_memory(&sp, &gone, false)).unwrap();
    ids.insert("parking", gone);
    // ... and this memory stays in a delta record: the operations below meet one memory
    // in the pages and one still in a delta (a hard forget of it, a batch updating it).
    ids.insert(
        "notes",
        remember(&ms, &sp, "Release notes go out on Fridays"),
    );
    assert!(
        kv.snapshot().keys().any(|k| k.starts_with(b"rx\0")),
        "the base state holds a delta record"
    );
    run(ms.associate(
        &sp,
        &ids["notes"],
        NewAssociation {
            target_id: ids["standup"].clone(),
            relationship: "related_to".into(),
            strength: Some(0.7),
            metadata: None,
        },
    ))
    .unwrap();
    (kv.snapshot(), sp, ids)
}

type Op = Box<dyn Fn(&Memspace, &str, &BTreeMap<&'static str, String>) -> Result<()>>;

fn ops() -> Vec<(&'static str, Op)> {
    vec![
        (
            "remember",
            Box::new(|ms, sp, _| {
                run(ms.remember(
                    sp,
                    NewMemory {
                        content: "Release notes moved to Mondays".into(),
                        ..Default::default()
                    },
                ))
                .map(|_| ())
            }),
        ),
        (
            "supersede by key",
            Box::new(|ms, sp, _| {
                run(ms.remember(
                    sp,
                    NewMemory {
                        content: "Alice moved to Porto".into(),
                        logical_key: Some("alice.city".into()),
                        ..Default::default()
                    },
                ))
                .map(|_| ())
            }),
        ),
        (
            "update content",
            Box::new(|ms, sp, ids| {
                run(ms.update_memory(
                    sp,
                    &ids["standup"],
                    MemoryUpdate {
                        content: Some("Standup time is now 10am".into()),
                        ..Default::default()
                    },
                ))
                .map(|_| ())
            }),
        ),
        (
            "decay",
            Box::new(|ms, sp, ids| run(ms.decay_memory(sp, &ids["vault"], Some(0.5))).map(|_| ())),
        ),
        (
            "forget soft",
            Box::new(|ms, sp, ids| run(ms.forget_memory(sp, &ids["vault"], false))),
        ),
        (
            "forget hard",
            Box::new(|ms, sp, ids| run(ms.forget_memory(sp, &ids["notes"], true))),
        ),
        (
            "restore",
            Box::new(|ms, sp, ids| run(ms.restore_memory(sp, &ids["parking"])).map(|_| ())),
        ),
        (
            "atomic batch",
            Box::new(|ms, sp, ids| {
                let ops = vec![
                    BatchOp::Create(NewMemory {
                        content: "Vault code rotates monthly".into(),
                        ..Default::default()
                    }),
                    BatchOp::Delete {
                        memory_id: ids["vault"].clone(),
                        hard: true,
                    },
                    BatchOp::Update {
                        memory_id: ids["notes"].clone(),
                        update: MemoryUpdate {
                            importance: Some(0.9),
                            ..Default::default()
                        },
                    },
                ];
                run(ms.batch_memories(sp, ops, true)).map(|_| ())
            }),
        ),
    ]
}

#[test]
fn a_crash_at_any_index_write_leaves_recall_before_or_after_on_both_kinds_of_backend() {
    let (snap, sp, ids) = base();
    let before = answers(MemoryKv::from_map(snap.clone()), &sp, true);
    let mut crash_points = 0;
    for (name, op) in ops() {
        for atomic in [true, false] {
            // A clean run: how many key writes the operation makes, and the state after it.
            let clean = Rc::new(FaultyKv::new(MemoryKv::from_map(snap.clone()), atomic));
            let ms = handle(clean.clone() as Rc<dyn Kv>, &ManualHost::default(), true);
            op(&ms, &sp, &ids).unwrap_or_else(|e| panic!("{name}: {e}"));
            let writes = clean.writes();
            let after = answers(clean.data(), &sp, atomic);
            assert_ne!(before, after, "{name} changes nothing recall sees");
            for n in 0..writes {
                let faulty = Rc::new(FaultyKv::new(MemoryKv::from_map(snap.clone()), atomic));
                let ms = handle(faulty.clone() as Rc<dyn Kv>, &ManualHost::default(), true);
                faulty.crash_after(n);
                let res = op(&ms, &sp, &ids);
                let seen = answers(faulty.data(), &sp, atomic);
                let label = format!(
                    "{name}, {} backend, crash after {n} of {writes} writes",
                    if atomic { "atomic" } else { "key-by-key" }
                );
                if res.is_ok() {
                    assert_eq!(seen, after, "{label}: acknowledged but not visible");
                } else {
                    assert!(
                        seen == before || seen == after,
                        "{label}: a partial write is visible"
                    );
                }
                let reopened = reopen(faulty.data(), atomic);
                assert_index_consistent(&reopened, &sp);
                // The store accepts the next write, and its index stays consistent.
                run(reopened.remember(
                    &sp,
                    NewMemory {
                        content: "after the crash".into(),
                        ..Default::default()
                    },
                ))
                .unwrap();
                assert_index_consistent(&reopened, &sp);
                crash_points += 1;
            }
        }
    }
    println!("{crash_points} crash points");
    assert!(crash_points > 40);
}

#[test]
fn a_crash_at_any_write_of_a_fold_leaves_recall_before_or_after_on_both_kinds_of_backend() {
    // As many delta records as the bound allows: the next remember folds them all.
    let (ms, kv, _, sp) = setup(true);
    for i in 0..MAX_RECORDS {
        // Few distinct words (so the fold writes few pages and the test stays quick).
        let (a, b) = (i % 16, i / 16);
        remember(&ms, &sp, &format!("Standup note {a} {b}: parking moved"));
    }
    let deltas = |snap: &Snapshot| snap.keys().filter(|k| k.starts_with(b"rx\0")).count();
    let snap = kv.snapshot();
    assert_eq!(deltas(&snap), MAX_RECORDS as usize);
    let before = answers(MemoryKv::from_map(snap.clone()), &sp, true);
    let op = |ms: &Memspace| {
        run(ms.remember(
            &sp,
            NewMemory {
                content: "Release notes: the standup moved to the parking garage".into(),
                ..Default::default()
            },
        ))
        .map(|_| ())
    };
    let mut crash_points = 0;
    for atomic in [true, false] {
        let clean = Rc::new(FaultyKv::new(MemoryKv::from_map(snap.clone()), atomic));
        let ms = handle(clean.clone() as Rc<dyn Kv>, &ManualHost::default(), true);
        op(&ms).unwrap();
        let writes = clean.writes();
        assert_eq!(
            deltas(&clean.data().snapshot()),
            0,
            "the write folded the deltas"
        );
        let after = answers(clean.data(), &sp, atomic);
        assert_ne!(before, after);
        // Every other cut on a key-by-key backend (the journal, the commit point, then
        // pages, deletions of the delta records, ordinal and heads, all hit); every 16th on
        // an atomic one (one batch: a cut anywhere is the state before).
        let step = if atomic { 16 } else { 2 };
        for n in (0..writes).step_by(step) {
            let faulty = Rc::new(FaultyKv::new(MemoryKv::from_map(snap.clone()), atomic));
            let ms = handle(faulty.clone() as Rc<dyn Kv>, &ManualHost::default(), true);
            faulty.crash_after(n);
            let res = op(&ms);
            let seen = answers(faulty.data(), &sp, atomic);
            let label = format!("fold, atomic {atomic}, crash after {n} of {writes} writes");
            if res.is_ok() {
                assert_eq!(seen, after, "{label}: acknowledged but not visible");
            } else {
                assert!(
                    seen == before || seen == after,
                    "{label}: a partial write is visible"
                );
            }
            assert_index_consistent(&reopen(faulty.data(), atomic), &sp);
            crash_points += 1;
        }
    }
    println!("{crash_points} crash points");
    assert!(crash_points > 10);
}
