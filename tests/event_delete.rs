//! Deleting one event by sequence id: ids stay stable, listings (offset, limit, last_n,
//! event_type) count live events, a deleted id is `gone`, counters follow, and the write is
//! safe on atomic and non-atomic backends.

mod common;
use common::*;
use memspace::codec::{envelope, keys::Key};
use memspace::host::ManualHost;
use memspace::kv::faulty::FaultyKv;
use memspace::kv::{Batch, Kv, MemoryKv};
use memspace::model::*;
use memspace::ErrorCode;
use serde_json::{json, Value};
use std::rc::Rc;

fn delete(w: &World, sp: &Space, s: &Session, seq: u64) -> memspace::Result<()> {
    run(w.ms.delete_event(&sp.id, &s.id, seq))
}

fn list(w: &World, sp: &Space, s: &Session, q: EventQuery) -> Vec<u64> {
    seqs(&w.events(sp, s, q).unwrap())
}

fn page(offset: u64, limit: u64) -> EventQuery {
    EventQuery {
        offset: Some(offset),
        limit: Some(limit),
        ..Default::default()
    }
}

fn last(n: u64) -> EventQuery {
    EventQuery {
        last_n: Some(n),
        ..Default::default()
    }
}

#[test]
fn deleting_an_event_keeps_later_sequence_ids_and_listings_skip_it() {
    let (w, sp, s) = world_with_events(6);
    delete(&w, &sp, &s, 2).unwrap();
    assert_eq!(list(&w, &sp, &s, EventQuery::default()), [0, 1, 3, 4, 5]);
    let next = w.post(&sp, &s, "after").unwrap();
    assert_eq!(next.sequence_id, 6, "ids are never reused");
    let session = run(w.ms.get_session(&sp.id, &s.id)).unwrap();
    assert_eq!(
        session.event_count, 7,
        "eventCount stays the next sequence id"
    );
    let json = run(w.ms.list_events_json(&sp.id, &s.id, EventQuery::default())).unwrap();
    let ids: Vec<u64> = serde_json::from_str::<Vec<Value>>(&json)
        .unwrap()
        .iter()
        .map(|e| e["sequenceId"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [0, 1, 3, 4, 5, 6]);
    let report = run(w.ms.verify_space(&sp.id)).unwrap();
    assert!(report.is_clean(), "{report:?}");
}

#[test]
fn offset_limit_and_last_n_count_live_events() {
    let (w, sp, s) = world_with_events(12);
    for seq in [0, 1, 5, 10, 11] {
        delete(&w, &sp, &s, seq).unwrap();
    }
    // Live: 2 3 4 6 7 8 9.
    assert_eq!(list(&w, &sp, &s, page(0, 3)), [2, 3, 4]);
    assert_eq!(list(&w, &sp, &s, page(3, 3)), [6, 7, 8]);
    assert_eq!(list(&w, &sp, &s, page(6, 3)), [9]);
    assert!(list(&w, &sp, &s, page(7, 3)).is_empty());
    assert_eq!(
        list(&w, &sp, &s, last(3)),
        [7, 8, 9],
        "the newest 3 live events"
    );
    assert_eq!(list(&w, &sp, &s, last(50)), [2, 3, 4, 6, 7, 8, 9]);
    let paged: Vec<u64> = (0..4)
        .flat_map(|p| list(&w, &sp, &s, page(p * 2, 2)))
        .collect();
    assert_eq!(
        paged,
        [2, 3, 4, 6, 7, 8, 9],
        "paging sees every live event once"
    );
}

#[test]
fn type_filtered_listings_skip_deleted_events() {
    let (w, sp, s) = world_with_events(40);
    // tool_output: 0 3 6 … 39; delete 3 and 39.
    delete(&w, &sp, &s, 3).unwrap();
    delete(&w, &sp, &s, 39).unwrap();
    let typed = |q: EventQuery| {
        list(
            &w,
            &sp,
            &s,
            EventQuery {
                event_type: Some("tool_output".into()),
                ..q
            },
        )
    };
    assert_eq!(typed(last(2)), [33, 36]);
    assert_eq!(typed(page(0, 3)), [0, 6, 9]);
    assert_eq!(typed(page(1, 2)), [6, 9]);
}

#[test]
fn a_deleted_id_is_gone_and_an_id_never_posted_is_not_found() {
    let (w, sp, s) = world_with_events(3);
    delete(&w, &sp, &s, 1).unwrap();
    let e = expect_code(delete(&w, &sp, &s, 1), ErrorCode::Gone);
    assert_eq!(e.status(), 410);
    let update = EventUpdate {
        sequence_id: 1,
        body: Some(json!("x")),
        ..Default::default()
    };
    expect_code(
        run(w.ms.update_event(&sp.id, &s.id, update)),
        ErrorCode::Gone,
    );
    let batch = vec![
        EventUpdate {
            sequence_id: 0,
            body: Some(json!("a")),
            ..Default::default()
        },
        EventUpdate {
            sequence_id: 1,
            body: Some(json!("b")),
            ..Default::default()
        },
    ];
    expect_code(
        run(w.ms.update_events(&sp.id, &s.id, batch)),
        ErrorCode::Gone,
    );
    assert_eq!(
        w.events(&sp, &s, EventQuery::default()).unwrap()[0].body,
        json!({"content": "t0"}),
        "a batch naming a deleted event changes nothing"
    );
    expect_code(delete(&w, &sp, &s, 3), ErrorCode::NotFound);
    expect_code(delete(&w, &sp, &s, u64::MAX), ErrorCode::NotFound);
}

#[test]
fn deleting_in_a_deleted_session_or_space_is_gone_and_elsewhere_not_found() {
    let (w, sp, s) = world_with_events(2);
    run(w.ms.delete_session(&sp.id, &s.id)).unwrap();
    expect_code(delete(&w, &sp, &s, 0), ErrorCode::Gone);
    let (w, sp, s) = world_with_events(2);
    run(w.ms.delete_space(&sp.id)).unwrap();
    expect_code(delete(&w, &sp, &s, 0), ErrorCode::Gone);
    let (w, sp, _) = world_with_events(2);
    expect_code(
        run(w.ms.delete_event(&sp.id, "ses_nope", 0)),
        ErrorCode::NotFound,
    );
    let other = w.ms.for_principal(Principal::new("u2", "t1")).unwrap();
    let (w2, sp2, s2) = (&w, &sp, w.session(&sp));
    w2.post(sp2, &s2, "mine").unwrap();
    expect_code(
        run(other.delete_event(&sp2.id, &s2.id, 0)),
        ErrorCode::NotFound,
    );
}

#[test]
fn deleting_takes_the_events_tokens_off_the_token_count() {
    let (w, sp, s) = world_with_events(3);
    let before = run(w.ms.get_session(&sp.id, &s.id)).unwrap().token_count;
    delete(&w, &sp, &s, 1).unwrap();
    let after = run(w.ms.get_session(&sp.id, &s.id)).unwrap().token_count;
    assert_eq!(before - after, memspace::tokens::estimate_tokens("m1"));
}

#[test]
fn event_count_triggers_count_live_events() {
    let w = World::new();
    let sp = w.space();
    let s = w.session_with(
        &sp,
        vec![LifecycleStrategy::soft_delete(Trigger::EventCount(3))],
    );
    w.post(&sp, &s, "1").unwrap();
    w.post(&sp, &s, "2").unwrap();
    delete(&w, &sp, &s, 0).unwrap();
    w.post(&sp, &s, "3").unwrap();
    assert!(
        run(w.ms.get_session(&sp.id, &s.id)).is_ok(),
        "two live events: the trigger at 3 has not fired"
    );
    w.post(&sp, &s, "4").unwrap();
    expect_code(run(w.ms.get_session(&sp.id, &s.id)), ErrorCode::Gone);
}

#[test]
fn token_count_triggers_see_the_lowered_count() {
    let w = World::new();
    let sp = w.space();
    let big = "word ".repeat(40);
    let one = memspace::tokens::estimate_tokens(big.trim_end());
    let s = w.session_with(
        &sp,
        vec![LifecycleStrategy::soft_delete(Trigger::TokenCount(
            one * 2 + 1,
        ))],
    );
    w.post(&sp, &s, big.trim_end()).unwrap();
    w.post(&sp, &s, big.trim_end()).unwrap();
    delete(&w, &sp, &s, 0).unwrap();
    w.post(&sp, &s, big.trim_end()).unwrap();
    assert!(run(w.ms.get_session(&sp.id, &s.id)).is_ok());
    w.post(&sp, &s, big.trim_end()).unwrap();
    expect_code(run(w.ms.get_session(&sp.id, &s.id)), ErrorCode::Gone);
}

#[test]
fn a_delete_on_a_non_atomic_backend_goes_through_the_journal_and_leaves_none_behind() {
    let faulty = Rc::new(FaultyKv::new(MemoryKv::new(), false));
    let ms = World::with_kv(faulty.clone(), ManualHost::default());
    let sp = run(ms.create_space(NewSpace::default())).unwrap();
    let s = run(ms.create_session(
        &sp.id,
        NewSession {
            participants: vec!["u1".into()],
            ..Default::default()
        },
    ))
    .unwrap();
    run(ms.post_events(&sp.id, &s.id, (0..3).map(|_| msg("x")).collect())).unwrap();
    run(ms.delete_event(&sp.id, &s.id, 0)).unwrap();
    let got = seqs(&run(ms.list_events(&sp.id, &s.id, EventQuery::default())).unwrap());
    assert_eq!(got, [1, 2]);
    let leftovers = faulty
        .data()
        .snapshot()
        .keys()
        .filter(|k| k.starts_with(b"tx\0"))
        .count();
    assert_eq!(leftovers, 0, "the journal is removed once applied");
    assert!(run(ms.verify_space(&sp.id)).unwrap().is_clean());
}

#[test]
fn a_delete_cut_after_its_commit_point_is_completed_by_the_next_reader() {
    let host = ManualHost::default();
    let faulty = Rc::new(FaultyKv::new(MemoryKv::new(), false));
    let ms = World::with_kv(faulty.clone(), host.clone());
    let sp = run(ms.create_space(NewSpace::default())).unwrap();
    let s = run(ms.create_session(
        &sp.id,
        NewSession {
            participants: vec!["u1".into()],
            ..Default::default()
        },
    ))
    .unwrap();
    run(ms.post_events(
        &sp.id,
        &s.id,
        (0..4).map(|i| msg(&format!("m{i}"))).collect(),
    ))
    .unwrap();
    // Journal, then the head naming it: the delete has happened, no event key written yet.
    faulty.crash_after(2);
    assert!(run(ms.delete_event(&sp.id, &s.id, 1)).is_err());
    let reopened = World::with_kv(Rc::new(faulty.data()), host);
    let q = EventQuery {
        offset: Some(1),
        limit: Some(2),
        ..Default::default()
    };
    assert_eq!(
        seqs(&run(reopened.list_events(&sp.id, &s.id, q)).unwrap()),
        [2, 3]
    );
    expect_code(
        run(reopened.delete_event(&sp.id, &s.id, 1)),
        ErrorCode::Gone,
    );
    assert!(run(reopened.verify_space(&sp.id)).unwrap().is_clean());
}

/// Turns a session into one indexed the older way (an `evt/…` key per typed event), its head
/// stored as such sessions' heads were: JSON (format 2).
fn make_type_indexed(kv: &MemoryKv, sp: &Space, s: &Session) {
    let key = Key::table("se").s(&sp.id).s(&s.id).build();
    let bytes = kv.snapshot().get(&key).cloned().unwrap();
    let mut head: Value = memspace::testkit::heads::head_json(&bytes).unwrap();
    head["typeIndex"] = json!(true);
    head.as_object_mut().unwrap().remove("typePages");
    let mut b = Batch::new();
    b.put(key, envelope::encode(&head).unwrap());
    memspace::runtime::block_on(kv.commit(b)).unwrap().unwrap();
}

#[test]
fn deleting_a_typed_event_of_an_indexed_session_removes_its_index_key() {
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    make_type_indexed(&w.kv, &sp, &s);
    run(w.ms.post_events(
        &sp.id,
        &s.id,
        vec![agent("a", "x"), agent("b", "y"), agent("c", "x")],
    ))
    .unwrap();
    let evt = |seq: u64| Key::table("evt").s(&sp.id).s(&s.id).s("x").n(seq).build();
    assert!(w.kv.snapshot().contains_key(&evt(2)));
    delete(&w, &sp, &s, 2).unwrap();
    assert!(!w.kv.snapshot().contains_key(&evt(2)));
    let q = EventQuery {
        event_type: Some("x".into()),
        ..Default::default()
    };
    assert_eq!(list(&w, &sp, &s, q), [0]);
    assert!(run(w.ms.verify_space(&sp.id)).unwrap().is_clean());
}
