//! Memory and association figures for the native bench: remember one per call and in atomic
//! batches of 100, get by id, and traversal over a linked graph, at 10k memories.

use memspace::host::SystemHost;
use memspace::kv::MemoryKv;
use memspace::model::*;
use memspace::Memspace;
use std::rc::Rc;
use std::time::{Duration, Instant};

const MEMORIES: usize = 10_000;

/// splitmix64, for reproducible picks.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % n as u64) as usize
    }
}

/// A memory like extraction produces: one sentence, a subtype, two tags; every tenth one
/// carries a logical key shared with nine others, so remembering it supersedes.
fn memory(i: usize) -> NewMemory {
    let subjects = [
        "the user",
        "the project",
        "the team",
        "the customer",
        "the agent",
    ];
    let verbs = ["prefers", "uses", "decided on", "reported", "asked about"];
    let objects = [
        "dark mode",
        "PostgreSQL",
        "weekly releases",
        "a billing error",
        "Rust",
    ];
    NewMemory {
        content: format!(
            "{} {} {} (note {i}, {})",
            subjects[i % 5],
            verbs[(i / 5) % 5],
            objects[(i / 25) % 5],
            "with a little more context to make it a realistic sentence"
        ),
        subtype: Some(MemorySubtype::ALL[i % 12]),
        tags: vec![format!("topic-{}", i % 20), "bench".into()],
        importance: Some((i % 10) as f64 / 10.0),
        logical_key: i.is_multiple_of(10).then(|| format!("fact.{}", i % 1000)),
        ..Default::default()
    }
}

fn handle() -> Option<(Memspace, MemoryKv, String)> {
    let kv = MemoryKv::new();
    let ms = Memspace::new(
        Rc::new(kv.clone()),
        Rc::new(SystemHost::new()),
        Principal::new("bench", "bench"),
    )
    .ok()?;
    let space = super::run(ms.create_space(NewSpace::default()));
    Some((ms, kv, space.id))
}

/// Runs the memory figures.
pub fn bench() {
    println!("\nmemories (memory backend, {MEMORIES} memories)\n");
    let Some((ms, kv, sp)) = handle() else {
        eprintln!("bench failed: no handle");
        return;
    };
    let mut ids = Vec::with_capacity(MEMORIES);
    let mut lat = Vec::with_capacity(MEMORIES);
    let start = Instant::now();
    for i in 0..MEMORIES {
        let t = Instant::now();
        ids.push(super::run(ms.remember(&sp, memory(i))).memory.id);
        lat.push(t.elapsed());
    }
    let early: Vec<Duration> = lat[..1000].to_vec();
    let late: Vec<Duration> = lat[MEMORIES - 1000..].to_vec();
    super::report(
        "remember (one per call)",
        MEMORIES,
        start.elapsed(),
        &mut lat,
    );
    let bytes: usize = kv.snapshot().iter().map(|(k, v)| k.len() + v.len()).sum();
    println!(
        "{:<36} {:.1} MB for {MEMORIES} memories ({:.0} B/memory, keys and index entries included)",
        "  stored",
        bytes as f64 / 1e6,
        bytes as f64 / MEMORIES as f64
    );
    let (mut early, mut late) = (early, late);
    early.sort();
    late.sort();
    println!(
        "{:<36} memories 0..1k p50 {:.1} µs vs 9k..10k p50 {:.1} µs",
        "remember cost vs space size",
        super::percentile(&early, 0.5).as_secs_f64() * 1e6,
        super::percentile(&late, 0.5).as_secs_f64() * 1e6
    );

    if let Some((ms2, _, sp2)) = handle() {
        let mut blat = Vec::new();
        let start = Instant::now();
        for b in 0..MEMORIES / 100 {
            let ops = (0..100)
                .map(|i| BatchOp::Create(memory(b * 100 + i)))
                .collect();
            let t = Instant::now();
            super::run(ms2.batch_memories(&sp2, ops, true));
            blat.push(t.elapsed());
        }
        let total = start.elapsed();
        blat.sort();
        println!(
            "{:<36} {MEMORIES:>7} mems {:>10.0} mem/s  (per batch of 100: p50 {:.2} ms, p95 {:.2} ms)",
            "remember (atomic batches of 100)",
            MEMORIES as f64 / total.as_secs_f64(),
            super::percentile(&blat, 0.5).as_secs_f64() * 1e3,
            super::percentile(&blat, 0.95).as_secs_f64() * 1e3
        );
    }

    let mut rng = Rng(7);
    let mut glat = Vec::with_capacity(10_000);
    let start = Instant::now();
    for _ in 0..10_000 {
        let id = &ids[rng.below(ids.len())];
        let t = Instant::now();
        let _ = memspace::runtime::block_on(ms.get_memory(&sp, id));
        glat.push(t.elapsed());
    }
    super::report(
        "get_memory (10k memories)",
        10_000,
        start.elapsed(),
        &mut glat,
    );

    // A graph: every memory links to three random others (30k edges).
    let rels = ["related_to", "causes", "references", "builds_on"];
    let start = Instant::now();
    let mut edges = 0;
    for (i, id) in ids.iter().enumerate() {
        for k in 0..3 {
            let to = &ids[rng.below(ids.len())];
            if to == id {
                continue;
            }
            let input = NewAssociation {
                target_id: to.clone(),
                relationship: rels[(i + k) % 4].into(),
                strength: Some(0.1 + (rng.below(90) as f64) / 100.0),
                metadata: None,
            };
            if memspace::runtime::block_on(ms.associate(&sp, id, input)).is_ok_and(|r| r.is_ok()) {
                edges += 1;
            }
        }
    }
    let total = start.elapsed();
    println!(
        "{:<36} {edges:>7} ops  {:>10.0} ops/s",
        "associate",
        edges as f64 / total.as_secs_f64()
    );
    for (depth, nodes) in [(2, 50), (3, 200)] {
        let mut tlat = Vec::with_capacity(1000);
        let mut reached = 0;
        let start = Instant::now();
        for _ in 0..1000 {
            let id = &ids[rng.below(ids.len())];
            let q = TraverseQuery {
                max_depth: Some(depth),
                max_nodes: Some(nodes),
                ..Default::default()
            };
            let t = Instant::now();
            // Superseded starts are traversable too; hidden ones are `gone` and skipped.
            if let Ok(Ok(tr)) = memspace::runtime::block_on(ms.traverse(&sp, id, q)) {
                reached += tr.nodes.len();
            }
            tlat.push(t.elapsed());
        }
        super::report(
            &format!("traverse depth {depth}, ≤{nodes} nodes"),
            1000,
            start.elapsed(),
            &mut tlat,
        );
        println!(
            "{:<36} {:.1} memories reached per traversal",
            "",
            reached as f64 / 1000.0
        );
    }
}
