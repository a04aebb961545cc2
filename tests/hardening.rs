//! Hardening (issue 10): inputs at the edges of size, time and encoding. Each test is named
//! after a row of the "Found" table or one of its "Also" items, and failed before the
//! fix it names.

mod common;
use common::*;
use memspace::model::*;
use memspace::{ErrorCode, Timestamp};
use serde_json::{json, Value};

// ---- host clock outside years 0–9999 ---------------------------------------------------------

#[test]
fn host_clock_outside_years_0_to_9999_is_refused_and_nothing_is_written() {
    let w = World::new();
    let space = w.space();
    let session = w.session(&space);
    let keys_before = w.kv.snapshot();
    // A WIT host that hands out nanoseconds: 2025-12-01 in ns read as µs is year 55,970.
    w.host.set_now(Timestamp(1_764_547_200_000_000_000));
    let e = expect_code(
        run(w.ms.create_space(NewSpace::default())),
        ErrorCode::Unsupported,
    );
    assert!(e.message.contains("host clock"), "{e}");
    expect_code(w.post(&space, &session, "x"), ErrorCode::Unsupported);
    assert_eq!(
        w.kv.snapshot(),
        keys_before,
        "a refused write changed storage"
    );
    // Milliseconds read as µs (1970-01-21) are a valid, if wrong, time: not refusable.
    w.host.set_now(Timestamp(-62_167_219_200_000_001)); // one µs before year 0
    expect_code(w.post(&space, &session, "x"), ErrorCode::Unsupported);
    w.host.set_now(Timestamp(1_764_547_200_000_000));
    w.post(&space, &session, "x").unwrap();
    assert_eq!(run(w.ms.get_space(&space.id)).unwrap().id, space.id);
}

#[test]
fn records_dated_at_the_end_of_the_clock_range_read_back() {
    // At 9999-12-31 a 180-day ttl falls due in year 10000: the head must still decode.
    let w = World::new();
    w.host.set_now(Timestamp::RFC3339_MAX.plus_secs(-10));
    let space = w.space();
    let session = w.session(&space);
    w.post(&space, &session, "last words").unwrap();
    let got = run(w.ms.get_session(&space.id, &session.id)).unwrap();
    assert_eq!(got.event_count, 1);
    let events = w.events(&space, &session, EventQuery::default()).unwrap();
    assert_eq!(events.len(), 1);
    let listed = run(w.ms.list_sessions(&space.id, SessionFilter::default())).unwrap();
    assert_eq!(listed.len(), 1);
}

// ---- misleading messages ---------------------------------------------------------------------

#[test]
fn a_deduplication_key_over_256_characters_says_the_limit_is_72() {
    let w = World::new();
    for len in [73, 300] {
        let e = expect_code(
            run(w.ms.create_space(NewSpace {
                deduplication_key: Some("k".repeat(len)),
                ..Default::default()
            })),
            ErrorCode::Validation,
        );
        assert!(e.message.contains("1–72"), "{len}: {e}");
    }
}

// ---- body nesting depth ------------------------------------------------------------------------

fn nested(depth: usize) -> Value {
    let mut v = json!("leaf");
    for _ in 0..depth {
        v = json!([v]);
    }
    v
}

#[test]
fn an_event_body_nested_deeper_than_the_limit_is_refused_naming_the_depth_limit() {
    let w = World::new();
    let space = w.space();
    let session = w.session(&space);
    for depth in [memspace::json::MAX_DEPTH + 1, 200] {
        let mut ev = msg("x");
        ev.body = nested(depth);
        let e = expect_code(
            run(w.ms.post_event(&space.id, &session.id, ev)),
            ErrorCode::Validation,
        );
        assert!(e.message.contains("nested deeper than 64"), "{e}");
        assert_eq!(e.details["max_depth"], 64);
    }
    // At the limit the body is stored and every record holding it decodes again.
    let mut ev = msg("x");
    ev.body = nested(memspace::json::MAX_DEPTH);
    w.post(&space, &session, "before").unwrap();
    run(w.ms.post_event(&space.id, &session.id, ev.clone())).unwrap();
    let events = w.events(&space, &session, EventQuery::default()).unwrap();
    assert_eq!(events[1].body, ev.body);
    let meta = nested(memspace::json::MAX_DEPTH - 1);
    let mut m = serde_json::Map::new();
    m.insert("deep".into(), meta);
    let s = run(w.ms.create_session(
        &space.id,
        NewSession {
            participants: vec!["u1".into()],
            metadata: Some(m.clone()),
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!(
        run(w.ms.get_session(&space.id, &s.id)).unwrap().metadata,
        Some(m)
    );
}
