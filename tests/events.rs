//! Events as seed 001 documents them: post, batch post (atomic, ≤200), list with offset+limit
//! or last_n and event_type, update by sequence id with created_at concurrency, batch update.

mod common;
use common::spy::Spy;
use common::*;
use memspace::kv::faulty::FaultyKv;
use memspace::kv::MemoryKv;
use memspace::model::*;
use memspace::{ErrorCode, Timestamp};
use serde_json::json;
use std::rc::Rc;

#[test]
fn sequence_ids_start_at_0_and_increase_by_one() {
    let w = World::new();
    let (sp, s) = {
        let sp = w.space();
        let s = w.session(&sp);
        (sp, s)
    };
    let ids: Vec<u64> = (0..5)
        .map(|i| w.post(&sp, &s, &format!("m{i}")).unwrap().sequence_id)
        .collect();
    assert_eq!(ids, vec![0, 1, 2, 3, 4]);
    let events = w.events(&sp, &s, EventQuery::default()).unwrap();
    assert_eq!(seqs(&events), ids);
    assert_eq!(events[2].body, json!({"content": "m2"}));
    assert_eq!(events[2].emitter, Emitter::new("user", "u1"));
}

#[test]
fn event_body_is_stored_verbatim() {
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    let body =
        json!({"tool_call_id": "x", "nested": {"HTTPServer": [1, null, 2.5]}, "emoji": "🦀"});
    let ev = NewEvent {
        body: body.clone(),
        emitter: Emitter::new("agent", "a"),
        event_type: Some("tool_output".into()),
    };
    run(w.ms.post_event(&sp.id, &s.id, ev)).unwrap();
    assert_eq!(
        w.events(&sp, &s, EventQuery::default()).unwrap()[0].body,
        body
    );
}

#[test]
fn user_emitter_must_be_a_participant() {
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    let stranger = NewEvent {
        body: json!({}),
        emitter: Emitter::new("user", "mallory"),
        event_type: None,
    };
    expect_code(
        run(w.ms.post_event(&sp.id, &s.id, stranger)),
        ErrorCode::Validation,
    );
    let no_id = NewEvent {
        body: json!({}),
        emitter: Emitter {
            kind: "user".into(),
            id: None,
        },
        event_type: None,
    };
    expect_code(
        run(w.ms.post_event(&sp.id, &s.id, no_id)),
        ErrorCode::Validation,
    );
    let agent = NewEvent {
        body: json!({}),
        emitter: Emitter::new("agent", "anyone"),
        event_type: None,
    };
    run(w.ms.post_event(&sp.id, &s.id, agent)).unwrap();
}

#[test]
fn post_events_appends_a_batch_in_order() {
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    w.post(&sp, &s, "first").unwrap();
    let batch: Vec<_> = (0..3).map(|i| msg(&format!("b{i}"))).collect();
    let out = run(w.ms.post_events(&sp.id, &s.id, batch)).unwrap();
    assert_eq!(seqs(&out), vec![1, 2, 3]);
    assert_eq!(run(w.ms.get_session(&sp.id, &s.id)).unwrap().event_count, 4);
}

#[test]
fn post_events_with_one_invalid_item_creates_nothing() {
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    let mut batch: Vec<_> = (0..5).map(|i| msg(&format!("b{i}"))).collect();
    batch[3].emitter = Emitter::new("user", "not-a-participant");
    expect_code(
        run(w.ms.post_events(&sp.id, &s.id, batch)),
        ErrorCode::Validation,
    );
    assert!(w.events(&sp, &s, EventQuery::default()).unwrap().is_empty());
}

#[test]
fn post_events_accepts_200_and_rejects_201_or_0() {
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    expect_code(
        run(w
            .ms
            .post_events(&sp.id, &s.id, (0..201).map(|_| msg("x")).collect())),
        ErrorCode::Validation,
    );
    expect_code(
        run(w.ms.post_events(&sp.id, &s.id, vec![])),
        ErrorCode::Validation,
    );
    assert_eq!(
        run(w
            .ms
            .post_events(&sp.id, &s.id, (0..200).map(|_| msg("x")).collect()))
        .unwrap()
        .len(),
        200
    );
}

#[test]
fn post_events_that_fail_in_storage_leave_nothing_half_written() {
    for atomic in [true, false] {
        let faulty = Rc::new(FaultyKv::new(MemoryKv::new(), atomic));
        let host = memspace::host::ManualHost::default();
        let ms = World::with_kv(faulty.clone(), host);
        let sp = run(ms.create_space(NewSpace::default())).unwrap();
        let s = run(ms.create_session(
            &sp.id,
            NewSession {
                participants: vec!["u1".into()],
                ..Default::default()
            },
        ))
        .unwrap();
        faulty.fail_write_at(3);
        expect_code(
            run(ms.post_events(&sp.id, &s.id, (0..5).map(|_| msg("x")).collect())),
            ErrorCode::Storage,
        );
        assert!(
            run(ms.list_events(&sp.id, &s.id, EventQuery::default()))
                .unwrap()
                .is_empty(),
            "atomic={atomic}"
        );
        assert_eq!(
            seqs(&run(ms.post_events(&sp.id, &s.id, vec![msg("y")])).unwrap()),
            vec![0]
        );
    }
}

#[test]
fn quota_errors_surface_as_quota_and_leave_nothing_applied() {
    let faulty = Rc::new(FaultyKv::new(MemoryKv::new(), true));
    let ms = World::with_kv(faulty.clone(), memspace::host::ManualHost::default());
    let sp = run(ms.create_space(NewSpace::default())).unwrap();
    let s = run(ms.create_session(
        &sp.id,
        NewSession {
            participants: vec!["u1".into()],
            ..Default::default()
        },
    ))
    .unwrap();
    faulty.set_quota_bytes(Some(4096));
    // Text that does not compress: the stored value is as large as the body.
    let noise = noise(10_000);
    let big = NewEvent {
        body: json!({ "content": noise }),
        emitter: Emitter::new("user", "u1"),
        event_type: None,
    };
    let e = expect_code(run(ms.post_event(&sp.id, &s.id, big)), ErrorCode::Quota);
    assert_eq!(e.status(), 507);
    assert_eq!(run(ms.get_session(&sp.id, &s.id)).unwrap().event_count, 0);
}

#[test]
fn offset_and_limit_page_events_ascending() {
    let (w, sp, s) = world_with_events(10);
    let q = EventQuery {
        offset: Some(4),
        limit: Some(3),
        ..Default::default()
    };
    assert_eq!(seqs(&w.events(&sp, &s, q).unwrap()), vec![4, 5, 6]);
    let q = EventQuery {
        offset: Some(8),
        limit: Some(5),
        ..Default::default()
    };
    assert_eq!(seqs(&w.events(&sp, &s, q).unwrap()), vec![8, 9]);
    let q = EventQuery {
        offset: Some(80),
        ..Default::default()
    };
    assert!(w.events(&sp, &s, q).unwrap().is_empty());
}

#[test]
fn last_n_returns_the_most_recent_events_still_ascending() {
    let (w, sp, s) = world_with_events(10);
    let q = EventQuery {
        last_n: Some(3),
        ..Default::default()
    };
    assert_eq!(seqs(&w.events(&sp, &s, q).unwrap()), vec![7, 8, 9]);
    let q = EventQuery {
        last_n: Some(50),
        ..Default::default()
    };
    assert_eq!(w.events(&sp, &s, q).unwrap().len(), 10);
}

#[test]
fn offset_and_last_n_together_are_a_validation_error() {
    let (w, sp, s) = world_with_events(3);
    let q = EventQuery {
        offset: Some(0),
        last_n: Some(1),
        ..Default::default()
    };
    expect_code(w.events(&sp, &s, q), ErrorCode::Validation);
}

#[test]
fn event_type_filters_pages_and_last_n() {
    let (w, sp, s) = world_with_events(20);
    let tools = |q: EventQuery| {
        seqs(
            &w.events(
                &sp,
                &s,
                EventQuery {
                    event_type: Some("tool_output".into()),
                    ..q
                },
            )
            .unwrap(),
        )
    };
    assert_eq!(tools(EventQuery::default()), vec![0, 3, 6, 9, 12, 15, 18]);
    assert_eq!(
        tools(EventQuery {
            offset: Some(2),
            limit: Some(2),
            ..Default::default()
        }),
        vec![6, 9]
    );
    assert_eq!(
        tools(EventQuery {
            last_n: Some(3),
            ..Default::default()
        }),
        vec![12, 15, 18]
    );
}

#[test]
fn limits_and_last_n_must_be_1_to_100() {
    let (w, sp, s) = world_with_events(3);
    for q in [
        EventQuery {
            limit: Some(0),
            ..Default::default()
        },
        EventQuery {
            limit: Some(101),
            ..Default::default()
        },
        EventQuery {
            last_n: Some(0),
            ..Default::default()
        },
        EventQuery {
            last_n: Some(101),
            ..Default::default()
        },
    ] {
        expect_code(w.events(&sp, &s, q), ErrorCode::Validation);
    }
}

#[test]
fn last_20_of_a_large_session_reads_only_the_tail() {
    let (w, sp, s) = world_with_events(1000);
    let q = EventQuery {
        last_n: Some(20),
        ..Default::default()
    };
    assert_eq!(
        seqs(&w.events(&sp, &s, q).unwrap()),
        (980..1000).collect::<Vec<_>>()
    );
}

#[test]
fn update_event_replaces_body_and_refreshes_updated_at() {
    let (w, sp, s) = world_with_events(3);
    w.host.advance_secs(5);
    let u = EventUpdate {
        sequence_id: 1,
        body: Some(json!({"content": "edited"})),
        ..Default::default()
    };
    let ev = run(w.ms.update_event(&sp.id, &s.id, u)).unwrap();
    assert_eq!(ev.body, json!({"content": "edited"}));
    assert!(ev.updated_at > ev.created_at);
    assert_eq!(
        ev.event_type.as_deref(),
        Some("message"),
        "fields not given stay"
    );
    assert_eq!(w.events(&sp, &s, EventQuery::default()).unwrap()[1], ev);
}

#[test]
fn update_event_needs_at_least_one_field() {
    let (w, sp, s) = world_with_events(1);
    expect_code(
        run(w.ms.update_event(
            &sp.id,
            &s.id,
            EventUpdate {
                sequence_id: 0,
                ..Default::default()
            },
        )),
        ErrorCode::Validation,
    );
}

#[test]
fn update_event_with_a_stale_timestamp_is_a_conflict() {
    let (w, sp, s) = world_with_events(2);
    let before = w.events(&sp, &s, EventQuery::default()).unwrap()[0].clone();
    let set = |text: &str, t: Timestamp| EventUpdate {
        sequence_id: 0,
        body: Some(json!({"content": text})),
        if_unmodified_since: Some(t),
        ..Default::default()
    };
    let after = run(w
        .ms
        .update_event(&sp.id, &s.id, set("one", before.updated_at)))
    .unwrap();
    // Same-microsecond updates still move the token forward.
    let e = expect_code(
        run(w
            .ms
            .update_event(&sp.id, &s.id, set("two", before.updated_at))),
        ErrorCode::Conflict,
    );
    assert_eq!(e.details["sequence_id"], 0);
    run(w
        .ms
        .update_event(&sp.id, &s.id, set("two", after.updated_at)))
    .unwrap();
}

#[test]
fn update_event_out_of_range_is_not_found() {
    let (w, sp, s) = world_with_events(2);
    let u = EventUpdate {
        sequence_id: 2,
        event_type: Patch::Set("x".into()),
        ..Default::default()
    };
    expect_code(
        run(w.ms.update_event(&sp.id, &s.id, u)),
        ErrorCode::NotFound,
    );
}

#[test]
fn update_event_checks_a_new_user_emitter_is_a_participant() {
    let (w, sp, s) = world_with_events(1);
    let u = EventUpdate {
        sequence_id: 0,
        emitter: Some(Emitter::new("user", "mallory")),
        ..Default::default()
    };
    expect_code(
        run(w.ms.update_event(&sp.id, &s.id, u)),
        ErrorCode::Validation,
    );
}

#[test]
fn update_events_rejects_duplicate_sequence_ids() {
    let (w, sp, s) = world_with_events(3);
    let u = |i| EventUpdate {
        sequence_id: i,
        event_type: Patch::Set("x".into()),
        ..Default::default()
    };
    expect_code(
        run(w.ms.update_events(&sp.id, &s.id, vec![u(0), u(1), u(0)])),
        ErrorCode::Validation,
    );
}

#[test]
fn update_events_is_all_or_nothing_when_one_item_is_stale() {
    let (w, sp, s) = world_with_events(3);
    let old = w.events(&sp, &s, EventQuery::default()).unwrap();
    run(w.ms.update_event(
        &sp.id,
        &s.id,
        EventUpdate {
            sequence_id: 2,
            event_type: Patch::Set("edited".into()),
            ..Default::default()
        },
    ))
    .unwrap();
    let batch = vec![
        EventUpdate {
            sequence_id: 0,
            body: Some(json!("a")),
            if_unmodified_since: Some(old[0].updated_at),
            ..Default::default()
        },
        EventUpdate {
            sequence_id: 2,
            body: Some(json!("c")),
            if_unmodified_since: Some(old[2].updated_at),
            ..Default::default()
        },
    ];
    expect_code(
        run(w.ms.update_events(&sp.id, &s.id, batch)),
        ErrorCode::Conflict,
    );
    let now = w.events(&sp, &s, EventQuery::default()).unwrap();
    assert_eq!(now[0], old[0]);
}

#[test]
fn update_events_applies_every_item() {
    let (w, sp, s) = world_with_events(4);
    let batch: Vec<_> = (0..4)
        .map(|i| EventUpdate {
            sequence_id: i,
            body: Some(json!(i)),
            ..Default::default()
        })
        .collect();
    let out = run(w.ms.update_events(&sp.id, &s.id, batch)).unwrap();
    assert_eq!(out.len(), 4);
    let bodies: Vec<_> = w
        .events(&sp, &s, EventQuery::default())
        .unwrap()
        .into_iter()
        .map(|e| e.body)
        .collect();
    assert_eq!(bodies, vec![json!(0), json!(1), json!(2), json!(3)]);
}

#[test]
fn update_events_accepts_200_and_rejects_201() {
    let (w, sp, s) = world_with_events(201);
    let batch = |n: u64| {
        (0..n)
            .map(|i| EventUpdate {
                sequence_id: i,
                event_type: Patch::Clear,
                ..Default::default()
            })
            .collect::<Vec<_>>()
    };
    expect_code(
        run(w.ms.update_events(&sp.id, &s.id, batch(201))),
        ErrorCode::Validation,
    );
    assert_eq!(
        run(w.ms.update_events(&sp.id, &s.id, batch(200)))
            .unwrap()
            .len(),
        200
    );
}

#[test]
fn update_events_on_a_non_atomic_backend_goes_through_the_journal() {
    let faulty = Rc::new(FaultyKv::new(MemoryKv::new(), false));
    let ms = World::with_kv(faulty.clone(), memspace::host::ManualHost::default());
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
    let batch: Vec<_> = (0..3)
        .map(|i| EventUpdate {
            sequence_id: i,
            body: Some(json!(i)),
            ..Default::default()
        })
        .collect();
    run(ms.update_events(&sp.id, &s.id, batch)).unwrap();
    let bodies: Vec<_> = run(ms.list_events(&sp.id, &s.id, EventQuery::default()))
        .unwrap()
        .into_iter()
        .map(|e| e.body)
        .collect();
    assert_eq!(bodies, vec![json!(0), json!(1), json!(2)]);
    let leftovers = faulty
        .data()
        .snapshot()
        .keys()
        .filter(|k| k.starts_with(b"tx\0"))
        .count();
    assert_eq!(leftovers, 0, "the journal is removed once applied");
}

#[test]
fn oversized_bodies_are_rejected() {
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    let big = NewEvent {
        body: json!({"content": "x".repeat(300 * 1024)}),
        emitter: Emitter::new("agent", "a"),
        event_type: None,
    };
    expect_code(
        run(w.ms.post_event(&sp.id, &s.id, big)),
        ErrorCode::Validation,
    );
}

#[test]
fn two_handles_alternating_appends_share_one_sequence() {
    // Two handles on one store take turns; tests/race.rs interleaves them mid-operation.
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    let other = w.ms.for_principal(Principal::new("u1", "t1")).unwrap();
    for i in 0..50 {
        let h = if i % 2 == 0 { &w.ms } else { &other };
        run(h.post_event(&sp.id, &s.id, msg(&format!("{i}")))).unwrap();
    }
    let events = w
        .events(
            &sp,
            &s,
            EventQuery {
                limit: Some(100),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(seqs(&events), (0..50).collect::<Vec<_>>());
}

#[test]
fn typed_events_are_indexed_by_page_marks_one_run_per_batch_and_type_not_one_key_per_event() {
    let w = World::new();
    let space = w.space();
    let session = w.session(&space);
    let keys = |tag: &str| {
        let prefix = memspace::codec::keys::Key::table(tag).build();
        w.kv.snapshot()
            .keys()
            .filter(|k| k.starts_with(&prefix))
            .count()
    };
    // 200 events of one type in one batch, then 40 single appends alternating two types.
    let batch: Vec<NewEvent> = (0..200)
        .map(|i| agent(&format!("e{i}"), "message"))
        .collect();
    run(w.ms.post_events(&space.id, &session.id, batch)).unwrap();
    assert_eq!(keys("evt"), 0, "no per-event index keys for a new session");
    assert_eq!(
        keys("etp"),
        1,
        "one run mark over pages 0..=12 of 16 events each"
    );
    for i in 0..40u64 {
        let kind = if i % 2 == 0 { "message" } else { "tool" };
        run(w
            .ms
            .post_event(&space.id, &session.id, agent(&format!("s{i}"), kind)))
        .unwrap();
    }
    // Events 200..240 span pages 12..=14: message already has 12, so 13 and 14 are new for
    // it; tool needs 12, 13 and 14 (single appends mark one page each).
    assert_eq!(keys("etp"), 1 + 2 + 3);
    let last = |n: u64, t: &str| {
        seqs(
            &w.events(
                &space,
                &session,
                EventQuery {
                    last_n: Some(n),
                    event_type: Some(t.into()),
                    ..Default::default()
                },
            )
            .unwrap(),
        )
    };
    assert_eq!(last(3, "tool"), [235, 237, 239]);
    assert_eq!(last(2, "message"), [236, 238]);
    let page = |offset: u64, limit: u64, t: &str| {
        seqs(
            &w.events(
                &space,
                &session,
                EventQuery {
                    offset: Some(offset),
                    limit: Some(limit),
                    event_type: Some(t.into()),
                    ..Default::default()
                },
            )
            .unwrap(),
        )
    };
    assert_eq!(page(1, 3, "tool"), [203, 205, 207]);
    assert_eq!(page(199, 3, "message"), [199, 200, 202]);
    let clean = run(w.ms.verify_space(&space.id)).unwrap();
    assert!(clean.is_clean(), "{clean:?}");
}

/// A backend answering a dense scan as IndexedDB does: only the first two and the last keys.
struct DenseKeys(MemoryKv, std::cell::Cell<usize>);

impl memspace::kv::Kv for DenseKeys {
    fn capabilities(&self) -> memspace::kv::Capabilities {
        self.0.capabilities()
    }
    fn epoch(&self) -> Option<u64> {
        self.0.epoch()
    }
    fn get<'a>(&'a self, key: &'a [u8]) -> memspace::kv::KvFuture<'a, Option<Vec<u8>>> {
        self.1.set(self.1.get() + 1);
        self.0.get(key)
    }
    fn get_many<'a>(
        &'a self,
        keys: &'a [Vec<u8>],
    ) -> memspace::kv::KvFuture<'a, Vec<Option<Vec<u8>>>> {
        self.1.set(self.1.get() + 1);
        self.0.get_many(keys)
    }
    fn scan<'a>(
        &'a self,
        range: &'a memspace::kv::KeyRange,
        limit: usize,
        reverse: bool,
    ) -> memspace::kv::KvFuture<'a, Vec<memspace::kv::Entry>> {
        self.1.set(self.1.get() + 1);
        self.0.scan(range, limit, reverse)
    }
    fn commit<'a>(&'a self, batch: memspace::kv::Batch) -> memspace::kv::KvFuture<'a, ()> {
        self.0.commit(batch)
    }
    fn read_many<'a>(
        &'a self,
        reads: &'a [memspace::kv::Read],
    ) -> memspace::kv::KvFuture<'a, Vec<memspace::kv::ReadResult>> {
        self.1.set(self.1.get() + 1);
        Box::pin(async move {
            let mut out = self.0.read_many(reads).await?;
            for (r, res) in reads.iter().zip(out.iter_mut()) {
                if let (
                    memspace::kv::Read::ScanDense { .. },
                    memspace::kv::ReadResult::Entries(entries),
                ) = (r, res)
                {
                    let n = entries.len();
                    for (i, (k, _)) in entries.iter_mut().enumerate() {
                        if i > 1 && i + 1 < n {
                            k.clear();
                        }
                    }
                }
            }
            Ok(out)
        })
    }
}

#[test]
fn a_newest_n_read_tells_the_keys_a_dense_scan_left_out_from_the_ones_it_read() {
    let kv = Rc::new(DenseKeys(MemoryKv::new(), Default::default()));
    let ms = World::with_kv(kv.clone(), memspace::host::ManualHost::default());
    let sp = run(ms.create_space(NewSpace::default())).unwrap();
    let s = run(ms.create_session(
        &sp.id,
        NewSession {
            participants: vec!["u1".into()],
            ..Default::default()
        },
    ))
    .unwrap();
    for i in 0..30 {
        run(ms.post_event(&sp.id, &s.id, msg(&format!("m{i}")))).unwrap();
    }
    let newest = |n: u64| {
        let q = EventQuery {
            last_n: Some(n),
            ..Default::default()
        };
        kv.1.set(0);
        run(ms.list_events(&sp.id, &s.id, q)).unwrap()
    };
    for n in [1, 2, 3, 5, 20, 30, 40] {
        let events = newest(n);
        assert_eq!(kv.1.get(), 1, "last {n}: one snapshot read, no fallback");
        let want: Vec<u64> = (30 - n.min(30)..30).collect();
        assert_eq!(seqs(&events), want, "last {n}");
        for e in &events {
            assert_eq!(e.body["content"], format!("m{}", e.sequence_id), "last {n}");
        }
    }
    // A deleted event in the window: the answer skips it (read past it, ids as stored).
    run(ms.delete_event(&sp.id, &s.id, 27)).unwrap();
    assert_eq!(seqs(&newest(5)), vec![24, 25, 26, 28, 29]);
    let events = newest(5);
    assert_eq!(events[3].body["content"], "m28");
}

#[test]
fn a_newest_n_read_renders_an_event_again_once_another_handle_changed_or_deleted_it() {
    let kv: Rc<MemoryKv> = Rc::new(MemoryKv::new());
    let a = World::with_kv(kv.clone(), memspace::host::ManualHost::default());
    let b = World::with_kv(kv, memspace::host::ManualHost::default());
    let sp = run(a.create_space(NewSpace::default())).unwrap();
    let s = run(a.create_session(
        &sp.id,
        NewSession {
            participants: vec!["u1".into()],
            ..Default::default()
        },
    ))
    .unwrap();
    for i in 0..10 {
        run(a.post_event(&sp.id, &s.id, msg(&format!("m{i}")))).unwrap();
    }
    let q = || EventQuery {
        last_n: Some(4),
        ..Default::default()
    };
    let newest = |h: &memspace::Memspace| {
        let events = run(h.list_events(&sp.id, &s.id, q())).unwrap();
        let text = run(h.list_events_json(&sp.id, &s.id, q())).unwrap();
        assert_eq!(
            text,
            serde_json::to_string(&events).unwrap(),
            "both forms agree"
        );
        events
    };
    // Read twice by `a` (the second read reuses what the first rendered), then changed by `b`.
    let before = newest(&a);
    assert_eq!(newest(&a), before);
    let edited = run(b.update_event(
        &sp.id,
        &s.id,
        EventUpdate {
            sequence_id: 8,
            body: Some(json!({"content": "edited"})),
            ..Default::default()
        },
    ))
    .unwrap();
    run(b.delete_event(&sp.id, &s.id, 7)).unwrap();
    let after = newest(&a);
    assert_eq!(seqs(&after), vec![5, 6, 8, 9]);
    assert_eq!(after[2], edited, "the update as `b` wrote it");
    assert_eq!(after[2].body, json!({"content": "edited"}));
    assert_eq!(after[3], before[3], "unchanged events read the same");
    assert_eq!(newest(&a), newest(&b));
    // The reading handle's own writes over texts it rendered: seen on its next read too.
    let own = run(a.update_event(
        &sp.id,
        &s.id,
        EventUpdate {
            sequence_id: 9,
            body: Some(json!({"content": "edited by a"})),
            ..Default::default()
        },
    ))
    .unwrap();
    run(a.delete_event(&sp.id, &s.id, 6)).unwrap();
    let last = newest(&a);
    assert_eq!(seqs(&last), vec![4, 5, 8, 9]);
    assert_eq!(last[3], own);
    assert_eq!(last[3].body, json!({"content": "edited by a"}));
    assert_eq!(newest(&b), last);
}

#[test]
fn reading_more_event_texts_than_a_handle_keeps_does_not_make_it_read_its_space_again() {
    let log = Rc::new(Spy::default());
    let ms = World::with_kv(log.clone(), memspace::host::ManualHost::default());
    let sp = run(ms.create_space(NewSpace::default())).unwrap();
    let new_session = || {
        let s = run(ms.create_session(
            &sp.id,
            NewSession {
                participants: vec!["u1".into()],
                ..Default::default()
            },
        ))
        .unwrap();
        // 100 events of ~1 KB: ~100 KB of rendered texts per session.
        let batch: Vec<_> = (0..100)
            .map(|i| msg(&format!("{i} {}", "word ".repeat(200))))
            .collect();
        run(ms.post_events(&sp.id, &s.id, batch)).unwrap();
        s
    };
    let sessions: Vec<_> = (0..8).map(|_| new_session()).collect();
    let q = || EventQuery {
        last_n: Some(100),
        ..Default::default()
    };
    let first = run(ms.list_events(&sp.id, &sessions[0].id, q())).unwrap();
    // ~800 KB of texts: more than the handle keeps, so its texts start over on the way.
    for s in &sessions[1..] {
        assert_eq!(run(ms.list_events(&sp.id, &s.id, q())).unwrap().len(), 100);
    }
    log.clear();
    assert_eq!(
        run(ms.list_events(&sp.id, &sessions[0].id, q())).unwrap(),
        first
    );
    let batches = log.snapshots();
    assert_eq!(batches.len(), 1, "one snapshot read");
    assert_eq!(
        batches[0].len(),
        1,
        "one scan, no space read: the space this handle confirmed outlives its texts"
    );
}

/// The key of a session's head copy: the one `ev` key of the session ending in eight 0xff.
fn head_copy_key(kv: &MemoryKv) -> Option<Vec<u8>> {
    kv.snapshot()
        .into_keys()
        .find(|k| k.starts_with(b"ev\0") && k.ends_with(&[0xff; 8]))
}

#[test]
fn a_newest_n_read_takes_the_head_from_its_copy_after_the_events_in_one_scan() {
    let log = Rc::new(Spy::default());
    let ms = World::with_kv(log.clone(), memspace::host::ManualHost::default());
    let sp = run(ms.create_space(NewSpace::default())).unwrap();
    let s = run(ms.create_session(
        &sp.id,
        NewSession {
            participants: vec!["u1".into()],
            ..Default::default()
        },
    ))
    .unwrap();
    for i in 0..30 {
        run(ms.post_event(&sp.id, &s.id, msg(&format!("m{i}")))).unwrap();
    }
    log.clear();
    let q = EventQuery {
        last_n: Some(5),
        ..Default::default()
    };
    let events = run(ms.list_events(&sp.id, &s.id, q)).unwrap();
    assert_eq!(seqs(&events), vec![25, 26, 27, 28, 29]);
    assert_eq!(log.lone_reads(), 0, "nothing read outside the one snapshot");
    let batches = log.snapshots();
    assert_eq!(batches.len(), 1, "one snapshot read");
    let scans: Vec<_> = batches[0]
        .iter()
        .filter_map(|r| match r {
            memspace::kv::Read::Scan { limit, reverse, .. }
            | memspace::kv::Read::ScanDense { limit, reverse, .. } => Some((*limit, *reverse)),
            memspace::kv::Read::Get(_) => None,
        })
        .collect();
    assert_eq!(
        scans,
        vec![(6, true)],
        "the head copy and the newest 5 events"
    );
    assert_eq!(
        batches[0].len(),
        1,
        "no head read, and no space read: this handle read the space at the current epoch"
    );
}

#[test]
fn appends_after_the_first_read_nothing_and_a_space_write_elsewhere_makes_them_read_again() {
    let log = Rc::new(Spy::default());
    let ms = World::with_kv(log.clone(), memspace::host::ManualHost::default());
    let sp = run(ms.create_space(NewSpace::default())).unwrap();
    let s = run(ms.create_session(
        &sp.id,
        NewSession {
            participants: vec!["u1".into()],
            ..Default::default()
        },
    ))
    .unwrap();
    run(ms.post_event(&sp.id, &s.id, msg("first"))).unwrap();
    log.clear();
    for i in 0..5 {
        run(ms.post_event(&sp.id, &s.id, msg(&format!("m{i}")))).unwrap();
    }
    assert_eq!(log.lone_reads(), 0, "consecutive appends read nothing");
    // Another handle on the same store updates the space: the next append reads it again.
    let other = World::with_kv(
        Rc::new(log.inner.clone()),
        memspace::host::ManualHost::default(),
    );
    run(other.update_space(
        &sp.id,
        SpaceUpdate {
            description: Patch::Set("changed".into()),
            ..Default::default()
        },
    ))
    .unwrap();
    run(ms.post_event(&sp.id, &s.id, msg("after"))).unwrap();
    assert!(
        log.lone_reads() > 0,
        "the space is read again after another handle wrote it"
    );
    let q = EventQuery {
        last_n: Some(2),
        ..Default::default()
    };
    let events = run(ms.list_events(&sp.id, &s.id, q)).unwrap();
    assert_eq!(seqs(&events), vec![5, 6]);
}

#[test]
fn a_session_without_a_head_copy_is_read_from_its_head_and_gets_the_copy_on_its_next_head_write() {
    let (w, sp, s) = world_with_events(12);
    let copy = head_copy_key(&w.kv).expect("a head copy");
    let mut b = memspace::kv::Batch::new();
    b.delete(copy.clone());
    memspace::runtime::block_on(memspace::kv::Kv::commit(&w.kv, b))
        .unwrap()
        .unwrap();
    let q = EventQuery {
        last_n: Some(4),
        ..Default::default()
    };
    assert_eq!(
        seqs(&w.events(&sp, &s, q.clone()).unwrap()),
        vec![8, 9, 10, 11]
    );
    // An append that only counts writes its event alone (no head, no copy); the read folds it.
    w.post(&sp, &s, "m12").unwrap();
    assert_eq!(head_copy_key(&w.kv), None);
    assert_eq!(
        seqs(&w.events(&sp, &s, q.clone()).unwrap()),
        vec![9, 10, 11, 12]
    );
    run(w.ms.update_session(
        &sp.id,
        &s.id,
        SessionUpdate {
            description: Patch::Set("d".into()),
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!(head_copy_key(&w.kv), Some(copy));
    assert_eq!(seqs(&w.events(&sp, &s, q).unwrap()), vec![9, 10, 11, 12]);
}

#[test]
fn the_head_copy_holds_the_heads_bytes_after_every_kind_of_head_write() {
    let (w, sp, s) = world_with_events(3);
    let head_of = |kv: &MemoryKv| {
        let snap = kv.snapshot();
        let head = snap
            .iter()
            .find(|(k, _)| k.starts_with(b"se\0"))
            .map(|(_, v)| v.clone());
        let copy = head_copy_key(kv).and_then(|k| snap.get(&k).cloned());
        (head, copy)
    };
    let same = |kv: &MemoryKv| {
        let (head, copy) = head_of(kv);
        assert!(head.is_some());
        assert_eq!(head, copy);
    };
    same(&w.kv);
    run(w.ms.update_session(
        &sp.id,
        &s.id,
        SessionUpdate {
            description: Patch::Set("renamed".into()),
            ..Default::default()
        },
    ))
    .unwrap();
    same(&w.kv);
    run(w.ms.delete_event(&sp.id, &s.id, 1)).unwrap();
    same(&w.kv);
    let q = EventQuery {
        last_n: Some(5),
        ..Default::default()
    };
    assert_eq!(seqs(&w.events(&sp, &s, q.clone()).unwrap()), vec![0, 2]);
    run(w.ms.delete_session(&sp.id, &s.id)).unwrap();
    same(&w.kv);
    expect_code(w.events(&sp, &s, q), ErrorCode::Gone);
}

/// An append built from storage (a handle's first, or one after another handle's write) asks
/// the backend to hold its reads and its commit together, one hold per attempt; an append
/// from the handle's own last write is one commit and holds nothing.
#[test]
fn an_append_from_storage_holds_its_reads_and_commit_together_a_cached_one_holds_nothing() {
    let kv = Rc::new(Spy::default());
    let warm = World::with_kv(kv.clone(), memspace::host::ManualHost::default());
    let sp = run(warm.create_space(NewSpace::default())).unwrap();
    let s = run(warm.create_session(
        &sp.id,
        NewSession {
            participants: vec!["u1".into()],
            ..Default::default()
        },
    ))
    .unwrap();
    let cold = warm.for_principal(Principal::new("u1", "t1")).unwrap();
    kv.take_names();
    run(cold.post_event(&sp.id, &s.id, msg("first"))).unwrap();
    assert_eq!(
        kv.take_names(),
        ["hold", "read", "read", "commit", "release"]
    );
    run(cold.post_event(&sp.id, &s.id, msg("cached"))).unwrap();
    assert_eq!(kv.take_names(), ["commit"]);
    run(warm.post_event(&sp.id, &s.id, msg("other handle"))).unwrap();
    kv.take_names();
    run(cold.post_event(&sp.id, &s.id, msg("after a lost race"))).unwrap();
    assert_eq!(
        kv.take_names(),
        ["commit", "hold", "read", "read", "commit", "release"],
        "the stale guess fails; the append from storage holds its reads and commit"
    );
    let events = run(warm.list_events(&sp.id, &s.id, EventQuery::default())).unwrap();
    assert_eq!(seqs(&events), vec![0, 1, 2, 3]);
}
