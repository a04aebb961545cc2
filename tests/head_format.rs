//! Stored session heads: written in the compact format (4) at `se/…` and at the head copy;
//! heads stored as JSON records (format 2) by earlier versions are read, and the next head
//! write rewrites them compact; a corrupted head is a `storage` error.

mod common;
use common::*;
use memspace::codec::{envelope, keys::Key};
use memspace::kv::{Batch, Kv};
use memspace::model::*;
use memspace::testkit::heads::head_json;
use memspace::ErrorCode;
use serde_json::json;
use std::rc::Rc;

fn head_key(sp: &Space, s: &Session) -> Vec<u8> {
    Key::table("se").s(&sp.id).s(&s.id).build()
}

fn copy_key(sp: &Space, s: &Session) -> Vec<u8> {
    Key::table("ev").s(&sp.id).s(&s.id).n(u64::MAX).build()
}

fn put(w: &World, pairs: Vec<(Vec<u8>, Vec<u8>)>) {
    let mut b = Batch::new();
    for (k, v) in pairs {
        b.put(k, v);
    }
    memspace::runtime::block_on(w.kv.commit(b))
        .unwrap()
        .unwrap();
}

fn session_with_metadata(w: &World, sp: &Space) -> Session {
    run(w.ms.create_session(
        &sp.id,
        NewSession {
            participants: vec!["u1".into(), "agent-é".into()],
            description: Some("compact".into()),
            metadata: json!({"z": 1, "a": [1.25, null], "n": {"k": "v"}})
                .as_object()
                .cloned(),
            ..Default::default()
        },
    ))
    .unwrap()
}

#[test]
fn session_heads_and_their_copies_are_stored_compact() {
    let w = World::new();
    let sp = w.space();
    let s = session_with_metadata(&w, &sp);
    for i in 0..3 {
        w.post(&sp, &s, &format!("m{i}")).unwrap();
    }
    let snap = w.kv.snapshot();
    let head = &snap[&head_key(&sp, &s)];
    assert_eq!(head[0], 4);
    assert_eq!(&snap[&copy_key(&sp, &s)], head);
    let stored = head_json(head).unwrap();
    let as_json = envelope::encode(&stored).unwrap();
    assert!(
        head.len() * 2 < as_json.len(),
        "compact {} B vs JSON {} B",
        head.len(),
        as_json.len()
    );
    let public = run(w.ms.get_session(&sp.id, &s.id)).unwrap();
    assert_eq!(public.event_count, 3);
    // The appends wrote their events (and the first its page mark) alone: the stored head
    // keeps the creation's counters, the session's are folded from the events.
    assert_eq!(stored["eventCount"], 0);
    for (k, v) in serde_json::to_value(&public).unwrap().as_object().unwrap() {
        if !["eventCount", "tokenCount", "lastEventAt"].contains(&k.as_str()) {
            assert_eq!(&stored[k], v, "{k}");
        }
    }
}

#[test]
fn heads_stored_as_json_are_read_and_rewritten_compact_by_the_next_head_write() {
    let w = World::new();
    let sp = w.space();
    let s = session_with_metadata(&w, &sp);
    let posted: Vec<Event> = (0..2)
        .map(|i| w.post(&sp, &s, &format!("m{i}")).unwrap())
        .collect();
    let before = run(w.ms.get_session(&sp.id, &s.id)).unwrap();
    let compact = w.kv.snapshot()[&head_key(&sp, &s)].clone();
    let old = envelope::encode(&head_json(&compact).unwrap()).unwrap();
    assert_eq!(old[0], 2);
    put(
        &w,
        vec![(head_key(&sp, &s), old.clone()), (copy_key(&sp, &s), old)],
    );

    let ms = World::with_kv(Rc::new(w.kv.clone()), w.host.clone());
    assert_eq!(run(ms.get_session(&sp.id, &s.id)).unwrap(), before);
    let last = EventQuery {
        last_n: Some(2),
        ..Default::default()
    };
    assert_eq!(run(ms.list_events(&sp.id, &s.id, last)).unwrap(), posted);
    assert!(run(ms.verify_space(&sp.id)).unwrap().is_clean());

    w.host.advance_secs(1);
    run(ms.post_event(&sp.id, &s.id, msg("m2"))).unwrap();
    let snap = w.kv.snapshot();
    let head = &snap[&head_key(&sp, &s)];
    assert_eq!(head[0], 4);
    assert_eq!(&snap[&copy_key(&sp, &s)], head);
    let after = run(ms.get_session(&sp.id, &s.id)).unwrap();
    assert_eq!(after.event_count, 3);
    assert_eq!(after.metadata, before.metadata);
    assert_eq!(after.participants, before.participants);
    assert!(run(ms.verify_space(&sp.id)).unwrap().is_clean());
}

#[test]
fn a_corrupted_or_truncated_compact_head_is_a_storage_error() {
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    w.post(&sp, &s, "m0").unwrap();
    let head = w.kv.snapshot()[&head_key(&sp, &s)].clone();
    let mut flipped = head.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    for bad in [flipped, head[..head.len() - 3].to_vec()] {
        put(
            &w,
            vec![(head_key(&sp, &s), bad.clone()), (copy_key(&sp, &s), bad)],
        );
        let ms = World::with_kv(Rc::new(w.kv.clone()), w.host.clone());
        let err = run(ms.get_session(&sp.id, &s.id)).unwrap_err();
        assert_eq!(err.code, ErrorCode::Storage, "{err:?}");
        let err = run(ms.post_event(&sp.id, &s.id, msg("m1"))).unwrap_err();
        assert_eq!(err.code, ErrorCode::Storage, "{err:?}");
        let last = EventQuery {
            last_n: Some(1),
            ..Default::default()
        };
        let err = run(ms.list_events(&sp.id, &s.id, last)).unwrap_err();
        assert_eq!(err.code, ErrorCode::Storage, "{err:?}");
        assert!(!run(ms.verify_space(&sp.id)).unwrap().is_clean());
    }
}
