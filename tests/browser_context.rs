//! Core blocks, the per-turn memory context and working context in real Chromium on
//! IndexedDB (wasm-bindgen-test): two handles (two tabs) racing on one block, the frozen
//! block snapshot across turns, budgets, working-context expiry on the real clock, block
//! history and read-only, archival recall and `context_for` with `auto`, briefing, workspaces,
//! and everything read back from a reopened database.
//!
//! Run with scripts/test-browser.sh (cargo test --target wasm32-unknown-unknown --features js
//! --test browser_context).

#![cfg(all(target_arch = "wasm32", feature = "js"))]

use js_sys::{Array, Promise};
use memspace::bindings::js::host::JsHost;
use memspace::bindings::js::indexeddb::{Durability, IndexedDbKv};
use memspace::kv::Kv;
use memspace::model::*;
use memspace::{ErrorCode, Memspace};
use serde_json::json;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}-{}",
        js_sys::Date::now() as u64,
        (js_sys::Math::random() * 1e9) as u64
    )
}

async fn idb(name: &str) -> Rc<dyn Kv> {
    Rc::new(
        IndexedDbKv::open(name, Durability::Strict)
            .await
            .expect("open IndexedDB"),
    )
}

fn handle(kv: Rc<dyn Kv>) -> Memspace {
    Memspace::new(kv, Rc::new(JsHost::new()), Principal::new("u1", "t1")).expect("handle")
}

async fn sleep_ms(ms: i32) {
    let p = Promise::new(&mut |resolve, _| {
        let global = js_sys::global();
        let set_timeout = js_sys::Reflect::get(&global, &"setTimeout".into())
            .expect("setTimeout")
            .unchecked_into::<js_sys::Function>();
        set_timeout
            .call2(&global, &resolve, &JsValue::from(ms))
            .expect("setTimeout call");
    });
    JsFuture::from(p).await.expect("sleep");
}

/// Runs `futs` concurrently on the browser's event loop and waits for all of them.
async fn join_all(futs: Vec<std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>>) {
    let promises: Array = futs
        .into_iter()
        .map(|f| {
            JsValue::from(future_to_promise(async move {
                f.await;
                Ok(JsValue::UNDEFINED)
            }))
        })
        .collect();
    JsFuture::from(Promise::all(&promises)).await.expect("join");
}

fn write(content: &str, expected: Option<memspace::Timestamp>) -> BlockWrite {
    BlockWrite {
        content: content.into(),
        expected_updated_at: expected,
        ..Default::default()
    }
}

#[wasm_bindgen_test]
async fn two_tabs_updating_one_block_on_indexeddb_exactly_one_wins_and_the_other_gets_the_current_updated_at(
) {
    let name = unique("blocks-race");
    let (a, b) = (handle(idb(&name).await), handle(idb(&name).await));
    let space = a.create_space(NewSpace::default()).await.unwrap().id;
    for round in 0..5 {
        let current = a.get_block(&space, "core", None).await.ok();
        let token = current.as_ref().map(|c| c.updated_at);
        let results: Rc<RefCell<Vec<memspace::Result<MemoryBlock>>>> = Default::default();
        let mut futs: Vec<std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>> = Vec::new();
        for (h, text) in [(a.clone(), "from tab A"), (b.clone(), "from tab B")] {
            let (space, results) = (space.clone(), results.clone());
            let text = format!("{text}, round {round}");
            futs.push(Box::pin(async move {
                let r = h.update_block(&space, "core", write(&text, token)).await;
                results.borrow_mut().push(r);
            }));
        }
        join_all(futs).await;
        let results = results.borrow().clone();
        let wins: Vec<&MemoryBlock> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(wins.len(), 1, "round {round}: {results:?}");
        let loser = results.iter().find_map(|r| r.as_ref().err()).unwrap();
        assert_eq!(loser.code, ErrorCode::Conflict);
        assert_eq!(
            loser.details["current_updated_at"],
            json!(wins[0].updated_at.to_string())
        );
        let stored = b.get_block(&space, "core", None).await.unwrap();
        assert_eq!(&stored, wins[0]);
        assert_eq!(stored.version, round + 1);
    }
}

#[wasm_bindgen_test]
async fn on_indexeddb_the_block_snapshot_keeps_its_bytes_across_turns_until_a_block_changes() {
    let ms = handle(idb(&unique("snapshot")).await);
    let space = ms.create_space(NewSpace::default()).await.unwrap().id;
    ms.update_block(&space, "core", write("- Prefers concise answers", None))
        .await
        .unwrap();
    ms.update_block(
        &space,
        "persona",
        BlockWrite {
            content: "I am the records agent.".into(),
            agent_id: Some("agent_records".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let session = ms
        .create_session(
            &space,
            NewSession {
                participants: vec!["u1".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let req = ContextRequest {
        agent_id: Some("agent_records".into()),
        session_id: Some(session.id.clone()),
        budget_tokens: Some(500),
        ..Default::default()
    };
    let first = ms.context_for(&space, req.clone()).await.unwrap();
    for i in 0..4 {
        ms.post_event(
            &space,
            &session.id,
            NewEvent {
                body: json!({ "content": format!("turn {i}") }),
                emitter: Emitter::new("user", "u1"),
                event_type: None,
            },
        )
        .await
        .unwrap();
        let c = ms.context_for(&space, req.clone()).await.unwrap();
        assert!(c.snapshot.reused);
        assert_eq!(c.snapshot.hash, first.snapshot.hash);
        assert!(c.rendered.starts_with(&first.rendered));
        assert!(c.tokens <= 500);
    }
    // Another tab changes a block: the next turn renders it.
    let tab2 = handle(ms.kv().clone());
    let core = tab2.get_block(&space, "core", None).await.unwrap();
    tab2.update_block(
        &space,
        "core",
        write("- Prefers detailed answers", Some(core.updated_at)),
    )
    .await
    .unwrap();
    let changed = ms.context_for(&space, req).await.unwrap();
    assert_ne!(changed.snapshot.hash, first.snapshot.hash);
    assert!(changed.rendered.contains("detailed"));
}

#[wasm_bindgen_test]
async fn on_indexeddb_context_budgets_are_never_exceeded() {
    let ms = handle(idb(&unique("budget")).await);
    let space = ms.create_space(NewSpace::default()).await.unwrap().id;
    ms.update_block(&space, "core", write(&"words in a block ".repeat(20), None))
        .await
        .unwrap();
    let session = ms
        .create_session(
            &space,
            NewSession {
                participants: vec!["u1".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let events: Vec<NewEvent> = (0..50)
        .map(|i| NewEvent {
            body: json!({ "content": format!("message {i} with several words in it") }),
            emitter: Emitter::new("user", "u1"),
            event_type: None,
        })
        .collect();
    ms.post_events(&space, &session.id, events).await.unwrap();
    for budget in [1u64, 7, 30, 90, 200, 450, 1_000, 100_000] {
        let c = ms
            .context_for(
                &space,
                ContextRequest {
                    session_id: Some(session.id.clone()),
                    budget_tokens: Some(budget),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(c.tokens <= budget, "{} > {budget}", c.tokens);
        if budget == 100_000 {
            assert_eq!(c.events.len(), 50);
        }
    }
}

#[wasm_bindgen_test]
async fn on_indexeddb_working_context_expires_on_the_real_clock_and_touch_extends_a_session() {
    let ms = handle(idb(&unique("working")).await);
    let space = ms.create_space(NewSpace::default()).await.unwrap().id;
    let session = ms
        .create_session(
            &space,
            NewSession {
                participants: vec!["u1".into()],
                lifecycle_strategies: vec![LifecycleStrategy::soft_delete(Trigger::Idle(3_600))],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    // The host's clock is the real one: the entry is stamped between two readings of it.
    let before = js_sys::Date::now() as i64 * 1000;
    let otp = ms
        .set_context(&space, &session.id, "otp", json!("1234"), Some(1))
        .await
        .unwrap();
    let after = js_sys::Date::now() as i64 * 1000;
    assert!((before..=after).contains(&otp.updated_at.micros()));
    assert_eq!(otp.expires_at, Some(otp.updated_at.plus_secs(1)));
    ms.set_context(&space, &session.id, "task", json!({"step": 1}), None)
        .await
        .unwrap();
    // A read within the second would see "otp" too, but on a loaded machine the second may
    // pass before it (tests/working_context.rs reads a live ttl'd entry on a manual clock).
    // A ttl'd entry that is live here for sure: an hour.
    ms.set_context(&space, &session.id, "draft", json!("hi"), Some(3_600))
        .await
        .unwrap();
    sleep_ms(1_100).await;
    let live = ms.get_context(&space, &session.id, &[]).await.unwrap();
    assert_eq!(
        live.iter().map(|e| e.key.as_str()).collect::<Vec<_>>(),
        ["draft", "task"]
    );
    let t = ms.touch_session(&space, &session.id).await.unwrap();
    assert_eq!(t.expires_at, Some(t.touched_at.plus_secs(3_600)));
}

fn memory(content: &str, key: Option<&str>, agent: Option<&str>) -> NewMemory {
    NewMemory {
        content: content.into(),
        logical_key: key.map(String::from),
        provenance: agent.map(|a| Provenance {
            agent_id: Some(a.into()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn user_event(text: &str) -> NewEvent {
    NewEvent {
        body: json!({ "content": text }),
        emitter: Emitter::new("user", "u1"),
        event_type: None,
    }
}

#[wasm_bindgen_test]
async fn on_indexeddb_block_changes_are_versioned_read_only_blocks_refuse_writes_and_deletes_are_checked(
) {
    let ms = handle(idb(&unique("block-history")).await);
    let space = ms.create_space(NewSpace::default()).await.unwrap().id;
    let v1 = ms
        .update_block(&space, "core", write("- one", None))
        .await
        .unwrap();
    let v2 = ms
        .update_block(
            &space,
            "core",
            BlockWrite {
                content: "- one\n- two".into(),
                expected_updated_at: Some(v1.updated_at),
                read_only: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(v2.read_only);
    let refused = ms
        .update_block(&space, "core", write("- three", Some(v2.updated_at)))
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::Conflict, "{refused:?}");
    assert_eq!(refused.details["precondition"], json!("read_only"));
    let refused = ms
        .delete_block(&space, "core", None, Some(v2.updated_at))
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::Conflict, "{refused:?}");
    assert_eq!(refused.details["precondition"], json!("read_only"));
    let v3 = ms
        .update_block(
            &space,
            "core",
            BlockWrite {
                content: "- one\n- two".into(),
                expected_updated_at: Some(v2.updated_at),
                read_only: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let history = ms
        .list_block_versions(&space, "core", None, Page::default())
        .await
        .unwrap();
    let changes: Vec<(u64, BlockChange)> = history.iter().map(|v| (v.version, v.change)).collect();
    assert_eq!(
        changes,
        [
            (3, BlockChange::Updated),
            (2, BlockChange::Updated),
            (1, BlockChange::Created)
        ]
    );
    assert_eq!(history[0].block.as_ref(), Some(&v3));
    assert_eq!(history[2].block.as_ref(), Some(&v1));
    let stale = ms
        .delete_block(&space, "core", None, Some(v2.updated_at))
        .await
        .unwrap_err();
    assert_eq!(stale.code, ErrorCode::Conflict);
    ms.delete_block(&space, "core", None, Some(v3.updated_at))
        .await
        .unwrap();
    let gone = ms.get_block(&space, "core", None).await.unwrap_err();
    assert_eq!(gone.code, ErrorCode::NotFound);
}

#[wasm_bindgen_test]
async fn on_indexeddb_archival_recall_has_the_seed_shape_and_context_for_auto_adds_bounded_matches()
{
    let ms = handle(idb(&unique("archival")).await);
    let space = ms.create_space(NewSpace::default()).await.unwrap().id;
    let acme = ms
        .remember(
            &space,
            memory(
                "Acme account overview\nThe Acme renewal is due in March\nOwner: Dana",
                None,
                None,
            ),
        )
        .await
        .unwrap()
        .memory;
    ms.remember(
        &space,
        memory(
            "Acme renewal pricing was agreed by the records agent",
            None,
            Some("agent_records"),
        ),
    )
    .await
    .unwrap();
    ms.remember(
        &space,
        memory(
            "Acme renewal notes of the email agent",
            None,
            Some("agent_emails"),
        ),
    )
    .await
    .unwrap();
    ms.remember(&space, memory("The user likes green tea", None, None))
        .await
        .unwrap();
    let query = |agent: Option<&str>| ArchivalQuery {
        query: "Acme renewal".into(),
        agent_id: agent.map(String::from),
        ..Default::default()
    };
    let user_only = ms.recall_archival(&space, query(None)).await.unwrap();
    assert_eq!(user_only.len(), 1, "{user_only:?}");
    let m = &user_only[0];
    assert_eq!(
        (
            m.memory_id.as_str(),
            m.block_type.as_str(),
            m.scope,
            m.line_number
        ),
        (acme.id.as_str(), "archival", BlockScope::User, 2)
    );
    assert_eq!(m.updated_at, acme.updated_at);
    assert!(m.score > 0.0 && m.score <= 1.0);
    let with_agent = ms
        .recall_archival(&space, query(Some("agent_records")))
        .await
        .unwrap();
    assert_eq!(with_agent.len(), 2, "{with_agent:?}");
    assert!(with_agent.windows(2).all(|w| w[0].score >= w[1].score));
    assert!(with_agent
        .iter()
        .all(|m| m.agent_id.as_deref() != Some("agent_emails")));

    let session = ms
        .create_session(
            &space,
            NewSession {
                participants: vec!["u1".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    ms.post_event(
        &space,
        &session.id,
        user_event("when is the Acme renewal due?"),
    )
    .await
    .unwrap();
    let req = |mode: ArchivalMode| ContextRequest {
        agent_id: Some("agent_records".into()),
        session_id: Some(session.id.clone()),
        budget_tokens: Some(400),
        policy: MemoryPolicy {
            archival_mode: Some(mode),
            archival_limit: Some(1),
            archival_min_score: Some(0.0),
            ..Default::default()
        },
        ..Default::default()
    };
    let auto = ms
        .context_for(&space, req(ArchivalMode::Auto))
        .await
        .unwrap();
    assert_eq!(auto.query.as_deref(), Some("when is the Acme renewal due?"));
    assert_eq!(auto.archival.len(), 1, "archival_limit bounds the matches");
    let first_line = auto.archival[0].content.lines().next().unwrap();
    assert!(auto.rendered.contains(&format!("- {first_line}")));
    assert!(auto.tokens <= 400);
    let tool_only = ms
        .context_for(&space, req(ArchivalMode::ToolOnly))
        .await
        .unwrap();
    assert!(tool_only.archival.is_empty());
    assert!(!tool_only.rendered.contains("Acme account overview"));
}

#[wasm_bindgen_test]
async fn on_indexeddb_a_briefing_names_the_new_memory_that_closed_an_old_one_and_the_active_session(
) {
    let ms = handle(idb(&unique("briefing")).await);
    let space = ms.create_space(NewSpace::default()).await.unwrap().id;
    let boston = ms
        .remember(&space, memory("Lives in Boston", Some("user.city"), None))
        .await
        .unwrap()
        .memory;
    let denver = ms
        .remember(&space, memory("Lives in Denver", Some("user.city"), None))
        .await
        .unwrap()
        .memory;
    let session = ms
        .create_session(
            &space,
            NewSession {
                participants: vec!["u1".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    ms.post_event(&space, &session.id, user_event("I moved to Denver"))
        .await
        .unwrap();
    let b = ms
        .briefing(
            &space,
            BriefingQuery {
                lookback_minutes: Some(10),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(b.summary.recent_memories, 2);
    assert_eq!(b.summary.recently_superseded, 1);
    assert_eq!(b.contradictions.len(), 1);
    let c = &b.contradictions[0];
    assert_eq!(
        (
            c.memory_a.as_str(),
            c.memory_b.as_str(),
            c.relationship.as_str()
        ),
        (denver.id.as_str(), boston.id.as_str(), "supersedes")
    );
    assert_eq!(c.logical_key.as_deref(), Some("user.city"));
    assert_eq!(b.active_sessions.len(), 1);
    assert_eq!(b.active_sessions[0].session_id, session.id);
}

#[wasm_bindgen_test]
async fn on_indexeddb_workspaces_are_found_by_tags_and_by_key_and_everything_survives_a_reopen() {
    let name = unique("workspaces");
    let first_load = Rc::new(
        IndexedDbKv::open(&name, Durability::Strict)
            .await
            .expect("open IndexedDB"),
    );
    let ms = handle(first_load.clone());
    let fin = ms
        .create_space(NewSpace {
            name: Some("fin".into()),
            tags: Some(vec!["topic:finance".into(), "knowledge".into()]),
            settings: Some(json!({ "retention_days": 30 }).as_object().unwrap().clone()),
            deduplication_key: Some("ws-fin".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    ms.create_space(NewSpace {
        name: Some("misc".into()),
        tags: Some(vec!["scratch".into()]),
        ..Default::default()
    })
    .await
    .unwrap();
    let block = ms
        .update_block(&fin.id, "core", write("- Prefers concise answers", None))
        .await
        .unwrap();
    let session = ms
        .create_session(
            &fin.id,
            NewSession {
                participants: vec!["u1".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    ms.set_context(&fin.id, &session.id, "task", json!({ "step": 2 }), None)
        .await
        .unwrap();
    let before = ms
        .context_for(
            &fin.id,
            ContextRequest {
                session_id: Some(session.id.clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    first_load.close();

    // A new page load: a fresh connection and handle read the same state.
    let again = handle(idb(&name).await);
    let found = again
        .find_spaces(SpaceQuery {
            tags: vec!["knowledge".into()],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0], fin);
    assert_eq!(found[0].tags, ["knowledge", "topic:finance"]);
    assert_eq!(
        again.space_by_key("ws-fin").await.unwrap().map(|s| s.id),
        Some(fin.id.clone())
    );
    assert_eq!(again.get_block(&fin.id, "core", None).await.unwrap(), block);
    let wc = again.get_context(&fin.id, &session.id, &[]).await.unwrap();
    assert_eq!(wc.len(), 1);
    assert_eq!(wc[0].value, json!({ "step": 2 }));
    let after = again
        .context_for(
            &fin.id,
            ContextRequest {
                session_id: Some(session.id.clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(
        !after.snapshot.reused,
        "a new handle renders the blocks afresh"
    );
    assert_eq!(after.snapshot.hash, before.snapshot.hash);
    assert_eq!(after.rendered, before.rendered);
}
