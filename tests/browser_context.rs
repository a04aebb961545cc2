//! Core blocks, the per-turn memory context and working context in real Chromium on
//! IndexedDB (wasm-bindgen-test): two handles (two tabs) racing on one block, the frozen
//! block snapshot across turns, budgets, working-context expiry on the real clock.
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
    ms.set_context(&space, &session.id, "otp", json!("1234"), Some(1))
        .await
        .unwrap();
    ms.set_context(&space, &session.id, "task", json!({"step": 1}), None)
        .await
        .unwrap();
    let all = ms.get_context(&space, &session.id, &[]).await.unwrap();
    assert_eq!(all.len(), 2);
    sleep_ms(1_100).await;
    let live = ms.get_context(&space, &session.id, &[]).await.unwrap();
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].key, "task");
    let t = ms.touch_session(&space, &session.id).await.unwrap();
    assert_eq!(t.expires_at, Some(t.touched_at.plus_secs(3_600)));
}
