//! Index-level tests: writes through plans and commits, queries through `search_index`,
//! against brute-force references. (Recall over memory records is tested in `tests/`.)

use super::search::IndexQuery;
use super::write::{DocChange, IndexDoc};
use crate::engine::Memspace;
use crate::host::{HashEmbedder, ManualHost};
use crate::index::bm25;
use crate::index::head::EmbeddingModel;
use crate::index::tokenize::Tokenizer;
use crate::kv::{faulty::FaultyKv, Batch, KeyRange, Kv, MemoryKv};
use crate::model::Principal;
use crate::runtime::block_on;
use crate::time::Timestamp;
use crate::ErrorCode;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

const SPACE: &str = "spc_test";

fn handle(kv: Rc<dyn Kv>) -> Memspace {
    Memspace::new(kv, Rc::new(ManualHost::default()), Principal::new("u", "t")).unwrap()
}

fn doc(id: &str, text: &str) -> IndexDoc {
    IndexDoc {
        memory_id: id.into(),
        text: text.into(),
        vector: None,
        kind: "semantic".into(),
        subtype: String::new(),
        tags: vec![],
        logical_key: None,
        importance: 0.5,
        created_at: Timestamp(1_000),
        valid_at: Timestamp(1_000),
        invalid_at: None,
        expires_at: None,
    }
}

fn write(ms: &Memspace, changes: Vec<DocChange>) -> crate::Result<()> {
    block_on(async {
        let plan = ms.plan_index(SPACE, changes).await?;
        let mut batch = Batch::new();
        batch
            .preconditions
            .extend(plan.preconditions.iter().cloned());
        batch.ops.extend(plan.ops.iter().cloned());
        ms.commit(batch).await?;
        ms.install_index_plan(plan);
        Ok(())
    })?
}

fn query(text: &str) -> IndexQuery {
    IndexQuery {
        text: text.into(),
        valid_at: Timestamp(2_000),
        depth: 50,
        channels: [true, true, true],
        ..Default::default()
    }
}

fn ids(ms: &Memspace, q: &IndexQuery) -> Vec<String> {
    let (hits, _) = block_on(ms.search_index(SPACE, q)).unwrap().unwrap();
    hits.into_iter().map(|h| h.doc.memory_id).collect()
}

fn all_keys(kv: &dyn Kv) -> Vec<(Vec<u8>, Vec<u8>)> {
    block_on(kv.scan(
        &KeyRange {
            start: vec![],
            end: None,
        },
        usize::MAX,
        false,
    ))
    .unwrap()
    .unwrap()
}

#[test]
fn a_committed_memory_is_found_by_its_words() {
    let ms = handle(Rc::new(MemoryKv::new()));
    write(
        &ms,
        vec![
            DocChange::Upsert(doc("m1", "Alice lives in Lisbon and works as a nurse")),
            DocChange::Upsert(doc("m2", "Bob prefers tea over coffee")),
        ],
    )
    .unwrap();
    assert_eq!(ids(&ms, &query("where does alice live")), vec!["m1"]);
    assert_eq!(ids(&ms, &query("Coffee?")), vec!["m2"]);
    assert!(ids(&ms, &query("quantum chromodynamics")).is_empty());
    // A second handle (another tab) reads the same index from storage.
    let other = handle(ms.kv().clone());
    assert_eq!(ids(&other, &query("nurse")), vec!["m1"]);
}

#[test]
fn an_update_replaces_the_terms_of_the_old_text() {
    let ms = handle(Rc::new(MemoryKv::new()));
    let old = doc("m1", "Alice lives in Lisbon");
    write(&ms, vec![DocChange::Upsert(old.clone())]).unwrap();
    write(
        &ms,
        vec![DocChange::Upsert(doc("m1", "Alice lives in Porto"))],
    )
    .unwrap();
    assert!(ids(&ms, &query("Lisbon")).is_empty());
    assert_eq!(ids(&ms, &query("Porto")), vec!["m1"]);
    let head = block_on(ms.index_head_now(SPACE)).unwrap().unwrap();
    assert_eq!((head.docs, head.total_len, head.next_ord), (1, 3, 1));
}

#[test]
fn a_removed_memory_leaves_no_term_behind() {
    let kv: Rc<dyn Kv> = Rc::new(MemoryKv::new());
    let ms = handle(kv.clone()).with_embedder(Rc::new(HashEmbedder::new(32)));
    let keep = doc("m1", "Alice lives in Lisbon");
    let mut gone = doc("m2", "Zebulon secretword lives in Reykjavik");
    gone.tags = vec!["classified".into()];
    gone.logical_key = Some("zebulon.city".into());
    write(&ms, vec![DocChange::Upsert(keep.clone())]).unwrap();
    write(&ms, vec![DocChange::Upsert(gone.clone())]).unwrap();
    // Both memories are still in delta records (one per write) when the removal comes.
    assert_eq!(
        all_keys(kv.as_ref())
            .iter()
            .filter(|(k, _)| k.starts_with(b"rx\0"))
            .count(),
        2
    );
    assert_eq!(ids(&ms, &query("secretword")), vec!["m2"]);
    write(&ms, vec![DocChange::Remove(gone.memory_id)]).unwrap();
    assert!(ids(&ms, &query("secretword zebulon reykjavik classified")).is_empty());
    let after = all_keys(kv.as_ref());
    // The removal folded the deltas: no delta record is left, and the posting pages are
    // exactly those of the memory that stays.
    assert!(!after.iter().any(|(k, _)| k.starts_with(b"rx\0")));
    let posting_terms: BTreeSet<String> = after
        .iter()
        .filter(|(k, _)| k.starts_with(b"rp\0"))
        .filter_map(|(k, _)| {
            crate::codec::keys::string_parts(&k[..k.len() - 8]).and_then(|mut p| p.pop())
        })
        .collect();
    let want: BTreeSet<String> = super::write::doc_terms(&Tokenizer::new(), &keep)
        .0
        .into_keys()
        .collect();
    assert_eq!(posting_terms, want);
    assert_eq!(ids(&ms, &query("alice lisbon")), vec!["m1"]);
    for (k, v) in all_keys(kv.as_ref()) {
        for needle in [
            &b"secretword"[..],
            b"reykjavik",
            b"zebulon",
            b"classified",
            b"m2",
        ] {
            assert!(
                !k.windows(needle.len()).any(|w| w == needle),
                "key holds {needle:?}"
            );
            assert!(
                !v.windows(needle.len()).any(|w| w == needle),
                "value holds {needle:?}"
            );
        }
    }
    let head = block_on(ms.index_head_now(SPACE)).unwrap().unwrap();
    assert_eq!((head.docs, head.vectors), (1, 1));
}

#[test]
fn superseded_and_expired_memories_are_found_only_while_they_were_valid() {
    let ms = handle(Rc::new(MemoryKv::new()));
    let mut old = doc("m1", "Alice lives in Lisbon");
    old.invalid_at = Some(Timestamp(1_500));
    let mut temp = doc("m2", "Alice is in Lisbon this week");
    temp.expires_at = Some(Timestamp(1_800));
    write(&ms, vec![DocChange::Upsert(old), DocChange::Upsert(temp)]).unwrap();
    assert!(ids(&ms, &query("Lisbon")).is_empty());
    let mut past = query("Lisbon");
    past.valid_at = Timestamp(1_400);
    assert_eq!(ids(&ms, &past), vec!["m1", "m2"]);
    past.valid_at = Timestamp(1_600);
    assert_eq!(ids(&ms, &past), vec!["m2"]);
    past.valid_at = Timestamp(999);
    assert!(ids(&ms, &past).is_empty());
}

#[test]
fn filters_on_type_subtype_all_tags_and_creation_time() {
    let ms = handle(Rc::new(MemoryKv::new()));
    let mut a = doc("a", "deploy checklist for the api");
    a.kind = "procedural".into();
    a.subtype = "workflow".into();
    a.tags = vec!["ops".into(), "api".into()];
    let mut b = doc("b", "deploy failed on the api");
    b.kind = "episodic".into();
    b.subtype = "error".into();
    b.tags = vec!["ops".into()];
    b.created_at = Timestamp(1_200);
    write(&ms, vec![DocChange::Upsert(a), DocChange::Upsert(b)]).unwrap();
    let mut q = query("deploy api");
    assert_eq!(ids(&ms, &q).len(), 2);
    q.types = vec!["procedural".into()];
    assert_eq!(ids(&ms, &q), vec!["a"]);
    q.types = vec![];
    q.subtypes = vec!["error".into()];
    assert_eq!(ids(&ms, &q), vec!["b"]);
    q.subtypes = vec![];
    q.tags = vec!["ops".into(), "api".into()];
    assert_eq!(ids(&ms, &q), vec!["a"]);
    q.tags = vec![];
    q.created_after = Some(Timestamp(1_100));
    assert_eq!(ids(&ms, &q), vec!["b"]);
    q.created_after = None;
    q.created_before = Some(Timestamp(1_100));
    assert_eq!(ids(&ms, &q), vec!["a"]);
}

#[test]
fn a_tag_or_logical_key_spelled_in_the_query_is_an_exact_match() {
    let ms = handle(Rc::new(MemoryKv::new()));
    let mut a = doc("a", "Porto");
    a.logical_key = Some("user.city".into());
    write(
        &ms,
        vec![
            DocChange::Upsert(a),
            DocChange::Upsert(doc("b", "the user likes the city at night")),
        ],
    )
    .unwrap();
    let mut q = query("user city");
    q.channels = [false, false, true];
    let (hits, _) = block_on(ms.search_index(SPACE, &q)).unwrap().unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].doc.memory_id, "a");
    assert_eq!(hits[0].fused.channels[2].unwrap().relevance, 1.0);
}

#[test]
fn a_space_keeps_one_embedding_model_and_dimension_count() {
    let ms = handle(Rc::new(MemoryKv::new()));
    let mut a = doc("a", "x");
    a.vector = Some((
        vec![1.0, 0.0, 0.0],
        EmbeddingModel {
            id: "m".into(),
            dims: 3,
        },
    ));
    write(&ms, vec![DocChange::Upsert(a)]).unwrap();
    let mut b = doc("b", "y");
    b.vector = Some((
        vec![1.0, 0.0],
        EmbeddingModel {
            id: "m".into(),
            dims: 2,
        },
    ));
    let e = write(&ms, vec![DocChange::Upsert(b.clone())]).unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    b.vector = Some((
        vec![1.0, 0.0, 0.0],
        EmbeddingModel {
            id: "other".into(),
            dims: 3,
        },
    ));
    assert_eq!(
        write(&ms, vec![DocChange::Upsert(b.clone())])
            .unwrap_err()
            .code,
        ErrorCode::Validation
    );
    b.vector = Some((
        vec![f32::NAN, 0.0, 0.0],
        EmbeddingModel {
            id: "m".into(),
            dims: 3,
        },
    ));
    assert_eq!(
        write(&ms, vec![DocChange::Upsert(b)]).unwrap_err().code,
        ErrorCode::Validation
    );
    let head = block_on(ms.index_head_now(SPACE)).unwrap().unwrap();
    assert_eq!(head.docs, 1);
}

#[test]
fn an_unchanged_text_keeps_its_vector_and_a_changed_one_is_re_embedded() {
    let ms = handle(Rc::new(MemoryKv::new())).with_embedder(Rc::new(HashEmbedder::new(64)));
    let a = doc("a", "Alice lives in Lisbon");
    write(&ms, vec![DocChange::Upsert(a.clone())]).unwrap();
    let mut b = a.clone();
    b.importance = 0.9;
    write(&ms, vec![DocChange::Upsert(b.clone())]).unwrap();
    let mut q = query("");
    q.vector = Some(HashEmbedder::new(64).vector("Alice lives in Lisbon"));
    let (hits, head) = block_on(ms.search_index(SPACE, &q)).unwrap().unwrap();
    assert_eq!((hits.len(), head.vectors), (1, 1));
    assert!(hits[0].fused.channels[1].unwrap().raw > 0.98);
    let mut c = b.clone();
    c.text = "Bob plays chess".into();
    write(&ms, vec![DocChange::Upsert(c)]).unwrap();
    let (hits, _) = block_on(ms.search_index(SPACE, &q)).unwrap().unwrap();
    assert!(hits[0].fused.channels[1].unwrap().raw < 0.5);
}

/// splitmix64, for seeded random data.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const WORDS: &[&str] = &[
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet",
    "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango",
    "uniform", "victor", "whiskey",
];

fn random_text(r: &mut Rng) -> String {
    let n = 1 + r.below(12) as usize;
    (0..n)
        .map(|_| WORDS[r.below(WORDS.len() as u64) as usize])
        .collect::<Vec<_>>()
        .join(" ")
}

/// The reference: BM25 computed from scratch over the live texts.
fn reference_scores(live: &BTreeMap<String, String>, q: &str) -> Vec<(String, f32)> {
    let tok = Tokenizer::new();
    let docs: Vec<(String, BTreeMap<String, u32>, u32)> = live
        .iter()
        .map(|(id, t)| {
            let (c, l) = tok.term_counts(t);
            (id.clone(), c, l)
        })
        .collect();
    let n = docs.len() as u64;
    let avg = if n == 0 {
        1.0
    } else {
        (docs.iter().map(|d| d.2 as f64).sum::<f64>() / n as f64).max(1.0) as f32
    };
    let qt: BTreeSet<String> = tok.terms(q).into_iter().collect();
    let mut out = Vec::new();
    for (id, c, l) in &docs {
        let mut s = 0f32;
        for t in &qt {
            if let Some(tf) = c.get(t) {
                let df = docs.iter().filter(|d| d.1.contains_key(t)).count() as u64;
                s += bm25::term_score(bm25::idf(n, df), *tf as u16, *l as u16, avg);
            }
        }
        if s > 0.0 {
            out.push((id.clone(), s));
        }
    }
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    out
}

#[test]
fn lexical_ranking_equals_a_brute_force_bm25_through_random_writes() {
    for seed in 1..=6u64 {
        let mut r = Rng(seed);
        let ms = handle(Rc::new(MemoryKv::new()));
        let mut live: BTreeMap<String, String> = BTreeMap::new();
        for step in 0..120 {
            let id = format!("m{}", r.below(40));
            let change = match (live.get(&id).cloned(), r.below(4)) {
                (Some(_), 0) => {
                    live.remove(&id);
                    DocChange::Remove(id.clone())
                }
                (_, _) => {
                    let text = random_text(&mut r);
                    live.insert(id.clone(), text.clone());
                    DocChange::Upsert(doc(&id, &text))
                }
            };
            write(&ms, vec![change]).unwrap();
            if step % 10 == 9 {
                let q = format!(
                    "{} {}",
                    WORDS[r.below(23) as usize],
                    WORDS[r.below(23) as usize]
                );
                let mut iq = query(&q);
                iq.channels = [true, false, false];
                iq.depth = 100;
                let (hits, _) = block_on(ms.search_index(SPACE, &iq)).unwrap().unwrap();
                let got: Vec<(String, f32)> = hits
                    .iter()
                    .map(|h| (h.doc.memory_id.clone(), h.fused.channels[0].unwrap().raw))
                    .collect();
                let want = reference_scores(&live, &q);
                assert_eq!(got.len(), want.len(), "seed {seed} step {step} query {q}");
                for (g, w) in got.iter().zip(&want) {
                    assert!(
                        (g.1 - w.1).abs() < 1e-4,
                        "seed {seed} step {step}: {g:?} vs {w:?}"
                    );
                }
                let mut g: Vec<_> = got.iter().map(|x| x.0.clone()).collect();
                let mut w: Vec<_> = want.iter().map(|x| x.0.clone()).collect();
                g.sort();
                w.sort();
                assert_eq!(g, w);
                // A fresh handle (no cache) agrees with the warm one.
                let cold = handle(ms.kv().clone());
                let (cold_hits, _) = block_on(cold.search_index(SPACE, &iq)).unwrap().unwrap();
                assert_eq!(cold_hits.len(), hits.len());
            }
        }
        let head = block_on(ms.index_head_now(SPACE)).unwrap().unwrap();
        assert_eq!(head.docs as usize, live.len());
    }
}

#[test]
fn int8_vector_top_ten_matches_exact_f32_at_least_99_percent() {
    let e = HashEmbedder::new(384);
    let ms = handle(Rc::new(MemoryKv::new())).with_embedder(Rc::new(HashEmbedder::new(384)));
    let mut r = Rng(7);
    let texts: Vec<String> = (0..600).map(|_| random_text(&mut r)).collect();
    let changes = texts
        .iter()
        .enumerate()
        .map(|(i, t)| DocChange::Upsert(doc(&format!("m{i}"), t)))
        .collect();
    write(&ms, changes).unwrap();
    let vecs: Vec<Vec<f32>> = texts.iter().map(|t| e.vector(t)).collect();
    let (mut found, mut total) = (0usize, 0usize);
    for qi in 0..50 {
        let qv = e.vector(&random_text(&mut r));
        let mut exact: Vec<(usize, f32)> = vecs
            .iter()
            .enumerate()
            .map(|(i, v)| (i, crate::index::simd::dot_f32(v, &qv)))
            .collect();
        exact.sort_by(|a, b| b.1.total_cmp(&a.1));
        let mut q = query("");
        q.vector = Some(qv);
        q.channels = [false, true, false];
        q.depth = 10;
        let (hits, _) = block_on(ms.search_index(SPACE, &q)).unwrap().unwrap();
        let got: BTreeSet<String> = hits.iter().map(|h| h.doc.memory_id.clone()).collect();
        // Ties at the 10th place count as found.
        let tenth = exact[9].1;
        for (i, s) in exact.iter().take_while(|x| x.1 >= tenth - 1e-6).take(10) {
            total += 1;
            if got.contains(&format!("m{i}")) || (*s - tenth).abs() < 1e-6 {
                found += 1;
            }
        }
        let _ = qi;
    }
    let recall = found as f64 / total as f64;
    assert!(recall >= 0.99, "int8 recall@10 {recall}");
}

#[test]
fn a_crash_at_any_index_write_on_an_atomic_backend_leaves_the_index_before_or_after() {
    let base = MemoryKv::new();
    let setup = handle(Rc::new(base.clone()));
    let first = doc("m1", "Alice lives in Lisbon");
    write(&setup, vec![DocChange::Upsert(first.clone())]).unwrap();
    let before = ids(&setup, &query("Alice Porto Lisbon"));
    for n in 0..12 {
        let faulty = Rc::new(FaultyKv::new(MemoryKv::from_map(base.snapshot()), true));
        let ms = handle(faulty.clone());
        faulty.crash_after(n);
        let res = write(
            &ms,
            vec![
                DocChange::Upsert(doc("m1", "Alice lives in Porto")),
                DocChange::Upsert(doc("m2", "Alice visits Porto")),
            ],
        );
        let reopened = handle(Rc::new(faulty.data()));
        let seen = ids(&reopened, &query("Alice Porto Lisbon"));
        if res.is_ok() {
            assert_eq!(seen, vec!["m1", "m2"], "crash after {n}");
        } else {
            assert_eq!(seen, before, "crash after {n}");
            assert!(faulty.crashed());
        }
    }
}

/// Plays a quality history into the index (supersession, rewrites, forgetting, expiry as
/// the memory layer will do them) and scores the three channel configurations.
fn quality_run(seed: u64, people: usize) -> Vec<(&'static str, crate::testkit::quality::Scores)> {
    use crate::testkit::quality::{history, Scores, Step};
    let h = history(seed, people);
    let ms = handle(Rc::new(MemoryKv::new())).with_embedder(Rc::new(HashEmbedder::new(384)));
    let mut live: BTreeMap<usize, IndexDoc> = BTreeMap::new();
    let mut by_key: BTreeMap<String, usize> = BTreeMap::new();
    let at = |s: i64| Timestamp::from_secs(1_767_225_600 + s);
    for (t, step) in &h.steps {
        let now = at(*t);
        let mk = |i: usize, content: &str| {
            let g = &h.memories[i];
            IndexDoc {
                memory_id: format!("g{i}"),
                text: content.to_string(),
                vector: None,
                kind: g.kind.into(),
                subtype: g.subtype.into(),
                tags: g.tags.clone(),
                logical_key: g.logical_key.clone(),
                importance: g.importance,
                created_at: now,
                valid_at: now,
                invalid_at: None,
                expires_at: g.expires_after.map(|e| now.plus_secs(e)),
            }
        };
        let mut changes = Vec::new();
        match step {
            Step::Remember(i) => {
                let d = mk(*i, &h.memories[*i].content);
                if let Some(k) = &d.logical_key {
                    if let Some(prev) = by_key.insert(k.clone(), *i) {
                        if let Some(old) = live.get(&prev).cloned() {
                            let mut closed = old.clone();
                            closed.invalid_at = Some(now);
                            live.insert(prev, closed.clone());
                            changes.push(DocChange::Upsert(closed));
                        }
                    }
                }
                live.insert(*i, d.clone());
                changes.push(DocChange::Upsert(d));
            }
            Step::Rewrite { target, with } => {
                let old = live[target].clone();
                let mut d = old.clone();
                d.text = h.memories[*with].content.clone();
                live.insert(*target, d.clone());
                changes.push(DocChange::Upsert(d));
            }
            Step::Forget { target, .. } => {
                if let Some(old) = live.remove(target) {
                    changes.push(DocChange::Remove(old.memory_id));
                }
            }
        }
        write(&ms, changes).unwrap();
    }
    let e = HashEmbedder::new(384);
    let mut out = Vec::new();
    for (name, channels) in [
        ("lexical", [true, false, true]),
        ("vector", [false, true, false]),
        ("fused", [true, true, true]),
    ] {
        let mut s = Scores::default();
        for q in &h.queries {
            let mut iq = query(&q.text);
            iq.valid_at = at(h.end);
            iq.vector = Some(e.vector(&q.text));
            iq.channels = channels;
            iq.depth = 30;
            let (mut hits, _) = block_on(ms.search_index(SPACE, &iq)).unwrap().unwrap();
            for hit in &mut hits {
                let age = (at(h.end).0 - hit.doc.created_at) as f64 / 3.6e9;
                crate::index::fusion::bias(&mut hit.fused, hit.doc.importance, 0.2, age);
            }
            hits.sort_by(|a, b| {
                b.fused
                    .score
                    .total_cmp(&a.fused.score)
                    .then(a.fused.ord.cmp(&b.fused.ord))
            });
            let ranked: Vec<(Option<usize>, String)> = hits
                .iter()
                .take(10)
                .map(|hit| {
                    let i = hit
                        .doc
                        .memory_id
                        .trim_start_matches('g')
                        .parse::<usize>()
                        .ok();
                    (
                        i,
                        i.and_then(|i| live.get(&i))
                            .map(|d| d.text.clone())
                            .unwrap_or_default(),
                    )
                })
                .collect();
            s.add(q, &h, &ranked);
        }
        out.push((name, s.finish()));
    }
    out
}

#[test]
fn quality_histories_never_return_stale_forgotten_or_expired_memories() {
    for (name, s) in quality_run(11, 40) {
        println!(
            "{name:8} R@1 {:.3} R@5 {:.3} MRR {:.3} ({} queries)",
            s.recall_at_1, s.recall_at_5, s.mrr, s.queries
        );
        assert_eq!(s.stale_results, 0, "{name}: stale facts returned");
        assert_eq!(
            s.deleted_results, 0,
            "{name}: forgotten or expired memories returned"
        );
        assert!(s.recall_at_5 > 0.5, "{name}: recall@5 {}", s.recall_at_5);
    }
}

#[test]
fn a_warm_handle_serves_no_cached_record_another_handle_changed_without_touching_the_index() {
    use crate::model::{MemoryUpdate, NewMemory, NewSpace, RecallQuery};
    let kv = MemoryKv::new();
    let host = Rc::new(ManualHost::default());
    let principal = Principal::new("u", "t");
    let writer = Memspace::new(Rc::new(kv.clone()), host.clone(), principal.clone()).unwrap();
    let reader = Memspace::new(Rc::new(kv.clone()), host, principal).unwrap();
    let sp = block_on(writer.create_space(NewSpace::default()))
        .unwrap()
        .unwrap()
        .id;
    let remembered = |content: &str| NewMemory {
        content: content.into(),
        ..Default::default()
    };
    let a = block_on(writer.remember(&sp, remembered("Persimmon tart for the picnic")))
        .unwrap()
        .unwrap()
        .memory
        .id;
    let recall = |ms: &Memspace| {
        block_on(ms.recall(
            &sp,
            RecallQuery {
                query: "persimmon tart".into(),
                min_relevance: Some(0.0),
                ..Default::default()
            },
        ))
        .unwrap()
        .unwrap()
        .memories
    };
    // Twice: the second recall is warm and serves the record from the reader's cache.
    assert_eq!(recall(&reader)[0].memory.id, a);
    assert!(recall(&reader)[0].memory.metadata.is_empty());
    let index_head = || {
        kv.snapshot()
            .get(&crate::engine::layout::index_head(&sp))
            .cloned()
    };
    let before = index_head();
    // Every write of an indexed record moves the index generation too; a handle that skips
    // the index makes the one write that does not, so only the memory head tells the reader.
    let unindexed = Memspace::new(
        Rc::new(kv.clone()),
        Rc::new(ManualHost::default()),
        Principal::new("u", "t"),
    )
    .unwrap();
    unindexed.skip_recall_index_for_benchmarks();
    let mut metadata = serde_json::Map::new();
    metadata.insert("dish".into(), "dessert".into());
    block_on(unindexed.update_memory(
        &sp,
        &a,
        MemoryUpdate {
            metadata: Some(metadata.clone()),
            ..Default::default()
        },
    ))
    .unwrap()
    .unwrap();
    assert_eq!(index_head(), before, "the index is as it was");
    let got = recall(&reader);
    assert_eq!(got[0].memory.metadata, metadata, "the record as stored now");
    // A soft forget through the writer: the reader's warm cache never returns it.
    block_on(writer.forget_memory(&sp, &a, false))
        .unwrap()
        .unwrap();
    assert!(recall(&reader).is_empty());
}
