//! Memories (seed 003 and issue "Memories and associations"): one test per rule, named after
//! it. Associations, isolation, crashes and the model-based test have their own files.

mod memories_common;

use memories_common::*;
use memspace::model::*;
use memspace::{ErrorCode, Timestamp};
use serde_json::json;

fn meta(v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    v.as_object().unwrap().clone()
}

// ---- records ----------------------------------------------------------------------------------

#[test]
fn remember_stores_every_field_with_a_sha256_content_hash_and_version_1() {
    let (ms, _, host, sp) = setup();
    let input = NewMemory {
        content: "The user prefers dark mode".into(),
        memory_type: Some(MemoryType::Semantic),
        subtype: Some(MemorySubtype::Preference),
        importance: Some(0.8),
        tags: vec!["ui".into(), "prefs".into(), "ui".into()],
        metadata: Some(meta(json!({"source": "chat", "n": 1}))),
        context_id: Some("project-x".into()),
        logical_key: Some("user.theme".into()),
        provenance: Some(Provenance {
            source: Some("extraction".into()),
            session_id: Some("ses_x".into()),
            event_from: Some(3),
            event_to: Some(7),
            job_id: Some("job_y".into()),
            agent_id: Some("agent-1".into()),
        }),
        ..Default::default()
    };
    let r = run(ms.remember(&sp, input)).unwrap();
    assert!(!r.replayed);
    let m = r.memory;
    assert!(m.id.starts_with("mry_") && m.id.len() == 30);
    assert_eq!(m.memory_space_id, sp);
    assert_eq!(m.content, "The user prefers dark mode");
    assert_eq!(m.memory_type, MemoryType::Semantic);
    assert_eq!(m.subtype, Some(MemorySubtype::Preference));
    assert_eq!(m.importance, 0.8);
    assert_eq!(m.tags, vec!["prefs", "ui"], "tags are a sorted set");
    assert_eq!(m.metadata["source"], "chat");
    assert_eq!(m.context_id.as_deref(), Some("project-x"));
    assert_eq!(m.logical_key.as_deref(), Some("user.theme"));
    assert_eq!(m.provenance.event_to, Some(7));
    assert_eq!(m.content_hash, sha_hex("The user prefers dark mode"));
    assert_eq!((m.version, m.status), (1, MemoryStatus::Active));
    assert_eq!(m.last_change, MemoryChange::Created);
    assert_eq!(m.created_at, host_now(&host));
    assert_eq!((m.updated_at, m.valid_at), (m.created_at, m.created_at));
    assert_eq!((m.invalid_at, m.expires_at), (None, None));
    assert_eq!(run(ms.get_memory(&sp, &m.id)).unwrap(), m);
}

fn host_now(h: &memspace::host::ManualHost) -> Timestamp {
    use memspace::host::Host;
    h.now()
}

fn sha_hex(s: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn content_is_1_byte_to_16_kib_and_not_blank() {
    let (ms, _, _, sp) = setup();
    remember(&ms, &sp, text("a"));
    remember(&ms, &sp, text(&"é".repeat(8192))); // 16,384 bytes
    let e = expect_code(
        run(ms.remember(&sp, text(&"x".repeat(16_385)))),
        ErrorCode::Validation,
    );
    assert_eq!(e.details["field"], "content");
    assert_eq!(e.details["max"], 16_384);
    expect_code(run(ms.remember(&sp, text(""))), ErrorCode::Validation);
    expect_code(run(ms.remember(&sp, text(" \n\t"))), ErrorCode::Validation);
    let spaced = remember(&ms, &sp, text("  kept exactly  "));
    assert_eq!(spaced.content, "  kept exactly  ");
}

#[test]
fn type_defaults_from_the_subtype_else_semantic() {
    let (ms, _, _, sp) = setup();
    let with = |sub: Option<MemorySubtype>, ty: Option<MemoryType>, c: &str| {
        remember(
            &ms,
            &sp,
            NewMemory {
                content: c.into(),
                subtype: sub,
                memory_type: ty,
                ..Default::default()
            },
        )
        .memory_type
    };
    assert_eq!(with(None, None, "a"), MemoryType::Semantic);
    assert_eq!(
        with(Some(MemorySubtype::Workflow), None, "b"),
        MemoryType::Procedural
    );
    assert_eq!(
        with(Some(MemorySubtype::Event), None, "c"),
        MemoryType::Episodic
    );
    assert_eq!(
        with(Some(MemorySubtype::Profile), None, "d"),
        MemoryType::Semantic
    );
    assert_eq!(
        with(Some(MemorySubtype::Event), Some(MemoryType::Working), "e"),
        MemoryType::Working,
        "a given type wins"
    );
    assert_eq!(MemorySubtype::ALL.len(), 12);
    for s in MemorySubtype::ALL {
        assert_eq!(MemorySubtype::parse(s.as_str()), Some(s));
    }
    let parsed: NewMemory = serde_json::from_value(
        json!({"content": "x", "type": "episodic", "subtype": "code_pattern"}),
    )
    .unwrap();
    assert_eq!(parsed.memory_type, Some(MemoryType::Episodic));
    assert_eq!(parsed.subtype, Some(MemorySubtype::CodePattern));
}

#[test]
fn importance_defaults_to_one_half_and_must_be_between_0_and_1() {
    let (ms, _, _, sp) = setup();
    assert_eq!(remember(&ms, &sp, text("a")).importance, 0.5);
    for ok in [0.0, 1.0, 0.25] {
        let m = NewMemory {
            importance: Some(ok),
            ..text(&format!("i{ok}"))
        };
        assert_eq!(remember(&ms, &sp, m).importance, ok);
    }
    for bad in [-0.01, 1.01, f64::NAN, f64::INFINITY] {
        let m = NewMemory {
            importance: Some(bad),
            ..text("bad")
        };
        let e = expect_code(run(ms.remember(&sp, m)), ErrorCode::Validation);
        assert_eq!(e.details["field"], "importance");
    }
}

#[test]
fn tags_are_a_set_of_at_most_32_tags_of_1_to_64_characters() {
    let (ms, _, _, sp) = setup();
    let tags = |t: Vec<String>| NewMemory {
        tags: t,
        ..text("tagged")
    };
    let max: Vec<String> = (0..32).map(|i| format!("t{i:02}")).collect();
    let mut doubled = max.clone();
    doubled.extend(max.clone());
    assert_eq!(
        remember(&ms, &sp, tags(doubled)).tags,
        max,
        "duplicates collapse"
    );
    let over: Vec<String> = (0..33).map(|i| format!("t{i}")).collect();
    expect_code(run(ms.remember(&sp, tags(over))), ErrorCode::Validation);
    expect_code(
        run(ms.remember(&sp, tags(vec!["".into()]))),
        ErrorCode::Validation,
    );
    expect_code(
        run(ms.remember(&sp, tags(vec!["x".repeat(65)]))),
        ErrorCode::Validation,
    );
    expect_code(
        run(ms.remember(&sp, tags(vec!["a\nb".into()]))),
        ErrorCode::Validation,
    );
    remember(
        &ms,
        &sp,
        NewMemory {
            tags: vec!["ü".repeat(64)],
            ..text("long tag")
        },
    );
}

#[test]
fn metadata_is_a_json_object_of_at_most_16_kib() {
    let (ms, _, _, sp) = setup();
    let md = |n: usize| NewMemory {
        metadata: Some(meta(json!({ "k": "x".repeat(n) }))),
        ..text(&format!("m{n}"))
    };
    // {"k":"…"} is 8 bytes plus the string.
    remember(&ms, &sp, md(16_384 - 8));
    let e = expect_code(run(ms.remember(&sp, md(16_384 - 7))), ErrorCode::Validation);
    assert_eq!(e.details["field"], "metadata");
    assert!(serde_json::from_value::<NewMemory>(json!({"content": "x", "metadata": [1]})).is_err());
    // Nested at most 64 levels of objects and arrays (the metadata object is the first).
    let nest = |levels: usize| {
        let mut v = json!(1);
        for _ in 0..levels - 1 {
            v = json!({ "k": v });
        }
        NewMemory {
            metadata: Some(meta(json!({ "k": v }))),
            ..text(&format!("nested {levels}"))
        }
    };
    remember(&ms, &sp, nest(64));
    let e = expect_code(run(ms.remember(&sp, nest(65))), ErrorCode::Validation);
    assert_eq!(e.details["max_depth"], 64);
}

#[test]
fn context_logical_and_idempotency_keys_are_1_to_128_characters() {
    let (ms, _, _, sp) = setup();
    for field in ["context_id", "logical_key", "idempotency_key"] {
        let with = |v: String| {
            let mut m = text(&format!("{field}{}", v.len()));
            match field {
                "context_id" => m.context_id = Some(v),
                "logical_key" => m.logical_key = Some(v),
                _ => m.idempotency_key = Some(v),
            }
            m
        };
        run(ms.remember(&sp, with("k".repeat(128)))).unwrap();
        for bad in [
            "".to_string(),
            "k".repeat(129),
            "a\tb".into(),
            "a\u{1}b".into(),
        ] {
            let e = expect_code(run(ms.remember(&sp, with(bad))), ErrorCode::Validation);
            assert_eq!(e.details["field"], field);
        }
    }
}

#[test]
fn provenance_event_range_is_ordered_and_ids_are_checked() {
    let (ms, _, _, sp) = setup();
    let p = |from, to, source: &str| NewMemory {
        provenance: Some(Provenance {
            source: Some(source.into()),
            event_from: Some(from),
            event_to: Some(to),
            ..Default::default()
        }),
        ..text(&format!("p{from}{to}{}", source.len()))
    };
    remember(&ms, &sp, p(2, 2, "user"));
    expect_code(
        run(ms.remember(&sp, p(3, 2, "user"))),
        ErrorCode::Validation,
    );
    expect_code(
        run(ms.remember(&sp, p(1, 2, &"s".repeat(65)))),
        ErrorCode::Validation,
    );
}

#[test]
fn memory_ids_use_the_mry_prefix_so_store_entry_ids_are_never_memories() {
    let (ms, _, _, sp) = setup();
    let m = remember(&ms, &sp, text("x"));
    assert!(m.id.starts_with("mry_"));
    let entry_like = m.id.replacen("mry_", "mem_", 1);
    let e = expect_code(run(ms.get_memory(&sp, &entry_like)), ErrorCode::NotFound);
    assert_eq!(e.details["kind"], "memory_record");
    expect_code(run(ms.get_memory(&sp, "mry_../../x")), ErrorCode::NotFound);
}

#[test]
fn valid_at_defaults_to_now_and_can_be_set_by_the_caller() {
    let (ms, _, host, sp) = setup();
    let past = Timestamp::from_secs(1_700_000_000);
    let m = remember(
        &ms,
        &sp,
        NewMemory {
            valid_at: Some(past),
            ..text("since 2023")
        },
    );
    assert_eq!(m.valid_at, past);
    assert_eq!(m.created_at, host_now(&host));
    assert!(m.valid_at_time(host_now(&host)) && !m.valid_at_time(Timestamp(past.0 - 1)));
    let far = Timestamp::from_secs(253_402_300_800); // 10000-01-01
    let e = expect_code(
        run(ms.remember(
            &sp,
            NewMemory {
                valid_at: Some(far),
                ..text("x")
            },
        )),
        ErrorCode::Validation,
    );
    assert_eq!(e.details["field"], "valid_at");
}

#[test]
fn expires_at_must_be_in_the_future() {
    let (ms, _, host, sp) = setup();
    let now = host_now(&host);
    let e = expect_code(
        run(ms.remember(
            &sp,
            NewMemory {
                expires_at: Some(now),
                ..text("x")
            },
        )),
        ErrorCode::Validation,
    );
    assert_eq!(e.details["field"], "expires_at");
    let m = remember(
        &ms,
        &sp,
        NewMemory {
            expires_at: Some(now.plus_secs(60)),
            ..text("x")
        },
    );
    assert_eq!(m.expires_at, Some(now.plus_secs(60)));
}

// ---- remember: idempotency and dedup ------------------------------------------------------------

#[test]
fn remember_with_a_used_idempotency_key_returns_the_first_memory_replayed() {
    let (ms, kv, _, sp) = setup();
    let first = run(ms.remember(
        &sp,
        NewMemory {
            idempotency_key: Some("job1:0".into()),
            ..text("fact one")
        },
    ))
    .unwrap();
    assert!(!first.replayed);
    let again = run(ms.remember(
        &sp,
        NewMemory {
            idempotency_key: Some("job1:0".into()),
            ..text("fact one, worded otherwise")
        },
    ))
    .unwrap();
    assert!(again.replayed);
    assert_eq!(again.memory, first.memory);
    assert_eq!(run(ms.memory_stats(&sp)).unwrap().active, 1);
    check_memory_invariants(&ms, &kv, &sp);
}

#[test]
fn the_same_content_in_the_same_space_and_context_is_replayed() {
    let (ms, kv, host, sp) = setup();
    let a = run(ms.remember(
        &sp,
        NewMemory {
            context_id: Some("c1".into()),
            ..text("likes tea")
        },
    ))
    .unwrap();
    host.advance_secs(10);
    let b = run(ms.remember(
        &sp,
        NewMemory {
            context_id: Some("c1".into()),
            importance: Some(0.9),
            ..text("likes tea")
        },
    ))
    .unwrap();
    assert!(b.replayed);
    assert_eq!(
        b.memory, a.memory,
        "the existing memory is returned unchanged"
    );
    let other_ctx = run(ms.remember(
        &sp,
        NewMemory {
            context_id: Some("c2".into()),
            ..text("likes tea")
        },
    ))
    .unwrap();
    let no_ctx = run(ms.remember(&sp, text("likes tea"))).unwrap();
    let keyed_one = run(ms.remember(&sp, keyed("likes tea", "user.drink"))).unwrap();
    for r in [&other_ctx, &no_ctx, &keyed_one] {
        assert!(!r.replayed && r.memory.id != a.memory.id);
    }
    assert!(run(ms.remember(&sp, text("likes tea"))).unwrap().replayed);
    assert_eq!(run(ms.memory_stats(&sp)).unwrap().active, 4);
    check_memory_invariants(&ms, &kv, &sp);
}

#[test]
fn content_matching_a_forgotten_memory_is_remembered_anew() {
    let (ms, kv, _, sp) = setup();
    let a = remember(&ms, &sp, text("old habit"));
    run(ms.forget_memory(&sp, &a.id, false)).unwrap();
    let b = run(ms.remember(&sp, text("old habit"))).unwrap();
    assert!(!b.replayed && b.memory.id != a.id);
    check_memory_invariants(&ms, &kv, &sp);
}

// ---- get and list ---------------------------------------------------------------------------------

#[test]
fn get_answers_gone_with_the_status_for_forgotten_expired_and_deleted_memories() {
    let (ms, _, host, sp) = setup();
    let f = remember(&ms, &sp, text("forgotten"));
    run(ms.forget_memory(&sp, &f.id, false)).unwrap();
    let e = expect_code(run(ms.get_memory(&sp, &f.id)), ErrorCode::Gone);
    assert_eq!(
        (
            e.details["status"].as_str(),
            e.details["restorable"].as_bool()
        ),
        (Some("forgotten"), Some(true))
    );
    let x = remember(
        &ms,
        &sp,
        NewMemory {
            expires_at: Some(host_now(&host).plus_secs(5)),
            ..text("short-lived")
        },
    );
    host.advance_secs(5);
    assert_eq!(
        expect_code(run(ms.get_memory(&sp, &x.id)), ErrorCode::Gone).details["status"],
        "expired"
    );
    let d = remember(&ms, &sp, text("erased"));
    run(ms.forget_memory(&sp, &d.id, true)).unwrap();
    let e = expect_code(run(ms.get_memory(&sp, &d.id)), ErrorCode::Gone);
    assert_eq!(
        (
            e.details["status"].as_str(),
            e.details["restorable"].as_bool()
        ),
        (Some("deleted"), Some(false))
    );
    expect_code(
        run(ms.get_memory(&sp, "mry_0000000000aaaaaaaaaaaaaaaa")),
        ErrorCode::NotFound,
    );
}

#[test]
fn list_filters_by_type_subtype_tags_context_and_status_newest_first_with_paging() {
    let (ms, _, host, sp) = setup();
    let mut ids = Vec::new();
    for i in 0..30 {
        host.advance_micros(1000);
        let m = NewMemory {
            content: format!("memory {i}"),
            memory_type: Some(if i % 2 == 0 {
                MemoryType::Episodic
            } else {
                MemoryType::Semantic
            }),
            subtype: (i % 3 == 0).then_some(MemorySubtype::Decision),
            tags: if i % 5 == 0 {
                vec!["five".into(), "all".into()]
            } else {
                vec!["all".into()]
            },
            context_id: (i < 10).then(|| "early".to_string()),
            ..Default::default()
        };
        ids.push(remember(&ms, &sp, m).id);
    }
    run(ms.forget_memory(&sp, &ids[0], false)).unwrap();
    let list = |f: MemoryFilter, offset: u64, limit: u64| -> Vec<String> {
        run(ms.list_memories(
            &sp,
            f,
            Page {
                offset: Some(offset),
                limit: Some(limit),
            },
        ))
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect()
    };
    let newest_first: Vec<String> = ids[1..].iter().rev().cloned().collect();
    assert_eq!(
        list(MemoryFilter::default(), 0, 100),
        newest_first,
        "active only, newest first"
    );
    assert_eq!(
        list(MemoryFilter::default(), 5, 3),
        newest_first[5..8].to_vec()
    );
    let of = |pred: &dyn Fn(usize) -> bool| -> Vec<String> {
        (1..30)
            .rev()
            .filter(|i| pred(*i))
            .map(|i| ids[i].clone())
            .collect()
    };
    assert_eq!(
        list(
            MemoryFilter {
                memory_type: Some(MemoryType::Episodic),
                ..Default::default()
            },
            0,
            100
        ),
        of(&|i| i % 2 == 0)
    );
    assert_eq!(
        list(
            MemoryFilter {
                subtype: Some(MemorySubtype::Decision),
                ..Default::default()
            },
            0,
            100
        ),
        of(&|i| i % 3 == 0)
    );
    assert_eq!(
        list(
            MemoryFilter {
                tags: vec!["all".into(), "five".into()],
                ..Default::default()
            },
            0,
            100
        ),
        of(&|i| i % 5 == 0)
    );
    assert_eq!(
        list(
            MemoryFilter {
                context_id: Some("early".into()),
                memory_type: Some(MemoryType::Semantic),
                ..Default::default()
            },
            0,
            100
        ),
        of(&|i| i < 10 && i % 2 == 1)
    );
    assert_eq!(
        list(
            MemoryFilter {
                statuses: vec![MemoryStatus::Forgotten],
                ..Default::default()
            },
            0,
            100
        ),
        vec![ids[0].clone()]
    );
    let all = list(
        MemoryFilter {
            statuses: MemoryStatus::ALL.to_vec(),
            ..Default::default()
        },
        0,
        100,
    );
    assert_eq!(all.len(), 30);
    expect_code(
        run(ms.list_memories(
            &sp,
            MemoryFilter::default(),
            Page {
                offset: None,
                limit: Some(101),
            },
        )),
        ErrorCode::Validation,
    );
    expect_code(
        run(ms.list_memories(
            &sp,
            MemoryFilter::default(),
            Page {
                offset: None,
                limit: Some(0),
            },
        )),
        ErrorCode::Validation,
    );
}

#[test]
fn list_with_history_shows_the_superseded_memories_of_a_logical_key() {
    let (ms, _, host, sp) = setup();
    let mut ids = Vec::new();
    for city in ["Paris", "Berlin", "Lisbon"] {
        host.advance_secs(60);
        ids.push(remember(&ms, &sp, keyed(&format!("lives in {city}"), "user.city")).id);
    }
    let filter = |statuses: Vec<MemoryStatus>| MemoryFilter {
        logical_key: Some("user.city".into()),
        statuses,
        ..Default::default()
    };
    let current = run(ms.list_memories(&sp, filter(vec![]), Page::default())).unwrap();
    assert_eq!(
        current.iter().map(|m| &m.id).collect::<Vec<_>>(),
        vec![&ids[2]]
    );
    let history = run(ms.list_memories(
        &sp,
        filter(vec![MemoryStatus::Active, MemoryStatus::Superseded]),
        Page::default(),
    ))
    .unwrap();
    assert_eq!(
        history.iter().map(|m| m.id.clone()).collect::<Vec<_>>(),
        vec![ids[2].clone(), ids[1].clone(), ids[0].clone()]
    );
    assert_eq!(history[1].status, MemoryStatus::Superseded);
    assert_eq!(history[1].invalid_at, Some(history[0].valid_at));
    assert_eq!(history[2].invalid_at, Some(history[1].valid_at));
}

// ---- update -------------------------------------------------------------------------------------

#[test]
fn update_changes_content_importance_tags_metadata_and_bumps_the_version() {
    let (ms, kv, host, sp) = setup();
    let m = remember(
        &ms,
        &sp,
        NewMemory {
            tags: vec!["a".into()],
            ..text("draft")
        },
    );
    host.advance_secs(1);
    let u = run(ms.update_memory(
        &sp,
        &m.id,
        MemoryUpdate {
            content: Some("final".into()),
            importance: Some(0.9),
            tags: Some(vec!["b".into(), "a".into()]),
            metadata: Some(meta(json!({"edited": true}))),
            expected_version: Some(1),
        },
    ))
    .unwrap();
    assert_eq!(
        (u.content.as_str(), u.importance, u.version),
        ("final", 0.9, 2)
    );
    assert_eq!(u.tags, vec!["a", "b"]);
    assert_eq!(u.metadata["edited"], true);
    assert_eq!(u.content_hash, sha_hex("final"));
    assert_eq!(u.last_change, MemoryChange::Updated);
    assert!(u.updated_at > m.updated_at && u.created_at == m.created_at);
    assert_eq!(run(ms.get_memory(&sp, &m.id)).unwrap(), u);
    // The new content deduplicates, the old one no longer does.
    assert!(run(ms.remember(&sp, text("final"))).unwrap().replayed);
    assert!(
        !run(ms.remember(
            &sp,
            NewMemory {
                tags: vec![],
                ..text("draft")
            }
        ))
        .unwrap()
        .replayed
    );
    check_memory_invariants(&ms, &kv, &sp);
}

#[test]
fn update_with_a_stale_expected_version_is_a_conflict() {
    let (ms, _, _, sp) = setup();
    let m = remember(&ms, &sp, text("v1"));
    run(ms.update_memory(
        &sp,
        &m.id,
        MemoryUpdate {
            content: Some("v2".into()),
            ..Default::default()
        },
    ))
    .unwrap();
    let e = expect_code(
        run(ms.update_memory(
            &sp,
            &m.id,
            MemoryUpdate {
                content: Some("v3".into()),
                expected_version: Some(1),
                ..Default::default()
            },
        )),
        ErrorCode::Conflict,
    );
    assert_eq!(e.details["precondition"], "expected_version");
    assert_eq!(e.details["current_version"], 2);
    assert!(!e.is_lost_race(), "a caller precondition is never retried");
    assert_eq!(run(ms.get_memory(&sp, &m.id)).unwrap().content, "v2");
    expect_code(
        run(ms.update_memory(
            &sp,
            &m.id,
            MemoryUpdate {
                content: Some("v3".into()),
                expected_version: Some(0),
                ..Default::default()
            },
        )),
        ErrorCode::Validation,
    );
}

#[test]
fn an_update_that_changes_nothing_returns_the_memory_unchanged() {
    let (ms, _, _, sp) = setup();
    let m = remember(&ms, &sp, text("same"));
    let u = MemoryUpdate {
        content: Some("same".into()),
        importance: Some(0.5),
        expected_version: Some(7),
        ..Default::default()
    };
    assert_eq!(
        run(ms.update_memory(&sp, &m.id, u)).unwrap(),
        m,
        "even with a stale version: a retried update"
    );
}

#[test]
fn update_needs_at_least_one_field_and_answers_gone_for_hidden_memories() {
    let (ms, _, _, sp) = setup();
    let m = remember(&ms, &sp, text("x"));
    expect_code(
        run(ms.update_memory(&sp, &m.id, MemoryUpdate::default())),
        ErrorCode::Validation,
    );
    run(ms.forget_memory(&sp, &m.id, false)).unwrap();
    expect_code(
        run(ms.update_memory(
            &sp,
            &m.id,
            MemoryUpdate {
                importance: Some(1.0),
                ..Default::default()
            },
        )),
        ErrorCode::Gone,
    );
}

// ---- forget and restore -------------------------------------------------------------------------

#[test]
fn soft_forget_hides_a_memory_keeps_it_for_trace_and_restore_brings_it_back() {
    let (ms, kv, _, sp) = setup();
    let m = remember(&ms, &sp, keyed("on vacation", "user.status"));
    run(ms.forget_memory(&sp, &m.id, false)).unwrap();
    run(ms.forget_memory(&sp, &m.id, false)).unwrap(); // idempotent
    expect_code(run(ms.get_memory(&sp, &m.id)), ErrorCode::Gone);
    assert!(
        run(ms.list_memories(&sp, MemoryFilter::default(), Page::default()))
            .unwrap()
            .is_empty()
    );
    let t = run(ms.trace_memory(&sp, &m.id, None)).unwrap();
    assert_eq!(
        (t.memory.status, t.memory.content.as_str()),
        (MemoryStatus::Forgotten, "on vacation")
    );
    assert!(t.memory.forgotten_at.is_some());
    let stats = run(ms.memory_stats(&sp)).unwrap();
    assert_eq!((stats.active, stats.forgotten), (0, 1));
    let back = run(ms.restore_memory(&sp, &m.id)).unwrap();
    assert_eq!(
        (back.status, back.version, back.last_change),
        (MemoryStatus::Active, 3, MemoryChange::Restored)
    );
    assert_eq!(back.forgotten_at, None);
    assert_eq!(
        run(ms.restore_memory(&sp, &m.id)).unwrap(),
        back,
        "restoring a readable memory changes nothing"
    );
    // It holds its logical key again: a new one supersedes it.
    let newer = run(ms.remember(&sp, keyed("back home", "user.status"))).unwrap();
    assert_eq!(newer.superseded_id.as_deref(), Some(m.id.as_str()));
    check_memory_invariants(&ms, &kv, &sp);
}

#[test]
fn hard_forget_erases_content_tags_metadata_history_links_and_index_entries_leaving_a_tombstone() {
    let (ms, kv, _, sp) = setup();
    let secret = NewMemory {
        tags: vec!["medical-zz".into()],
        metadata: Some(meta(json!({"note": "diagnosis-qq"}))),
        idempotency_key: Some("idem-secret".into()),
        context_id: Some("ctx-1".into()),
        logical_key: Some("user.condition-kk".into()),
        expires_at: Some(Timestamp::from_secs(1_900_000_000)),
        ..text("secret-content-xyz v1")
    };
    let m = remember(&ms, &sp, secret);
    run(ms.update_memory(
        &sp,
        &m.id,
        MemoryUpdate {
            content: Some("secret-content-xyz v2".into()),
            ..Default::default()
        },
    ))
    .unwrap();
    let other = remember(&ms, &sp, text("neighbour"));
    link(&ms, &sp, &m.id, &other.id, "related_to", 0.4);
    link(&ms, &sp, &other.id, &m.id, "references", 0.6);
    run(ms.forget_memory(&sp, &m.id, true)).unwrap();
    for needle in [
        "secret-content-xyz",
        "medical-zz",
        "diagnosis-qq",
        "idem-secret",
        "user.condition-kk",
        &sha_hex("secret-content-xyz v1"),
        &sha_hex("secret-content-xyz v2"),
    ] {
        assert!(
            !raw_contains(&kv, needle),
            "{needle:?} survives a hard forget"
        );
    }
    let t = run(ms.trace_memory(&sp, &m.id, None)).unwrap();
    let tomb = &t.memory;
    assert_eq!(
        (tomb.status, tomb.last_change),
        (MemoryStatus::Deleted, MemoryChange::Deleted)
    );
    assert_eq!(
        (tomb.content.as_str(), tomb.content_hash.as_str()),
        ("", "")
    );
    assert!(tomb.tags.is_empty() && tomb.metadata.is_empty() && tomb.logical_key.is_none());
    assert_eq!(
        tomb.context_id.as_deref(),
        Some("ctx-1"),
        "identifiers stay for audit"
    );
    assert!(t.history.is_empty() && t.associations.paths.is_empty());
    assert!(all_links(&ms, &sp, &other.id).unwrap().is_empty());
    let stats = run(ms.memory_stats(&sp)).unwrap();
    assert_eq!((stats.active, stats.deleted, stats.associations), (1, 1, 0));
    run(ms.forget_memory(&sp, &m.id, true)).unwrap(); // idempotent
    expect_code(run(ms.forget_memory(&sp, &m.id, false)), ErrorCode::Gone);
    expect_code(run(ms.restore_memory(&sp, &m.id)), ErrorCode::Gone);
    // The freed keys take new memories.
    let again = run(ms.remember(
        &sp,
        NewMemory {
            idempotency_key: Some("idem-secret".into()),
            ..text("new")
        },
    ))
    .unwrap();
    assert!(!again.replayed);
    check_memory_invariants(&ms, &kv, &sp);
}

#[test]
fn hard_forget_of_a_memory_with_many_links_and_versions_purges_them_all_in_chunks() {
    let (ms, kv, _, sp) = setup();
    let hub = remember(&ms, &sp, text("hub"));
    for i in 0..150 {
        run(ms.update_memory(
            &sp,
            &hub.id,
            MemoryUpdate {
                content: Some(format!("hub v{i}")),
                ..Default::default()
            },
        ))
        .unwrap();
    }
    let spokes: Vec<Memory> = (0..400)
        .map(|i| remember(&ms, &sp, text(&format!("spoke {i}"))))
        .collect();
    for (i, s) in spokes.iter().enumerate() {
        if i % 2 == 0 {
            link(&ms, &sp, &hub.id, &s.id, "related_to", 0.5);
        } else {
            link(&ms, &sp, &s.id, &hub.id, "part_of", 0.5);
        }
    }
    assert_eq!(run(ms.memory_stats(&sp)).unwrap().associations, 400);
    run(ms.forget_memory(&sp, &hub.id, true)).unwrap();
    assert!(!raw_contains(&kv, "hub v"));
    let stats = run(ms.memory_stats(&sp)).unwrap();
    assert_eq!(
        (stats.associations, stats.deleted, stats.active),
        (0, 1, 400)
    );
    check_memory_invariants(&ms, &kv, &sp);
}

#[test]
fn restore_conflicts_when_the_logical_key_is_now_held_by_another_memory() {
    let (ms, _, _, sp) = setup();
    let old = remember(&ms, &sp, keyed("works at Acme", "user.employer"));
    run(ms.forget_memory(&sp, &old.id, false)).unwrap();
    let new = remember(&ms, &sp, keyed("works at Globex", "user.employer"));
    let e = expect_code(run(ms.restore_memory(&sp, &old.id)), ErrorCode::Conflict);
    assert_eq!(e.details["precondition"], "logical_key");
    assert_eq!(e.details["holder_id"], new.id.as_str());
    run(ms.forget_memory(&sp, &new.id, false)).unwrap();
    assert_eq!(
        run(ms.restore_memory(&sp, &old.id)).unwrap().status,
        MemoryStatus::Active
    );
}

#[test]
fn a_forgotten_superseded_memory_is_restored_as_superseded() {
    let (ms, kv, _, sp) = setup();
    let old = remember(&ms, &sp, keyed("v1", "k"));
    remember(&ms, &sp, keyed("v2", "k"));
    run(ms.forget_memory(&sp, &old.id, false)).unwrap();
    assert_eq!(
        run(ms.restore_memory(&sp, &old.id)).unwrap().status,
        MemoryStatus::Superseded
    );
    check_memory_invariants(&ms, &kv, &sp);
}

// ---- decay --------------------------------------------------------------------------------------

#[test]
fn decay_multiplies_importance_by_one_minus_the_rate_and_stays_at_or_above_zero() {
    let (ms, _, _, sp) = setup();
    let m = remember(
        &ms,
        &sp,
        NewMemory {
            importance: Some(0.8),
            ..text("fading")
        },
    );
    let d = run(ms.decay_memory(&sp, &m.id, None)).unwrap();
    assert!(
        (d.importance - 0.72).abs() < 1e-12,
        "default rate 0.1: {}",
        d.importance
    );
    assert_eq!((d.version, d.last_change), (2, MemoryChange::Decayed));
    let d = run(ms.decay_memory(&sp, &m.id, Some(0.5))).unwrap();
    assert!((d.importance - 0.36).abs() < 1e-12);
    let d = run(ms.decay_memory(&sp, &m.id, Some(1.0))).unwrap();
    assert_eq!(d.importance, 0.0);
    assert_eq!(
        run(ms.decay_memory(&sp, &m.id, Some(0.3))).unwrap(),
        d,
        "nothing left to decay"
    );
    let t = run(ms.trace_memory(&sp, &m.id, Some(0))).unwrap();
    assert!(
        t.history.is_empty(),
        "importance changes are not kept as history"
    );
}

#[test]
fn decay_rate_must_be_between_0_and_1() {
    let (ms, _, _, sp) = setup();
    let m = remember(&ms, &sp, text("x"));
    for bad in [-0.1, 1.5, f64::NAN] {
        let e = expect_code(
            run(ms.decay_memory(&sp, &m.id, Some(bad))),
            ErrorCode::Validation,
        );
        assert_eq!(e.details["field"], "decay_rate");
    }
}

// ---- trace ----------------------------------------------------------------------------------------

#[test]
fn trace_returns_provenance_version_history_and_the_association_chain() {
    let (ms, _, host, sp) = setup();
    let m = remember(
        &ms,
        &sp,
        NewMemory {
            provenance: Some(Provenance {
                session_id: Some("ses_1".into()),
                event_from: Some(0),
                event_to: Some(4),
                ..Default::default()
            }),
            ..text("v1")
        },
    );
    host.advance_secs(1);
    run(ms.update_memory(
        &sp,
        &m.id,
        MemoryUpdate {
            content: Some("v2".into()),
            ..Default::default()
        },
    ))
    .unwrap();
    run(ms.update_memory(
        &sp,
        &m.id,
        MemoryUpdate {
            tags: Some(vec!["t".into()]),
            ..Default::default()
        },
    ))
    .unwrap();
    let a = remember(&ms, &sp, text("a"));
    let b = remember(&ms, &sp, text("b"));
    link(&ms, &sp, &m.id, &a.id, "causes", 0.9);
    link(&ms, &sp, &a.id, &b.id, "leads_to", 0.5);
    let t = run(ms.trace_memory(&sp, &m.id, None)).unwrap();
    assert_eq!(t.memory.provenance.session_id.as_deref(), Some("ses_1"));
    assert_eq!(
        t.history
            .iter()
            .map(|h| (h.version, h.content.as_str()))
            .collect::<Vec<_>>(),
        vec![(2, "v2"), (1, "v1")]
    );
    assert!(!t.history_truncated);
    assert_eq!(
        t.associations
            .nodes
            .iter()
            .map(|n| n.id.clone())
            .collect::<Vec<_>>(),
        vec![a.id.clone(), b.id.clone()]
    );
    assert_eq!(
        t.associations.paths[1].memory_ids,
        vec![m.id.clone(), a.id.clone(), b.id.clone()]
    );
    let shallow = run(ms.trace_memory(&sp, &m.id, Some(1))).unwrap();
    assert_eq!(shallow.associations.nodes.len(), 1);
    // A forgotten memory is traced, with its chain.
    run(ms.forget_memory(&sp, &m.id, false)).unwrap();
    let t = run(ms.trace_memory(&sp, &m.id, None)).unwrap();
    assert_eq!(t.memory.status, MemoryStatus::Forgotten);
    assert_eq!(t.history[0].status, MemoryStatus::Active);
    assert_eq!(t.associations.nodes.len(), 2);
}

#[test]
fn trace_depth_is_0_to_5() {
    let (ms, _, _, sp) = setup();
    let m = remember(&ms, &sp, text("x"));
    run(ms.trace_memory(&sp, &m.id, Some(5))).unwrap();
    expect_code(
        run(ms.trace_memory(&sp, &m.id, Some(6))),
        ErrorCode::Validation,
    );
    expect_code(
        run(ms.trace_memory(&sp, "mry_0000000000aaaaaaaaaaaaaaaa", None)),
        ErrorCode::NotFound,
    );
}

// ---- supersession -------------------------------------------------------------------------------

#[test]
fn remembering_a_logical_key_supersedes_the_current_holder_in_the_same_commit() {
    let (ms, kv, host, sp) = setup();
    let paris = remember(&ms, &sp, keyed("lives in Paris", "user.city"));
    host.advance_secs(3600);
    let r = run(ms.remember(&sp, keyed("lives in Berlin", "user.city"))).unwrap();
    assert_eq!(r.superseded_id.as_deref(), Some(paris.id.as_str()));
    let berlin = r.memory;
    let old = run(ms.get_memory(&sp, &paris.id)).unwrap();
    assert_eq!(old.status, MemoryStatus::Superseded);
    assert_eq!(old.invalid_at, Some(berlin.valid_at));
    assert_eq!(old.superseded_by.as_deref(), Some(berlin.id.as_str()));
    assert_eq!(
        (old.version, old.last_change),
        (2, MemoryChange::Superseded)
    );
    let links = all_links(&ms, &sp, &berlin.id).unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(
        (
            links[0].relationship.as_str(),
            links[0].source_id.as_str(),
            links[0].target_id.as_str()
        ),
        ("supersedes", berlin.id.as_str(), paris.id.as_str())
    );
    let stats = run(ms.memory_stats(&sp)).unwrap();
    assert_eq!(
        (stats.active, stats.superseded, stats.associations),
        (1, 1, 1)
    );
    // The caller's valid_at is the moment the old fact stopped being true.
    let when = Timestamp::from_secs(1_767_300_000);
    let r = run(ms.remember(
        &sp,
        NewMemory {
            valid_at: Some(when),
            ..keyed("lives in Rome", "user.city")
        },
    ))
    .unwrap();
    assert_eq!(
        run(ms.get_memory(&sp, &berlin.id)).unwrap().invalid_at,
        Some(when)
    );
    assert_eq!(r.superseded_id.as_deref(), Some(berlin.id.as_str()));
    check_memory_invariants(&ms, &kv, &sp);
}

#[test]
fn superseded_memories_are_readable_by_get_trace_and_list_with_history_and_hidden_elsewhere() {
    let (ms, _, _, sp) = setup();
    let old = remember(&ms, &sp, keyed("v1", "k"));
    let new = remember(&ms, &sp, keyed("v2", "k"));
    let topic = remember(&ms, &sp, text("topic"));
    link(&ms, &sp, &topic.id, &old.id, "references", 0.5);
    assert_eq!(
        run(ms.get_memory(&sp, &old.id)).unwrap().status,
        MemoryStatus::Superseded
    );
    assert_eq!(
        run(ms.trace_memory(&sp, &old.id, None))
            .unwrap()
            .memory
            .status,
        MemoryStatus::Superseded
    );
    let listed = |s: Vec<MemoryStatus>| {
        run(ms.list_memories(
            &sp,
            MemoryFilter {
                statuses: s,
                ..Default::default()
            },
            Page::default(),
        ))
        .unwrap()
        .len()
    };
    assert_eq!(listed(vec![]), 2);
    assert_eq!(
        listed(vec![MemoryStatus::Active, MemoryStatus::Superseded]),
        3
    );
    let reach = run(ms.traverse(&sp, &topic.id, TraverseQuery::default())).unwrap();
    assert!(reach.nodes.is_empty(), "not reached by default");
    let reach = run(ms.traverse(
        &sp,
        &topic.id,
        TraverseQuery {
            include_superseded: true,
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!(
        reach.nodes.iter().map(|n| n.id.clone()).collect::<Vec<_>>(),
        vec![old.id.clone(), new.id.clone()]
    );
    let q = AssociationQuery::default();
    assert!(run(ms.get_associations(&sp, &topic.id, q, Page::default()))
        .unwrap()
        .is_empty());
}

#[test]
fn an_older_fact_for_a_held_logical_key_arrives_already_superseded() {
    let (ms, kv, _, sp) = setup();
    let now_fact = remember(&ms, &sp, keyed("lives in Berlin", "user.city"));
    let r = run(ms.remember(
        &sp,
        NewMemory {
            valid_at: Some(Timestamp::from_secs(1_600_000_000)),
            ..keyed("lived in Paris", "user.city")
        },
    ))
    .unwrap();
    assert_eq!(r.superseded_id, None);
    let m = r.memory;
    assert_eq!(m.status, MemoryStatus::Superseded);
    assert_eq!(m.invalid_at, Some(now_fact.valid_at));
    assert_eq!(m.superseded_by.as_deref(), Some(now_fact.id.as_str()));
    assert_eq!(
        run(ms.get_memory(&sp, &now_fact.id)).unwrap().status,
        MemoryStatus::Active
    );
    check_memory_invariants(&ms, &kv, &sp);
}

// ---- expiry ------------------------------------------------------------------------------------

#[test]
fn an_expired_memory_is_hidden_lazily_without_any_write() {
    let (ms, kv, host, sp) = setup();
    let m = remember(
        &ms,
        &sp,
        NewMemory {
            expires_at: Some(host_now(&host).plus_secs(60)),
            memory_type: Some(MemoryType::Working),
            ..text("in a meeting")
        },
    );
    let before = kv.snapshot();
    host.advance_secs(60);
    expect_code(run(ms.get_memory(&sp, &m.id)), ErrorCode::Gone);
    assert!(
        run(ms.list_memories(&sp, MemoryFilter::default(), Page::default()))
            .unwrap()
            .is_empty()
    );
    let listed = run(ms.list_memories(
        &sp,
        MemoryFilter {
            statuses: vec![MemoryStatus::Expired],
            ..Default::default()
        },
        Page::default(),
    ))
    .unwrap();
    assert_eq!(listed[0].status, MemoryStatus::Expired);
    assert_eq!(kv.snapshot(), before, "reads never write");
    assert_eq!(
        run(ms.memory_stats(&sp)).unwrap().active,
        1,
        "recorded by sweep, not by reads"
    );
}

#[test]
fn sweep_records_due_expiries_across_spaces() {
    let (ms, kv, host, sp) = setup();
    let sp2 = run(ms.create_space(NewSpace::default())).unwrap().id;
    let now = host_now(&host);
    let a = remember(
        &ms,
        &sp,
        NewMemory {
            expires_at: Some(now.plus_secs(10)),
            ..text("a")
        },
    );
    let b = remember(
        &ms,
        &sp2,
        NewMemory {
            expires_at: Some(now.plus_secs(20)),
            ..text("b")
        },
    );
    remember(
        &ms,
        &sp,
        NewMemory {
            expires_at: Some(now.plus_secs(99)),
            ..text("later")
        },
    );
    host.advance_secs(30);
    let report = run(ms.sweep(100)).unwrap();
    assert_eq!(report.memories_expired, 2);
    for (space, id) in [(&sp, &a.id), (&sp2, &b.id)] {
        let t = run(ms.trace_memory(space, id, Some(0))).unwrap();
        assert_eq!(
            (t.memory.status, t.memory.last_change),
            (MemoryStatus::Expired, MemoryChange::Expired)
        );
    }
    let stats = run(ms.memory_stats(&sp)).unwrap();
    assert_eq!((stats.active, stats.expired), (1, 1));
    assert_eq!(run(ms.sweep(100)).unwrap().memories_expired, 0, "once");
    expect_code(run(ms.restore_memory(&sp, &a.id)), ErrorCode::Conflict);
    check_memory_invariants(&ms, &kv, &sp);
    check_memory_invariants(&ms, &kv, &sp2);
}

#[test]
fn a_remember_taking_an_expired_holders_logical_key_records_its_expiry() {
    let (ms, kv, host, sp) = setup();
    let old = remember(
        &ms,
        &sp,
        NewMemory {
            expires_at: Some(host_now(&host).plus_secs(5)),
            ..keyed("busy", "user.status")
        },
    );
    host.advance_secs(10);
    let r = run(ms.remember(&sp, keyed("free", "user.status"))).unwrap();
    assert_eq!(r.superseded_id, None, "an expired fact is not superseded");
    let t = run(ms.trace_memory(&sp, &old.id, Some(0))).unwrap();
    assert_eq!(t.memory.status, MemoryStatus::Expired);
    let stats = run(ms.memory_stats(&sp)).unwrap();
    assert_eq!((stats.active, stats.expired, stats.associations), (1, 1, 0));
    check_memory_invariants(&ms, &kv, &sp);
}

// ---- batch ------------------------------------------------------------------------------------

fn create(c: &str) -> BatchOp {
    BatchOp::Create(text(c))
}

#[test]
fn batch_operations_come_in_the_wire_form_refuse_unknown_keys_and_report_per_operation_results() {
    let (ms, _, _, sp) = setup();
    let existing = remember(&ms, &sp, text("existing"));
    let ops: Vec<BatchOp> = serde_json::from_value(json!([
        {"op": "create", "content": "from the wire", "type": "semantic", "tags": ["w"]},
        {"op": "update", "memoryId": existing.id, "importance": 0.9},
        {"op": "delete", "memoryId": existing.id, "hard": false},
        {"op": "update", "memoryId": "mry_0000000000aaaaaaaaaaaaaaaa", "content": "x"},
    ]))
    .unwrap();
    let r = run(ms.batch_memories(&sp, ops, false)).unwrap();
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(
        (
            v["totalOperations"].as_u64(),
            v["successful"].as_u64(),
            v["failed"].as_u64()
        ),
        (Some(4), Some(3), Some(1))
    );
    let res = v["results"].as_array().unwrap();
    assert_eq!(res[0]["type"], "create");
    assert_eq!(res[0]["status"], "success");
    assert!(res[0]["memoryId"].as_str().unwrap().starts_with("mry_"));
    assert_eq!(res[1]["memoryId"], existing.id.as_str());
    assert_eq!(
        (res[3]["index"].as_u64(), res[3]["status"].as_str()),
        (Some(3), Some("error"))
    );
    assert_eq!(res[3]["error"]["code"], "not_found");
    assert_eq!(res[3]["error"]["status"], 404);
    assert!(
        serde_json::from_value::<BatchOp>(json!({"type": "create", "data": {"content": "x"}}))
            .is_err()
    );
    for unknown in [
        json!({"op": "create", "content": "x", "colour": "red"}),
        json!({"op": "update", "memoryId": existing.id, "memory_id": existing.id}),
        json!({"op": "delete", "memoryId": existing.id, "soft": true}),
    ] {
        assert!(
            serde_json::from_value::<BatchOp>(unknown.clone()).is_err(),
            "{unknown}"
        );
    }
}

#[test]
fn a_non_atomic_batch_applies_every_operation_that_can_be_applied() {
    let (ms, kv, _, sp) = setup();
    let ops = vec![
        create("one"),
        BatchOp::Create(text("")),
        create("two"),
        create("one"),
    ];
    let r = run(ms.batch_memories(&sp, ops, false)).unwrap();
    let st: Vec<BatchOpStatus> = r.results.iter().map(|x| x.status).collect();
    assert_eq!(
        st,
        vec![
            BatchOpStatus::Success,
            BatchOpStatus::Error,
            BatchOpStatus::Success,
            BatchOpStatus::Success
        ]
    );
    assert!(r.results[3].replayed && r.results[3].memory_id == r.results[0].memory_id);
    assert_eq!(
        r.results[1].error.as_ref().unwrap().code,
        ErrorCode::Validation
    );
    assert_eq!(run(ms.memory_stats(&sp)).unwrap().active, 2);
    check_memory_invariants(&ms, &kv, &sp);
}

#[test]
fn an_atomic_batch_applies_all_operations_or_none() {
    let (ms, kv, _, sp) = setup();
    let old = remember(&ms, &sp, keyed("v1", "k"));
    let before = kv.snapshot();
    let failing = vec![
        create("a"),
        BatchOp::Create(keyed("v2", "k")),
        BatchOp::Update {
            memory_id: "mry_0000000000aaaaaaaaaaaaaaaa".into(),
            update: MemoryUpdate {
                importance: Some(1.0),
                ..Default::default()
            },
        },
        create("b"),
    ];
    let r = run(ms.batch_memories(&sp, failing, true)).unwrap();
    assert_eq!((r.successful, r.failed), (0, 4));
    let st: Vec<BatchOpStatus> = r.results.iter().map(|x| x.status).collect();
    assert_eq!(
        st,
        vec![
            BatchOpStatus::Skipped,
            BatchOpStatus::Skipped,
            BatchOpStatus::Error,
            BatchOpStatus::Skipped
        ]
    );
    assert_eq!(
        r.results[0].error.as_ref().unwrap().details["failed_index"],
        2
    );
    assert_eq!(kv.snapshot(), before, "nothing applied");
    let ok = vec![
        create("a"),
        BatchOp::Create(keyed("v2", "k")),
        create("a"),
        BatchOp::Update {
            memory_id: old.id.clone(),
            update: MemoryUpdate {
                importance: Some(0.1),
                ..Default::default()
            },
        },
        BatchOp::Delete {
            memory_id: old.id.clone(),
            hard: true,
        },
    ];
    let r = run(ms.batch_memories(&sp, ok, true)).unwrap();
    assert_eq!((r.successful, r.failed), (5, 0));
    assert!(
        r.results[2].replayed && r.results[2].memory_id == r.results[0].memory_id,
        "ops see earlier ops of the batch"
    );
    assert_eq!(
        run(ms.trace_memory(&sp, &old.id, None))
            .unwrap()
            .memory
            .status,
        MemoryStatus::Deleted
    );
    let stats = run(ms.memory_stats(&sp)).unwrap();
    assert_eq!((stats.active, stats.deleted, stats.superseded), (2, 1, 0));
    check_memory_invariants(&ms, &kv, &sp);
}

#[test]
fn a_batch_holds_1_to_100_operations() {
    let (ms, _, _, sp) = setup();
    expect_code(
        run(ms.batch_memories(&sp, vec![], false)),
        ErrorCode::Validation,
    );
    let over: Vec<BatchOp> = (0..101).map(|i| create(&format!("m{i}"))).collect();
    let e = expect_code(
        run(ms.batch_memories(&sp, over, true)),
        ErrorCode::Validation,
    );
    assert_eq!(e.details["max"], 100);
    let full: Vec<BatchOp> = (0..100).map(|i| create(&format!("m{i}"))).collect();
    assert_eq!(
        run(ms.batch_memories(&sp, full, true)).unwrap().successful,
        100
    );
    assert_eq!(run(ms.memory_stats(&sp)).unwrap().active, 100);
}

// ---- counts -------------------------------------------------------------------------------------

#[test]
fn stats_count_memories_by_status_and_associations_exactly() {
    let (ms, kv, _, sp) = setup();
    assert_eq!(run(ms.memory_stats(&sp)).unwrap(), MemoryStats::default());
    let a = remember(&ms, &sp, keyed("a1", "a"));
    remember(&ms, &sp, keyed("a2", "a"));
    let f = remember(&ms, &sp, text("f"));
    let d = remember(&ms, &sp, text("d"));
    link(&ms, &sp, &f.id, &d.id, "related_to", 0.5);
    run(ms.forget_memory(&sp, &f.id, false)).unwrap();
    run(ms.forget_memory(&sp, &d.id, true)).unwrap();
    let s = run(ms.memory_stats(&sp)).unwrap();
    assert_eq!(
        s,
        MemoryStats {
            active: 1,
            superseded: 1,
            forgotten: 1,
            expired: 0,
            deleted: 1,
            associations: 1
        }
    );
    let _ = a;
    check_memory_invariants(&ms, &kv, &sp);
}

/// Counts the read calls that reach storage.
struct CountingKv {
    inner: memspace::kv::MemoryKv,
    reads: std::cell::Cell<u32>,
}

impl memspace::kv::Kv for CountingKv {
    fn capabilities(&self) -> memspace::kv::Capabilities {
        self.inner.capabilities()
    }
    fn get<'a>(&'a self, key: &'a [u8]) -> memspace::kv::KvFuture<'a, Option<Vec<u8>>> {
        self.reads.set(self.reads.get() + 1);
        self.inner.get(key)
    }
    fn get_many<'a>(
        &'a self,
        keys: &'a [Vec<u8>],
    ) -> memspace::kv::KvFuture<'a, Vec<Option<Vec<u8>>>> {
        self.reads.set(self.reads.get() + 1);
        self.inner.get_many(keys)
    }
    fn scan<'a>(
        &'a self,
        range: &'a memspace::kv::KeyRange,
        limit: usize,
        reverse: bool,
    ) -> memspace::kv::KvFuture<'a, Vec<memspace::kv::Entry>> {
        self.reads.set(self.reads.get() + 1);
        self.inner.scan(range, limit, reverse)
    }
    fn commit<'a>(&'a self, batch: memspace::kv::Batch) -> memspace::kv::KvFuture<'a, ()> {
        self.inner.commit(batch)
    }
    fn read_many<'a>(
        &'a self,
        reads: &'a [memspace::kv::Read],
    ) -> memspace::kv::KvFuture<'a, Vec<memspace::kv::ReadResult>> {
        self.reads.set(self.reads.get() + 1);
        self.inner.read_many(reads)
    }
}

#[test]
fn remember_reads_storage_a_fixed_number_of_times_however_many_memories_a_batch_creates() {
    let kv = std::rc::Rc::new(CountingKv {
        inner: memspace::kv::MemoryKv::new(),
        reads: std::cell::Cell::new(0),
    });
    let ms = handle(kv.clone(), &memspace::host::ManualHost::default());
    let sp = run(ms.create_space(NewSpace::default())).unwrap().id;
    for i in 0..50 {
        remember(&ms, &sp, keyed(&format!("old {i}"), &format!("k{i}")));
    }
    let reads = |ops: Vec<BatchOp>| {
        kv.reads.set(0);
        let r = run(ms.batch_memories(&sp, ops, true)).unwrap();
        assert_eq!(r.failed, 0);
        kv.reads.get()
    };
    let one = reads(vec![create("one")]);
    // 100 creates: 50 supersede a holder, some repeat content (replays), all in one write.
    let many: Vec<BatchOp> = (0..100)
        .map(|i| {
            if i < 50 {
                BatchOp::Create(keyed(&format!("new {i}"), &format!("k{i}")))
            } else {
                create(&format!("fact {}", i % 30))
            }
        })
        .collect();
    let hundred = reads(many);
    // The space (checked up front and by the write), the head, one read of every index key
    // and hash the creates look up, one of the memories those name, and the recall index's
    // head and the pages the new texts touch (each read at once).
    assert!(one <= 6, "one create: {one} reads");
    assert!(
        hundred <= 8,
        "100 creates: {hundred} reads (one create: {one})"
    );
    kv.reads.set(0);
    run(ms.remember(&sp, keyed("newest", "k0"))).unwrap();
    assert!(
        kv.reads.get() <= 6,
        "a single remember that supersedes: {} reads",
        kv.reads.get()
    );
    assert_eq!(run(ms.memory_stats(&sp)).unwrap().superseded, 51);
}
