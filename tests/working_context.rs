//! Working context (session-scoped key/value with lazy TTL) and `touch_session` (seed 003
//! `set_context`, `get_context`, `touch_session`): one test per rule.

mod context_common;

use context_common::*;
use memspace::codec::keys::Key;
use memspace::model::*;
use memspace::ErrorCode;
use serde_json::json;

fn keys(entries: &[ContextEntry]) -> Vec<&str> {
    entries.iter().map(|e| e.key.as_str()).collect()
}

#[test]
fn a_value_set_in_a_session_is_read_back_verbatim() {
    let w = World::new();
    let s = w.session();
    let value = json!({"step": 3, "plan": ["a", "b"], "snake_case": {"kept_as": "is"}});
    let e = run(w
        .ms
        .set_context(&w.space, &s.id, "current_task", value.clone(), None))
    .unwrap();
    assert_eq!(
        (e.key.as_str(), e.ttl_seconds, e.expires_at),
        ("current_task", None, None)
    );
    assert_eq!(e.created_at, e.updated_at);
    let got = run(w.ms.get_context(&w.space, &s.id, &["current_task".into()])).unwrap();
    assert_eq!(got, vec![e]);
    assert_eq!(got[0].value, value);
}

#[test]
fn get_context_returns_the_named_keys_that_are_set_or_every_key_in_key_order() {
    let w = World::new();
    let s = w.session();
    for k in ["b", "a", "c"] {
        run(w.ms.set_context(&w.space, &s.id, k, json!(k), None)).unwrap();
    }
    let named = run(w
        .ms
        .get_context(&w.space, &s.id, &["c".into(), "a".into(), "zz".into()]))
    .unwrap();
    assert_eq!(keys(&named), ["a", "c"]);
    let all = run(w.ms.get_context(&w.space, &s.id, &[])).unwrap();
    assert_eq!(keys(&all), ["a", "b", "c"]);
}

#[test]
fn setting_a_key_again_replaces_its_value_and_keeps_its_creation_time() {
    let w = World::new();
    let s = w.session();
    let first = run(w.ms.set_context(&w.space, &s.id, "k", json!(1), Some(60))).unwrap();
    w.host.advance_secs(10);
    let second = run(w.ms.set_context(&w.space, &s.id, "k", json!(2), None)).unwrap();
    assert_eq!(second.value, json!(2));
    assert_eq!(second.created_at, first.created_at);
    assert!(second.updated_at > first.updated_at);
    assert_eq!(
        second.expires_at, None,
        "a set without ttl clears the old one"
    );
}

#[test]
fn an_entry_past_its_ttl_is_not_returned_and_is_removed_by_the_read_that_meets_it() {
    let w = World::new();
    let s = w.session();
    let e = run(w
        .ms
        .set_context(&w.space, &s.id, "otp", json!("1234"), Some(30)))
    .unwrap();
    assert_eq!(e.expires_at, Some(e.updated_at.plus_secs(30)));
    run(w.ms.set_context(&w.space, &s.id, "keep", json!(true), None)).unwrap();
    w.host.advance_secs(29);
    assert_eq!(
        keys(&run(w.ms.get_context(&w.space, &s.id, &[])).unwrap()),
        ["keep", "otp"]
    );
    w.host.advance_secs(1);
    assert_eq!(
        keys(&run(w.ms.get_context(&w.space, &s.id, &[])).unwrap()),
        ["keep"]
    );
    let raw = Key::table("wc").s(&w.space).s(&s.id).s("otp").build();
    assert!(
        !w.kv.snapshot().contains_key(&raw),
        "the expired entry was removed from storage"
    );
}

#[test]
fn an_expired_key_set_again_is_a_new_entry() {
    let w = World::new();
    let s = w.session();
    let old = run(w.ms.set_context(&w.space, &s.id, "k", json!(1), Some(5))).unwrap();
    w.host.advance_secs(10);
    let new = run(w.ms.set_context(&w.space, &s.id, "k", json!(2), None)).unwrap();
    assert!(new.created_at > old.created_at);
}

#[test]
fn delete_context_removes_a_key_and_says_whether_a_live_one_was_there() {
    let w = World::new();
    let s = w.session();
    run(w.ms.set_context(&w.space, &s.id, "k", json!(1), None)).unwrap();
    assert!(run(w.ms.delete_context(&w.space, &s.id, "k")).unwrap());
    assert!(!run(w.ms.delete_context(&w.space, &s.id, "k")).unwrap());
    assert!(run(w.ms.get_context(&w.space, &s.id, &[]))
        .unwrap()
        .is_empty());
}

#[test]
fn working_context_belongs_to_one_session() {
    let w = World::new();
    let (a, b) = (w.session(), w.session());
    run(w.ms.set_context(&w.space, &a.id, "k", json!("a"), None)).unwrap();
    assert!(run(w.ms.get_context(&w.space, &b.id, &[]))
        .unwrap()
        .is_empty());
}

#[test]
fn working_context_of_a_deleted_session_is_gone() {
    let w = World::new();
    let s = w.session();
    run(w.ms.set_context(&w.space, &s.id, "k", json!(1), None)).unwrap();
    run(w.ms.delete_session(&w.space, &s.id)).unwrap();
    expect_code(run(w.ms.get_context(&w.space, &s.id, &[])), ErrorCode::Gone);
    expect_code(
        run(w.ms.set_context(&w.space, &s.id, "k", json!(2), None)),
        ErrorCode::Gone,
    );
}

#[test]
fn another_principal_cannot_read_or_set_a_sessions_working_context() {
    let w = World::new();
    let s = w.session();
    run(w.ms.set_context(&w.space, &s.id, "k", json!(1), None)).unwrap();
    let other = w.stranger();
    expect_code(
        run(other.get_context(&w.space, &s.id, &[])),
        ErrorCode::NotFound,
    );
    expect_code(
        run(other.set_context(&w.space, &s.id, "k", json!(2), None)),
        ErrorCode::NotFound,
    );
    expect_code(
        run(w.ms.get_context(&w.space, "ses_nope", &[])),
        ErrorCode::NotFound,
    );
}

#[test]
fn keys_values_and_ttls_out_of_bounds_are_validation_errors() {
    let w = World::new();
    let s = w.session();
    let set = |k: &str, v: serde_json::Value, ttl: Option<u64>| {
        run(w.ms.set_context(&w.space, &s.id, k, v, ttl))
    };
    expect_code(set("", json!(1), None), ErrorCode::Validation);
    expect_code(set(&"k".repeat(257), json!(1), None), ErrorCode::Validation);
    expect_code(
        set("k", json!("x".repeat(65 * 1024)), None),
        ErrorCode::Validation,
    );
    expect_code(set("k", json!(1), Some(0)), ErrorCode::Validation);
    expect_code(set("k", json!(1), Some(63_072_001)), ErrorCode::Validation);
    set(
        &"k".repeat(256),
        json!("x".repeat(60 * 1024)),
        Some(63_072_000),
    )
    .unwrap();
    let many: Vec<String> = (0..101).map(|i| i.to_string()).collect();
    expect_code(
        run(w.ms.get_context(&w.space, &s.id, &many)),
        ErrorCode::Validation,
    );
}

#[test]
fn racing_sets_of_one_key_both_succeed_and_one_value_is_kept() {
    for seed in 0..50 {
        let (hs, _host, space) = racing_handles(2);
        let session = interleave(
            vec![Box::pin(hs[0].create_session(
                &space,
                NewSession {
                    participants: vec!["u1".into()],
                    ..Default::default()
                },
            ))],
            0,
        )
        .remove(0)
        .unwrap();
        let set = |i: usize| {
            let (h, space, sid) = (hs[i].clone(), space.clone(), session.id.clone());
            Box::pin(async move { h.set_context(&space, &sid, "k", json!(i), None).await })
                as Task<'static, memspace::Result<ContextEntry>>
        };
        let results = interleave(vec![set(0), set(1)], seed);
        assert!(
            results.iter().all(|r| r.is_ok()),
            "seed {seed}: {results:?}"
        );
        let got = interleave(
            vec![Box::pin(hs[0].get_context(&space, &session.id, &[]))],
            0,
        )
        .remove(0)
        .unwrap();
        assert_eq!(got.len(), 1);
        assert!(got[0].value == json!(0) || got[0].value == json!(1));
    }
}

// ---- touch_session and expires_at --------------------------------------------------------

#[test]
fn touch_session_extends_a_session_whose_lifetime_is_an_idle_trigger() {
    let w = World::new();
    let s = w.session_with(vec![LifecycleStrategy::soft_delete(Trigger::Idle(3_600))]);
    assert_eq!(s.expires_at, Some(s.created_at.plus_secs(3_600)));
    w.host.advance_secs(3_000);
    let t = run(w.ms.touch_session(&w.space, &s.id)).unwrap();
    assert_eq!(t.session_id, s.id);
    assert_eq!(t.expires_at, Some(t.touched_at.plus_secs(3_600)));
    w.host.advance_secs(3_000);
    let live = run(w.ms.get_session(&w.space, &s.id)).unwrap();
    assert_eq!(live.touched_at, Some(t.touched_at));
    assert_eq!(live.expires_at, t.expires_at);
    w.host.advance_secs(601);
    expect_code(run(w.ms.get_session(&w.space, &s.id)), ErrorCode::Gone);
    expect_code(run(w.ms.touch_session(&w.space, &s.id)), ErrorCode::Gone);
}

#[test]
fn touch_session_does_not_move_a_ttl_counted_from_creation() {
    let w = World::new();
    let s = w.session_with(vec![LifecycleStrategy::soft_delete(Trigger::Ttl(100))]);
    w.host.advance_secs(50);
    let t = run(w.ms.touch_session(&w.space, &s.id)).unwrap();
    assert_eq!(t.expires_at, Some(s.created_at.plus_secs(100)));
    w.host.advance_secs(51);
    expect_code(run(w.ms.get_session(&w.space, &s.id)), ErrorCode::Gone);
}

#[test]
fn touch_session_does_not_change_the_sessions_version() {
    let w = World::new();
    let s = w.session();
    run(w.ms.touch_session(&w.space, &s.id)).unwrap();
    let after = run(w.ms.get_session(&w.space, &s.id)).unwrap();
    assert_eq!((after.version, after.updated_at), (s.version, s.updated_at));
}

#[test]
fn expires_at_is_the_first_deleting_time_trigger_and_moves_with_events() {
    let w = World::new();
    let s = w.session_with(vec![
        LifecycleStrategy::soft_delete(Trigger::Ttl(10_000)),
        LifecycleStrategy::soft_delete(Trigger::Idle(600)),
    ]);
    assert_eq!(s.expires_at, Some(s.created_at.plus_secs(600)));
    w.host.advance_secs(500);
    let ev = w.say(&s.id, false, "hello");
    let now = run(w.ms.get_session(&w.space, &s.id)).unwrap();
    assert_eq!(now.expires_at, Some(ev.created_at.plus_secs(600)));
    // A strategy that keeps the session (softDelete: false) or fires on counts sets none.
    let keep = w.session_with(vec![
        LifecycleStrategy::extract(
            Trigger::Idle(60),
            Some(StrategyOpts {
                soft_delete: Some(false),
                ..Default::default()
            }),
        ),
        LifecycleStrategy::soft_delete(Trigger::EventCount(10)),
    ]);
    assert_eq!(keep.expires_at, None);
}
