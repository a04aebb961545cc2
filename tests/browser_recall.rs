//! Recall in real Chromium (wasm-bindgen-test, simd128 build): the SIMD kernels agree with
//! their scalar twins bit for bit, and the index's vector channel finds what an exact f32
//! scan finds; recall over memories on IndexedDB with a JS embed callback survives a reopen.
//!
//! Run with scripts/test-browser.sh (cargo test --target wasm32-unknown-unknown --features js
//! --test browser_recall).

#![cfg(all(target_arch = "wasm32", feature = "js"))]

use memspace::index::simd::{
    dot_f32, dot_f32_scalar, dot_i8, dot_i8_i16, dot_i8_i16_scalar, dot_i8_scalar, dots_i8_i16,
    dots_i8_i16_scalar, SIMD,
};
use memspace::index::vectors::{normalize, quantize};
use memspace::testkit::rng::Rng;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn the_wasm_build_scans_with_simd128() {
    let simd = std::hint::black_box(SIMD);
    assert!(simd, "built without +simd128 (see .cargo/config.toml)");
}

#[wasm_bindgen_test]
fn simd_kernels_equal_their_scalar_twins_bit_for_bit() {
    let mut r = Rng::new(9);
    for dims in [
        1usize, 7, 8, 15, 16, 17, 31, 32, 33, 64, 383, 384, 768, 1031, 4096,
    ] {
        for _ in 0..20 {
            let a: Vec<i8> = (0..dims)
                .map(|_| (r.below(255) as i32 - 127) as i8)
                .collect();
            let b: Vec<i8> = (0..dims)
                .map(|_| (r.below(255) as i32 - 127) as i8)
                .collect();
            assert_eq!(dot_i8(&a, &b), dot_i8_scalar(&a, &b), "int8, {dims} dims");
            let q: Vec<i16> = (0..dims)
                .map(|_| (r.below(16383) as i32 - 8191) as i16)
                .collect();
            assert_eq!(
                dot_i8_i16(&a, &q),
                dot_i8_i16_scalar(&a, &q),
                "int8 x int16, {dims} dims"
            );
            // The scan kernel over a block of vectors (the query against `a` and `b`).
            let block: Vec<i8> = a.iter().chain(&b).copied().collect();
            let (mut fast, mut slow) = ([0i64; 3], [0i64; 3]);
            dots_i8_i16(&block, dims, &q, &mut fast);
            dots_i8_i16_scalar(&block, dims, &q, &mut slow);
            assert_eq!(fast, slow, "scan kernel, {dims} dims");
            let x: Vec<f32> = (0..dims).map(|_| (r.unit() * 2.0 - 1.0) as f32).collect();
            let y: Vec<f32> = (0..dims).map(|_| (r.unit() * 2.0 - 1.0) as f32).collect();
            assert_eq!(
                dot_f32(&x, &y).to_bits(),
                dot_f32_scalar(&x, &y).to_bits(),
                "f32, {dims} dims"
            );
            let (qx, qy) = (quantize(&x), quantize(&y));
            let approx = dot_i8(&qx.q, &qy.q) as f32 * qx.scale * qy.scale;
            let exact = dot_f32(&normalize(&x), &normalize(&y));
            assert!(
                (approx - exact).abs() < 0.05,
                "{dims} dims: {approx} vs {exact}"
            );
        }
    }
}

// ---- recall over memories on IndexedDB with a JS embed callback ----

use memspace::bindings::js::embed::JsEmbedder;
use memspace::bindings::js::host::JsHost;
use memspace::bindings::js::indexeddb::{Durability, IndexedDbKv};
use memspace::index::head::EmbeddingModel;
use memspace::model::{NewMemory, NewSpace, Principal, RecallQuery, ReindexOptions};
use memspace::Memspace;
use std::rc::Rc;

/// A toy concept embedder written in JS, as a page would pass it to `open({ embed })`.
fn concept_embed() -> js_sys::Function {
    js_sys::Function::new_with_args(
        "texts",
        "const C = [['city','town','lives','moved'], ['dog','pet'], ['porto'], ['alice'], ['bob']];
         return Promise.resolve(texts.map((t) => {
           const v = new Float32Array(8);
           for (const w of t.toLowerCase().split(/[^a-z]+/)) {
             const i = C.findIndex((c) => c.includes(w));
             if (i >= 0) v[i] += 1;
           }
           v[7] += 0.05;
           const n = Math.hypot(...v);
           return v.map((x) => x / n);
         }));",
    )
}

async fn idb_handle(name: &str) -> Memspace {
    let kv = IndexedDbKv::open(name, Durability::Strict)
        .await
        .expect("open IndexedDB");
    let model = EmbeddingModel {
        id: "toy-concepts".into(),
        dims: 8,
    };
    Memspace::new(
        Rc::new(kv),
        Rc::new(JsHost::new()),
        Principal::new("u1", "t1"),
    )
    .expect("handle")
    .with_embedder(Rc::new(JsEmbedder::new(concept_embed(), model)))
}

fn query(text: &str) -> RecallQuery {
    RecallQuery {
        query: text.into(),
        explain: true,
        ..Default::default()
    }
}

#[wasm_bindgen_test]
async fn on_indexeddb_a_js_embed_callback_finds_a_paraphrase_and_the_index_survives_a_reopen_and_a_reindex(
) {
    let name = format!(
        "recall-{}-{}",
        js_sys::Date::now() as u64,
        (js_sys::Math::random() * 1e9) as u64
    );
    let ms = idb_handle(&name).await;
    let sp = ms
        .create_space(NewSpace::default())
        .await
        .expect("space")
        .id;
    for content in [
        "Alice moved to Porto",
        "Bob has a dog",
        "The printer is out of toner",
    ] {
        ms.remember(
            &sp,
            NewMemory {
                content: content.into(),
                ..Default::default()
            },
        )
        .await
        .expect("remember");
    }
    // No word of the query is in any memory: only the vector channel can find it.
    let r = ms.recall(&sp, query("which town")).await.expect("recall");
    let top = r.memories.first().expect("a match");
    assert_eq!(top.memory.content, "Alice moved to Porto");
    let explain = top.explain.as_ref().expect("explain");
    assert!(
        explain.vector.is_some() && explain.lexical.is_none(),
        "{explain:?}"
    );
    drop(ms);

    // A new handle (a reload) reads the same pages back from IndexedDB.
    let ms = idb_handle(&name).await;
    let again = ms.recall(&sp, query("which town")).await.expect("recall");
    assert_eq!(again.memories[0].memory.content, "Alice moved to Porto");
    let check = ms.check_index(&sp).await.expect("check");
    assert_eq!((check.records_indexable, check.indexed), (3, 3));
    assert!(check.missing.is_empty() && check.orphans.is_empty() && check.stale.is_empty());
    assert!(check.stats_consistent);

    let mut calls = 0;
    let done = ms
        .reindex_all(
            &sp,
            ReindexOptions {
                batch_size: Some(2),
                cursor: None,
            },
            &mut |_| {
                calls += 1;
                true
            },
        )
        .await
        .expect("reindex");
    assert!(done.done && done.indexed == 3, "{done:?}");
    assert_eq!(calls, 2, "two steps of two records");
    let after = ms.recall(&sp, query("pet")).await.expect("recall");
    assert_eq!(after.memories[0].memory.content, "Bob has a dog");
    assert!(ms.check_index(&sp).await.expect("check").stats_consistent);
}

// ---- llm / hybrid modes and reflect on IndexedDB with a JS `llm` callback ----

use wasm_bindgen::{JsCast, JsValue};

/// A JS llm callback answering from `answers` (JSON texts) in order; it records purposes.
fn scripted_llm(answers: &[&str]) -> js_sys::Function {
    let list = js_sys::Array::new();
    for a in answers {
        list.push(&JsValue::from_str(a));
    }
    let make = js_sys::Function::new_with_args(
        "answers",
        "const script = answers.slice();
         const fn = async (request) => {
           fn.purposes.push(request.purpose);
           const next = script.shift();
           if (next === undefined) throw new Error('script used up');
           return { text: next };
         };
         fn.purposes = [];
         return fn;",
    );
    make.call1(&JsValue::NULL, &list)
        .expect("make llm")
        .unchecked_into()
}

fn purposes(f: &js_sys::Function) -> Vec<String> {
    let v = js_sys::Reflect::get(f, &JsValue::from_str("purposes")).expect("purposes");
    js_sys::Array::from(&v)
        .iter()
        .filter_map(|x| x.as_string())
        .collect()
}

#[wasm_bindgen_test]
async fn on_indexeddb_llm_mode_searches_rewrites_hybrid_falls_back_and_reflect_cites_sources() {
    use memspace::bindings::js::llm::JsLlm;
    use memspace::model::RecallMode;
    let name = format!(
        "recall-llm-{}-{}",
        js_sys::Date::now() as u64,
        (js_sys::Math::random() * 1e9) as u64
    );
    let kv = IndexedDbKv::open(&name, Durability::Strict)
        .await
        .expect("open IndexedDB");
    let llm = scripted_llm(&[
        r#"{"queries": ["Alice Porto"]}"#,
        r#"["Alice Porto"]"#,
        "Alice lives in Porto.",
    ]);
    let ms = Memspace::new(
        Rc::new(kv),
        Rc::new(JsHost::new()),
        Principal::new("u1", "t1"),
    )
    .expect("handle")
    .with_llm(Rc::new(JsLlm::new(llm.clone())));
    let sp = ms
        .create_space(NewSpace::default())
        .await
        .expect("space")
        .id;
    let mut porto = String::new();
    for content in ["Alice moved to Porto", "Bob drinks espresso"] {
        let r = ms
            .remember(
                &sp,
                NewMemory {
                    content: content.into(),
                    ..Default::default()
                },
            )
            .await
            .expect("remember");
        if porto.is_empty() {
            porto = r.memory.id;
        }
    }
    let mode = |text: &str, m: RecallMode| RecallQuery {
        query: text.into(),
        mode: Some(m),
        ..Default::default()
    };
    let r = ms
        .recall(&sp, mode("which town is her home", RecallMode::Llm))
        .await
        .expect("llm recall");
    assert_eq!(r.mode_used, RecallMode::Llm);
    assert_eq!(r.memories[0].memory.id, porto);
    let strong = ms
        .recall(&sp, mode("Bob drinks espresso", RecallMode::Hybrid))
        .await
        .expect("hybrid recall");
    assert_eq!(strong.mode_used, RecallMode::Rag);
    let weak = ms
        .recall(&sp, mode("which town is her home", RecallMode::Hybrid))
        .await
        .expect("hybrid recall");
    assert_eq!(weak.mode_used, RecallMode::Llm);
    assert_eq!(weak.memories[0].memory.id, porto);
    let reflection = ms
        .reflect(&sp, "Where did Alice move?", Some(64), Some(true))
        .await
        .expect("reflect");
    assert_eq!(reflection.reflection, "Alice lives in Porto.");
    assert_eq!(reflection.source_memories[0], porto);
    assert_eq!(purposes(&llm), vec!["recall", "recall", "reflect"]);
}
