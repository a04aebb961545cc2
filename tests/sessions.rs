//! Sessions as seed 001 documents them: create with defaults, list filters, get, update with
//! If-Match versions, delete, deduplication.

mod common;
use common::*;
use memspace::model::*;
use memspace::ErrorCode;
use serde_json::json;

#[test]
fn session_without_strategies_gets_default_soft_delete_after_180_days() {
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    assert_eq!(
        s.lifecycle_strategies,
        vec![LifecycleStrategy::soft_delete(Trigger::Ttl(15_552_000))]
    );
    assert_eq!(s.version, 1);
    assert_eq!(s.memory_space_id, sp.id);
    assert!(s.id.starts_with("ses_"));
}

#[test]
fn session_create_echoes_participants_description_metadata_and_key() {
    let w = World::new();
    let sp = w.space();
    let meta = json!({"thread_title": "Hi", "userID": 7})
        .as_object()
        .cloned();
    let s = run(w.ms.create_session(
        &sp.id,
        NewSession {
            participants: vec!["a".into()],
            description: Some("Billing".into()),
            metadata: meta.clone(),
            deduplication_key: Some("d".into()),
            lifecycle_strategies: vec![],
        },
    ))
    .unwrap();
    assert_eq!(
        s.metadata, meta,
        "metadata is stored verbatim, keys not re-cased"
    );
    assert_eq!(s.deduplication_key.as_deref(), Some("d"));
    assert_eq!(run(w.ms.get_session(&sp.id, &s.id)).unwrap(), s);
}

#[test]
fn session_requires_participants() {
    let w = World::new();
    let sp = w.space();
    expect_code(
        run(w.ms.create_session(&sp.id, NewSession::default())),
        ErrorCode::Validation,
    );
    let dup = NewSession {
        participants: vec!["a".into(), "a".into()],
        ..Default::default()
    };
    expect_code(run(w.ms.create_session(&sp.id, dup)), ErrorCode::Validation);
}

#[test]
fn session_deduplication_key_returns_duplicate_with_existing_session_id() {
    let w = World::new();
    let sp = w.space();
    let input = NewSession {
        participants: vec!["a".into()],
        deduplication_key: Some("conv-1".into()),
        ..Default::default()
    };
    let first = run(w.ms.create_session(&sp.id, input.clone())).unwrap();
    let e = expect_code(
        run(w.ms.create_session(&sp.id, input.clone())),
        ErrorCode::Duplicate,
    );
    assert_eq!(e.details["existing_id"], first.id.as_str());
    // The same key may be reused in another space.
    let sp2 = w.space();
    run(w.ms.create_session(&sp2.id, input)).unwrap();
}

#[test]
fn soft_deleting_a_session_frees_its_deduplication_key() {
    let w = World::new();
    let sp = w.space();
    let input = NewSession {
        participants: vec!["a".into()],
        deduplication_key: Some("conv-1".into()),
        ..Default::default()
    };
    let first = run(w.ms.create_session(&sp.id, input.clone())).unwrap();
    run(w.ms.delete_session(&sp.id, &first.id)).unwrap();
    let second = run(w.ms.create_session(&sp.id, input)).unwrap();
    assert_ne!(first.id, second.id);
}

#[test]
fn lifecycle_soft_delete_frees_the_deduplication_key_too() {
    let w = World::new();
    let sp = w.space();
    let input = NewSession {
        participants: vec!["a".into()],
        deduplication_key: Some("k".into()),
        lifecycle_strategies: vec![LifecycleStrategy::soft_delete(Trigger::Ttl(60))],
        ..Default::default()
    };
    let first = run(w.ms.create_session(&sp.id, input.clone())).unwrap();
    w.host.advance_secs(61);
    let second = run(w.ms.create_session(&sp.id, input)).unwrap();
    assert_ne!(first.id, second.id);
    expect_code(run(w.ms.get_session(&sp.id, &first.id)), ErrorCode::Gone);
}

#[test]
fn soft_deleted_session_is_gone_its_events_unreadable_and_it_is_not_listed() {
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    let keep = w.session(&sp);
    w.post(&sp, &s, "hello").unwrap();
    run(w.ms.delete_session(&sp.id, &s.id)).unwrap();
    expect_code(run(w.ms.get_session(&sp.id, &s.id)), ErrorCode::Gone);
    expect_code(w.events(&sp, &s, EventQuery::default()), ErrorCode::Gone);
    expect_code(w.post(&sp, &s, "again"), ErrorCode::Gone);
    let listed: Vec<_> = run(w.ms.list_sessions(&sp.id, SessionFilter::default()))
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(listed, vec![keep.id]);
}

#[test]
fn list_sessions_filters_by_participants() {
    let w = World::new();
    let sp = w.space();
    let mk = |p: &[&str]| {
        w.host.advance_micros(1000); // ids order by creation time at millisecond resolution
        run(w.ms.create_session(
            &sp.id,
            NewSession {
                participants: p.iter().map(|s| s.to_string()).collect(),
                ..Default::default()
            },
        ))
        .unwrap()
        .id
    };
    let a = mk(&["alice"]);
    let b = mk(&["bob"]);
    let ab = mk(&["alice", "bob"]);
    let list = |ps: &[&str]| {
        run(w.ms.list_sessions(
            &sp.id,
            SessionFilter {
                participants: Some(ps.iter().map(|s| s.to_string()).collect()),
                ..Default::default()
            },
        ))
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect::<Vec<_>>()
    };
    assert_eq!(list(&["alice"]), vec![a.clone(), ab.clone()]);
    assert_eq!(list(&["bob"]), vec![b.clone(), ab.clone()]);
    assert_eq!(list(&["carol"]), Vec::<String>::new());
}

#[test]
fn list_sessions_description_filter_is_a_case_insensitive_substring_of_at_least_3_chars() {
    let w = World::new();
    let sp = w.space();
    let mk = |d: Option<&str>| {
        run(w.ms.create_session(
            &sp.id,
            NewSession {
                participants: vec!["a".into()],
                description: d.map(String::from),
                ..Default::default()
            },
        ))
        .unwrap()
        .id
    };
    let billing = mk(Some("Billing question"));
    mk(Some("Shipping"));
    mk(None);
    let f = |d: &str| {
        run(w.ms.list_sessions(
            &sp.id,
            SessionFilter {
                description: Some(d.into()),
                ..Default::default()
            },
        ))
    };
    assert_eq!(
        f("BILL")
            .unwrap()
            .into_iter()
            .map(|s| s.id)
            .collect::<Vec<_>>(),
        vec![billing]
    );
    assert_eq!(f("ing").unwrap().len(), 2);
    expect_code(f("in"), ErrorCode::Validation);
}

#[test]
fn list_sessions_pages_with_offset_and_limit() {
    let w = World::new();
    let sp = w.space();
    let ids: Vec<_> = (0..5)
        .map(|_| {
            w.host.advance_micros(1000);
            w.session(&sp).id
        })
        .collect();
    let page = run(w.ms.list_sessions(
        &sp.id,
        SessionFilter {
            offset: Some(1),
            limit: Some(3),
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!(
        page.into_iter().map(|s| s.id).collect::<Vec<_>>(),
        ids[1..4]
    );
}

#[test]
fn update_session_increments_version_and_clears_with_null() {
    let w = World::new();
    let sp = w.space();
    let s = run(w.ms.create_session(
        &sp.id,
        NewSession {
            participants: vec!["a".into()],
            description: Some("d".into()),
            metadata: json!({"a": 1}).as_object().cloned(),
            ..Default::default()
        },
    ))
    .unwrap();
    let u: SessionUpdate =
        serde_json::from_value(json!({"description": null, "ifMatch": 1})).unwrap();
    let s2 = run(w.ms.update_session(&sp.id, &s.id, u)).unwrap();
    assert_eq!(
        (s2.version, s2.description.clone(), s2.metadata.clone()),
        (2, None, s.metadata.clone())
    );
    let u = SessionUpdate {
        metadata: Patch::Set(json!({"b": 2}).as_object().cloned().unwrap()),
        ..Default::default()
    };
    let s3 = run(w.ms.update_session(&sp.id, &s.id, u)).unwrap();
    assert_eq!(s3.version, 3);
    assert_eq!(s3.metadata, json!({"b": 2}).as_object().cloned());
}

#[test]
fn update_session_with_stale_if_match_is_a_conflict_and_changes_nothing() {
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    let set = |v| SessionUpdate {
        description: Patch::Set("x".into()),
        if_match: Some(v),
        ..Default::default()
    };
    run(w.ms.update_session(&sp.id, &s.id, set(1))).unwrap();
    let e = expect_code(
        run(w.ms.update_session(&sp.id, &s.id, set(1))),
        ErrorCode::Conflict,
    );
    assert!(e.message.contains("Session version mismatch"));
    assert_eq!(run(w.ms.get_session(&sp.id, &s.id)).unwrap().version, 2);
}

#[test]
fn update_session_without_fields_has_no_effect() {
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    let after = run(w.ms.update_session(&sp.id, &s.id, SessionUpdate::default())).unwrap();
    assert_eq!(after.version, 1);
}

#[test]
fn version_bumps_on_every_update_even_when_identical() {
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    let u = SessionUpdate {
        description: Patch::Set("same".into()),
        ..Default::default()
    };
    run(w.ms.update_session(&sp.id, &s.id, u.clone())).unwrap();
    assert_eq!(
        run(w.ms.update_session(&sp.id, &s.id, u)).unwrap().version,
        3
    );
}

#[test]
fn posting_events_does_not_bump_the_session_version() {
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    w.post(&sp, &s, "a").unwrap();
    let u = SessionUpdate {
        description: Patch::Set("x".into()),
        if_match: Some(1),
        ..Default::default()
    };
    assert_eq!(
        run(w.ms.update_session(&sp.id, &s.id, u)).unwrap().version,
        2
    );
}

#[test]
fn strategies_are_replaced_wholesale_and_cannot_be_cleared() {
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    let list = vec![
        LifecycleStrategy::soft_delete(Trigger::Idle(3600)),
        LifecycleStrategy::extract(Trigger::EventCount(10), None),
    ];
    let u = SessionUpdate {
        lifecycle_strategies: Some(list.clone()),
        ..Default::default()
    };
    assert_eq!(
        run(w.ms.update_session(&sp.id, &s.id, u))
            .unwrap()
            .lifecycle_strategies,
        list
    );
    let clear = SessionUpdate {
        lifecycle_strategies: Some(vec![]),
        ..Default::default()
    };
    expect_code(
        run(w.ms.update_session(&sp.id, &s.id, clear)),
        ErrorCode::Validation,
    );
}

#[test]
fn changing_the_type_of_an_executed_strategy_is_a_conflict() {
    let w = World::new();
    let sp = w.space();
    let keep = StrategyOpts {
        soft_delete: Some(false),
        ..Default::default()
    };
    let s = w.session_with(
        &sp,
        vec![LifecycleStrategy::extract(
            Trigger::EventCount(1),
            Some(keep),
        )],
    );
    w.post(&sp, &s, "hi").unwrap();
    let u = SessionUpdate {
        lifecycle_strategies: Some(vec![LifecycleStrategy::soft_delete(Trigger::EventCount(1))]),
        ..Default::default()
    };
    expect_code(
        run(w.ms.update_session(&sp.id, &s.id, u)),
        ErrorCode::Conflict,
    );
}

#[test]
fn unknown_session_is_not_found() {
    let w = World::new();
    let sp = w.space();
    expect_code(
        run(w.ms.get_session(&sp.id, "ses_0000000000000000000000000a")),
        ErrorCode::NotFound,
    );
    expect_code(run(w.ms.get_session(&sp.id, "nope")), ErrorCode::NotFound);
}

#[test]
fn sessions_of_a_deleted_space_are_gone_with_it() {
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    run(w.ms.delete_space(&sp.id)).unwrap();
    expect_code(run(w.ms.get_session(&sp.id, &s.id)), ErrorCode::Gone);
}

/// Counts the scans of session heads a handle makes (an index read is a get, a scan walks a
/// range; the one-key read of a session's newest event that goes with each head is not one).
struct CountingKv {
    inner: memspace::kv::MemoryKv,
    scans: std::cell::Cell<usize>,
}

impl memspace::kv::Kv for CountingKv {
    fn capabilities(&self) -> memspace::kv::Capabilities {
        self.inner.capabilities()
    }
    fn get<'a>(&'a self, key: &'a [u8]) -> memspace::kv::KvFuture<'a, Option<Vec<u8>>> {
        self.inner.get(key)
    }
    fn get_many<'a>(
        &'a self,
        keys: &'a [Vec<u8>],
    ) -> memspace::kv::KvFuture<'a, Vec<Option<Vec<u8>>>> {
        self.inner.get_many(keys)
    }
    fn scan<'a>(
        &'a self,
        range: &'a memspace::kv::KeyRange,
        limit: usize,
        reverse: bool,
    ) -> memspace::kv::KvFuture<'a, Vec<memspace::kv::Entry>> {
        if range.start.starts_with(b"se\0") {
            self.scans.set(self.scans.get() + 1);
        }
        self.inner.scan(range, limit, reverse)
    }
    fn commit<'a>(&'a self, batch: memspace::kv::Batch) -> memspace::kv::KvFuture<'a, ()> {
        self.inner.commit(batch)
    }
}

#[test]
fn list_sessions_by_deduplication_key_is_an_index_read_not_a_scan() {
    let kv = std::rc::Rc::new(CountingKv {
        inner: memspace::kv::MemoryKv::new(),
        scans: Default::default(),
    });
    let ms = World::with_kv(kv.clone(), memspace::host::ManualHost::default());
    let sp = run(ms.create_space(NewSpace::default())).unwrap();
    let mut ids = Vec::new();
    for i in 0..150 {
        let s = run(ms.create_session(
            &sp.id,
            NewSession {
                participants: vec!["a".into()],
                description: Some(format!("conversation {i}")),
                deduplication_key: Some(format!("conv-{i}")),
                ..Default::default()
            },
        ))
        .unwrap();
        ids.push(s.id);
    }
    let by_key = |key: &str, extra: SessionFilter| {
        run(ms.list_sessions(
            &sp.id,
            SessionFilter {
                deduplication_key: Some(key.into()),
                ..extra
            },
        ))
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect::<Vec<_>>()
    };
    kv.scans.set(0);
    assert_eq!(
        by_key("conv-137", SessionFilter::default()),
        vec![ids[137].clone()]
    );
    assert_eq!(
        kv.scans.get(),
        0,
        "found through the sed index, no range scan"
    );
    assert!(by_key("conv-none", SessionFilter::default()).is_empty());
    // Other filters and the page still apply to the one match.
    let other = SessionFilter {
        participants: Some(vec!["b".into()]),
        ..Default::default()
    };
    assert!(by_key("conv-3", other).is_empty());
    let described = SessionFilter {
        description: Some("VERSATION 3".into()),
        ..Default::default()
    };
    assert_eq!(by_key("conv-3", described), vec![ids[3].clone()]);
    let paged = SessionFilter {
        offset: Some(1),
        ..Default::default()
    };
    assert!(by_key("conv-3", paged).is_empty());
    // A deleted holder frees the key: no match.
    run(ms.delete_session(&sp.id, &ids[5])).unwrap();
    assert!(by_key("conv-5", SessionFilter::default()).is_empty());
    assert_eq!(kv.scans.get(), 0);
    let bad = run(ms.list_sessions(
        &sp.id,
        SessionFilter {
            deduplication_key: Some("x".repeat(73)),
            ..Default::default()
        },
    ));
    expect_code(bad, ErrorCode::Validation);
}
