//! Native recall benchmark (memory backend, one core): remember with and without indexing,
//! lexical / vector / hybrid top-10 latency at 10k and 100k memories (384-dimension vectors
//! from the deterministic test embedder), opening a 100k space to its first recall, and the
//! int8 scan's recall@10 against exact f32. Prints numbers; never fails a build.
//! Run with `npm run bench` (or `cargo bench --bench recall`).

use memspace::host::{HashEmbedder, SystemHost};
use memspace::index::simd::dot_f32;
use memspace::kv::MemoryKv;
use memspace::model::*;
use memspace::runtime::block_on;
use memspace::testkit::corpus;
use memspace::Memspace;
use std::rc::Rc;
use std::time::{Duration, Instant};

const DIMS: usize = 384;

fn run<T>(f: impl std::future::Future<Output = memspace::Result<T>>) -> T {
    match block_on(f) {
        Ok(Ok(v)) => v,
        Ok(Err(e)) | Err(e) => {
            eprintln!("bench failed: {e}");
            std::process::exit(0) // benches print, never fail a build
        }
    }
}

fn handle(kv: &MemoryKv, embed: bool) -> Memspace {
    let ms = match Memspace::new(
        Rc::new(kv.clone()),
        Rc::new(SystemHost::new()),
        Principal::new("bench", "bench"),
    ) {
        Ok(ms) => ms,
        Err(e) => {
            eprintln!("bench failed: {e}");
            std::process::exit(0)
        }
    };
    if embed {
        ms.with_embedder(Rc::new(HashEmbedder::new(DIMS)))
    } else {
        ms
    }
}

fn new_memory(d: &corpus::Doc) -> NewMemory {
    NewMemory {
        content: d.text.clone(),
        tags: d.tags.clone(),
        ..Default::default()
    }
}

fn pct(mut v: Vec<Duration>, p: f64) -> f64 {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v.get(i).copied().unwrap_or_default().as_secs_f64() * 1000.0
}

/// Remembers `docs` one per call; returns memories per second.
fn remember_rate(ms: &Memspace, space: &str, docs: &[corpus::Doc]) -> f64 {
    let t = Instant::now();
    for d in docs {
        run(ms.remember(space, new_memory(d)));
    }
    docs.len() as f64 / t.elapsed().as_secs_f64()
}

fn fill(ms: &Memspace, space: &str, docs: &[corpus::Doc]) {
    for chunk in docs.chunks(100) {
        let ops = chunk
            .iter()
            .map(|d| BatchOp::Create(new_memory(d)))
            .collect();
        run(ms.batch_memories(space, ops, true));
    }
}

/// p50 and p95 of warm queries (each query is run once before timing).
fn latencies(ms: &Memspace, space: &str, queries: &[RecallQuery]) -> (f64, f64) {
    for q in queries {
        std::hint::black_box(run(ms.recall(space, q.clone())));
    }
    let mut t = Vec::new();
    for q in queries.iter().cycle().take(200) {
        let s = Instant::now();
        let r = run(ms.recall(space, q.clone()));
        t.push(s.elapsed());
        std::hint::black_box(r);
    }
    (pct(t.clone(), 0.5), pct(t, 0.95))
}

fn main() {
    // `cargo test --all-targets` runs benches without `--bench`: then only a small smoke run.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let small = |n: usize| if smoke { n.min(300) } else { n };
    let e = HashEmbedder::new(DIMS);
    println!(
        "bench/recall — native, memory backend, one thread, {DIMS}-d vectors (test embedder), opt-level 3, {} scan kernel\n",
        memspace::index::simd::scan_kernel()
    );

    // Remember with and without indexing (10k each, one per call).
    let docs = corpus::docs(7, small(10_000));
    let kv0 = MemoryKv::new();
    let plain = handle(&kv0, false);
    plain.skip_recall_index_for_benchmarks();
    let sp0 = run(plain.create_space(NewSpace::default())).id;
    let kv1 = MemoryKv::new();
    let lexical_only = handle(&kv1, false);
    let sp1 = run(lexical_only.create_space(NewSpace::default())).id;
    let kv2 = MemoryKv::new();
    let indexed = handle(&kv2, true);
    let sp2 = run(indexed.create_space(NewSpace::default())).id;
    // The three take turns, 500 memories at a time, so a change in the machine's load
    // falls on all of them alike.
    let mut spent = [0f64; 3];
    for chunk in docs.chunks(500) {
        spent[0] += chunk.len() as f64 / remember_rate(&plain, &sp0, chunk);
        spent[1] += chunk.len() as f64 / remember_rate(&lexical_only, &sp1, chunk);
        spent[2] += chunk.len() as f64 / remember_rate(&indexed, &sp2, chunk);
    }
    let n = docs.len() as f64;
    let (plain_rate, lex_rate, full_rate) = (n / spent[0], n / spent[1], n / spent[2]);
    println!("| remember, one per call, 10k | rate | vs un-indexed | target |");
    println!("| --- | ---: | ---: | --- |");
    println!("| un-indexed | {plain_rate:.0}/s | 1.00 | |");
    println!(
        "| indexed, lexical | {lex_rate:.0}/s | {:.2} | ≥ 0.5 |",
        lex_rate / plain_rate
    );
    println!("| indexed, lexical + {DIMS}-d vector (embedding included) | {full_rate:.0}/s | {:.2} | ≥ 0.5 |", full_rate / plain_rate);

    let sizes: Vec<usize> = match std::env::var("BENCH_RECALL_N") {
        Ok(v) => v.split(',').filter_map(|x| x.trim().parse().ok()).collect(),
        Err(_) if smoke => vec![300],
        Err(_) => vec![10_000, 100_000],
    };
    for n in sizes {
        let first_size = n == small(10_000);
        let kv = if first_size {
            kv2.clone()
        } else {
            MemoryKv::new()
        };
        let ms = handle(&kv, true);
        let sp = if first_size {
            sp2.clone()
        } else {
            let sp = run(ms.create_space(NewSpace::default())).id;
            let t = Instant::now();
            fill(&ms, &sp, &corpus::docs(7, n));
            println!(
                "\nfilled {n} memories in batches of 100: {:.1} s",
                t.elapsed().as_secs_f64()
            );
            sp
        };
        let texts = corpus::queries(11, 50);
        let lex: Vec<RecallQuery> = texts
            .iter()
            .map(|t| RecallQuery {
                query: t.clone(),
                include_associations: Some(false),
                ..Default::default()
            })
            .collect();
        let vecq: Vec<RecallQuery> = texts
            .iter()
            .map(|t| RecallQuery {
                query: String::new(),
                embedding: Some(e.vector(t)),
                min_relevance: Some(0.0),
                include_associations: Some(false),
                ..Default::default()
            })
            .collect();
        // Cold: a new handle's first recall (opens the space, reads pages).
        let cold = handle(&kv, true);
        let t = Instant::now();
        run(cold.recall(&sp, lex[0].clone()));
        let first = t.elapsed().as_secs_f64() * 1000.0;
        let lexical_handle = handle(&kv, false);
        let (l50, l95) = latencies(&lexical_handle, &sp, &lex);
        let (v50, v95) = latencies(&cold, &sp, &vecq);
        let (h50, h95) = latencies(&cold, &sp, &lex);
        println!("\n| {n} memories | p50 | p95 | target |");
        println!("| --- | ---: | ---: | --- |");
        println!("| lexical top-10 | {l50:.3} ms | {l95:.3} ms | |");
        println!("| vector top-10 (exact int8 scan) | {v50:.3} ms | {v95:.3} ms | |");
        println!("| hybrid top-10 (query embedded, fused) | {h50:.3} ms | {h95:.3} ms | ≤ 25 ms at 100k |");
        println!(
            "open to first hybrid recall: {first:.1} ms; index cache held afterwards {:.1} MB",
            cold.index_cache_bytes() as f64 / 1e6
        );
    }

    // int8 recall@10 against exact f32 (10k, 100 queries).
    let docs = corpus::docs(7, small(10_000));
    let vecs: Vec<Vec<f32>> = docs.iter().map(|d| e.vector(&d.text)).collect();
    let ms = handle(&kv2, true);
    let (mut hit, mut total, mut tie_hit) = (0usize, 0usize, 0usize);
    for t in corpus::queries(23, 100) {
        let qv = e.vector(&t);
        let mut exact: Vec<(usize, f32)> = vecs
            .iter()
            .enumerate()
            .map(|(i, v)| (i, dot_f32(v, &qv)))
            .collect();
        exact.sort_by(|a, b| b.1.total_cmp(&a.1));
        let want: Vec<&str> = exact
            .iter()
            .take(10)
            .map(|(i, _)| docs[*i].text.as_str())
            .collect();
        let r = run(ms.recall(
            &sp2,
            RecallQuery {
                query: String::new(),
                embedding: Some(qv),
                min_relevance: Some(0.0),
                include_associations: Some(false),
                ..Default::default()
            },
        ));
        let got: Vec<&str> = r
            .memories
            .iter()
            .map(|m| m.memory.content.as_str())
            .collect();
        total += want.len();
        hit += want.iter().filter(|w| got.contains(w)).count();
        // Tie-aware: a miss whose exact score equals (within 1e-3) the 10th exact score is a
        // tie at the boundary, not an error of the scan.
        let tenth = exact[9].1;
        tie_hit += exact
            .iter()
            .take(10)
            .filter(|(i, s)| got.contains(&docs[*i].text.as_str()) || (s - tenth).abs() < 1e-3)
            .count();
    }
    println!(
        "\nint8 vector scan recall@10 vs exact f32 (10k, 100 queries): {:.4}; ties at the 10th place counted as found: {:.4} (target ≥ 0.99)",
        hit as f64 / total as f64,
        tie_hit as f64 / total as f64
    );
}
