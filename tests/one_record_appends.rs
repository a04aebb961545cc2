//! One-record appends (docs/storage.md, "One-record appends"): on a backend with atomic
//! batches an append that only changes the counters writes its events alone, each carrying the
//! session's running token count, and every reader folds the newest event into the stored
//! head. Backends without atomic batches keep writing the head.

mod common;
use common::*;
use memspace::codec::{envelope, event, keys::Key};
use memspace::kv::faulty::FaultyKv;
use memspace::kv::{Batch, Kv, MemoryKv};
use memspace::model::*;
use memspace::testkit::heads::head_json;
use memspace::{ErrorCode, Memspace};
use serde_json::json;
use std::rc::Rc;

fn head_key(sp: &Space, s: &Session) -> Vec<u8> {
    Key::table("se").s(&sp.id).s(&s.id).build()
}

fn ev_key(sp: &Space, s: &Session, seq: u64) -> Vec<u8> {
    Key::table("ev").s(&sp.id).s(&s.id).n(seq).build()
}

/// An untyped event (no page mark to write).
fn plain(text: &str) -> NewEvent {
    NewEvent {
        body: json!({ "content": text }),
        emitter: Emitter::new("user", "u1"),
        event_type: None,
    }
}

/// A handle over a counting backend, with a space and a session.
fn counted(
    atomic: bool,
    strategies: Vec<LifecycleStrategy>,
) -> (Memspace, Rc<FaultyKv>, Space, Session) {
    counted_at(atomic, strategies, memspace::host::ManualHost::default())
}

/// [`counted`] with the clock `host`.
fn counted_at(
    atomic: bool,
    strategies: Vec<LifecycleStrategy>,
    host: memspace::host::ManualHost,
) -> (Memspace, Rc<FaultyKv>, Space, Session) {
    let kv = Rc::new(FaultyKv::new(MemoryKv::new(), atomic));
    let ms = World::with_kv(kv.clone(), host);
    let sp = run(ms.create_space(NewSpace::default())).unwrap();
    let s = run(ms.create_session(
        &sp.id,
        NewSession {
            participants: vec!["u1".into()],
            lifecycle_strategies: strategies,
            ..Default::default()
        },
    ))
    .unwrap();
    (ms, kv, sp, s)
}

/// The tokens a fresh session counts for these event texts, appended one by one.
fn tokens_of(texts: &[&str]) -> u64 {
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    for t in texts {
        run(w.ms.post_event(&sp.id, &s.id, plain(t))).unwrap();
    }
    run(w.ms.get_session(&sp.id, &s.id)).unwrap().token_count
}

#[test]
fn an_append_that_only_counts_writes_its_event_alone_on_an_atomic_backend() {
    let (ms, kv, sp, s) = counted(true, vec![]);
    let head = kv.data().snapshot()[&head_key(&sp, &s)].clone();
    for i in 0..3 {
        let before = kv.writes();
        run(ms.post_event(&sp.id, &s.id, plain(&format!("m{i}")))).unwrap();
        assert_eq!(kv.writes() - before, 1, "append {i}");
    }
    let snap = kv.data().snapshot();
    assert_eq!(
        snap[&head_key(&sp, &s)],
        head,
        "the stored head is untouched"
    );
    let tokens = tokens_of(&["m0", "m1", "m2"]);
    for seq in 0..3 {
        let p = event::parts(&snap[&ev_key(&sp, &s, seq)]).unwrap();
        assert!(p.tokens_after.is_some());
    }
    assert_eq!(
        event::parts(&snap[&ev_key(&sp, &s, 2)])
            .unwrap()
            .tokens_after,
        Some(tokens)
    );
    // Every reader sees the folded head, from this handle and from a fresh one.
    let fresh = World::with_kv(kv.clone(), memspace::host::ManualHost::default());
    for h in [&ms, &fresh] {
        let got = run(h.get_session(&sp.id, &s.id)).unwrap();
        assert_eq!((got.event_count, got.token_count), (3, tokens));
        assert!(got.last_event_at.is_some());
        let listed = run(h.list_sessions(&sp.id, SessionFilter::default())).unwrap();
        assert_eq!(listed, vec![got.clone()]);
        let last = EventQuery {
            last_n: Some(2),
            ..Default::default()
        };
        assert_eq!(
            seqs(&run(h.list_events(&sp.id, &s.id, last)).unwrap()),
            vec![1, 2]
        );
        let page = EventQuery {
            offset: Some(1),
            limit: Some(5),
            ..Default::default()
        };
        assert_eq!(
            seqs(&run(h.list_events(&sp.id, &s.id, page)).unwrap()),
            vec![1, 2]
        );
        assert!(run(h.verify_space(&sp.id)).unwrap().is_clean());
    }
}

#[test]
fn appends_on_a_backend_without_atomic_batches_still_write_the_head() {
    let (ms, kv, sp, s) = counted(false, vec![]);
    for i in 0..3 {
        let before = kv.writes();
        run(ms.post_event(&sp.id, &s.id, plain(&format!("m{i}")))).unwrap();
        assert_eq!(kv.writes() - before, 2, "event and head, append {i}");
    }
    let head = head_json(&kv.data().snapshot()[&head_key(&sp, &s)]).unwrap();
    assert_eq!(head["eventCount"], 3);
    assert_eq!(head["tokenCount"], tokens_of(&["m0", "m1", "m2"]));
}

#[test]
fn appends_that_move_an_idle_deadline_or_fire_a_strategy_write_the_head() {
    let idle = vec![LifecycleStrategy::soft_delete(Trigger::Idle(3600))];
    let host = memspace::host::ManualHost::default();
    let (ms, kv, sp, s) = counted_at(true, idle, host.clone());
    for i in 0..2 {
        host.advance_secs(60);
        run(ms.post_event(&sp.id, &s.id, plain(&format!("m{i}")))).unwrap();
        let head = head_json(&kv.data().snapshot()[&head_key(&sp, &s)]).unwrap();
        assert_eq!(head["eventCount"], i + 1, "the idle deadline moved");
    }
    let count = vec![LifecycleStrategy::extract(Trigger::EventCount(2), None)];
    let (ms, kv, sp, s) = counted(true, count);
    run(ms.post_event(&sp.id, &s.id, plain("m0"))).unwrap();
    let head = head_json(&kv.data().snapshot()[&head_key(&sp, &s)]).unwrap();
    assert_eq!(head["eventCount"], 0, "nothing fired: one record");
    run(ms.post_event(&sp.id, &s.id, plain("m1"))).unwrap();
    let head = head_json(&kv.data().snapshot()[&head_key(&sp, &s)]).unwrap();
    assert_eq!(
        head["eventCount"], 2,
        "the count trigger fired with the append"
    );
    assert_eq!(head["executedStrategies"].as_array().unwrap().len(), 1);
}

#[test]
fn a_head_write_stores_the_folded_counts_and_the_next_append_overwrites_its_fence() {
    let (ms, kv, sp, s) = counted(true, vec![]);
    for i in 0..3 {
        run(ms.post_event(&sp.id, &s.id, plain(&format!("m{i}")))).unwrap();
    }
    let update = SessionUpdate {
        description: Patch::Set("d".into()),
        ..Default::default()
    };
    run(ms.update_session(&sp.id, &s.id, update)).unwrap();
    let snap = kv.data().snapshot();
    let head = head_json(&snap[&head_key(&sp, &s)]).unwrap();
    assert_eq!(head["eventCount"], 3);
    assert_eq!(snap[&ev_key(&sp, &s, 3)], Vec::<u8>::new(), "the fence");
    // The next append replaces the fence and writes the head; the one after is one record.
    let before = kv.writes();
    let e = run(ms.post_event(&sp.id, &s.id, plain("m3"))).unwrap();
    assert_eq!(e.sequence_id, 3);
    assert!(kv.writes() - before > 1);
    let before = kv.writes();
    run(ms.post_event(&sp.id, &s.id, plain("m4"))).unwrap();
    assert_eq!(kv.writes() - before, 1);
    let got = run(ms.get_session(&sp.id, &s.id)).unwrap();
    assert_eq!(got.event_count, 5);
    assert_eq!(got.token_count, tokens_of(&["m0", "m1", "m2", "m3", "m4"]));
    assert_eq!(got.description.as_deref(), Some("d"));
}

/// Posts three events, edits the newest, deletes it and posts one more through `ms`,
/// checking after each step that the session equals `serial` (the same steps on a session
/// whose every head write was stored).
fn edit_delete_append(ms: &Memspace, sp: &Space, s: &Session) -> Vec<(u64, u64)> {
    let mut seen = Vec::new();
    let mut look = || {
        let got = run(ms.get_session(&sp.id, &s.id)).unwrap();
        seen.push((got.event_count, got.token_count));
    };
    for i in 0..3 {
        run(ms.post_event(&sp.id, &s.id, plain(&format!("message number {i}")))).unwrap();
    }
    look();
    let upd = EventUpdate {
        sequence_id: 2,
        body: Some(json!({"content": "edited"})),
        ..Default::default()
    };
    run(ms.update_event(&sp.id, &s.id, upd)).unwrap();
    look();
    run(ms.delete_event(&sp.id, &s.id, 2)).unwrap();
    look();
    let e = run(ms.post_event(&sp.id, &s.id, plain("message number 3"))).unwrap();
    assert_eq!(e.sequence_id, 3);
    look();
    seen
}

#[test]
fn deleting_and_updating_appended_events_keep_the_running_count_right() {
    let (ms, kv, sp, s) = counted(true, vec![]);
    let got = edit_delete_append(&ms, &sp, &s);
    // The same steps where every append writes the head.
    let (serial, _, sp2, s2) = counted(false, vec![]);
    let want = edit_delete_append(&serial, &sp2, &s2);
    assert_eq!(got, want);
    assert_eq!(
        got[0].1,
        tokens_of(&["message number 0", "message number 1", "message number 2"])
    );
    let fresh = World::with_kv(kv.clone(), memspace::host::ManualHost::default());
    let last = run(fresh.get_session(&sp.id, &s.id)).unwrap();
    assert_eq!((last.event_count, last.token_count), want[3]);
    assert!(run(fresh.verify_space(&sp.id)).unwrap().is_clean());
}

#[test]
fn a_session_written_before_running_counts_reads_and_appends_correctly() {
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    let posted: Vec<Event> = (0..3)
        .map(|i| w.post(&sp, &s, &format!("m{i}")).unwrap())
        .collect();
    let update = SessionUpdate {
        description: Patch::Set("d".into()),
        ..Default::default()
    };
    let before = run(w.ms.update_session(&sp.id, &s.id, update)).unwrap();
    // As an earlier version left it: events without running counts (format 3), the head
    // counting them stored as JSON (format 2), no fence.
    let snap = w.kv.snapshot();
    let old_head = envelope::encode(&head_json(&snap[&head_key(&sp, &s)]).unwrap()).unwrap();
    let mut b = Batch::new();
    for e in &posted {
        b.put(
            ev_key(&sp, &s, e.sequence_id),
            event::encode(e, None).unwrap(),
        );
    }
    b.delete(ev_key(&sp, &s, 3));
    b.put(head_key(&sp, &s), old_head);
    memspace::runtime::block_on(w.kv.commit(b))
        .unwrap()
        .unwrap();

    let ms = World::with_kv(Rc::new(w.kv.clone()), w.host.clone());
    assert_eq!(run(ms.get_session(&sp.id, &s.id)).unwrap(), before);
    assert_eq!(
        run(ms.list_events(&sp.id, &s.id, EventQuery::default())).unwrap(),
        posted
    );
    // The first append writes the head (compact now), the next ones one record each.
    run(ms.post_event(&sp.id, &s.id, msg("m3"))).unwrap();
    let head = w.kv.snapshot()[&head_key(&sp, &s)].clone();
    assert_eq!(head[0], 4);
    assert_eq!(head_json(&head).unwrap()["eventCount"], 4);
    run(ms.post_event(&sp.id, &s.id, msg("m4"))).unwrap();
    assert_eq!(w.kv.snapshot()[&head_key(&sp, &s)], head);
    let got = run(ms.get_session(&sp.id, &s.id)).unwrap();
    assert_eq!(got.event_count, 5);
    let last = EventQuery {
        last_n: Some(3),
        ..Default::default()
    };
    assert_eq!(
        seqs(&run(ms.list_events(&sp.id, &s.id, last)).unwrap()),
        vec![2, 3, 4]
    );
    let w2 = World::new();
    let sp2 = w2.space();
    let s2 = w2.session(&sp2);
    for i in 0..5 {
        w2.post(&sp2, &s2, &format!("m{i}")).unwrap();
    }
    let serial = run(w2.ms.get_session(&sp2.id, &s2.id)).unwrap();
    assert_eq!(got.token_count, serial.token_count);
    assert!(run(ms.verify_space(&sp.id)).unwrap().is_clean());
}

#[test]
fn an_event_above_the_count_without_a_running_count_is_a_storage_error() {
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    let e = w.post(&sp, &s, "m0").unwrap();
    // Not something any version writes on an atomic backend: reported, never guessed at.
    let mut b = Batch::new();
    b.put(ev_key(&sp, &s, 1), event::encode(&e, None).unwrap());
    memspace::runtime::block_on(w.kv.commit(b))
        .unwrap()
        .unwrap();
    let ms = World::with_kv(Rc::new(w.kv.clone()), w.host.clone());
    let err = run(ms.get_session(&sp.id, &s.id)).unwrap_err();
    assert_eq!(err.code, ErrorCode::Storage, "{err:?}");
}

#[test]
fn a_listing_past_an_offset_shows_the_counters_of_events_appended_without_a_head_write() {
    let w = World::new();
    let sp = w.space();
    let sessions: Vec<Session> = (0..70).map(|_| w.session(&sp)).collect();
    // Untyped events: each append writes its event alone, the heads keep count 0.
    for (i, s) in sessions.iter().enumerate() {
        for n in 0..i % 3 {
            run(w.ms.post_event(&sp.id, &s.id, plain(&format!("e{n}")))).unwrap();
        }
    }
    // Pages that start inside the first chunk of heads and past it.
    for (offset, limit) in [(0, 70), (50, 20), (63, 5), (65, 5)] {
        let page = run(w.ms.list_sessions(
            &sp.id,
            SessionFilter {
                offset: Some(offset),
                limit: Some(limit),
                ..Default::default()
            },
        ))
        .unwrap();
        let want: Vec<(String, u64)> = (sessions.iter().enumerate())
            .skip(offset as usize)
            .take(limit as usize)
            .map(|(i, s)| (s.id.clone(), (i % 3) as u64))
            .collect();
        let got: Vec<(String, u64)> = page.iter().map(|s| (s.id.clone(), s.event_count)).collect();
        assert_eq!(got, want, "offset {offset}");
    }
}
