//! Exactly-once extraction under crashes: a lifecycle firing plus a whole extraction run
//! (claim, several chunk commits with memories, a supersession, duplicates, the soft delete
//! after the job) is cut after each of its single-key writes, on an atomic and a key-by-key
//! backend — which includes every point between an LLM answer and its commit. The store is
//! reopened from what landed and runs are repeated (leases expire, backoffs pass) until the
//! job is done: the memories must then be exactly those of an uninterrupted run, each once,
//! with exact counts, and the session soft-deleted.

mod common;
use common::*;
use memspace::host::{ManualHost, ScriptedLlm};
use memspace::kv::faulty::FaultyKv;
use memspace::kv::{Kv, MemoryKv};
use memspace::model::*;
use memspace::Memspace;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::rc::Rc;

fn handle(kv: Rc<dyn Kv>, host: &ManualHost) -> Memspace {
    Memspace::new(kv, Rc::new(host.clone()), Principal::new("u1", "t1"))
        .unwrap()
        .with_llm(Rc::new(ScriptedLlm::with_rules(vec![])))
}

const LINES: &[&str] = &[
    "Hello there",
    "My name is Ana",
    "I live in Lisbon",
    "I like green tea",
    "I work at Acme",
    "I like green tea",
    "Always answer in Portuguese",
    "I like long walks by the river",
    "I moved to Porto",
    "I dislike loud music",
    "Tomorrow i fly to Berlin",
    "I enjoy chess",
];

/// A space and a session whose extraction (soft delete after) is due but not fired yet.
fn setup() -> (BTreeMap<Vec<u8>, Vec<u8>>, ManualHost, String, String) {
    let kv = MemoryKv::new();
    let host = ManualHost::default();
    let ms = handle(Rc::new(kv.clone()), &host);
    let sp = run(ms.create_space(NewSpace::default())).unwrap();
    let s = run(ms.create_session(
        &sp.id,
        NewSession {
            participants: vec!["u1".into()],
            lifecycle_strategies: vec![LifecycleStrategy::extract(Trigger::Idle(600), None)],
            ..Default::default()
        },
    ))
    .unwrap();
    for line in LINES {
        host.advance_secs(10);
        run(ms.post_event(&sp.id, &s.id, msg(line))).unwrap();
    }
    host.advance_secs(601);
    (kv.snapshot(), host, sp.id, s.id)
}

/// The operation under test: fire due triggers, then run extraction in small chunks.
fn operation(ms: &Memspace) -> memspace::Result<()> {
    run(ms.sweep(100))?;
    run(ms.run_extraction(RunOptions {
        chunk_tokens: Some(256),
        ..Default::default()
    }))?;
    Ok(())
}

/// What the store shows: memories (content, status, key, event range) and exact counts,
/// the job's state, and whether the session is soft-deleted.
fn observe(kv: Rc<dyn Kv>, host: &ManualHost, space: &str, session: &str) -> Value {
    let ms = handle(kv.clone(), host);
    let mut mems: Vec<Value> = run(ms.list_memories(
        space,
        MemoryFilter {
            statuses: vec![MemoryStatus::Active, MemoryStatus::Superseded],
            ..Default::default()
        },
        Page::default(),
    ))
    .unwrap()
    .into_iter()
    .map(|m| {
        json!([
            m.content,
            m.status,
            m.logical_key,
            m.provenance.event_from,
            m.provenance.event_to
        ])
    })
    .collect();
    mems.sort_by_key(|v| v.to_string());
    let stats = run(ms.memory_stats(space)).unwrap();
    let jobs = run(ms.list_extraction_jobs(space, JobFilter::default())).unwrap();
    let jobs: Vec<Value> = jobs
        .iter()
        .map(|j| {
            json!([
                j.status,
                j.stats.created,
                j.stats.deduplicated,
                j.stats.superseded,
                j.memory_ids.len(),
                j.session_deleted
            ])
        })
        .collect();
    let head = run(ms.get_session(space, session));
    json!({
        "memories": mems,
        "stats": stats,
        "jobs": jobs,
        "session": head.map(|_| "live".to_string()).unwrap_or_else(|e| e.details.get("state").and_then(|s| s.as_str()).unwrap_or("deleted").to_string()),
    })
}

#[test]
fn extraction_is_exactly_once_under_a_crash_at_every_write_on_both_kinds_of_backend() {
    let (snapshot, host0, space, session) = setup();
    for atomic in [true, false] {
        // The uninterrupted run: how many key writes it makes, and what it leaves.
        let clean = Rc::new(FaultyKv::new(MemoryKv::from_map(snapshot.clone()), atomic));
        let host = host0.fork();
        operation(&handle(clean.clone(), &host)).unwrap();
        let writes = clean.writes();
        let expected = observe(clean.clone(), &host, &space, &session);
        assert_eq!(expected["session"], "deleted");
        assert_eq!(expected["jobs"][0][0], "done");
        assert!(expected["memories"].as_array().unwrap().len() >= 8);
        assert!(
            expected["memories"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m[1] == "superseded"),
            "Porto supersedes Lisbon"
        );
        for cut in 0..writes {
            let faulty = Rc::new(FaultyKv::new(MemoryKv::from_map(snapshot.clone()), atomic));
            faulty.crash_after(cut);
            let host = host0.fork();
            assert!(
                operation(&handle(faulty.clone(), &host)).is_err(),
                "cut {cut}: the crash is reported"
            );
            // Reopen from what landed (the same kind of backend); run again as a restarted host
            // would, past leases and backoffs, until nothing is left.
            let data: Rc<dyn Kv> = Rc::new(FaultyKv::new(faulty.data(), atomic));
            for _ in 0..8 {
                host.advance_secs(3601);
                operation(&handle(data.clone(), &host)).unwrap();
            }
            let got = observe(data.clone(), &host, &space, &session);
            assert_eq!(
                got, expected,
                "atomic={atomic}, cut after write {cut} of {writes}"
            );
        }
    }
}
