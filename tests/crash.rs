//! Crash tests: every write operation is cut off after each of its single-key writes, on an
//! atomic and a non-atomic backend; the store is reopened from what landed and must show the
//! state before or after the operation, never a mix. Then the operation is retried on the
//! reopened store and must behave exactly as it would on that clean state (so stale claims,
//! orphaned keys and half-applied journals are all recovered).

mod common;
use common::*;
use memspace::host::{Host, ManualHost};
use memspace::kv::faulty::FaultyKv;
use memspace::kv::{Kv, MemoryKv};
use memspace::model::*;
use memspace::{Memspace, Result, Timestamp};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::rc::Rc;

type Map = BTreeMap<Vec<u8>, Vec<u8>>;

/// Ids made during setup, handed to the operation.
#[derive(Clone, Default)]
struct Ctx {
    space: String,
    session: String,
    dedup_session: String,
}

struct Scenario {
    name: &'static str,
    /// Seconds the clock moves between setup and the operation (to make triggers due).
    advance: i64,
    op: fn(&Memspace, &Ctx) -> Result<Value>,
}

fn principal() -> Principal {
    Principal::new("u1", "t1")
}

fn engine(kv: Rc<dyn Kv>, host: &ManualHost) -> Memspace {
    Memspace::new(kv, Rc::new(host.clone()), principal()).unwrap()
}

/// Acknowledged state every scenario starts from.
fn setup(ms: &Memspace, host: &ManualHost) -> Ctx {
    let space = run(ms.create_space(NewSpace {
        description: Some("d".into()),
        deduplication_key: Some("space-key".into()),
        llm_model_name: Some("gpt-4o".into()),
        ..Default::default()
    }))
    .unwrap();
    host.advance_micros(1000);
    let strategies = vec![
        LifecycleStrategy::extract(
            Trigger::Ttl(3600),
            Some(StrategyOpts {
                soft_delete: Some(false),
                ..Default::default()
            }),
        ),
        LifecycleStrategy::soft_delete(Trigger::Idle(7200)),
    ];
    let session = run(ms.create_session(
        &space.id,
        NewSession {
            participants: vec!["u1".into()],
            lifecycle_strategies: strategies,
            ..Default::default()
        },
    ))
    .unwrap();
    host.advance_micros(1000);
    let dedup = run(ms.create_session(
        &space.id,
        NewSession {
            participants: vec!["u1".into()],
            deduplication_key: Some("conv".into()),
            ..Default::default()
        },
    ))
    .unwrap();
    run(ms.post_events(
        &space.id,
        &session.id,
        (0..4).map(|i| msg(&format!("m{i}"))).collect(),
    ))
    .unwrap();
    host.advance_micros(1000);
    Ctx {
        space: space.id,
        session: session.id,
        dedup_session: dedup.id,
    }
}

fn v<T: serde::Serialize>(r: Result<T>) -> Result<Value> {
    r.map(|x| serde_json::to_value(x).unwrap_or(Value::Null))
}

fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "create_space",
            advance: 0,
            op: |ms, _| v(run(ms.create_space(NewSpace::default()))),
        },
        Scenario {
            name: "create_space_with_dedup_key",
            advance: 0,
            op: |ms, _| {
                v(run(ms.create_space(NewSpace {
                    deduplication_key: Some("other".into()),
                    ..Default::default()
                })))
            },
        },
        Scenario {
            name: "update_space",
            advance: 0,
            op: |ms, c| {
                v(run(ms.update_space(
                    &c.space,
                    SpaceUpdate {
                        description: Patch::Clear,
                        llm_model_name: Patch::Set("m".into()),
                        ..Default::default()
                    },
                )))
            },
        },
        Scenario {
            name: "delete_space",
            advance: 0,
            op: |ms, c| v(run(ms.delete_space(&c.space))),
        },
        Scenario {
            name: "create_session",
            advance: 0,
            op: |ms, c| {
                v(run(ms.create_session(
                    &c.space,
                    NewSession {
                        participants: vec!["u1".into()],
                        ..Default::default()
                    },
                )))
            },
        },
        Scenario {
            name: "create_session_with_dedup_key",
            advance: 0,
            op: |ms, c| {
                v(run(ms.create_session(
                    &c.space,
                    NewSession {
                        participants: vec!["u1".into()],
                        deduplication_key: Some("fresh".into()),
                        ..Default::default()
                    },
                )))
            },
        },
        Scenario {
            name: "update_session",
            advance: 0,
            op: |ms, c| {
                v(run(ms.update_session(
                    &c.space,
                    &c.session,
                    SessionUpdate {
                        description: Patch::Set("x".into()),
                        lifecycle_strategies: Some(vec![LifecycleStrategy::soft_delete(
                            Trigger::Idle(60),
                        )]),
                        if_match: Some(1),
                        ..Default::default()
                    },
                )))
            },
        },
        Scenario {
            name: "delete_session_with_dedup_key",
            advance: 0,
            op: |ms, c| v(run(ms.delete_session(&c.space, &c.dedup_session))),
        },
        Scenario {
            name: "post_event",
            advance: 0,
            op: |ms, c| v(run(ms.post_event(&c.space, &c.session, msg("new")))),
        },
        Scenario {
            name: "post_events",
            advance: 0,
            op: |ms, c| {
                v(run(ms.post_events(
                    &c.space,
                    &c.session,
                    (0..5).map(|i| msg(&format!("b{i}"))).collect(),
                )))
            },
        },
        Scenario {
            name: "update_event",
            advance: 0,
            op: |ms, c| {
                v(run(ms.update_event(
                    &c.space,
                    &c.session,
                    EventUpdate {
                        sequence_id: 1,
                        body: Some(json!("edited")),
                        ..Default::default()
                    },
                )))
            },
        },
        Scenario {
            name: "update_events",
            advance: 0,
            op: |ms, c| {
                v(run(ms.update_events(
                    &c.space,
                    &c.session,
                    (0..3)
                        .map(|i| EventUpdate {
                            sequence_id: i,
                            body: Some(json!(i)),
                            event_type: Patch::Set("edited".into()),
                            ..Default::default()
                        })
                        .collect(),
                )))
            },
        },
        Scenario {
            name: "delete_event",
            advance: 0,
            op: |ms, c| v(run(ms.delete_event(&c.space, &c.session, 1))),
        },
        Scenario {
            name: "lazy_extraction_on_get",
            advance: 3601,
            op: |ms, c| v(run(ms.get_session(&c.space, &c.session))),
        },
        Scenario {
            name: "lazy_soft_delete_on_post",
            advance: 7201,
            op: |ms, c| v(run(ms.post_event(&c.space, &c.session, msg("late")))),
        },
        Scenario {
            name: "sweep",
            advance: 7201,
            op: |ms, _| v(run(ms.sweep(100)).map(|r| r.fired)),
        },
    ]
}

/// Everything a caller can observe, read with the clock at `at` (so reads fire nothing new),
/// on a backend of the kind that wrote `map` (a store is reopened on its own backend: only
/// an atomic one folds events above a head's count into it).
fn dump(map: &Map, host: &ManualHost, at: Timestamp, atomic: bool) -> Value {
    let h = host.fork();
    h.set_now(at);
    let ms = engine(
        Rc::new(FaultyKv::new(MemoryKv::from_map(map.clone()), atomic)),
        &h,
    );
    let mut out = Vec::new();
    for space in run(ms.list_spaces(Page::default())).unwrap() {
        let mut sessions = Vec::new();
        for s in run(ms.list_sessions(&space.id, SessionFilter::default())).unwrap() {
            let events = run(ms.list_events(&space.id, &s.id, EventQuery::default())).unwrap();
            // Pages and the tail count live events (a deleted event shifts them).
            let page = run(ms.list_events(
                &space.id,
                &s.id,
                EventQuery {
                    offset: Some(1),
                    limit: Some(2),
                    ..Default::default()
                },
            ))
            .unwrap();
            let tail = EventQuery {
                last_n: Some(3),
                ..Default::default()
            };
            let tail = run(ms.list_events(&space.id, &s.id, tail)).unwrap();
            let typed = EventQuery {
                event_type: Some("message".into()),
                ..Default::default()
            };
            let typed = run(ms.list_events(&space.id, &s.id, typed)).unwrap();
            sessions.push(json!({ "session": s, "events": events, "page": page, "tail": tail, "typed": typed }));
        }
        let jobs = run(ms.list_extraction_jobs(&space.id, JobFilter::default())).unwrap();
        out.push(json!({ "space": space, "sessions": sessions, "jobs": jobs }));
    }
    Value::Array(out)
}

/// Runs `op` on a fresh copy of `map`; returns (outcome, resulting map, key writes).
fn apply(
    map: &Map,
    host: &ManualHost,
    sc: &Scenario,
    ctx: &Ctx,
    atomic: bool,
    crash_after: Option<u64>,
) -> (Result<Value>, Map, u64) {
    let faulty = Rc::new(FaultyKv::new(MemoryKv::from_map(map.clone()), atomic));
    if let Some(n) = crash_after {
        faulty.crash_after(n);
    }
    let out = (sc.op)(&engine(faulty.clone(), host), ctx);
    (out, faulty.data().snapshot(), faulty.writes())
}

fn outcome(r: &Result<Value>) -> std::result::Result<Value, memspace::ErrorCode> {
    r.clone().map_err(|e| e.code)
}

#[test]
fn every_crash_point_of_every_write_leaves_before_or_after_and_recovers() {
    let mut points = 0u64;
    for atomic in [true, false] {
        for sc in scenarios() {
            let base = MemoryKv::new();
            let host = ManualHost::default();
            // Set up on the same kind of backend the operation runs on.
            let ctx = setup(
                &engine(Rc::new(FaultyKv::new(base.clone(), atomic)), &host),
                &host,
            );
            let t_setup = host.now();
            host.advance_secs(sc.advance);
            let before = base.snapshot();
            let before_dump = dump(&before, &host, t_setup, atomic);

            let (clean, after, writes) = apply(&before, &host.fork(), &sc, &ctx, atomic, None);
            // Most operations succeed; a lazy soft delete on post writes the firing, then answers gone.
            let expected_gone = sc.name == "lazy_soft_delete_on_post";
            assert_eq!(
                clean.as_ref().err().map(|e| e.code),
                expected_gone.then_some(memspace::ErrorCode::Gone),
                "{}",
                sc.name
            );
            let after_dump = dump(&after, &host, t_setup, atomic);
            assert_ne!(
                before_dump, after_dump,
                "{}: the operation changed nothing observable",
                sc.name
            );
            // What a retry of the operation does on each clean state.
            let (retry_before, retry_before_map, _) =
                apply(&before, &host.fork(), &sc, &ctx, atomic, None);
            let (retry_after, retry_after_map, _) =
                apply(&after, &host.fork(), &sc, &ctx, atomic, None);

            println!("{:<32} atomic={atomic:<5} crash points: {writes}", sc.name);
            for k in 0..writes {
                points += 1;
                let (crashed, landed, _) = apply(&before, &host.fork(), &sc, &ctx, atomic, Some(k));
                assert!(
                    crashed.is_err(),
                    "{} atomic={atomic} k={k}: the crash did not happen",
                    sc.name
                );
                let seen = dump(&landed, &host, t_setup, atomic);
                let is_before = seen == before_dump;
                assert!(is_before || seen == after_dump, "{} atomic={atomic}: crash after {k} of {writes} writes shows a mixed state:\n{seen:#}", sc.name);
                // Reopen and retry: same outcome and same visible result as on the clean state.
                let (retried, retried_map, _) =
                    apply(&landed, &host.fork(), &sc, &ctx, atomic, None);
                let (want, want_map) = if is_before {
                    (&retry_before, &retry_before_map)
                } else {
                    (&retry_after, &retry_after_map)
                };
                assert_eq!(
                    outcome(&retried).map_err(|c| c.as_str()),
                    outcome(want).map_err(|c| c.as_str()),
                    "{} atomic={atomic} k={k}: retry after the crash behaved differently",
                    sc.name
                );
                assert_eq!(
                    dump(&retried_map, &host, t_setup, atomic),
                    dump(want_map, &host, t_setup, atomic),
                    "{} atomic={atomic} k={k}: retry after the crash left a different state",
                    sc.name
                );
            }
        }
    }
    println!(
        "crash points exercised: {points} ({} scenarios x atomic/non-atomic)",
        scenarios().len()
    );
    assert!(
        points >= 2 * scenarios().len() as u64,
        "every scenario writes at least once"
    );
}
