//! In real Chromium (wasm-bindgen-test): the Kv conformance suite on IndexedDB and on the JS
//! reference adapter, the engine scenarios on both, two handles racing on one database,
//! quota exhaustion inside a small Storage Bucket, `versionchange` and lost connections, and a
//! memory-store scenario through the exported JS class.
//!
//! Run with scripts/test-browser.sh (cargo test --target wasm32-unknown-unknown --features js
//! --test browser, wasm-bindgen-test-runner driving /usr/bin/chromedriver headless).

#![cfg(all(target_arch = "wasm32", feature = "js"))]

mod scenarios;

use js_sys::{Array, Promise};
use memspace::bindings::js::host::JsHost;
use memspace::bindings::js::indexeddb::{Durability, IndexedDbKv};
use memspace::bindings::js::kv_adapter::JsKv;
use memspace::kv::{conformance, Batch, KeyRange, Kv, KvError};
use memspace::model::*;
use memspace::{ErrorCode, Memspace};
use serde_json::json;
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(module = "/js/memory-kv.js")]
extern "C" {
    #[wasm_bindgen(js_name = MemoryKv)]
    type JsMemoryKv;
    #[wasm_bindgen(constructor, js_class = "MemoryKv")]
    fn new() -> JsMemoryKv;
}

#[wasm_bindgen(inline_js = "
export function upgradeDb(name) {
  return new Promise((resolve, reject) => {
    const probe = indexedDB.open(name);
    probe.onerror = () => reject(probe.error);
    probe.onsuccess = () => {
      const v = probe.result.version;
      probe.result.close();
      const r = indexedDB.open(name, v + 1);
      r.onupgradeneeded = () => r.result.createObjectStore('other_' + v);
      r.onsuccess = () => { r.result.close(); resolve(v + 1); };
      r.onerror = () => reject(r.error);
    };
  });
}
export async function bucketFactory(name, quota) {
  if (!navigator.storageBuckets) return null;
  await navigator.storageBuckets.delete(name).catch(() => {});
  const bucket = await navigator.storageBuckets.open(name, { quota, durability: 'strict' });
  return bucket.indexedDB;
}
")]
extern "C" {
    #[wasm_bindgen(js_name = upgradeDb)]
    fn upgrade_db(name: &str) -> Promise;
    #[wasm_bindgen(js_name = bucketFactory)]
    fn bucket_factory(name: &str, quota: f64) -> Promise;
}

/// An append's text and outcome.
type Posted = (String, memspace::Result<Event>);

fn web_sys_log(s: &str) {
    js_sys::Reflect::get(&js_sys::global(), &"console".into())
        .and_then(|c| {
            js_sys::Reflect::get(&c, &"log".into())
                .and_then(|f| f.dyn_into::<js_sys::Function>())
                .map(|f| (c, f))
        })
        .map(|(c, f)| f.call1(&c, &s.into()))
        .ok();
}

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}-{}",
        js_sys::Date::now() as u64,
        (js_sys::Math::random() * 1e9) as u64
    )
}

async fn idb(name: &str) -> Rc<IndexedDbKv> {
    Rc::new(
        IndexedDbKv::open(name, Durability::Strict)
            .await
            .expect("open IndexedDB"),
    )
}

fn adapter() -> Rc<JsKv> {
    Rc::new(JsKv::new(JsMemoryKv::new().into()).expect("adapter"))
}

fn handle(kv: Rc<dyn Kv>) -> Memspace {
    Memspace::new(kv, Rc::new(JsHost::new()), Principal::new("u1", "t1")).expect("handle")
}

fn msg(text: &str) -> NewEvent {
    NewEvent {
        body: json!({ "content": text }),
        emitter: Emitter::new("user", "u1"),
        event_type: Some("message".into()),
    }
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

#[wasm_bindgen_test]
async fn indexeddb_passes_the_kv_conformance_suite() {
    let kv = idb(&unique("conf")).await;
    let ran = conformance::run_all(kv.as_ref(), b"t").await.unwrap();
    assert_eq!(ran, conformance::CHECKS.len());
}

#[wasm_bindgen_test]
async fn relaxed_indexeddb_passes_the_kv_conformance_suite() {
    let kv = IndexedDbKv::open(&unique("conf-relaxed"), Durability::Relaxed)
        .await
        .unwrap();
    conformance::run_all(&kv, b"t").await.unwrap();
}

#[wasm_bindgen_test]
async fn js_reference_adapter_passes_the_kv_conformance_suite() {
    let kv = adapter();
    assert!(kv.capabilities().atomic_batches);
    conformance::run_all(kv.as_ref(), b"t").await.unwrap();
}

#[wasm_bindgen_test]
async fn engine_scenarios_pass_on_indexeddb() {
    let ran = scenarios::run_all(|name| async move {
        let kv: Rc<dyn Kv> = idb(&unique(&name)).await;
        kv
    })
    .await
    .unwrap();
    assert_eq!(ran, scenarios::SCENARIOS.len());
}

#[wasm_bindgen_test]
async fn engine_scenarios_pass_on_the_js_adapter() {
    scenarios::run_all(|_| async {
        let kv: Rc<dyn Kv> = adapter();
        kv
    })
    .await
    .unwrap();
}

#[wasm_bindgen_test]
async fn data_survives_closing_and_reopening_the_database() {
    let name = unique("reopen");
    let kv = idb(&name).await;
    let ms = handle(kv.clone());
    let sp = ms.create_space(NewSpace::default()).await.unwrap();
    let se = ms
        .create_session(
            &sp.id,
            NewSession {
                participants: vec!["u1".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    ms.post_event(&sp.id, &se.id, msg("kept")).await.unwrap();
    kv.close();
    drop(ms);
    let again = handle(idb(&name).await);
    let evs = again
        .list_events(&sp.id, &se.id, EventQuery::default())
        .await
        .unwrap();
    assert_eq!(evs.len(), 1);
    assert_eq!(evs[0].body, json!({ "content": "kept" }));
}

/// Two handles on one database, as two tabs have: concurrent appends and updates.
#[wasm_bindgen_test]
async fn two_handles_racing_lose_no_event_and_never_duplicate_a_sequence_id() {
    let name = unique("race");
    let (a, b) = (handle(idb(&name).await), handle(idb(&name).await));
    let sp = a.create_space(NewSpace::default()).await.unwrap();
    let se = a
        .create_session(
            &sp.id,
            NewSession {
                participants: vec!["u1".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();

    const N: usize = 40;
    let results: Rc<RefCell<Vec<Posted>>> = Rc::default();
    let mut futs: Vec<std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>> = Vec::new();
    for i in 0..N {
        let ms = if i % 2 == 0 { a.clone() } else { b.clone() };
        let (sp, se, results) = (sp.id.clone(), se.id.clone(), results.clone());
        futs.push(Box::pin(async move {
            let text = format!("event-{i}");
            let r = ms.post_event(&sp, &se, msg(&text)).await;
            results.borrow_mut().push((text, r));
        }));
    }
    let updated: Rc<std::cell::Cell<u64>> = Rc::default();
    // Session updates without ifMatch race the appends (last writer wins, every one applies).
    for i in 0..6 {
        let ms = if i % 2 == 0 { b.clone() } else { a.clone() };
        let (sp, se) = (sp.id.clone(), se.id.clone());
        let updated = updated.clone();
        futs.push(Box::pin(async move {
            let upd = SessionUpdate {
                description: Patch::Set(format!("d{i}")),
                ..Default::default()
            };
            match ms.update_session(&sp, &se, upd).await {
                Ok(_) => updated.set(updated.get() + 1),
                Err(e) => assert_eq!(
                    e.code,
                    ErrorCode::Conflict,
                    "only conflicts may surface: {e}"
                ),
            }
        }));
    }
    join_all(futs).await;

    let results = results.take();
    let mut stored_ok = BTreeSet::new();
    let mut seqs = BTreeSet::new();
    for (text, r) in results.iter() {
        match r {
            Ok(ev) => {
                assert!(
                    seqs.insert(ev.sequence_id),
                    "duplicate sequence id {}",
                    ev.sequence_id
                );
                stored_ok.insert(text.clone());
            }
            Err(e) => assert_eq!(
                e.code,
                ErrorCode::Conflict,
                "only conflicts may surface: {e}"
            ),
        }
    }
    let session = a.get_session(&sp.id, &se.id).await.unwrap();
    let mut listed = Vec::new();
    let mut offset = 0;
    loop {
        let page = b
            .list_events(
                &sp.id,
                &se.id,
                EventQuery {
                    offset: Some(offset),
                    limit: Some(100),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        offset += page.len() as u64;
        listed.extend(page);
    }
    assert_eq!(
        session.event_count as usize,
        stored_ok.len(),
        "the head counts exactly the acknowledged events"
    );
    assert_eq!(listed.len(), stored_ok.len());
    for (i, ev) in listed.iter().enumerate() {
        assert_eq!(ev.sequence_id, i as u64, "sequence ids are dense");
        let text = ev.body["content"].as_str().unwrap_or_default().to_string();
        assert!(
            stored_ok.contains(&text),
            "stored event {text} was acknowledged"
        );
    }
    let listed_texts: BTreeSet<String> = listed
        .iter()
        .map(|e| e.body["content"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        listed_texts, stored_ok,
        "every acknowledged event is stored, once"
    );
    assert_eq!(
        session.version,
        1 + updated.get(),
        "every acknowledged update applied once"
    );
    web_sys_log(&format!(
        "race: {} of {N} appends acknowledged, {} of 6 updates; the rest surfaced as conflicts",
        stored_ok.len(),
        updated.get()
    ));
}

/// Two tabs each appending in their own order (each awaits its previous append): the
/// engine's retries absorb the races, so every append lands and the sequence is dense.
#[wasm_bindgen_test]
async fn two_tabs_appending_concurrently_all_land_with_dense_sequence_ids() {
    let name = unique("tabs");
    let (a, b) = (handle(idb(&name).await), handle(idb(&name).await));
    let sp = a.create_space(NewSpace::default()).await.unwrap();
    let se = a
        .create_session(
            &sp.id,
            NewSession {
                participants: vec!["u1".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut futs: Vec<std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>> = Vec::new();
    for (tab, ms) in [a.clone(), b.clone()].into_iter().enumerate() {
        let (sp, se) = (sp.id.clone(), se.id.clone());
        futs.push(Box::pin(async move {
            for i in 0..25 {
                ms.post_event(&sp, &se, msg(&format!("tab{tab}-{i}")))
                    .await
                    .unwrap();
                if i % 5 == 0 {
                    let upd = SessionUpdate {
                        description: Patch::Set(format!("tab{tab}-{i}")),
                        ..Default::default()
                    };
                    ms.update_session(&sp, &se, upd).await.unwrap();
                }
            }
        }));
    }
    join_all(futs).await;
    let evs = b
        .list_events(
            &sp.id,
            &se.id,
            EventQuery {
                limit: Some(100),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(evs.len(), 50);
    assert!(evs
        .iter()
        .enumerate()
        .all(|(i, e)| e.sequence_id == i as u64));
    for tab in 0..2 {
        let mine: Vec<String> = evs
            .iter()
            .filter_map(|e| e.body["content"].as_str())
            .filter(|t| t.starts_with(&format!("tab{tab}-")))
            .map(String::from)
            .collect();
        let want: Vec<String> = (0..25).map(|i| format!("tab{tab}-{i}")).collect();
        assert_eq!(mine, want, "each tab's appends keep their order");
    }
    assert_eq!(a.get_session(&sp.id, &se.id).await.unwrap().version, 11);
}

/// The cold handle's storage in [`a_cold_handles_first_append_lands_while_another_tab_streams_appends`]:
/// after each of its reads, the warm handle starts an append whose commit is issued at once,
/// before the cold handle can issue its own (the order a tab streaming appends forces on
/// another tab's first append).
struct AppendAfterEachRead {
    inner: Rc<IndexedDbKv>,
    /// The warm handle, its space and session (`None`: no more appends).
    warm: RefCell<Option<(Memspace, String, String)>>,
    /// The warm appends started, settled with their outcome.
    started: RefCell<Vec<Promise>>,
}

impl AppendAfterEachRead {
    /// Starts one warm append and polls it once (its commit's transaction is created now),
    /// then leaves it to the event loop.
    fn append(&self) {
        let Some((ms, sp, se)) = self.warm.borrow().clone() else {
            return;
        };
        let n = self.started.borrow().len();
        let started = started_now(async move {
            ms.post_event(&sp, &se, msg(&format!("warm-{n}")))
                .await
                .map(|_| JsValue::UNDEFINED)
                .map_err(|e| JsValue::from_str(&format!("warm append {n}: {e}")))
        });
        self.started.borrow_mut().push(started);
    }
}

/// Polls `fut` once now (what it issues, e.g. a commit's transaction, is issued before this
/// returns), then leaves it to the event loop; the promise settles with its outcome.
fn started_now(
    fut: impl std::future::Future<Output = Result<JsValue, JsValue>> + 'static,
) -> Promise {
    let mut fut = Box::pin(fut);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let first = std::future::Future::poll(fut.as_mut(), &mut cx);
    assert!(first.is_pending(), "it awaits its storage");
    future_to_promise(fut)
}

/// Waits for the next task of the event loop (`setTimeout`): a transaction with no request
/// pending has ended by then.
async fn next_task() {
    let p = Promise::new(&mut |resolve, _| {
        let set_timeout: js_sys::Function =
            js_sys::Reflect::get(&js_sys::global(), &"setTimeout".into())
                .expect("setTimeout")
                .unchecked_into();
        set_timeout
            .call1(&JsValue::UNDEFINED, &resolve)
            .expect("setTimeout");
    });
    JsFuture::from(p).await.expect("timeout");
}

fn put_if(key: &[u8], was: &[u8], value: &[u8]) -> Batch {
    let mut b = Batch::new();
    b.require_equals(key.to_vec(), was.to_vec())
        .put(key.to_vec(), value.to_vec());
    b
}

/// While an IndexedDB handle holds its writes, its read and its next commit share one
/// transaction: another handle's commit issued between them lands after it (and here fails
/// its precondition). A held transaction that ended meanwhile (the handle waited for
/// something else) is replaced by a fresh one, for reads and for the commit.
#[wasm_bindgen_test]
async fn a_held_read_and_commit_keep_another_handles_commit_out_and_survive_the_transaction_ending()
{
    let name = unique("held");
    let (kv, other) = (idb(&name).await, idb(&name).await);
    let mut b = Batch::new();
    b.put(b"k".to_vec(), b"1".to_vec());
    kv.commit(b).await.unwrap();

    kv.hold(true);
    assert_eq!(kv.get(b"k").await.unwrap(), Some(b"1".to_vec()));
    let theirs = {
        let other = other.clone();
        started_now(async move {
            match other.commit(put_if(b"k", b"1", b"other")).await {
                Err(KvError::Conflict { .. }) => Ok(JsValue::UNDEFINED),
                r => Err(format!("the other commit: {r:?}").into()),
            }
        })
    };
    kv.commit(put_if(b"k", b"1", b"2")).await.unwrap();
    kv.hold(false);
    JsFuture::from(theirs).await.expect("the other commit lost");
    assert_eq!(other.get(b"k").await.unwrap(), Some(b"2".to_vec()));

    let epoch = kv.epoch();
    kv.hold(true);
    assert_eq!(kv.get(b"k").await.unwrap(), Some(b"2".to_vec()));
    next_task().await;
    assert_eq!(kv.get(b"k").await.unwrap(), Some(b"2".to_vec()));
    next_task().await;
    kv.commit(put_if(b"k", b"2", b"3")).await.unwrap();
    kv.hold(false);
    assert_eq!(kv.epoch(), epoch, "the connection stayed open");
    assert_eq!(other.get(b"k").await.unwrap(), Some(b"3".to_vec()));
}

impl Kv for AppendAfterEachRead {
    fn capabilities(&self) -> memspace::kv::Capabilities {
        self.inner.capabilities()
    }
    fn get<'a>(&'a self, key: &'a [u8]) -> memspace::kv::KvFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move {
            let r = self.inner.get(key).await;
            self.append();
            r
        })
    }
    fn get_many<'a>(
        &'a self,
        keys: &'a [Vec<u8>],
    ) -> memspace::kv::KvFuture<'a, Vec<Option<Vec<u8>>>> {
        Box::pin(async move {
            let r = self.inner.get_many(keys).await;
            self.append();
            r
        })
    }
    fn scan<'a>(
        &'a self,
        range: &'a KeyRange,
        limit: usize,
        reverse: bool,
    ) -> memspace::kv::KvFuture<'a, Vec<memspace::kv::Entry>> {
        Box::pin(async move {
            let r = self.inner.scan(range, limit, reverse).await;
            self.append();
            r
        })
    }
    fn read_many<'a>(
        &'a self,
        reads: &'a [memspace::kv::Read],
    ) -> memspace::kv::KvFuture<'a, Vec<memspace::kv::ReadResult>> {
        Box::pin(async move {
            let r = self.inner.read_many(reads).await;
            self.append();
            r
        })
    }
    fn commit<'a>(&'a self, batch: Batch) -> memspace::kv::KvFuture<'a, ()> {
        self.inner.commit(batch)
    }
    fn epoch(&self) -> Option<u64> {
        self.inner.epoch()
    }
    fn hold(&self, on: bool) {
        self.inner.hold(on)
    }
}

/// A handle with nothing cached appends while another handle on the same database commits an
/// append after each of its reads, ahead of its commit: its append still lands (it does not
/// run out of retries with `conflict`), and every event of both lands once with a dense
/// sequence.
#[wasm_bindgen_test]
async fn a_cold_handles_first_append_lands_while_another_tab_streams_appends() {
    let name = unique("cold");
    let host = Rc::new(memspace::host::ManualHost::new(
        memspace::Timestamp::from_secs(1_767_225_600),
        11,
    ));
    let open = |kv: Rc<dyn Kv>| {
        Memspace::new(kv, host.clone(), Principal::new("u1", "t1")).expect("handle")
    };
    let warm = open(idb(&name).await);
    let sp = warm.create_space(NewSpace::default()).await.unwrap();
    let se = warm
        .create_session(
            &sp.id,
            NewSession {
                participants: vec!["u1".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    host.advance_secs(1);
    warm.post_event(&sp.id, &se.id, msg("warm-first"))
        .await
        .unwrap();
    let kv = Rc::new(AppendAfterEachRead {
        inner: idb(&name).await,
        warm: RefCell::new(Some((warm.clone(), sp.id.clone(), se.id.clone()))),
        started: RefCell::new(Vec::new()),
    });
    let cold = open(kv.clone());
    let posted = cold.post_event(&sp.id, &se.id, msg("cold")).await;
    kv.warm.borrow_mut().take();
    let started: Array = kv.started.borrow().iter().collect();
    JsFuture::from(Promise::all(&started))
        .await
        .expect("every warm append lands");
    let posted = posted.expect("the cold handle's append lands");
    let evs = warm
        .list_events(
            &sp.id,
            &se.id,
            EventQuery {
                limit: Some(100),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(evs.len(), started.length() as usize + 2);
    assert!(evs
        .iter()
        .enumerate()
        .all(|(i, e)| e.sequence_id == i as u64));
    let cold_at: Vec<u64> = evs
        .iter()
        .filter(|e| e.body["content"] == "cold")
        .map(|e| e.sequence_id)
        .collect();
    assert_eq!(cold_at, vec![posted.sequence_id]);
    let warm_texts: Vec<String> = evs
        .iter()
        .filter_map(|e| e.body["content"].as_str())
        .filter(|t| t.starts_with("warm-") && *t != "warm-first")
        .map(String::from)
        .collect();
    let want: Vec<String> = (0..started.length()).map(|i| format!("warm-{i}")).collect();
    assert_eq!(
        warm_texts, want,
        "the warm handle's appends keep their order"
    );
}

#[wasm_bindgen_test]
async fn two_handles_with_the_same_if_match_one_wins_one_gets_conflict() {
    let name = unique("ifmatch");
    let (a, b) = (handle(idb(&name).await), handle(idb(&name).await));
    let sp = a.create_space(NewSpace::default()).await.unwrap();
    let se = a
        .create_session(
            &sp.id,
            NewSession {
                participants: vec!["u1".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let outcomes: Rc<RefCell<Vec<memspace::Result<Session>>>> = Rc::default();
    let mut futs: Vec<std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>> = Vec::new();
    for (i, ms) in [a.clone(), b.clone()].into_iter().enumerate() {
        let (sp, se, out) = (sp.id.clone(), se.id.clone(), outcomes.clone());
        futs.push(Box::pin(async move {
            let upd = SessionUpdate {
                description: Patch::Set(format!("tab {i}")),
                if_match: Some(1),
                ..Default::default()
            };
            let r = ms.update_session(&sp, &se, upd).await;
            out.borrow_mut().push(r);
        }));
    }
    join_all(futs).await;
    let outcomes = outcomes.take();
    let wins = outcomes.iter().filter(|r| r.is_ok()).count();
    let conflicts = outcomes
        .iter()
        .filter(|r| matches!(r, Err(e) if e.code == ErrorCode::Conflict))
        .count();
    assert_eq!((wins, conflicts), (1, 1), "{outcomes:?}");
    assert_eq!(b.get_session(&sp.id, &se.id).await.unwrap().version, 2);
}

#[wasm_bindgen_test]
async fn quota_exhaustion_is_a_quota_error_and_nothing_is_half_written() {
    let bucket = unique("quota")
        .to_lowercase()
        .replace(|c: char| !c.is_ascii_alphanumeric(), "");
    let factory = JsFuture::from(bucket_factory(
        &bucket[..40.min(bucket.len())],
        512.0 * 1024.0,
    ))
    .await
    .expect("storage bucket");
    if factory.is_null() {
        panic!("navigator.storageBuckets is missing: this Chromium cannot run the quota test");
    }
    let kv = Rc::new(
        IndexedDbKv::open_with_factory(factory.unchecked_into(), "quota", Durability::Strict)
            .await
            .unwrap(),
    );

    // Engine: post 1 MiB batches until the bucket is full (Chromium enforces a bucket quota
    // from its usage estimate, so it may accept a little more than the quota first).
    let ms = handle(kv.clone());
    let sp = ms.create_space(NewSpace::default()).await.unwrap();
    let se = ms
        .create_session(
            &sp.id,
            NewSession {
                participants: vec!["u1".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let filler = "x".repeat(5000);
    let mut acknowledged = 0u64;
    let mut hit_quota = false;
    for _ in 0..64 {
        let batch: Vec<NewEvent> = (0..200).map(|_| msg(&filler)).collect();
        match ms.post_events(&sp.id, &se.id, batch).await {
            Ok(evs) => acknowledged += evs.len() as u64,
            Err(e) => {
                assert_eq!(e.code, ErrorCode::Quota, "{e}");
                assert_eq!(e.status(), 507);
                hit_quota = true;
                break;
            }
        }
    }
    assert!(
        hit_quota,
        "a 512 KiB bucket must fill up within 64 MiB of writes"
    );
    let s = ms.get_session(&sp.id, &se.id).await.unwrap();
    assert_eq!(
        s.event_count, acknowledged,
        "the head counts exactly the acknowledged events"
    );
    let beyond = kv
        .get(&event_key_probe(&sp.id, &se.id, acknowledged))
        .await
        .unwrap();
    assert!(beyond.is_none(), "no event of the failed batch was written");
    if acknowledged > 0 {
        let tail = ms
            .list_events(
                &sp.id,
                &se.id,
                EventQuery {
                    last_n: Some(1),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(tail[0].sequence_id + 1, acknowledged);
    }

    // Raw seam: keep writing 1 MiB batches; the one that hits the quota fails as a whole.
    let mut failed = None;
    for round in 0..64u8 {
        let mut big = Batch::new();
        for i in 0..16u8 {
            big.put(vec![b'b', round, i], vec![i; 64 * 1024]);
        }
        match kv.commit(big).await {
            Ok(()) => {}
            Err(KvError::Quota(_)) => {
                failed = Some(round);
                break;
            }
            Err(other) => panic!("expected a quota error, got {other:?}"),
        }
    }
    let round = failed.expect("a full bucket rejects a batch with a quota error");
    let landed = kv
        .scan(&KeyRange::prefix(&[b'b', round]), 100, false)
        .await
        .unwrap();
    assert!(landed.is_empty(), "nothing of the failed batch landed");
}

/// `ev/{space}/{session}/{seq}` as the engine lays it out (tuple encoding, see codec::keys).
fn event_key_probe(space: &str, session: &str, seq: u64) -> Vec<u8> {
    memspace::codec::keys::Key::table("ev")
        .s(space)
        .s(session)
        .n(seq)
        .build()
}

/// An append that only changes the counters writes its event alone on IndexedDB (an `add()`:
/// the stored head and its copy are left as they were); another tab reads the session with
/// the events folded in and appends after them.
#[wasm_bindgen_test]
async fn an_append_on_indexeddb_writes_its_event_alone_and_another_tab_reads_it_folded() {
    let name = unique("onerec");
    let (kv_a, kv_b) = (idb(&name).await, idb(&name).await);
    let (a, b) = (handle(kv_a.clone()), handle(kv_b.clone()));
    let sp = a.create_space(NewSpace::default()).await.unwrap();
    let se = a
        .create_session(
            &sp.id,
            NewSession {
                participants: vec!["u1".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let head_key = memspace::codec::keys::Key::table("se")
        .s(&sp.id)
        .s(&se.id)
        .build();
    let copy_key = event_key_probe(&sp.id, &se.id, u64::MAX);
    let stored = |kv: Rc<IndexedDbKv>, k: Vec<u8>| async move { kv.get(&k).await.unwrap() };
    let (head, copy) = (
        stored(kv_a.clone(), head_key.clone()).await,
        stored(kv_a.clone(), copy_key.clone()).await,
    );
    let plain = |t: &str| NewEvent {
        body: json!({ "content": t }),
        emitter: Emitter::new("user", "u1"),
        event_type: None,
    };
    for i in 0..3 {
        a.post_event(&sp.id, &se.id, plain(&format!("a{i}")))
            .await
            .unwrap();
    }
    assert_eq!(stored(kv_a.clone(), head_key.clone()).await, head);
    assert_eq!(stored(kv_a.clone(), copy_key.clone()).await, copy);
    let newest = stored(kv_a.clone(), event_key_probe(&sp.id, &se.id, 2))
        .await
        .unwrap();
    let tokens = memspace::codec::event::parts(&newest).unwrap().tokens_after;
    let seen = b.get_session(&sp.id, &se.id).await.unwrap();
    assert_eq!((seen.event_count, Some(seen.token_count)), (3, tokens));
    let last = EventQuery {
        last_n: Some(2),
        ..Default::default()
    };
    let evs = b.list_events(&sp.id, &se.id, last.clone()).await.unwrap();
    assert_eq!(
        evs.iter().map(|e| e.sequence_id).collect::<Vec<_>>(),
        vec![1, 2]
    );
    // Tab b appends after them; tab a's next append builds on it, not on what it remembers.
    assert_eq!(
        b.post_event(&sp.id, &se.id, plain("b0"))
            .await
            .unwrap()
            .sequence_id,
        3
    );
    assert_eq!(
        a.post_event(&sp.id, &se.id, plain("a3"))
            .await
            .unwrap()
            .sequence_id,
        4
    );
    assert_eq!(stored(kv_a.clone(), head_key.clone()).await, head);
    let evs = a.list_events(&sp.id, &se.id, last).await.unwrap();
    assert_eq!(
        evs.iter().map(|e| e.sequence_id).collect::<Vec<_>>(),
        vec![3, 4]
    );
    assert_eq!(a.get_session(&sp.id, &se.id).await.unwrap().event_count, 5);
    assert!(b.verify_space(&sp.id).await.unwrap().is_clean());
}

#[wasm_bindgen_test]
async fn another_tabs_upgrade_closes_our_connection_and_the_next_call_reopens() {
    let name = unique("upgrade");
    let kv = idb(&name).await;
    let mut b = Batch::new();
    b.put(b"k".to_vec(), b"v".to_vec());
    kv.commit(b).await.unwrap();
    assert!(kv.is_connected());
    // Would block forever if our connection did not close on versionchange.
    let v = JsFuture::from(upgrade_db(&name)).await.unwrap();
    assert_eq!(v.as_f64(), Some(2.0));
    assert!(!kv.is_connected(), "versionchange closed our connection");
    assert_eq!(
        kv.get(b"k").await.unwrap(),
        Some(b"v".to_vec()),
        "the next call reopened"
    );
    assert!(kv.is_connected());
    let mut b = Batch::new();
    b.put(b"k2".to_vec(), b"v2".to_vec());
    kv.commit(b).await.unwrap();
}

#[wasm_bindgen_test]
async fn a_lost_connection_is_reopened_and_the_read_retried() {
    let kv = idb(&unique("lost")).await;
    let mut b = Batch::new();
    b.put(b"a".to_vec(), b"1".to_vec())
        .put(b"b".to_vec(), b"2".to_vec());
    kv.commit(b).await.unwrap();
    kv.simulate_connection_loss();
    assert_eq!(kv.get(b"a").await.unwrap(), Some(b"1".to_vec()));
    kv.simulate_connection_loss();
    assert_eq!(
        kv.scan(&KeyRange::prefix(b""), 10, true)
            .await
            .unwrap()
            .len(),
        2
    );
    kv.simulate_connection_loss();
    assert_eq!(
        kv.get_many(&[b"a".to_vec(), b"z".to_vec()]).await.unwrap(),
        vec![Some(b"1".to_vec()), None]
    );
    kv.simulate_connection_loss();
    let mut b = Batch::new();
    b.require_equals(b"a".to_vec(), b"1".to_vec())
        .put(b"a".to_vec(), b"3".to_vec());
    kv.commit(b).await.unwrap();
    assert_eq!(kv.get(b"a").await.unwrap(), Some(b"3".to_vec()));
}

#[wasm_bindgen_test]
async fn adapter_errors_map_to_conflict_quota_and_storage() {
    let failing = js_sys::Function::new_with_args("code", "return { get: async () => null, getMany: async (ks) => ks.map(() => null), scan: async () => [], commit: async () => { throw Object.assign(new Error('boom'), code ? { code } : {}); } };");
    for (code, want) in [
        ("conflict", "Conflict"),
        ("quota", "Quota"),
        ("", "Storage"),
    ] {
        let obj = failing
            .call1(&JsValue::UNDEFINED, &JsValue::from_str(code))
            .unwrap();
        let kv = JsKv::new(obj).unwrap();
        let mut b = Batch::new();
        b.put(b"k".to_vec(), b"v".to_vec());
        let err = kv.commit(b).await.unwrap_err();
        assert!(format!("{err:?}").starts_with(want), "{code}: {err:?}");
    }
    assert!(JsKv::new(JsValue::from_str("nope")).is_err());
    let no_scan = js_sys::eval("({ get() {}, getMany() {}, commit() {} })").unwrap();
    assert!(JsKv::new(no_scan).is_err());
}

/// A JS object from JSON text.
fn obj(json: &str) -> JsValue {
    js_sys::JSON::parse(json).expect("JSON")
}

/// `value[key]` as JSON text (`undefined` → `""`).
fn field(value: &JsValue, key: &str) -> String {
    let v = js_sys::Reflect::get(value, &key.into()).expect("get");
    if v.is_undefined() {
        return String::new();
    }
    if let Some(s) = v.as_string() {
        return s;
    }
    js_sys::JSON::stringify(&v)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

/// Memory stores through the exported JS class on IndexedDB: stores, entries, a stale
/// precondition, a version redacted, the memory tool, `archived`, and everything still there
/// after the database is closed and opened again by a new handle.
#[wasm_bindgen_test]
async fn memory_stores_through_the_js_api_on_indexeddb() {
    use memspace::bindings::js::memspace::JsMemspace;
    let call = |p: Promise| JsFuture::from(p);
    let name = unique("stores");
    let opts = obj(&format!(r#"{{"storage":"indexeddb","name":"{name}"}}"#));
    let ms = JsMemspace::open(opts.clone()).await.unwrap();
    assert_eq!(ms.storage(), "indexeddb");
    let sp = field(
        &call(ms.create_space(JsValue::UNDEFINED)).await.unwrap(),
        "id",
    );
    let store = call(ms.create_store(
        sp.clone().into(),
        obj(r#"{"name":"kb","metadata":{"snake_key":"v"}}"#),
    ))
    .await
    .unwrap();
    let st = field(&store, "id");
    assert!(st.starts_with("memstore_"));
    assert_eq!(field(&store, "metadata"), r#"{"snake_key":"v"}"#);
    let e = call(ms.create_entry(
        sp.clone().into(),
        st.clone().into(),
        obj(r#"{"path":"notes/a.md","content":"secret one"}"#),
    ))
    .await
    .unwrap();
    let eid = field(&e, "id");
    assert_eq!(field(&e, "version"), "1");
    call(ms.update_entry(
        sp.clone().into(),
        st.clone().into(),
        eid.clone().into(),
        obj(r#"{"content":"two","expectedVersion":1}"#),
    ))
    .await
    .unwrap();
    let stale = call(ms.update_entry(
        sp.clone().into(),
        st.clone().into(),
        eid.clone().into(),
        obj(r#"{"content":"three","expectedVersion":1}"#),
    ))
    .await
    .unwrap_err();
    assert_eq!(field(&stale, "code"), "conflict");
    assert_eq!(field(&stale, "status"), "409");
    assert!(stale.is_instance_of::<js_sys::Error>());
    let versions = call(ms.list_versions(
        sp.clone().into(),
        st.clone().into(),
        obj(&format!(r#"{{"entryId":"{eid}"}}"#)),
    ))
    .await
    .unwrap();
    let versions: Array = versions.into();
    assert_eq!(versions.length(), 2);
    let first = field(&versions.get(1), "id");
    let red = call(ms.redact_version(sp.clone().into(), st.clone().into(), first.clone().into()))
        .await
        .unwrap();
    assert_eq!(field(&red, "redacted"), "true");
    let text = call(ms.memory_tool(
        sp.clone().into(),
        st.clone().into(),
        obj(r#"{"command":"str_replace","path":"/memories/notes/a.md","old_str":"two","new_str":"2"}"#),
    ))
    .await
    .unwrap();
    assert!(text.as_string().unwrap().contains("has been edited"));
    let traversal = call(ms.memory_tool(
        sp.clone().into(),
        st.clone().into(),
        "{\"command\":\"view\",\"path\":\"/memories/../x\"}".into(),
    ))
    .await
    .unwrap_err();
    assert_eq!(field(&traversal, "code"), "validation");
    call(ms.archive_store(sp.clone().into(), st.clone().into()))
        .await
        .unwrap();
    let archived = call(ms.create_entry(
        sp.clone().into(),
        st.clone().into(),
        obj(r#"{"path":"b.md","content":"x"}"#),
    ))
    .await
    .unwrap_err();
    assert_eq!(field(&archived, "code"), "archived");
    assert_eq!(field(&archived, "status"), "409");
    ms.close();
    drop(ms);

    let again = JsMemspace::open(opts).await.unwrap();
    let entry =
        call(again.get_entry_by_path(sp.clone().into(), st.clone().into(), "notes/a.md".into()))
            .await
            .unwrap();
    assert_eq!(field(&entry, "content"), "2");
    assert_eq!(field(&entry, "version"), "3");
    let store = call(again.get_store(sp.clone().into(), st.clone().into()))
        .await
        .unwrap();
    assert_eq!(field(&store, "status"), "archived");
    assert_eq!(field(&store, "entryCount"), "1");
    let v = call(again.get_version(sp.clone().into(), st.clone().into(), first.into()))
        .await
        .unwrap();
    assert_eq!(field(&v, "redacted"), "true");
    assert_eq!(field(&v, "content"), "");
    let listed: Array =
        call(again.list_entries(sp.into(), st.into(), obj(r#"{"prefix":"notes"}"#)))
            .await
            .unwrap()
            .into();
    assert_eq!(listed.length(), 1);
}

/// Memories and associations through the exported JS class on IndexedDB: remember, a logical
/// key superseding, a soft forget, a link, a trace, an atomic batch; then everything is still
/// there, with exact counts, after the database is closed and opened again by a new handle.
#[wasm_bindgen_test]
async fn memories_through_the_js_api_on_indexeddb() {
    use memspace::bindings::js::memspace::JsMemspace;
    let call = |p: Promise| JsFuture::from(p);
    let name = unique("memories");
    let opts = obj(&format!(r#"{{"storage":"indexeddb","name":"{name}"}}"#));
    let ms = JsMemspace::open(opts.clone()).await.unwrap();
    let sp = field(
        &call(ms.create_space(JsValue::UNDEFINED)).await.unwrap(),
        "id",
    );
    let remember = |input: &str| call(ms.remember(sp.clone().into(), obj(input)));
    let paris = field(
        &remember(r#"{"content":"lives in Paris","logicalKey":"user.city","tags":["home"]}"#)
            .await
            .unwrap(),
        "memory",
    );
    let paris_id = field(&obj(&paris), "id");
    assert!(paris_id.starts_with("mry_"));
    let berlin = remember(r#"{"content":"lives in Berlin","logicalKey":"user.city"}"#)
        .await
        .unwrap();
    assert_eq!(field(&berlin, "supersededId"), paris_id);
    let berlin_id = field(&obj(&field(&berlin, "memory")), "id");
    let replay = remember(r#"{"content":"lives in Berlin","logicalKey":"user.city"}"#)
        .await
        .unwrap();
    assert_eq!(field(&replay, "replayed"), "true");
    let job = field(
        &obj(&field(
            &remember(r#"{"content":"works at Globex","metadata":{"snake_key":1}}"#)
                .await
                .unwrap(),
            "memory",
        )),
        "id",
    );
    let link = call(ms.associate(
        sp.clone().into(),
        job.clone().into(),
        obj(&format!(
            r#"{{"targetId":"{berlin_id}","relationship":"located_in","strength":0.8}}"#
        )),
    ))
    .await
    .unwrap();
    assert!(field(&link, "id").starts_with("asc_"));
    let typo = field(
        &obj(&field(
            &remember(r#"{"content":"lives in Berlni"}"#).await.unwrap(),
            "memory",
        )),
        "id",
    );
    call(ms.forget_memory(sp.clone().into(), typo.clone().into(), JsValue::UNDEFINED))
        .await
        .unwrap();
    let gone = call(ms.get_memory(sp.clone().into(), typo.clone().into()))
        .await
        .unwrap_err();
    assert_eq!(field(&gone, "code"), "gone");
    assert_eq!(field(&gone, "status"), "410");
    let batch = call(ms.batch_memories(
        sp.clone().into(),
        obj(r#"[{"op":"create","content":"a"},{"op":"update","memoryId":"mry_0000000000aaaaaaaaaaaaaaaa","importance":1}]"#),
        obj(r#"{"atomic":true}"#),
    ))
    .await
    .unwrap();
    assert_eq!(field(&batch, "successful"), "0");
    let stale = call(ms.update_memory(
        sp.clone().into(),
        berlin_id.clone().into(),
        obj(r#"{"content":"x","expectedVersion":7}"#),
    ))
    .await
    .unwrap_err();
    assert_eq!(field(&stale, "code"), "conflict");
    assert!(stale.is_instance_of::<js_sys::Error>());
    ms.close();
    drop(ms);

    let again = JsMemspace::open(opts).await.unwrap();
    let old = call(again.get_memory(sp.clone().into(), paris_id.clone().into()))
        .await
        .unwrap();
    assert_eq!(field(&old, "status"), "superseded");
    assert_eq!(field(&old, "supersededBy"), berlin_id);
    let stats = call(again.memory_stats(sp.clone().into())).await.unwrap();
    assert_eq!(
        field(&stats, "active")
            + "/"
            + &field(&stats, "superseded")
            + "/"
            + &field(&stats, "forgotten")
            + "/"
            + &field(&stats, "associations"),
        "2/1/1/2",
        "Berlin and Globex active, Paris superseded, the typo forgotten; supersedes + located_in"
    );
    let trace = call(again.trace_memory(sp.clone().into(), berlin_id.into(), JsValue::UNDEFINED))
        .await
        .unwrap();
    let reached: Array = js_sys::Reflect::get(
        &js_sys::Reflect::get(&trace, &"associations".into()).unwrap(),
        &"nodes".into(),
    )
    .unwrap()
    .into();
    let contents: Vec<String> = reached.iter().map(|n| field(&n, "content")).collect();
    assert_eq!(contents, ["lives in Paris", "works at Globex"]);
    let restored = call(again.restore_memory(sp.clone().into(), typo.into()))
        .await
        .unwrap();
    assert_eq!(field(&restored, "status"), "active");
    let listed: Array = call(again.list_memories(
        sp.into(),
        obj(r#"{"tags":["home"],"statuses":["superseded"]}"#),
    ))
    .await
    .unwrap()
    .into();
    assert_eq!(listed.length(), 1);
}

/// The newest `n` events of a session through handle `h`.
async fn newest(h: &Memspace, sp: &str, se: &str, n: u64) -> memspace::Result<Vec<Event>> {
    h.list_events(
        sp,
        se,
        EventQuery {
            last_n: Some(n),
            ..Default::default()
        },
    )
    .await
}

/// Two tabs: tab A reads and appends with the space it read on its connection (no space
/// read per call); tab B deletes the space, a version change that closes A's connection
/// first. A's next read and append answer `gone`; after B restores it they work again.
#[wasm_bindgen_test]
async fn a_read_or_append_after_another_tabs_space_delete_answers_gone() {
    let name = unique("spacedel");
    let (a_kv, b_kv) = (idb(&name).await, idb(&name).await);
    let (a, b) = (handle(a_kv.clone()), handle(b_kv));
    let sp = a.create_space(NewSpace::default()).await.unwrap();
    let se = a
        .create_session(
            &sp.id,
            NewSession {
                participants: vec!["u1".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    for i in 0..3 {
        a.post_event(&sp.id, &se.id, msg(&format!("m{i}")))
            .await
            .unwrap();
    }
    assert_eq!(newest(&a, &sp.id, &se.id, 2).await.unwrap().len(), 2);
    let epoch = a_kv.epoch();
    b.delete_space(&sp.id).await.unwrap();
    let read = newest(&a, &sp.id, &se.id, 2).await;
    assert_eq!(read.unwrap_err().code, ErrorCode::Gone);
    let posted = a.post_event(&sp.id, &se.id, msg("late")).await;
    assert_eq!(posted.unwrap_err().code, ErrorCode::Gone);
    assert_ne!(
        a_kv.epoch(),
        epoch,
        "A's connection was closed and reopened"
    );
    b.restore_space(&sp.id).await.unwrap();
    assert_eq!(newest(&a, &sp.id, &se.id, 10).await.unwrap().len(), 3);
    let ev = a.post_event(&sp.id, &se.id, msg("back")).await.unwrap();
    assert_eq!(ev.sequence_id, 3);
}

/// What each (append, read) of a loop answered.
type Seen = Vec<(memspace::Result<u64>, memspace::Result<usize>)>;

/// Tab A appends and reads in a loop while tab B deletes the space: every call of A lands
/// before the delete (dense sequence ids, reads see every append) or answers `gone`, and once
/// one answered `gone` every later one does.
#[wasm_bindgen_test]
async fn appends_and_reads_racing_another_tabs_space_delete_land_before_it_or_answer_gone() {
    let name = unique("spacerace");
    let (a, b) = (handle(idb(&name).await), handle(idb(&name).await));
    let sp = a.create_space(NewSpace::default()).await.unwrap();
    let se = a
        .create_session(
            &sp.id,
            NewSession {
                participants: vec!["u1".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    newest(&a, &sp.id, &se.id, 1).await.unwrap();
    let seen: Rc<RefCell<Seen>> = Rc::default();
    let work = {
        let (a, sp, se, seen) = (a.clone(), sp.id.clone(), se.id.clone(), seen.clone());
        Box::pin(async move {
            for i in 0..12 {
                let posted = a.post_event(&sp, &se, msg(&format!("m{i}"))).await;
                let read = newest(&a, &sp, &se, 100).await.map(|e| e.len());
                seen.borrow_mut()
                    .push((posted.map(|e| e.sequence_id), read));
            }
        }) as std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>
    };
    let delete = {
        let (b, sp) = (b.clone(), sp.id.clone());
        Box::pin(async move {
            b.delete_space(&sp).await.unwrap();
        }) as std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>
    };
    join_all(vec![work, delete]).await;
    let mut gone = false;
    let mut landed = 0;
    for (i, (posted, read)) in seen.take().into_iter().enumerate() {
        match posted {
            Ok(seq) => {
                assert!(!gone, "an append after gone");
                assert_eq!(seq, i as u64);
                landed += 1;
            }
            Err(e) => {
                assert_eq!(e.code, ErrorCode::Gone, "{e}");
                gone = true;
            }
        }
        match read {
            Ok(n) => {
                assert!(!gone, "a read after gone");
                assert_eq!(n, landed);
            }
            Err(e) => {
                assert_eq!(e.code, ErrorCode::Gone, "{e}");
                gone = true;
            }
        }
    }
    let after = newest(&a, &sp.id, &se.id, 1).await;
    assert_eq!(after.unwrap_err().code, ErrorCode::Gone);
    web_sys_log(&format!(
        "space delete race: {landed} of 12 appends landed before the delete"
    ));
}

/// Calls through the exported JS class settle from their own request's events: appends and
/// reads of two sessions in flight at once each answer for their own session.
#[wasm_bindgen_test]
async fn js_calls_in_flight_together_each_settle_with_their_own_answer() {
    use memspace::bindings::js::memspace::JsMemspace;
    let call = |p: Promise| JsFuture::from(p);
    let name = unique("inflight");
    let ms = JsMemspace::open(obj(&format!(
        r#"{{"storage":"indexeddb","name":"{name}"}}"#
    )))
    .await
    .unwrap();
    let sp = field(
        &call(ms.create_space(JsValue::UNDEFINED)).await.unwrap(),
        "id",
    );
    let mut sessions = Vec::new();
    for _ in 0..2 {
        let se = call(ms.create_session(sp.clone().into(), obj(r#"{"participants":["u1"]}"#)))
            .await
            .unwrap();
        sessions.push(field(&se, "id"));
    }
    let last = obj(r#"{"lastN":5}"#);
    for round in 0..3 {
        let posts: Vec<Promise> = sessions
            .iter()
            .map(|se| {
                let ev = obj(&format!(
                    r#"{{"body":{{"content":"{se} {round}"}},"emitter":{{"type":"user","id":"u1"}}}}"#
                ));
                ms.post_event(sp.clone().into(), se.clone().into(), ev)
            })
            .collect();
        for p in posts {
            call(p).await.unwrap();
        }
        let reads: Vec<Promise> = sessions
            .iter()
            .map(|se| ms.list_events(sp.clone().into(), se.clone().into(), last.clone()))
            .collect();
        for (se, p) in sessions.iter().zip(reads) {
            let events: Array = call(p).await.unwrap().into();
            assert_eq!(events.length(), round + 1, "{se} round {round}");
            let newest = events.get(round);
            assert_eq!(field(&newest, "sessionId"), *se);
            assert_eq!(field(&newest, "sequenceId"), round.to_string());
            assert_eq!(
                field(&field_value(&newest, "body"), "content"),
                format!("{se} {round}")
            );
        }
    }
}

/// `value[key]` as a JS value.
fn field_value(value: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(value, &key.into()).expect("get")
}

/// `ev` as a JS event object with `content`.
fn js_event(content: &str) -> JsValue {
    obj(&format!(
        r#"{{"body":{{"content":"{content}"}},"emitter":{{"type":"user","id":"u1"}}}}"#
    ))
}

/// The `sequenceId`s of a listed array, in order.
fn js_seqs(events: &JsValue) -> Vec<u64> {
    Array::from(events)
        .iter()
        .map(|e| field(&e, "sequenceId").parse().expect("sequenceId"))
        .collect()
}

/// Two handles on one database with appends, newest-N reads and a space delete (a version
/// change that closes both connections) all in flight at once: every promise settles, with
/// the right answer; afterwards two awaited calls in a row see each other's effect.
#[wasm_bindgen_test]
async fn overlapping_calls_on_two_handles_through_a_version_change_all_settle_correctly() {
    use memspace::bindings::js::memspace::JsMemspace;
    let call = |p: Promise| JsFuture::from(p);
    let opts = obj(&format!(
        r#"{{"storage":"indexeddb","name":"{}"}}"#,
        unique("overlap")
    ));
    let (h1, h2) = (
        JsMemspace::open(opts.clone()).await.unwrap(),
        JsMemspace::open(opts).await.unwrap(),
    );
    let sp = field(
        &call(h1.create_space(JsValue::UNDEFINED)).await.unwrap(),
        "id",
    );
    let doomed = field(
        &call(h1.create_space(JsValue::UNDEFINED)).await.unwrap(),
        "id",
    );
    let se = field(
        &call(h1.create_session(sp.clone().into(), obj(r#"{"participants":["u1"]}"#)))
            .await
            .unwrap(),
        "id",
    );
    let last = obj(r#"{"lastN":5}"#);
    let (mut posts, mut reads) = (Vec::new(), Vec::new());
    let mut delete = None;
    for i in 0..12 {
        let (w, r) = if i % 2 == 0 { (&h1, &h2) } else { (&h2, &h1) };
        posts.push(w.post_event(
            sp.clone().into(),
            se.clone().into(),
            js_event(&format!("e{i}")),
        ));
        reads.push(r.list_events(sp.clone().into(), se.clone().into(), last.clone()));
        if i == 6 {
            delete = Some(h2.delete_space(doomed.clone().into()));
        }
    }
    let mut posted = Vec::new();
    for p in posts {
        posted.push(field(&call(p).await.expect("append settles"), "sequenceId"));
    }
    posted.sort_by_key(|s| s.parse::<u64>().unwrap());
    let want: Vec<String> = (0..12).map(|i: u64| i.to_string()).collect();
    assert_eq!(posted, want, "each append got its own id");
    for p in reads {
        let seqs = js_seqs(&call(p).await.expect("read settles"));
        assert!(seqs.len() <= 5, "{seqs:?}");
        assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
    }
    call(delete.unwrap()).await.expect("space delete settles");
    let all = call(h1.list_events(sp.clone().into(), se.clone().into(), obj(r#"{"lastN":20}"#)))
        .await
        .unwrap();
    assert_eq!(js_seqs(&all), (0..12).collect::<Vec<u64>>());
    let err = call(h1.get_space(doomed.into())).await.unwrap_err();
    let code = field(&err, "code");
    assert!(code == "gone" || code == "not_found", "{code}");
    for i in 12..16 {
        let (w, r) = if i % 2 == 0 { (&h2, &h1) } else { (&h1, &h2) };
        call(w.post_event(
            sp.clone().into(),
            se.clone().into(),
            js_event(&format!("e{i}")),
        ))
        .await
        .unwrap();
        let seqs = js_seqs(
            &call(r.list_events(sp.clone().into(), se.clone().into(), last.clone()))
                .await
                .unwrap(),
        );
        assert_eq!(
            seqs.last(),
            Some(&i),
            "the awaited append is in the next read"
        );
    }
}

/// `close()` with a read and an append in flight: both settle with their answers (requests
/// issued before the close finish on the closing connection) and the next call reopens.
#[wasm_bindgen_test]
async fn calls_in_flight_when_the_handle_closes_settle_and_the_next_call_reopens() {
    use memspace::bindings::js::memspace::JsMemspace;
    let call = |p: Promise| JsFuture::from(p);
    let ms = JsMemspace::open(obj(&format!(
        r#"{{"storage":"indexeddb","name":"{}"}}"#,
        unique("closing")
    )))
    .await
    .unwrap();
    let sp = field(
        &call(ms.create_space(JsValue::UNDEFINED)).await.unwrap(),
        "id",
    );
    let se = field(
        &call(ms.create_session(sp.clone().into(), obj(r#"{"participants":["u1"]}"#)))
            .await
            .unwrap(),
        "id",
    );
    let last = obj(r#"{"lastN":5}"#);
    for round in 0..3u64 {
        let read = ms.list_events(sp.clone().into(), se.clone().into(), last.clone());
        let post = ms.post_event(sp.clone().into(), se.clone().into(), js_event("x"));
        ms.close();
        let seqs = js_seqs(&call(read).await.expect("read settles after close"));
        assert!(seqs.len() as u64 <= round, "{seqs:?}");
        let posted = call(post).await.expect("append settles after close");
        assert_eq!(field(&posted, "sequenceId"), round.to_string());
    }
    let seqs = js_seqs(
        &call(ms.list_events(sp.into(), se.into(), last))
            .await
            .unwrap(),
    );
    assert_eq!(seqs, vec![0, 1, 2]);
}

/// An append that overflows a small Storage Bucket through the exported JS class rejects
/// with a typed `quota` error (the transaction aborts; the promise does not hang), and reads
/// still answer exactly the acknowledged events.
#[wasm_bindgen_test]
async fn a_quota_abort_through_the_js_class_rejects_with_a_typed_error() {
    use memspace::bindings::js::memspace::JsMemspace;
    let call = |p: Promise| JsFuture::from(p);
    let bucket = unique("jsquota")
        .to_lowercase()
        .replace(|c: char| !c.is_ascii_alphanumeric(), "");
    let factory = JsFuture::from(bucket_factory(
        &bucket[..40.min(bucket.len())],
        512.0 * 1024.0,
    ))
    .await
    .expect("storage bucket");
    assert!(!factory.is_null(), "navigator.storageBuckets is missing");
    let opts = obj(r#"{"storage":"indexeddb","name":"q"}"#);
    js_sys::Reflect::set(&opts, &"indexedDB".into(), &factory).unwrap();
    let ms = JsMemspace::open(opts).await.unwrap();
    let sp = field(
        &call(ms.create_space(JsValue::UNDEFINED)).await.unwrap(),
        "id",
    );
    let se = field(
        &call(ms.create_session(sp.clone().into(), obj(r#"{"participants":["u1"]}"#)))
            .await
            .unwrap(),
        "id",
    );
    let filler = "x".repeat(5000);
    let batch = Array::new();
    for _ in 0..200 {
        batch.push(&js_event(&filler));
    }
    let mut acknowledged = 0u64;
    let mut code = String::new();
    for _ in 0..64 {
        match call(ms.post_events(sp.clone().into(), se.clone().into(), batch.clone().into())).await
        {
            Ok(evs) => acknowledged += Array::from(&evs).length() as u64,
            Err(e) => {
                code = field(&e, "code");
                break;
            }
        }
    }
    assert_eq!(code, "quota");
    let seqs = js_seqs(
        &call(ms.list_events(sp.into(), se.into(), obj(r#"{"lastN":1}"#)))
            .await
            .unwrap(),
    );
    assert_eq!(seqs, vec![acknowledged - 1]);
}
