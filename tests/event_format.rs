//! Stored event values: new events are written in the binary format (3); events stored as
//! JSON records (format 2) by earlier versions stay readable, updatable and deletable, and a
//! session may hold both.

mod common;
use common::*;
use memspace::codec::{envelope, event, keys::Key};
use memspace::kv::{Batch, Kv};
use memspace::model::*;
use serde_json::json;

fn ev_key(sp: &Space, s: &Session, seq: u64) -> Vec<u8> {
    Key::table("ev").s(&sp.id).s(&s.id).n(seq).build()
}

/// Rewrites events `seqs` as an earlier version stored them: the whole record as JSON.
fn store_as_json(w: &World, sp: &Space, s: &Session, events: &[Event]) {
    let mut b = Batch::new();
    for e in events {
        b.put(ev_key(sp, s, e.sequence_id), envelope::encode(e).unwrap());
    }
    memspace::runtime::block_on(w.kv.commit(b))
        .unwrap()
        .unwrap();
}

#[test]
fn new_events_are_stored_in_the_binary_format_without_their_ids() {
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    let e = w.post(&sp, &s, "hello").unwrap();
    let stored = w.kv.snapshot()[&ev_key(&sp, &s, 0)].clone();
    // With the session's token count after it (what a reader folds into the head).
    assert_eq!(stored[0], event::EVENT_FORMAT_RUNNING);
    let tokens = run(w.ms.get_session(&sp.id, &s.id)).unwrap().token_count;
    assert_eq!(event::parts(&stored).unwrap().tokens_after, Some(tokens));
    assert!(!stored.windows(s.id.len()).any(|win| win == s.id.as_bytes()));
    assert_eq!(event::decode(&s.id, 0, &stored).unwrap(), e);
}

#[test]
fn events_stored_as_json_records_are_listed_updated_and_deleted_beside_binary_ones() {
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    let posted = run(w.ms.post_events(
        &sp.id,
        &s.id,
        vec![
            msg("zero"),
            agent("one", "tool"),
            NewEvent {
                body: json!({"z": 1, "a": [1.25, null, "é\u{0}"]}),
                emitter: Emitter {
                    kind: "agent".into(),
                    id: None,
                },
                event_type: None,
            },
            msg("three"),
        ],
    ))
    .unwrap();
    store_as_json(&w, &sp, &s, &posted[..2]);
    assert_eq!(w.kv.snapshot()[&ev_key(&sp, &s, 1)][0], 2);

    assert_eq!(w.events(&sp, &s, EventQuery::default()).unwrap(), posted);
    let last2 = EventQuery {
        last_n: Some(3),
        ..Default::default()
    };
    assert_eq!(w.events(&sp, &s, last2.clone()).unwrap(), posted[1..]);
    let json = run(w.ms.list_events_json(&sp.id, &s.id, EventQuery::default())).unwrap();
    assert_eq!(json, serde_json::to_string(&posted).unwrap());
    let typed = EventQuery {
        event_type: Some("tool".into()),
        ..Default::default()
    };
    assert_eq!(w.events(&sp, &s, typed).unwrap(), posted[1..2]);

    w.host.advance_secs(5);
    let updated = run(w.ms.update_event(
        &sp.id,
        &s.id,
        EventUpdate {
            sequence_id: 1,
            body: Some(json!({"content": "one, edited"})),
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!(updated.created_at, posted[1].created_at);
    assert!(updated.updated_at > posted[1].updated_at);
    assert_eq!(w.kv.snapshot()[&ev_key(&sp, &s, 1)][0], event::EVENT_FORMAT);
    run(w.ms.delete_event(&sp.id, &s.id, 0)).unwrap();
    let left = w.events(&sp, &s, EventQuery::default()).unwrap();
    assert_eq!(left, vec![updated, posted[2].clone(), posted[3].clone()]);
    assert!(run(w.ms.verify_space(&sp.id)).unwrap().is_clean());
}

#[test]
fn the_json_answers_of_posts_and_listings_are_the_records_serde_writes() {
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    let one = run(w.ms.post_event_json(&sp.id, &s.id, msg("first \"quoted\""))).unwrap();
    let body = json!({"b": 2, "a": {"x": [1, -0.5, 1e300]}, "t": "tab\there"});
    let batch = vec![
        agent("second", "tool"),
        NewEvent {
            body: body.clone(),
            emitter: Emitter {
                kind: "agent".into(),
                id: None,
            },
            event_type: None,
        },
    ];
    let many = run(w.ms.post_events_json(&sp.id, &s.id, batch)).unwrap();
    let listed = w.events(&sp, &s, EventQuery::default()).unwrap();
    assert_eq!(one, serde_json::to_string(&listed[0]).unwrap());
    assert_eq!(many, serde_json::to_string(&listed[1..]).unwrap());
    assert_eq!(listed[2].body, body);
    assert_eq!(
        run(w.ms.list_events_json(&sp.id, &s.id, EventQuery::default())).unwrap(),
        serde_json::to_string(&listed).unwrap()
    );
}
