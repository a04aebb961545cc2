//! Lifecycle strategies (seed 001): validation ranges, lazy firing on access under a manual
//! clock, dating effects at the due time, extraction jobs in the outbox, and sweep.

mod common;
use common::*;
use memspace::host::Host;
use memspace::model::*;
use memspace::ErrorCode;
use serde_json::json;

const DAY: i64 = 86_400;

type MakeTrigger = fn(u64) -> Trigger;

fn create(w: &World, sp: &Space, strategies: Vec<LifecycleStrategy>) -> memspace::Result<Session> {
    run(w.ms.create_session(
        &sp.id,
        NewSession {
            participants: vec!["u1".into()],
            lifecycle_strategies: strategies,
            ..Default::default()
        },
    ))
}

#[test]
fn trigger_ranges_accept_the_bounds_and_reject_just_past_them() {
    let w = World::new();
    let sp = w.space();
    let cases: [(MakeTrigger, u64); 4] = [
        (Trigger::Ttl, 63_072_000),
        (Trigger::Idle, 63_072_000),
        (Trigger::EventCount, 1_000_000),
        (Trigger::TokenCount, 100_000_000),
    ];
    for (mk, max) in cases {
        create(&w, &sp, vec![LifecycleStrategy::soft_delete(mk(1))]).unwrap();
        create(&w, &sp, vec![LifecycleStrategy::soft_delete(mk(max))]).unwrap();
        expect_code(
            create(&w, &sp, vec![LifecycleStrategy::soft_delete(mk(0))]),
            ErrorCode::Validation,
        );
        expect_code(
            create(&w, &sp, vec![LifecycleStrategy::soft_delete(mk(max + 1))]),
            ErrorCode::Validation,
        );
    }
}

#[test]
fn at_most_five_strategies() {
    let w = World::new();
    let sp = w.space();
    let five = vec![LifecycleStrategy::soft_delete(Trigger::Ttl(10)); 5];
    create(&w, &sp, five.clone()).unwrap();
    let mut six = five;
    six.push(LifecycleStrategy::soft_delete(Trigger::Ttl(10)));
    expect_code(create(&w, &sp, six), ErrorCode::Validation);
}

#[test]
fn soft_delete_takes_no_options() {
    let w = World::new();
    let sp = w.space();
    let s = LifecycleStrategy {
        kind: StrategyType::SoftDelete,
        trigger: Trigger::Ttl(5),
        opts: Some(StrategyOpts::default()),
    };
    expect_code(create(&w, &sp, vec![s]), ErrorCode::Validation);
}

#[test]
fn strategies_parse_the_seed_wire_shape_with_exactly_one_trigger() {
    let ok: Vec<LifecycleStrategy> = serde_json::from_value(json!([
        {"type": "extract_memories", "trigger": {"eventCount": 100}, "opts": {"softDelete": false, "agentId": "support-bot"}},
        {"type": "soft_delete", "trigger": {"ttl": 2592000}},
        {"type": "extract_memories", "trigger": {"idle": 3600}}
    ]))
    .unwrap();
    assert_eq!(ok[0].trigger, Trigger::EventCount(100));
    assert!(!ok[0].deletes_session());
    assert!(ok[2].deletes_session(), "softDelete defaults to true");
    for bad in [
        json!({"type": "soft_delete", "trigger": {"ttl": 1, "idle": 1}}),
        json!({"type": "soft_delete", "trigger": {}}),
        json!({"type": "archive", "trigger": {"ttl": 1}}),
        json!({"type": "soft_delete", "trigger": {"ttl": -1}}),
    ] {
        assert!(
            serde_json::from_value::<LifecycleStrategy>(bad.clone()).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn ttl_soft_delete_fires_on_the_first_access_after_it_is_due_dated_at_the_due_time() {
    let w = World::new();
    let sp = w.space();
    let s = create(
        &w,
        &sp,
        vec![LifecycleStrategy::soft_delete(Trigger::Ttl(7 * DAY as u64))],
    )
    .unwrap();
    w.host.advance_secs(7 * DAY - 1);
    assert!(run(w.ms.get_session(&sp.id, &s.id)).is_ok());
    w.host.advance_secs(30 * DAY);
    expect_code(run(w.ms.get_session(&sp.id, &s.id)), ErrorCode::Gone);
    // The firing was recorded, dated when it was due, not when it was noticed.
    let raw = raw_session(&w, &sp, &s);
    assert_eq!(
        raw["deletedAt"],
        json!(s.created_at.plus_secs(7 * DAY).to_string())
    );
    assert_eq!(raw["executedStrategies"][0]["dueAt"], raw["deletedAt"]);
}

/// Reads the stored head directly, bypassing lifecycle.
fn raw_session(w: &World, sp: &Space, s: &Session) -> serde_json::Value {
    let key = memspace::codec::keys::Key::table("se")
        .s(&sp.id)
        .s(&s.id)
        .build();
    let bytes = w.kv.snapshot().get(&key).cloned().unwrap();
    memspace::testkit::heads::head_json(&bytes).unwrap()
}

#[test]
fn idle_counts_from_the_last_event() {
    let w = World::new();
    let sp = w.space();
    let s = create(
        &w,
        &sp,
        vec![LifecycleStrategy::soft_delete(Trigger::Idle(3600))],
    )
    .unwrap();
    for _ in 0..5 {
        w.host.advance_secs(3000);
        w.post(&sp, &s, "still here").unwrap();
    }
    w.host.advance_secs(3599);
    assert!(run(w.ms.get_session(&sp.id, &s.id)).is_ok());
    w.host.advance_secs(1);
    expect_code(run(w.ms.get_session(&sp.id, &s.id)), ErrorCode::Gone);
}

#[test]
fn idle_falls_back_to_creation_time_without_events() {
    let w = World::new();
    let sp = w.space();
    let s = create(
        &w,
        &sp,
        vec![LifecycleStrategy::soft_delete(Trigger::Idle(60))],
    )
    .unwrap();
    w.host.advance_secs(60);
    expect_code(w.post(&sp, &s, "too late"), ErrorCode::Gone);
}

#[test]
fn event_count_fires_with_the_event_that_reaches_it() {
    let w = World::new();
    let sp = w.space();
    let s = create(
        &w,
        &sp,
        vec![LifecycleStrategy::soft_delete(Trigger::EventCount(3))],
    )
    .unwrap();
    w.post(&sp, &s, "1").unwrap();
    w.post(&sp, &s, "2").unwrap();
    let third = w.post(&sp, &s, "3").unwrap();
    assert_eq!(
        third.sequence_id, 2,
        "the event that reaches the count is stored"
    );
    expect_code(w.post(&sp, &s, "4"), ErrorCode::Gone);
}

#[test]
fn token_count_uses_the_hosts_counter_or_the_estimate() {
    let w = World::new();
    let sp = w.space();
    let s = create(
        &w,
        &sp,
        vec![LifecycleStrategy::soft_delete(Trigger::TokenCount(50))],
    )
    .unwrap();
    w.post(&sp, &s, "a short message").unwrap();
    let got = run(w.ms.get_session(&sp.id, &s.id)).unwrap();
    assert_eq!(
        got.token_count,
        memspace::tokens::estimate_tokens("a short message")
    );
    run(w.ms.post_event(
        &sp.id,
        &s.id,
        NewEvent {
            body: json!({"content": "word ".repeat(200)}),
            emitter: Emitter::new("agent", "a"),
            event_type: None,
        },
    ))
    .unwrap();
    expect_code(run(w.ms.get_session(&sp.id, &s.id)), ErrorCode::Gone);
}

#[test]
fn extract_memories_queues_a_job_with_range_strategy_and_space_llm_settings() {
    let w = World::new();
    let sp = run(w.ms.create_space(NewSpace {
        llm_model_name: Some("gpt-4o".into()),
        custom_instructions: Some("facts only".into()),
        ..Default::default()
    }))
    .unwrap();
    let opts = StrategyOpts {
        soft_delete: Some(false),
        agent_id: Some("support-bot".into()),
        metadata: None,
    };
    let s = create(
        &w,
        &sp,
        vec![LifecycleStrategy::extract(
            Trigger::EventCount(4),
            Some(opts),
        )],
    )
    .unwrap();
    for i in 0..4 {
        w.post(&sp, &s, &format!("m{i}")).unwrap();
    }
    let jobs = run(w.ms.list_extraction_jobs(&sp.id, JobFilter::default())).unwrap();
    assert_eq!(jobs.len(), 1);
    let j = &jobs[0];
    assert_eq!(
        (
            j.session_id.as_str(),
            j.from_sequence_id,
            j.to_sequence_id,
            j.status.as_str()
        ),
        (s.id.as_str(), 0, 4, "pending")
    );
    assert_eq!(j.llm.llm_model_name.as_deref(), Some("gpt-4o"));
    assert_eq!(j.llm.custom_instructions.as_deref(), Some("facts only"));
    assert_eq!(j.options.agent_id.as_deref(), Some("support-bot"));
    assert_eq!(j.strategy_index, Some(0));
    assert!(!j.soft_delete_after);
    // softDelete: false keeps the session live, and the strategy fires only once.
    for i in 4..10 {
        w.post(&sp, &s, &format!("m{i}")).unwrap();
    }
    assert_eq!(
        run(w.ms.list_extraction_jobs(&sp.id, JobFilter::default()))
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        run(w.ms.get_session(&sp.id, &s.id))
            .unwrap()
            .executed_strategies
            .len(),
        1
    );
}

#[test]
fn extract_memories_soft_deletes_by_default_but_keeps_the_events_it_needs() {
    let w = World::new();
    let sp = w.space();
    let s = create(
        &w,
        &sp,
        vec![LifecycleStrategy::extract(Trigger::Idle(3600), None)],
    )
    .unwrap();
    w.post(&sp, &s, "remember I like tea").unwrap();
    w.host.advance_secs(3601);
    expect_code(run(w.ms.get_session(&sp.id, &s.id)), ErrorCode::Gone);
    let jobs = run(w.ms.list_extraction_jobs(&sp.id, JobFilter::default())).unwrap();
    assert_eq!((jobs[0].from_sequence_id, jobs[0].to_sequence_id), (0, 1));
    let event_key = memspace::codec::keys::Key::table("ev")
        .s(&sp.id)
        .s(&s.id)
        .n(0)
        .build();
    assert!(
        w.kv.snapshot().contains_key(&event_key),
        "the event stays stored for the extractor"
    );
}

#[test]
fn combined_strategies_fire_in_due_order_and_stop_at_the_first_delete() {
    let w = World::new();
    let sp = w.space();
    // Seed example: extract once idle for an hour, hard-cap with a 30-day TTL.
    let s = create(
        &w,
        &sp,
        vec![
            LifecycleStrategy::extract(
                Trigger::Idle(3600),
                Some(StrategyOpts {
                    soft_delete: Some(false),
                    ..Default::default()
                }),
            ),
            LifecycleStrategy::soft_delete(Trigger::Ttl(30 * DAY as u64)),
        ],
    )
    .unwrap();
    w.post(&sp, &s, "hi").unwrap();
    w.host.advance_secs(2 * 3600);
    let got = run(w.ms.get_session(&sp.id, &s.id)).unwrap();
    assert_eq!(
        got.executed_strategies
            .iter()
            .map(|e| e.index)
            .collect::<Vec<_>>(),
        vec![0]
    );
    w.host.advance_secs(40 * DAY);
    expect_code(run(w.ms.get_session(&sp.id, &s.id)), ErrorCode::Gone);
}

#[test]
fn a_due_delete_before_an_extraction_prevents_the_extraction() {
    let w = World::new();
    let sp = w.space();
    let s = create(
        &w,
        &sp,
        vec![
            LifecycleStrategy::extract(Trigger::Ttl(200), None),
            LifecycleStrategy::soft_delete(Trigger::Ttl(100)),
        ],
    )
    .unwrap();
    w.host.advance_secs(1000);
    expect_code(run(w.ms.get_session(&sp.id, &s.id)), ErrorCode::Gone);
    assert!(run(w.ms.list_extraction_jobs(&sp.id, JobFilter::default()))
        .unwrap()
        .is_empty());
}

#[test]
fn listing_sessions_applies_lifecycle_lazily() {
    let w = World::new();
    let sp = w.space();
    let short = create(
        &w,
        &sp,
        vec![LifecycleStrategy::soft_delete(Trigger::Ttl(60))],
    )
    .unwrap();
    let long = create(&w, &sp, vec![]).unwrap();
    w.host.advance_secs(61);
    let ids: Vec<_> = run(w.ms.list_sessions(&sp.id, SessionFilter::default()))
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(ids, vec![long.id]);
    expect_code(run(w.ms.get_session(&sp.id, &short.id)), ErrorCode::Gone);
}

#[test]
fn updating_to_an_already_reached_event_count_fires_at_once() {
    let w = World::new();
    let sp = w.space();
    let s = create(&w, &sp, vec![]).unwrap();
    for _ in 0..3 {
        w.post(&sp, &s, "x").unwrap();
    }
    let u = SessionUpdate {
        lifecycle_strategies: Some(vec![LifecycleStrategy::soft_delete(Trigger::EventCount(2))]),
        ..Default::default()
    };
    let after = run(w.ms.update_session(&sp.id, &s.id, u)).unwrap();
    assert!(after.deleted_at.is_some());
    expect_code(run(w.ms.get_session(&sp.id, &s.id)), ErrorCode::Gone);
}

#[test]
fn sweep_fires_due_time_triggers_without_any_access() {
    let w = World::new();
    let sp = w.space();
    let a = create(
        &w,
        &sp,
        vec![LifecycleStrategy::extract(Trigger::Ttl(60), None)],
    )
    .unwrap();
    let b = create(
        &w,
        &sp,
        vec![LifecycleStrategy::soft_delete(Trigger::Ttl(120))],
    )
    .unwrap();
    w.post(&sp, &a, "x").unwrap();
    w.host.advance_secs(90);
    let r = run(w.ms.sweep(100)).unwrap();
    assert_eq!(r.fired, 1);
    assert_eq!(
        run(w.ms.list_extraction_jobs(&sp.id, JobFilter::default()))
            .unwrap()
            .len(),
        1,
        "the job exists before anyone touched the session"
    );
    assert!(
        raw_awaiting_extraction(&w, &sp, &a) && !raw_deleted(&w, &sp, &a),
        "hidden, and soft-deleted only once its job is done"
    );
    assert!(!raw_deleted(&w, &sp, &b));
    w.host.advance_secs(60);
    assert_eq!(run(w.ms.sweep(100)).unwrap().fired, 1);
    assert!(raw_deleted(&w, &sp, &b));
    assert_eq!(
        run(w.ms.sweep(100)).unwrap().examined,
        0,
        "nothing left scheduled"
    );
}

fn raw_deleted(w: &World, sp: &Space, s: &Session) -> bool {
    !raw_session(w, sp, s)["deletedAt"].is_null()
}

/// Hidden until its extraction job is done (soft delete after extraction, not before).
fn raw_awaiting_extraction(w: &World, sp: &Space, s: &Session) -> bool {
    !raw_session(w, sp, s)["awaitingExtraction"].is_null()
}

#[test]
fn sweep_respects_its_limit_and_drops_stale_schedule_entries() {
    let w = World::new();
    let sp = w.space();
    let idle = create(
        &w,
        &sp,
        vec![LifecycleStrategy::soft_delete(Trigger::Idle(100))],
    )
    .unwrap();
    for _ in 0..3 {
        create(
            &w,
            &sp,
            vec![LifecycleStrategy::soft_delete(Trigger::Ttl(50))],
        )
        .unwrap();
    }
    w.host.advance_secs(60);
    w.post(&sp, &idle, "moves the idle deadline").unwrap();
    assert_eq!(run(w.ms.sweep(2)).unwrap().fired, 2);
    assert_eq!(run(w.ms.sweep(10)).unwrap().fired, 1);
    w.host.advance_secs(60);
    // The idle session's deadline moved to t=160; nothing is due at t=120.
    assert_eq!(run(w.ms.sweep(10)).unwrap().fired, 0);
    assert!(run(w.ms.get_session(&sp.id, &idle.id)).is_ok());
}

#[test]
fn a_year_of_simulated_time_runs_every_strategy_exactly_once() {
    let w = World::new();
    let sp = w.space();
    let mut sessions = Vec::new();
    for i in 0..40u64 {
        let strategies = match i % 4 {
            0 => vec![LifecycleStrategy::soft_delete(Trigger::Ttl(
                (1 + i) * DAY as u64,
            ))],
            1 => vec![
                LifecycleStrategy::extract(
                    Trigger::Idle(3 * DAY as u64),
                    Some(StrategyOpts {
                        soft_delete: Some(false),
                        ..Default::default()
                    }),
                ),
                LifecycleStrategy::soft_delete(Trigger::Ttl(200 * DAY as u64)),
            ],
            2 => vec![LifecycleStrategy::extract(
                Trigger::EventCount(20 + i),
                None,
            )],
            _ => vec![],
        };
        sessions.push(create(&w, &sp, strategies).unwrap());
    }
    for day in 0..365 {
        w.host.advance_secs(DAY);
        for (i, s) in sessions.iter().enumerate() {
            // Session i posts every (i % 5 + 1) days while it is live.
            if day % (i % 5 + 1) == 0 {
                let _ = w.post(&sp, s, "daily note");
            }
        }
        if day % 7 == 0 {
            run(w.ms.sweep(1000)).unwrap();
        }
    }
    let now = w.host.now();
    let mut live = 0;
    for (i, s) in sessions.iter().enumerate() {
        let raw = raw_session(&w, &sp, s);
        let executed = raw["executedStrategies"].as_array().unwrap();
        let mut idx: Vec<u64> = executed
            .iter()
            .map(|e| e["index"].as_u64().unwrap())
            .collect();
        idx.dedup();
        assert_eq!(
            idx.len(),
            executed.len(),
            "session {i}: a strategy fired twice"
        );
        for e in executed {
            let due = memspace::Timestamp::parse(e["dueAt"].as_str().unwrap()).unwrap();
            assert!(due <= now);
        }
        match i % 4 {
            0 => assert!(!raw["deletedAt"].is_null(), "session {i} should be deleted"),
            // No LLM ran its job: hidden, waiting for extraction before the soft delete.
            2 => assert!(
                raw["deletedAt"].is_null() && !raw["awaitingExtraction"].is_null(),
                "session {i} should be hidden until extracted"
            ),
            // Idle never fires for a session posting at least every 3 days; the 200-day ttl does.
            1 => assert!(!raw["deletedAt"].is_null()),
            _ => {
                // Default: 180-day ttl.
                assert!(!raw["deletedAt"].is_null());
                let deleted =
                    memspace::Timestamp::parse(raw["deletedAt"].as_str().unwrap()).unwrap();
                assert_eq!(deleted, s.created_at.plus_secs(180 * DAY));
            }
        }
        if raw["deletedAt"].is_null() && raw["awaitingExtraction"].is_null() {
            live += 1;
        }
    }
    assert_eq!(live, 0);
    let jobs = run(w.ms.list_extraction_jobs(&sp.id, JobFilter::default())).unwrap();
    let with_job: Vec<usize> = (0..sessions.len())
        .filter(|i| jobs.iter().any(|j| j.session_id == sessions[*i].id))
        .collect();
    // Every eventCount session (i % 4 == 2) reaches its count; idle (3 days) fires for the
    // i % 4 == 1 sessions whose posting gap (i % 5 + 1 days) is 3 days or more.
    let expected: Vec<usize> = (0..40)
        .filter(|i| i % 4 == 2 || (i % 4 == 1 && i % 5 + 1 >= 3))
        .collect();
    assert_eq!(with_job, expected);
    assert_eq!(jobs.len(), expected.len(), "one job per firing");
}
