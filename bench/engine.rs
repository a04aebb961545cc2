//! Native engine benchmark (memory backend): append 100k events one by one and in batches of
//! 200, then read the last 20 events of the 100k-event session; then memories (remember one
//! per call and in batches, get, traverse; `memories.rs`). Prints ops/s and p50/p95; never
//! fails a build. Run with `npm run bench` (or `cargo bench --bench engine`).

mod memories;

use memspace::host::SystemHost;
use memspace::kv::MemoryKv;
use memspace::model::*;
use memspace::runtime::block_on;
use memspace::Memspace;
use serde_json::json;
use std::rc::Rc;
use std::time::{Duration, Instant};

const EVENTS: usize = 100_000;

pub(crate) fn run<T>(f: impl std::future::Future<Output = memspace::Result<T>>) -> T {
    match block_on(f) {
        Ok(Ok(v)) => v,
        Ok(Err(e)) | Err(e) => {
            eprintln!("bench failed: {e}");
            std::process::exit(0) // benches print, never fail a build
        }
    }
}

fn event(i: usize) -> NewEvent {
    // ~300 bytes encoded, like a short chat turn.
    let text = format!("message {i}: {}", "lorem ipsum dolor sit amet ".repeat(8));
    NewEvent {
        body: json!({ "content": text }),
        emitter: Emitter::new("user", "u1"),
        event_type: Some("message".into()),
    }
}

pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(idx).copied().unwrap_or_default()
}

fn setup() -> (Memspace, MemoryKv, String, String) {
    let kv = MemoryKv::new();
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
    let space = run(ms.create_space(NewSpace::default()));
    let session = run(ms.create_session(
        &space.id,
        NewSession {
            participants: vec!["u1".into()],
            ..Default::default()
        },
    ));
    (ms, kv, space.id, session.id)
}

pub(crate) fn report(name: &str, n: usize, total: Duration, lat: &mut [Duration]) {
    lat.sort();
    println!(
        "{name:<36} {n:>7} ops  {:>10.0} ops/s  p50 {:>8.1} µs  p95 {:>8.1} µs",
        n as f64 / total.as_secs_f64(),
        percentile(lat, 0.50).as_secs_f64() * 1e6,
        percentile(lat, 0.95).as_secs_f64() * 1e6
    );
}

fn main() {
    println!("memspace native bench (memory backend, release build)\n");

    let (ms, kv, sp, s) = setup();
    let mut lat = Vec::with_capacity(EVENTS);
    let start = Instant::now();
    for i in 0..EVENTS {
        let t = Instant::now();
        run(ms.post_event(&sp, &s, event(i)));
        lat.push(t.elapsed());
    }
    report(
        "post_event (one per call)",
        EVENTS,
        start.elapsed(),
        &mut lat,
    );
    let bytes: usize = kv.snapshot().iter().map(|(k, v)| k.len() + v.len()).sum();
    println!(
        "{:<36} {:.1} MB for {EVENTS} events ({:.0} B/event)",
        "  stored",
        bytes as f64 / 1e6,
        bytes as f64 / EVENTS as f64
    );

    let (ms2, _, sp2, s2) = setup();
    let batches: Vec<Vec<NewEvent>> = (0..EVENTS / 200)
        .map(|b| (0..200).map(|i| event(b * 200 + i)).collect())
        .collect();
    let mut blat = Vec::with_capacity(batches.len());
    let start = Instant::now();
    for b in batches {
        let t = Instant::now();
        run(ms2.post_events(&sp2, &s2, b));
        blat.push(t.elapsed());
    }
    let total = start.elapsed();
    println!(
        "{:<36} {EVENTS:>7} evts {:>10.0} evt/s  (per batch of 200: p50 {:.2} ms, p95 {:.2} ms)",
        "post_events (batches of 200)",
        EVENTS as f64 / total.as_secs_f64(),
        {
            blat.sort();
            percentile(&blat, 0.5).as_secs_f64() * 1e3
        },
        percentile(&blat, 0.95).as_secs_f64() * 1e3
    );

    // Append cost must not grow with session length: compare early and late appends.
    let (ms3, _, sp3, s3) = setup();
    let mut early = Vec::new();
    let mut late = Vec::new();
    for i in 0..EVENTS {
        let t = Instant::now();
        run(ms3.post_event(&sp3, &s3, event(i)));
        let d = t.elapsed();
        if i < 1000 {
            early.push(d);
        } else if i >= EVENTS - 1000 {
            late.push(d);
        }
    }
    early.sort();
    late.sort();
    println!(
        "{:<36} events 0..1k p50 {:.1} µs vs events 99k..100k p50 {:.1} µs",
        "append cost vs session length",
        percentile(&early, 0.5).as_secs_f64() * 1e6,
        percentile(&late, 0.5).as_secs_f64() * 1e6
    );

    let mut rlat = Vec::with_capacity(10_000);
    let start = Instant::now();
    for _ in 0..10_000 {
        let t = Instant::now();
        let evs = run(ms.list_events(
            &sp,
            &s,
            EventQuery {
                last_n: Some(20),
                ..Default::default()
            },
        ));
        rlat.push(t.elapsed());
        if evs.len() != 20 {
            eprintln!("unexpected read size {}", evs.len());
        }
    }
    report(
        "list_events(last_n=20) of 100k",
        10_000,
        start.elapsed(),
        &mut rlat,
    );

    memories::bench();
}
