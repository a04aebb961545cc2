//! Core memory blocks: one test per rule of the blocks API (user/agent scope, block types,
//! conflict protection with `expected_updated_at`, limits, read-only, versions, isolation,
//! racing writers, crashes at every key write).

mod context_common;

use context_common::*;
use memspace::host::ManualHost;
use memspace::kv::faulty::FaultyKv;
use memspace::kv::MemoryKv;
use memspace::model::*;
use memspace::{ErrorCode, Memspace, Timestamp};
use std::rc::Rc;

fn current_updated_at(e: &memspace::Error) -> serde_json::Value {
    e.details
        .get("current_updated_at")
        .cloned()
        .expect("a block conflict carries current_updated_at")
}

fn get(w: &World, t: &str, agent: Option<&str>) -> memspace::Result<MemoryBlock> {
    run(w.ms.get_block(&w.space, t, agent))
}

#[test]
fn expected_updated_at_null_creates_a_missing_block_with_the_defaults() {
    let w = World::new();
    let b = w
        .write_block("core", None, "- Prefers concise answers", None)
        .unwrap();
    assert!(b.id.starts_with("blk_"));
    assert_eq!(b.block_type, "core");
    assert_eq!(b.scope, BlockScope::User);
    assert_eq!(b.agent_id, None);
    assert_eq!(b.content, "- Prefers concise answers");
    assert_eq!((b.limit_tokens, b.limit_bytes), (2_000, 8_192));
    assert!(!b.read_only);
    assert_eq!(b.version, 1);
    assert_eq!(b.created_at, b.updated_at);
    assert!(b.tokens > 0);
    assert_eq!(get(&w, "core", None).unwrap(), b);
}

#[test]
fn expected_updated_at_null_on_an_existing_block_is_a_conflict_carrying_the_current_updated_at() {
    let w = World::new();
    let b = w.write_block("core", None, "one", None).unwrap();
    let e = expect_code(
        w.write_block("core", None, "two", None),
        ErrorCode::Conflict,
    );
    assert_eq!(e.status(), 409);
    assert_eq!(current_updated_at(&e), b.updated_at.to_string());
    assert_eq!(get(&w, "core", None).unwrap().content, "one");
}

#[test]
fn an_update_with_the_last_read_updated_at_replaces_the_content() {
    let w = World::new();
    let b = w.write_block("core", None, "one", None).unwrap();
    w.host.advance_secs(5);
    let u = w
        .write_block(
            "core",
            None,
            "- Works in America/New_York",
            Some(b.updated_at),
        )
        .unwrap();
    assert_eq!(u.content, "- Works in America/New_York");
    assert_eq!(u.version, 2);
    assert_eq!(u.id, b.id);
    assert_eq!(u.created_at, b.created_at);
    assert!(u.updated_at > b.updated_at);
    assert_eq!(get(&w, "core", None).unwrap(), u);
}

#[test]
fn a_stale_expected_updated_at_is_a_conflict_carrying_the_current_updated_at() {
    let w = World::new();
    let b = w.write_block("core", None, "one", None).unwrap();
    let u = w
        .write_block("core", None, "two", Some(b.updated_at))
        .unwrap();
    let e = expect_code(
        w.write_block("core", None, "three", Some(b.updated_at)),
        ErrorCode::Conflict,
    );
    assert_eq!(current_updated_at(&e), u.updated_at.to_string());
    assert_eq!(e.details["precondition"], "expected_updated_at");
    assert_eq!(get(&w, "core", None).unwrap().content, "two");
}

#[test]
fn an_expected_updated_at_for_a_missing_block_is_a_conflict_with_a_null_current_updated_at() {
    let w = World::new();
    let e = expect_code(
        w.write_block("core", None, "x", Some(Timestamp::from_secs(1))),
        ErrorCode::Conflict,
    );
    assert_eq!(current_updated_at(&e), serde_json::Value::Null);
    expect_code(get(&w, "core", None), ErrorCode::NotFound);
}

#[test]
fn updated_at_strictly_increases_even_when_the_clock_stands_still() {
    let w = World::new();
    let mut b = w.write_block("core", None, "v0", None).unwrap();
    let mut seen = vec![b.updated_at];
    for i in 1..5 {
        b = w
            .write_block("core", None, &format!("v{i}"), Some(b.updated_at))
            .unwrap();
        seen.push(b.updated_at);
    }
    assert!(seen.windows(2).all(|p| p[0] < p[1]), "{seen:?}");
}

#[test]
fn two_writers_updating_one_block_exactly_one_wins_and_the_other_gets_conflict_with_the_current_updated_at(
) {
    for seed in 0..200 {
        let (hs, _host, space) = racing_handles(2);
        let created = interleave(
            vec![Box::pin(hs[0].update_block(
                &space,
                "core",
                BlockWrite {
                    content: "start".into(),
                    ..Default::default()
                },
            ))],
            seed,
        )
        .remove(0)
        .unwrap();
        let write = |h: &Memspace, text: &str| {
            let space = space.clone();
            let h = h.clone();
            let text = text.to_string();
            let token = created.updated_at;
            Box::pin(async move {
                h.update_block(
                    &space,
                    "core",
                    BlockWrite {
                        content: text,
                        expected_updated_at: Some(token),
                        ..Default::default()
                    },
                )
                .await
            }) as Task<'static, memspace::Result<MemoryBlock>>
        };
        let results = interleave(vec![write(&hs[0], "from A"), write(&hs[1], "from B")], seed);
        let wins: Vec<&MemoryBlock> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(wins.len(), 1, "seed {seed}: {results:?}");
        let loser = results
            .iter()
            .find_map(|r| r.as_ref().err())
            .expect("one writer loses");
        assert_eq!(loser.code, ErrorCode::Conflict, "seed {seed}: {loser}");
        assert!(
            !loser.is_lost_race(),
            "a caller-facing conflict, not a race"
        );
        assert_eq!(
            current_updated_at(loser),
            wins[0].updated_at.to_string(),
            "seed {seed}"
        );
        let stored = interleave(vec![Box::pin(hs[1].get_block(&space, "core", None))], 0)
            .remove(0)
            .unwrap();
        assert_eq!(
            &stored, wins[0],
            "seed {seed}: the winner's write is what is stored"
        );
        assert_eq!(stored.version, 2);
    }
}

#[test]
fn two_writers_creating_one_missing_block_exactly_one_creates_it() {
    for seed in 0..100 {
        let (hs, _host, space) = racing_handles(2);
        let create = |h: &Memspace, text: &str| {
            let (space, h, text) = (space.clone(), h.clone(), text.to_string());
            Box::pin(async move {
                h.update_block(
                    &space,
                    "persona",
                    BlockWrite {
                        content: text,
                        agent_id: Some("agent_a".into()),
                        ..Default::default()
                    },
                )
                .await
            }) as Task<'static, memspace::Result<MemoryBlock>>
        };
        let results = interleave(vec![create(&hs[0], "A"), create(&hs[1], "B")], seed);
        assert_eq!(
            results.iter().filter(|r| r.is_ok()).count(),
            1,
            "seed {seed}: {results:?}"
        );
        let e = results.iter().find_map(|r| r.as_ref().err()).unwrap();
        assert_eq!(e.code, ErrorCode::Conflict);
        assert_ne!(current_updated_at(e), serde_json::Value::Null);
    }
}

#[test]
fn a_retried_write_that_already_landed_returns_the_block_unchanged() {
    let w = World::new();
    let b = w.write_block("core", None, "one", None).unwrap();
    let u = w
        .write_block("core", None, "two", Some(b.updated_at))
        .unwrap();
    // The same write again with the token it was made with (its response was lost).
    let again = w
        .write_block("core", None, "two", Some(b.updated_at))
        .unwrap();
    assert_eq!(again, u);
    let history = run(w
        .ms
        .list_block_versions(&w.space, "core", None, Page::default()))
    .unwrap();
    assert_eq!(
        history.len(),
        2,
        "no version for a write that changes nothing"
    );
}

#[test]
fn agent_scoped_blocks_are_separate_from_the_users_blocks() {
    let w = World::new();
    w.write_block("core", None, "user facts", None).unwrap();
    let a = w
        .write_block("core", Some("agent_emails"), "agent facts", None)
        .unwrap();
    assert_eq!(a.scope, BlockScope::Agent);
    assert_eq!(a.agent_id.as_deref(), Some("agent_emails"));
    assert_eq!(get(&w, "core", None).unwrap().content, "user facts");
    assert_eq!(
        get(&w, "core", Some("agent_emails")).unwrap().content,
        "agent facts"
    );
    expect_code(get(&w, "core", Some("agent_other")), ErrorCode::NotFound);
}

#[test]
fn list_returns_user_blocks_by_default_an_agents_blocks_with_its_id_and_both_with_scope_all() {
    let w = World::new();
    w.write_block("core", None, "u core", None).unwrap();
    w.write_block("human", None, "u human", None).unwrap();
    w.write_block("core", Some("a1"), "a1 core", None).unwrap();
    w.write_block("persona", Some("a1"), "a1 persona", None)
        .unwrap();
    w.write_block("core", Some("a2"), "a2 core", None).unwrap();
    let list = |q: BlockQuery| -> Vec<String> {
        run(w.ms.list_blocks(&w.space, q))
            .unwrap()
            .into_iter()
            .map(|b| b.content)
            .collect()
    };
    assert_eq!(list(BlockQuery::default()), ["u core", "u human"]);
    assert_eq!(
        list(BlockQuery {
            agent_id: Some("a1".into()),
            ..Default::default()
        }),
        ["a1 core", "a1 persona"]
    );
    assert_eq!(
        list(BlockQuery {
            scope: Some(BlockListScope::All),
            ..Default::default()
        }),
        ["u core", "u human", "a1 core", "a1 persona", "a2 core"]
    );
    assert_eq!(
        list(BlockQuery {
            scope: Some(BlockListScope::All),
            agent_id: Some("a2".into()),
        }),
        ["u core", "u human", "a2 core"]
    );
    assert_eq!(
        list(BlockQuery {
            scope: Some(BlockListScope::Agent),
            ..Default::default()
        }),
        ["a1 core", "a1 persona", "a2 core"]
    );
}

#[test]
fn a_space_without_blocks_lists_none_and_gets_not_found() {
    let w = World::new();
    assert!(run(w.ms.list_blocks(&w.space, BlockQuery::default()))
        .unwrap()
        .is_empty());
    let e = expect_code(get(&w, "core", None), ErrorCode::NotFound);
    assert_eq!(e.details["block_type"], "core");
}

#[test]
fn named_blocks_keep_their_description_and_limits_until_changed() {
    let w = World::new();
    let b = run(w.ms.update_block(
        &w.space,
        "tasks",
        BlockWrite {
            content: "- renew Acme".into(),
            agent_id: Some("agent_records".into()),
            description: Some("Open tasks, one per line".into()),
            limit_tokens: Some(300),
            limit_bytes: Some(1_000),
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!(b.description.as_deref(), Some("Open tasks, one per line"));
    assert_eq!((b.limit_tokens, b.limit_bytes), (300, 1_000));
    let u = w
        .write_block("tasks", Some("agent_records"), "- done", Some(b.updated_at))
        .unwrap();
    assert_eq!(u.description, b.description);
    assert_eq!((u.limit_tokens, u.limit_bytes), (300, 1_000));
    let cleared = run(w.ms.update_block(
        &w.space,
        "tasks",
        BlockWrite {
            content: "- done".into(),
            agent_id: Some("agent_records".into()),
            expected_updated_at: Some(u.updated_at),
            description: Some(String::new()),
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!(cleared.description, None);
}

#[test]
fn content_over_the_block_byte_limit_is_a_validation_error() {
    let w = World::new();
    let write = |content: &str| {
        run(w.ms.update_block(
            &w.space,
            "small",
            BlockWrite {
                content: content.into(),
                limit_bytes: Some(10),
                ..Default::default()
            },
        ))
    };
    let e = expect_code(write("12345678901"), ErrorCode::Validation);
    assert_eq!(e.details["limit_bytes"], 10);
    write("1234567890").unwrap();
    // The default limit applies when none is given.
    let big = "x ".repeat(5_000);
    expect_code(
        w.write_block("core", None, &big, None),
        ErrorCode::Validation,
    );
}

#[test]
fn content_over_the_block_token_limit_is_a_validation_error() {
    let w = World::new();
    let e = expect_code(
        run(w.ms.update_block(
            &w.space,
            "small",
            BlockWrite {
                content: "one two three four five six seven eight nine ten".into(),
                limit_tokens: Some(5),
                ..Default::default()
            },
        )),
        ErrorCode::Validation,
    );
    assert_eq!(e.details["limit_tokens"], 5);
}

#[test]
fn lowering_a_limit_below_the_current_content_is_a_validation_error() {
    let w = World::new();
    let b = w
        .write_block("core", None, "twenty bytes of text", None)
        .unwrap();
    let e = expect_code(
        run(w.ms.update_block(
            &w.space,
            "core",
            BlockWrite {
                content: b.content.clone(),
                expected_updated_at: Some(b.updated_at),
                limit_bytes: Some(5),
                ..Default::default()
            },
        )),
        ErrorCode::Validation,
    );
    assert_eq!(e.details["field"], "content");
}

#[test]
fn limits_out_of_range_are_validation_errors() {
    let w = World::new();
    for (tokens, bytes) in [
        (Some(0), None),
        (Some(16_385), None),
        (None, Some(0)),
        (None, Some(65_537)),
    ] {
        expect_code(
            run(w.ms.update_block(
                &w.space,
                "core",
                BlockWrite {
                    content: "x".into(),
                    limit_tokens: tokens,
                    limit_bytes: bytes,
                    ..Default::default()
                },
            )),
            ErrorCode::Validation,
        );
    }
}

#[test]
fn block_types_agent_ids_and_descriptions_are_validated() {
    let w = World::new();
    for t in ["", "Core", "a/b", "-x", &"x".repeat(65), "with space"] {
        expect_code(w.write_block(t, None, "x", None), ErrorCode::Validation);
        expect_code(get(&w, t, None), ErrorCode::Validation);
    }
    for a in ["", "a/b", "a b", &"x".repeat(129)] {
        expect_code(
            w.write_block("core", Some(a), "x", None),
            ErrorCode::Validation,
        );
    }
    w.write_block("core", Some("agent:emails@v2.1_x-y"), "ok", None)
        .unwrap();
    w.write_block("my-notes.v2_x", None, "ok", None).unwrap();
    expect_code(
        run(w.ms.update_block(
            &w.space,
            "core",
            BlockWrite {
                content: "x".into(),
                description: Some("d".repeat(1_001)),
                ..Default::default()
            },
        )),
        ErrorCode::Validation,
    );
    expect_code(
        w.write_block("core", None, "bell \u{7}", None),
        ErrorCode::Validation,
    );
}

#[test]
fn archival_is_not_a_block_type_because_archival_memory_is_the_spaces_memories() {
    let w = World::new();
    let e = expect_code(
        w.write_block("archival", None, "x", None),
        ErrorCode::Validation,
    );
    assert!(e.message.contains("memories"), "{e}");
    expect_code(
        run(w.ms.delete_block(&w.space, "archival", None, None)),
        ErrorCode::Validation,
    );
}

#[test]
fn an_empty_block_is_allowed() {
    let w = World::new();
    let b = w.write_block("scratch", None, "", None).unwrap();
    assert_eq!((b.content.as_str(), b.tokens), ("", 0));
}

#[test]
fn a_read_only_block_refuses_updates_and_deletes_until_an_update_unlocks_it() {
    let w = World::new();
    let b = run(w.ms.update_block(
        &w.space,
        "policy",
        BlockWrite {
            content: "Never share account numbers.".into(),
            read_only: Some(true),
            ..Default::default()
        },
    ))
    .unwrap();
    assert!(b.read_only);
    let e = expect_code(
        w.write_block("policy", None, "changed", Some(b.updated_at)),
        ErrorCode::Conflict,
    );
    assert_eq!(e.details["precondition"], "read_only");
    let e = expect_code(
        run(w.ms.delete_block(&w.space, "policy", None, None)),
        ErrorCode::Conflict,
    );
    assert_eq!(e.details["precondition"], "read_only");
    let unlocked = run(w.ms.update_block(
        &w.space,
        "policy",
        BlockWrite {
            content: "Never share account or card numbers.".into(),
            expected_updated_at: Some(b.updated_at),
            read_only: Some(false),
            ..Default::default()
        },
    ))
    .unwrap();
    assert!(!unlocked.read_only);
    assert_eq!(unlocked.content, "Never share account or card numbers.");
    run(w
        .ms
        .delete_block(&w.space, "policy", None, Some(unlocked.updated_at)))
    .unwrap();
}

#[test]
fn delete_removes_the_block_and_a_new_one_can_be_created_with_a_null_token() {
    let w = World::new();
    let b = w.write_block("core", Some("a1"), "x", None).unwrap();
    run(w.ms.delete_block(&w.space, "core", Some("a1"), None)).unwrap();
    expect_code(get(&w, "core", Some("a1")), ErrorCode::NotFound);
    expect_code(
        run(w.ms.delete_block(&w.space, "core", Some("a1"), None)),
        ErrorCode::NotFound,
    );
    // The old token no longer names a block.
    let e = expect_code(
        w.write_block("core", Some("a1"), "y", Some(b.updated_at)),
        ErrorCode::Conflict,
    );
    assert_eq!(current_updated_at(&e), serde_json::Value::Null);
    let again = w.write_block("core", Some("a1"), "y", None).unwrap();
    assert_ne!(again.id, b.id);
    assert_eq!(again.version, 1);
}

#[test]
fn delete_with_a_stale_expected_updated_at_is_a_conflict() {
    let w = World::new();
    let b = w.write_block("core", None, "x", None).unwrap();
    let u = w
        .write_block("core", None, "y", Some(b.updated_at))
        .unwrap();
    let e = expect_code(
        run(w
            .ms
            .delete_block(&w.space, "core", None, Some(b.updated_at))),
        ErrorCode::Conflict,
    );
    assert_eq!(current_updated_at(&e), u.updated_at.to_string());
    get(&w, "core", None).unwrap();
}

#[test]
fn every_change_is_versioned_and_the_history_lists_newest_first() {
    let w = World::new();
    let b1 = w.write_block("core", None, "one", None).unwrap();
    w.host.advance_secs(1);
    let b2 = w
        .write_block("core", None, "two", Some(b1.updated_at))
        .unwrap();
    w.host.advance_secs(1);
    let b3 = run(w.ms.update_block(
        &w.space,
        "core",
        BlockWrite {
            content: "two".into(),
            expected_updated_at: Some(b2.updated_at),
            description: Some("now described".into()),
            ..Default::default()
        },
    ))
    .unwrap();
    let history = run(w
        .ms
        .list_block_versions(&w.space, "core", None, Page::default()))
    .unwrap();
    let versions: Vec<(u64, BlockChange)> = history.iter().map(|v| (v.version, v.change)).collect();
    assert_eq!(
        versions,
        [
            (3, BlockChange::Updated),
            (2, BlockChange::Updated),
            (1, BlockChange::Created)
        ]
    );
    assert_eq!(
        history[0].block.as_ref(),
        Some(&b3),
        "settings changes are versions too"
    );
    assert_eq!(history[1].block.as_ref(), Some(&b2));
    assert_eq!(history[2].block.as_ref(), Some(&b1));
    let paged = run(w.ms.list_block_versions(
        &w.space,
        "core",
        None,
        Page {
            offset: Some(1),
            limit: Some(1),
        },
    ))
    .unwrap();
    assert_eq!(paged[0].version, 2);
}

#[test]
fn the_block_store_is_hidden_from_the_memory_store_api() {
    let w = World::new();
    w.write_block("core", None, "x", None).unwrap();
    assert!(run(w.ms.list_stores(&w.space, true, Page::default()))
        .unwrap()
        .is_empty());
    let reserved = "memstore_0000000000000000000000b1ck";
    expect_code(run(w.ms.get_store(&w.space, reserved)), ErrorCode::NotFound);
    expect_code(
        run(w.ms.list_entries(&w.space, reserved, "", Page::default())),
        ErrorCode::NotFound,
    );
    expect_code(
        run(w.ms.delete_store(&w.space, reserved)),
        ErrorCode::NotFound,
    );
    expect_code(
        run(w.ms.create_entry(
            &w.space,
            reserved,
            NewEntry {
                path: "u/core".into(),
                content: "bypass".into(),
                metadata: None,
            },
        )),
        ErrorCode::NotFound,
    );
    assert_eq!(get(&w, "core", None).unwrap().content, "x");
}

#[test]
fn another_principal_can_neither_read_nor_write_a_spaces_blocks() {
    let w = World::new();
    w.write_block("core", None, "private", None).unwrap();
    let other = w.stranger();
    expect_code(
        run(other.get_block(&w.space, "core", None)),
        ErrorCode::NotFound,
    );
    expect_code(
        run(other.list_blocks(&w.space, BlockQuery::default())),
        ErrorCode::NotFound,
    );
    expect_code(
        run(other.update_block(
            &w.space,
            "core",
            BlockWrite {
                content: "mine".into(),
                ..Default::default()
            },
        )),
        ErrorCode::NotFound,
    );
    expect_code(
        run(other.delete_block(&w.space, "core", None, None)),
        ErrorCode::NotFound,
    );
}

#[test]
fn blocks_of_a_deleted_space_are_gone() {
    let w = World::new();
    w.write_block("core", None, "x", None).unwrap();
    run(w.ms.delete_space(&w.space)).unwrap();
    expect_code(get(&w, "core", None), ErrorCode::Gone);
}

#[test]
fn a_scope_holds_at_most_100_blocks() {
    let w = World::new();
    for i in 0..100 {
        w.write_block(&format!("b{i}"), None, "x", None).unwrap();
    }
    let e = expect_code(
        w.write_block("b100", None, "x", None),
        ErrorCode::Validation,
    );
    assert_eq!(e.details["max"], 100);
    // Another scope has its own room.
    w.write_block("b100", Some("a1"), "x", None).unwrap();
}

// ---- crash safety -------------------------------------------------------------------------

/// Everything observable about the space's blocks.
fn observe(ms: &Memspace, space: &str) -> Vec<(MemoryBlock, Vec<BlockVersion>)> {
    run(ms.list_blocks(
        space,
        BlockQuery {
            scope: Some(BlockListScope::All),
            agent_id: None,
        },
    ))
    .unwrap()
    .into_iter()
    .map(|b| {
        let h = run(ms.list_block_versions(
            space,
            &b.block_type,
            b.agent_id.as_deref(),
            Page::default(),
        ))
        .unwrap();
        (b, h)
    })
    .collect()
}

type Write = fn(&Memspace, &str) -> memspace::Result<()>;

fn crash_everywhere(name: &str, write: Write, atomic: bool) -> u64 {
    let fresh = || {
        let data = MemoryKv::new();
        let host = ManualHost::default();
        let ms = Memspace::new(
            Rc::new(data.clone()),
            Rc::new(host.clone()),
            Principal::new("u1", "t1"),
        )
        .unwrap();
        let space = run(ms.create_space(NewSpace::default())).unwrap().id;
        let b = run(ms.update_block(
            &space,
            "core",
            BlockWrite {
                content: "before".into(),
                ..Default::default()
            },
        ))
        .unwrap();
        run(ms.update_block(
            &space,
            "core",
            BlockWrite {
                content: "before, twice".into(),
                expected_updated_at: Some(b.updated_at),
                ..Default::default()
            },
        ))
        .unwrap();
        (data, host, space)
    };
    let handle = |kv: Rc<dyn memspace::kv::Kv>, host: &ManualHost| {
        Memspace::new(kv, Rc::new(host.clone()), Principal::new("u1", "t1")).unwrap()
    };
    let (data, host, space) = fresh();
    let before = observe(&handle(Rc::new(data.clone()), &host), &space);
    write(
        &handle(Rc::new(FaultyKv::new(data.clone(), atomic)), &host),
        &space,
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    let after = observe(&handle(Rc::new(data.clone()), &host), &space);
    assert_ne!(before, after, "{name}: the write changes nothing");
    let mut points = 0;
    for n in 0.. {
        let (data, host, space) = fresh();
        let faulty = Rc::new(FaultyKv::new(data, atomic));
        faulty.crash_after(n);
        let result = write(&handle(faulty.clone(), &host), &space);
        if !faulty.crashed() {
            result.unwrap_or_else(|e| panic!("{name}: fails without a crash: {e}"));
            break;
        }
        points += 1;
        let reopened = handle(Rc::new(FaultyKv::new(faulty.data(), atomic)), &host);
        let seen = observe(&reopened, &space);
        match result {
            Ok(()) => assert_eq!(seen, after, "{name}: an acknowledged write is lost at {n}"),
            Err(e) => {
                assert_eq!(e.code, ErrorCode::Storage);
                assert!(
                    seen == before || seen == after,
                    "{name}: crash after {n} writes (atomic={atomic}) leaves neither state: {seen:#?}"
                );
            }
        }
        // Blocks stay writable after the crash.
        let cur = run(reopened.get_block(&space, "core", None)).ok();
        run(reopened.update_block(
            &space,
            "core",
            BlockWrite {
                content: "after the crash".into(),
                expected_updated_at: cur.map(|b| b.updated_at),
                ..Default::default()
            },
        ))
        .unwrap();
    }
    points
}

const WRITES: &[(&str, Write)] = &[
    ("create", |ms, s| {
        run(ms.update_block(
            s,
            "persona",
            BlockWrite {
                content: "new".into(),
                agent_id: Some("a1".into()),
                ..Default::default()
            },
        ))
        .map(|_| ())
    }),
    ("update", |ms, s| {
        let b = run(ms.get_block(s, "core", None))?;
        run(ms.update_block(
            s,
            "core",
            BlockWrite {
                content: "after".into(),
                expected_updated_at: Some(b.updated_at),
                ..Default::default()
            },
        ))
        .map(|_| ())
    }),
    (
        "delete",
        |ms, s| run(ms.delete_block(s, "core", None, None)),
    ),
];

#[test]
fn a_block_write_cut_off_at_any_key_write_is_seen_whole_or_not_at_all() {
    for atomic in [true, false] {
        for (name, write) in WRITES {
            let points = crash_everywhere(name, *write, atomic);
            assert!(points >= 1, "{name}: no crash point exercised");
        }
    }
}

#[test]
fn a_refused_first_block_write_leaves_the_store_untouched() {
    // Found by the JS boundary fuzzer: the space's reserved block store was created before the
    // write was refused, so a `conflict` (a token for a missing block) or a `validation`
    // (content over the new block's limit) still wrote a record.
    let w = World::new();
    let before = w.kv.snapshot();
    let e = expect_code(
        w.write_block("core", None, "x", Some(Timestamp(1))),
        ErrorCode::Conflict,
    );
    assert_eq!(current_updated_at(&e), serde_json::Value::Null);
    let too_big = "x".repeat(9_000);
    expect_code(
        w.write_block("persona", Some("a1"), &too_big, None),
        ErrorCode::Validation,
    );
    assert!(
        w.kv.snapshot() == before,
        "a refused block write changed storage"
    );
    // The first accepted write creates the store and the block.
    w.write_block("core", None, "x", None).unwrap();
    assert_eq!(get(&w, "core", None).unwrap().content, "x");
}
