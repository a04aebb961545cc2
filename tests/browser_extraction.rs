//! Extraction in real Chromium, on IndexedDB, with the LLM as a JS async function (the
//! `llm` option's adapter): jobs become memories exactly once when any commit of the run
//! fails (a tab closing mid-transaction lands nothing), a second tab takes over a job whose
//! first tab stalled in the model call past its lease (the stalled tab then commits nothing),
//! malformed answers are retried after a backoff, and a session is soft-deleted only after its
//! extraction — through the engine and through the exported JS class.
//!
//! Run with scripts/test-browser.sh (cargo test --target wasm32-unknown-unknown --features js
//! --test browser_extraction).

#![cfg(all(target_arch = "wasm32", feature = "js"))]

use js_sys::{Function, Promise};
use memspace::bindings::js::indexeddb::{Durability, IndexedDbKv};
use memspace::bindings::js::llm::JsLlm;
use memspace::host::ManualHost;
use memspace::kv::{Batch, Capabilities, Entry, KeyRange, Kv, KvError, KvFuture};
use memspace::model::*;
use memspace::{ErrorCode, Memspace};
use serde_json::json;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = "
export function scriptedLlm(answers) {
  const script = answers.slice();
  const fn = async (request) => {
    fn.requests.push(request);
    const next = script.shift();
    if (next === undefined) throw new Error('script used up');
    if (next === 'TIMEOUT') throw Object.assign(new Error('slow'), { name: 'TimeoutError' });
    await new Promise((r) => setTimeout(r, 1));
    return next;
  };
  fn.requests = [];
  return fn;
}
export function stallingLlm(answer) {
  let release;
  const gate = new Promise((r) => { release = r; });
  const fn = async (request) => {
    fn.calls += 1;
    if (fn.calls === 1) { await gate; }
    return answer;
  };
  fn.calls = 0;
  fn.release = () => release();
  return fn;
}
export function release(fn) { fn.release(); }
export function calls(fn) { return fn.calls ?? fn.requests.length; }
export function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }
")]
extern "C" {
    #[wasm_bindgen(js_name = scriptedLlm)]
    fn scripted_llm(answers: js_sys::Array) -> Function;
    #[wasm_bindgen(js_name = stallingLlm)]
    fn stalling_llm(answer: &str) -> Function;
    fn release(f: &Function);
    fn calls(f: &Function) -> u32;
    fn sleep(ms: u32) -> Promise;
}

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}-{}",
        js_sys::Date::now() as u64,
        (js_sys::Math::random() * 1e9) as u64
    )
}

fn answers(list: &[&str]) -> js_sys::Array {
    list.iter().map(|s| JsValue::from_str(s)).collect()
}

const ANSWER: &str = r#"{"memories": [
  {"content": "The user lives in Porto", "logicalKey": "user.city", "sourceEvents": [1]},
  {"content": "The user likes green tea", "category": "preference", "sourceEvents": [0]},
  {"content": "the user likes GREEN tea", "category": "preference"},
  {"content": "The user works at Acme", "logicalKey": "user.employer"}
]}"#;

/// A Kv over IndexedDB that refuses commit number `fail_at` (1-based) as a crashed tab would
/// leave it: the transaction never committed, nothing of it landed.
struct Crashing {
    inner: Rc<IndexedDbKv>,
    commits: Cell<u32>,
    fail_at: Cell<u32>,
}

impl Kv for Crashing {
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
    fn get<'a>(&'a self, key: &'a [u8]) -> KvFuture<'a, Option<Vec<u8>>> {
        self.inner.get(key)
    }
    fn get_many<'a>(&'a self, keys: &'a [Vec<u8>]) -> KvFuture<'a, Vec<Option<Vec<u8>>>> {
        self.inner.get_many(keys)
    }
    fn scan<'a>(&'a self, r: &'a KeyRange, limit: usize, rev: bool) -> KvFuture<'a, Vec<Entry>> {
        self.inner.scan(r, limit, rev)
    }
    fn commit<'a>(&'a self, batch: Batch) -> KvFuture<'a, ()> {
        let n = self.commits.get() + 1;
        self.commits.set(n);
        if n == self.fail_at.get() {
            return Box::pin(async { Err(KvError::Storage("the tab closed".into())) });
        }
        self.inner.commit(batch)
    }
}

fn handle(kv: Rc<dyn Kv>, host: &ManualHost, llm: Option<Function>) -> Memspace {
    let ms = Memspace::new(kv, Rc::new(host.clone()), Principal::new("u1", "t1")).expect("handle");
    match llm {
        Some(f) => ms.with_llm(Rc::new(JsLlm::new(f))),
        None => ms,
    }
}

/// A new database with a session whose extraction (soft delete after) fires on event 3.
async fn conversation(host: &ManualHost) -> (Rc<IndexedDbKv>, String, String) {
    let kv = Rc::new(
        IndexedDbKv::open(&unique("extract"), Durability::Relaxed)
            .await
            .expect("open"),
    );
    let ms = handle(kv.clone(), host, None);
    let sp = ms.create_space(NewSpace::default()).await.unwrap();
    let s = ms
        .create_session(
            &sp.id,
            NewSession {
                participants: vec!["u1".into()],
                lifecycle_strategies: vec![LifecycleStrategy::extract(
                    Trigger::EventCount(3),
                    None,
                )],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    for line in ["I like green tea", "I moved to Porto", "I work at Acme"] {
        ms.post_event(
            &sp.id,
            &s.id,
            NewEvent {
                body: json!({ "content": line }),
                emitter: Emitter::new("user", "u1"),
                event_type: Some("message".into()),
            },
        )
        .await
        .unwrap();
    }
    (kv, sp.id, s.id)
}

async fn contents(ms: &Memspace, space: &str) -> Vec<String> {
    let mut all: Vec<String> = ms
        .list_memories(space, MemoryFilter::default(), Page::default())
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.content)
        .collect();
    all.sort();
    all
}

#[wasm_bindgen_test]
async fn memories_are_exactly_once_when_any_commit_of_a_run_is_lost_on_indexeddb() {
    // How many commits a clean run makes.
    let host = ManualHost::default();
    let (kv, space, session) = conversation(&host).await;
    let counting = Rc::new(Crashing {
        inner: kv.clone(),
        commits: Cell::new(0),
        fail_at: Cell::new(0),
    });
    let ms = handle(
        counting.clone(),
        &host,
        Some(scripted_llm(answers(&[ANSWER]))),
    );
    ms.run_extraction(RunOptions::default()).await.unwrap();
    let total = counting.commits.get();
    assert!(total >= 3, "claim, chunk, soft delete: {total}");
    let expected = contents(&ms, &space).await;
    assert_eq!(
        expected,
        vec![
            "The user likes green tea",
            "The user lives in Porto",
            "The user works at Acme"
        ]
    );
    kv.close();
    for fail_at in 1..=total {
        let host = ManualHost::default();
        let (kv, space, session2) = conversation(&host).await;
        let crashing = Rc::new(Crashing {
            inner: kv.clone(),
            commits: Cell::new(0),
            fail_at: Cell::new(fail_at),
        });
        let first = handle(crashing, &host, Some(scripted_llm(answers(&[ANSWER]))));
        let _ = first.run_extraction(RunOptions::default()).await;
        // The tab is gone; another opens the database later and runs the queue again.
        host.advance_secs(301);
        let second = handle(
            kv.clone(),
            &host,
            Some(scripted_llm(answers(&[ANSWER, ANSWER]))),
        );
        second.run_extraction(RunOptions::default()).await.unwrap();
        host.advance_secs(3600);
        second.run_extraction(RunOptions::default()).await.unwrap();
        assert_eq!(
            contents(&second, &space).await,
            expected,
            "commit {fail_at} lost"
        );
        let jobs = second
            .list_extraction_jobs(&space, JobFilter::default())
            .await
            .unwrap();
        assert_eq!(jobs.len(), 1);
        assert_eq!(
            (
                jobs[0].status,
                jobs[0].stats.created,
                jobs[0].session_deleted
            ),
            (JobStatus::Done, 3, true),
            "commit {fail_at} lost"
        );
        let e = second.get_session(&space, &session2).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::Gone);
        kv.close();
    }
    let _ = session;
}

#[wasm_bindgen_test]
async fn a_second_tab_takes_over_a_stalled_job_after_its_lease_and_the_first_commits_nothing() {
    let host = ManualHost::default();
    let (kv, space, _session) = conversation(&host).await;
    let stalled = stalling_llm(ANSWER);
    let tab1 = handle(kv.clone(), &host, Some(stalled.clone()));
    let run1 = wasm_bindgen_futures::future_to_promise(async move {
        let r = tab1.run_extraction(RunOptions::default()).await;
        Ok(JsValue::from_str(&format!(
            "{:?}",
            r.map(|r| r.memories_created)
        )))
    });
    // Wait (event-driven, bounded) until tab 1 has claimed the job and called the model.
    for _ in 0..500 {
        if calls(&stalled) == 1 {
            break;
        }
        JsFuture::from(sleep(10)).await.unwrap();
    }
    assert_eq!(calls(&stalled), 1, "tab 1 is waiting for the model");
    let tab2 = handle(kv.clone(), &host, Some(scripted_llm(answers(&[ANSWER]))));
    let r = tab2.run_extraction(RunOptions::default()).await.unwrap();
    assert_eq!(r.claimed, 0, "leased by tab 1");
    host.advance_secs(301);
    let r = tab2.run_extraction(RunOptions::default()).await.unwrap();
    assert_eq!((r.done, r.memories_created), (1, 3));
    release(&stalled);
    let out = JsFuture::from(run1).await.unwrap().as_string().unwrap();
    assert_eq!(out, "Ok(0)", "the stalled tab's answer is discarded");
    assert_eq!(contents(&tab2, &space).await.len(), 3);
    let jobs = tab2
        .list_extraction_jobs(&space, JobFilter::default())
        .await
        .unwrap();
    assert_eq!((jobs[0].attempts, jobs[0].status), (2, JobStatus::Done));
}

#[wasm_bindgen_test]
async fn a_timeout_and_a_malformed_answer_back_off_then_the_job_completes() {
    let host = ManualHost::default();
    let (kv, space, _session) = conversation(&host).await;
    let llm = scripted_llm(answers(&["TIMEOUT", "{\"memories\": [", ANSWER]));
    let ms = handle(kv, &host, Some(llm));
    let r = ms.run_extraction(RunOptions::default()).await.unwrap();
    assert_eq!(
        r.jobs[0].error.as_ref().unwrap().reason.as_deref(),
        Some("timeout")
    );
    host.advance_secs(30);
    ms.run_extraction(RunOptions::default()).await.unwrap();
    let job = ms
        .list_extraction_jobs(&space, JobFilter::default())
        .await
        .unwrap()
        .remove(0);
    let err = job.last_error.unwrap();
    assert_eq!(err.reason.as_deref(), Some("malformed_output"));
    assert_eq!(err.raw_output.as_deref(), Some("{\"memories\": ["));
    assert_eq!(
        ms.run_extraction(RunOptions::default())
            .await
            .unwrap()
            .claimed,
        0
    );
    host.advance_secs(60);
    let r = ms.run_extraction(RunOptions::default()).await.unwrap();
    assert_eq!((r.done, r.memories_created, r.jobs[0].attempts), (1, 3, 3));
}

/// `value[key]` as JSON text.
fn field(value: &JsValue, key: &str) -> String {
    let v = js_sys::Reflect::get(value, &key.into()).expect("get");
    if let Some(s) = v.as_string() {
        return s;
    }
    js_sys::JSON::stringify(&v)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

#[wasm_bindgen_test]
async fn the_js_class_runs_extraction_with_its_llm_option_and_soft_deletes_after() {
    use memspace::bindings::js::memspace::JsMemspace;
    let call = |p: Promise| JsFuture::from(p);
    let llm = scripted_llm(answers(&[ANSWER]));
    let opts = js_sys::Object::new();
    let set = |k: &str, v: JsValue| js_sys::Reflect::set(&opts, &k.into(), &v).unwrap();
    set("storage", "indexeddb".into());
    set("name", unique("jsx").into());
    set("llm", llm.clone().into());
    let ms = JsMemspace::open(opts.into()).await.unwrap();
    let obj = |s: &str| js_sys::JSON::parse(s).unwrap();
    let sp = field(
        &call(ms.create_space(obj(r#"{"llmModelName":"m-1"}"#)))
            .await
            .unwrap(),
        "id",
    );
    let se = field(
        &call(ms.create_session(
            sp.clone().into(),
            obj(r#"{"participants":["u1"],"lifecycleStrategies":[{"type":"extract_memories","trigger":{"eventCount":1}}]}"#),
        ))
        .await
        .unwrap(),
        "id",
    );
    call(ms.post_event(
        sp.clone().into(),
        se.clone().into(),
        obj(r#"{"body":{"content":"I moved to Porto"},"emitter":{"type":"user","id":"u1"}}"#),
    ))
    .await
    .unwrap();
    let hidden = call(ms.get_session(sp.clone().into(), se.clone().into()))
        .await
        .unwrap_err();
    assert_eq!(field(&hidden, "code"), "gone");
    let details = js_sys::Reflect::get(&hidden, &"details".into()).unwrap();
    assert_eq!(field(&details, "state"), "awaiting_extraction");
    let report = call(ms.run_extraction(JsValue::UNDEFINED)).await.unwrap();
    assert_eq!(field(&report, "done"), "1");
    assert_eq!(field(&report, "sessionsDeleted"), "1");
    assert_eq!(field(&report, "memoriesCreated"), "3");
    let jobs = call(ms.list_extraction_jobs(sp.clone().into(), JsValue::UNDEFINED))
        .await
        .unwrap();
    let job = js_sys::Array::from(&jobs).get(0);
    assert_eq!(field(&job, "status"), "done");
    assert_eq!(field(&job, "sessionDeleted"), "true");
    assert_eq!(field(&job, "breakdown"), r#"{"preference":1,"profile":2}"#);
    assert_eq!(calls(&llm), 1);
    let unsupported = JsMemspace::open(js_sys::JSON::parse(r#"{"storage":"memory"}"#).unwrap())
        .await
        .unwrap();
    let e = call(unsupported.run_extraction(JsValue::UNDEFINED))
        .await
        .unwrap_err();
    assert_eq!(field(&e, "code"), "unsupported");
}
