//! Recall over memory records (issue "Recall"): one test per parameter and rule, named after
//! the behaviour, on the memory backend with a manual clock.

mod recall_common;

use memspace::host::{Embedder, HashEmbedder, Host, ManualHost};
use memspace::kv::{KeyRange, Kv};
use memspace::model::*;
use memspace::{ErrorCode, Memspace};
use recall_common::*;
use std::rc::Rc;

#[test]
fn a_remembered_memory_is_recalled_by_its_words() {
    let (ms, _, _, sp) = setup(false);
    let a = remember(&ms, &sp, "Alice lives in Lisbon and works as a nurse");
    let b = remember(&ms, &sp, "Bob prefers green tea over coffee");
    assert_eq!(ids(&ms, &sp, q("Where does Alice live?")), vec![a.clone()]);
    assert_eq!(ids(&ms, &sp, q("coffee")), vec![b]);
    let r = run(ms.recall(&sp, q("alice nurse"))).unwrap();
    assert_eq!(
        r.memories[0].memory.content,
        "Alice lives in Lisbon and works as a nurse"
    );
    assert_eq!((r.mode_used, r.total_count), (RecallMode::Rag, 1));
    assert!(r.memories[0].relevance_score > 0.0 && r.memories[0].relevance_score <= 1.0);
    assert!(r.memories[0].boosted_score > 0.0 && r.memories[0].boosted_score <= 1.0);
    assert_index_consistent(&ms, &sp);
}

#[test]
fn a_soft_forgotten_memory_is_never_recalled_and_a_restored_one_is_again() {
    let (ms, _, _, sp) = setup(true);
    let a = remember(&ms, &sp, "The vault code is 4711");
    run(ms.forget_memory(&sp, &a, false)).unwrap();
    assert!(ids(&ms, &sp, q("vault code 4711")).is_empty());
    assert_index_consistent(&ms, &sp);
    run(ms.restore_memory(&sp, &a)).unwrap();
    assert_eq!(ids(&ms, &sp, q("vault code")), vec![a]);
    assert_index_consistent(&ms, &sp);
}

#[test]
fn a_hard_forgotten_memory_leaves_no_term_behind() {
    let (ms, kv, _, sp) = setup(true);
    remember(&ms, &sp, "Alice lives in Lisbon");
    let secret = remember_with(
        &ms,
        &sp,
        NewMemory {
            content: "Zebulon keeps the password hunter2xyz in Reykjavik".into(),
            tags: vec!["classified".into()],
            logical_key: Some("zebulon.password".into()),
            ..Default::default()
        },
    );
    run(ms.forget_memory(&sp, &secret, true)).unwrap();
    let found = ids(
        &ms,
        &sp,
        q("Zebulon password hunter2xyz Reykjavik classified"),
    );
    assert!(!found.contains(&secret));
    let all = memspace::runtime::block_on(kv.scan(
        &KeyRange {
            start: vec![],
            end: None,
        },
        usize::MAX,
        false,
    ))
    .unwrap()
    .unwrap();
    for (k, v) in all {
        for needle in ["zebulon", "hunter2xyz", "reykjavik", "classifi", "password"] {
            let n = needle.as_bytes();
            assert!(
                !k.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n)),
                "a key still holds {needle}: {k:?}"
            );
            assert!(
                !v.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n)),
                "a value still holds {needle}"
            );
        }
    }
    assert_index_consistent(&ms, &sp);
}

#[test]
fn a_superseded_fact_is_recalled_only_as_of_a_time_it_was_valid() {
    let (ms, _, host, sp) = setup(false);
    let keyed = |c: &str| NewMemory {
        content: c.into(),
        logical_key: Some("user.city".into()),
        ..Default::default()
    };
    let old = remember_with(&ms, &sp, keyed("The user lives in Lisbon"));
    let then = Host::now(&host);
    host.advance_secs(3600);
    let new = remember_with(&ms, &sp, keyed("The user lives in Porto"));
    assert_eq!(
        ids(&ms, &sp, q("where does the user live")),
        vec![new.clone()]
    );
    let mut past = q("where does the user live");
    past.valid_at = Some(then);
    assert_eq!(ids(&ms, &sp, past), vec![old]);
    assert_index_consistent(&ms, &sp);
}

#[test]
fn an_expired_memory_is_not_recalled() {
    let (ms, _, host, sp) = setup(false);
    let soon = Host::now(&host).plus_secs(60);
    remember_with(
        &ms,
        &sp,
        NewMemory {
            content: "Parking spot 42 today".into(),
            expires_at: Some(soon),
            ..Default::default()
        },
    );
    assert_eq!(ids(&ms, &sp, q("parking spot")).len(), 1);
    host.advance_secs(61);
    assert!(ids(&ms, &sp, q("parking spot")).is_empty());
    run(ms.sweep(100)).unwrap();
    assert!(ids(&ms, &sp, q("parking spot")).is_empty());
    assert_index_consistent(&ms, &sp);
}

#[test]
fn an_update_is_recalled_by_its_new_words_only() {
    let (ms, _, _, sp) = setup(true);
    let a = remember(&ms, &sp, "Standup is at 9am");
    run(ms.update_memory(
        &sp,
        &a,
        MemoryUpdate {
            content: Some("Standup moved to 10am".into()),
            ..Default::default()
        },
    ))
    .unwrap();
    let strict = |t: &str| RecallQuery {
        query: t.into(),
        tolerance: Some(Tolerance::Strict),
        ..Default::default()
    };
    assert!(ids(&ms, &sp, strict("9am")).is_empty());
    assert_eq!(ids(&ms, &sp, strict("10am")), vec![a]);
    assert_index_consistent(&ms, &sp);
}

#[test]
fn types_and_subtypes_filter_results() {
    let (ms, _, _, sp) = setup(false);
    let a = remember_with(
        &ms,
        &sp,
        NewMemory {
            content: "deploy checklist for the api".into(),
            memory_type: Some(MemoryType::Procedural),
            subtype: Some(MemorySubtype::Workflow),
            ..Default::default()
        },
    );
    let b = remember_with(
        &ms,
        &sp,
        NewMemory {
            content: "the api deploy failed".into(),
            memory_type: Some(MemoryType::Episodic),
            subtype: Some(MemorySubtype::Error),
            ..Default::default()
        },
    );
    assert_eq!(ids(&ms, &sp, q("api deploy")).len(), 2);
    assert_eq!(
        ids(
            &ms,
            &sp,
            RecallQuery {
                types: vec![MemoryType::Procedural],
                ..q("api deploy")
            }
        ),
        vec![a]
    );
    assert_eq!(
        ids(
            &ms,
            &sp,
            RecallQuery {
                subtypes: vec![MemorySubtype::Error],
                ..q("api deploy")
            }
        ),
        vec![b]
    );
}

#[test]
fn tags_must_all_match() {
    let (ms, _, _, sp) = setup(false);
    let a = remember_with(
        &ms,
        &sp,
        NewMemory {
            content: "rotate the keys monthly".into(),
            tags: vec!["ops".into(), "security".into()],
            ..Default::default()
        },
    );
    remember_with(
        &ms,
        &sp,
        NewMemory {
            content: "rotate the logs daily".into(),
            tags: vec!["ops".into()],
            ..Default::default()
        },
    );
    assert_eq!(
        ids(
            &ms,
            &sp,
            RecallQuery {
                tags: vec!["ops".into()],
                ..q("rotate")
            }
        )
        .len(),
        2
    );
    assert_eq!(
        ids(
            &ms,
            &sp,
            RecallQuery {
                tags: vec!["ops".into(), "security".into()],
                ..q("rotate")
            }
        ),
        vec![a]
    );
    assert!(ids(
        &ms,
        &sp,
        RecallQuery {
            tags: vec!["nope".into()],
            ..q("rotate")
        }
    )
    .is_empty());
}

#[test]
fn created_after_and_before_bound_creation_time() {
    let (ms, _, host, sp) = setup(false);
    let a = remember(&ms, &sp, "release notes draft one");
    host.advance_secs(100);
    let mid = Host::now(&host);
    let b = remember(&ms, &sp, "release notes draft two");
    assert_eq!(
        ids(
            &ms,
            &sp,
            RecallQuery {
                created_after: Some(mid),
                ..q("release notes")
            }
        ),
        vec![b]
    );
    assert_eq!(
        ids(
            &ms,
            &sp,
            RecallQuery {
                created_before: Some(mid),
                ..q("release notes")
            }
        ),
        vec![a]
    );
    expect_code(
        run(ms.recall(
            &sp,
            RecallQuery {
                created_after: Some(mid),
                created_before: Some(mid),
                ..q("x")
            },
        )),
        ErrorCode::Validation,
    );
}

#[test]
fn limit_defaults_to_ten_and_must_be_one_to_a_hundred_and_offset_pages() {
    let (ms, _, _, sp) = setup(false);
    for i in 0..25 {
        remember(&ms, &sp, &format!("meeting note number {i} about budgets"));
    }
    let all = ids(
        &ms,
        &sp,
        RecallQuery {
            limit: Some(100),
            ..q("budgets")
        },
    );
    assert_eq!(all.len(), 25);
    assert_eq!(ids(&ms, &sp, q("budgets")).len(), 10);
    assert_eq!(
        ids(
            &ms,
            &sp,
            RecallQuery {
                limit: Some(5),
                offset: Some(5),
                ..q("budgets")
            }
        ),
        all[5..10].to_vec()
    );
    assert_eq!(run(ms.recall(&sp, q("budgets"))).unwrap().total_count, 25);
    for bad in [0, 101] {
        expect_code(
            run(ms.recall(
                &sp,
                RecallQuery {
                    limit: Some(bad),
                    ..q("x")
                },
            )),
            ErrorCode::Validation,
        );
    }
    expect_code(
        run(ms.recall(
            &sp,
            RecallQuery {
                offset: Some(5000),
                ..q("x")
            },
        )),
        ErrorCode::Validation,
    );
}

#[test]
fn llm_and_hybrid_modes_are_unsupported_without_a_host_llm() {
    let (ms, _, _, sp) = setup(false);
    remember(&ms, &sp, "something");
    for mode in [RecallMode::Llm, RecallMode::Hybrid] {
        expect_code(
            run(ms.recall(
                &sp,
                RecallQuery {
                    mode: Some(mode),
                    ..q("something")
                },
            )),
            ErrorCode::Unsupported,
        );
    }
    assert_eq!(
        run(ms.recall(
            &sp,
            RecallQuery {
                mode: Some(RecallMode::Rag),
                ..q("something")
            }
        ))
        .unwrap()
        .mode_used,
        RecallMode::Rag
    );
}

#[test]
fn reflect_is_unsupported_without_a_host_llm_and_never_fakes_an_answer() {
    let (ms, _, _, sp) = setup(false);
    remember(&ms, &sp, "The team ships on Fridays");
    let e = expect_code(
        run(ms.reflect(&sp, "when do we ship?", Some(500), Some(true))),
        ErrorCode::Unsupported,
    );
    assert_eq!(e.details["capability"], "llm");
    expect_code(
        run(ms.reflect(&sp, "  ", None, None)),
        ErrorCode::Validation,
    );
}

#[test]
fn tolerance_floors_and_min_relevance_threshold_results() {
    let (ms, _, _, sp) = setup(false);
    for filler in [
        "lunch menu on friday",
        "printer jam again",
        "team offsite in june",
        "new laptop request",
        "parking rules",
        "holiday calendar",
        "quarterly goals",
        "budget",
    ] {
        remember(&ms, &sp, filler);
    }
    let full = remember(&ms, &sp, "quarterly budget review");
    let partial = remember(&ms, &sp, "the budget");
    let q3 = |t: Option<Tolerance>, m: Option<f64>| RecallQuery {
        query: "quarterly budget review".into(),
        tolerance: t,
        min_relevance: m,
        include_associations: Some(false),
        ..Default::default()
    };
    let strict = ids(&ms, &sp, q3(Some(Tolerance::Strict), None));
    assert_eq!(strict, vec![full.clone()]);
    let loose = ids(&ms, &sp, q3(Some(Tolerance::Loose), None));
    assert!(
        loose.contains(&full) && loose.contains(&partial),
        "{loose:?}"
    );
    // min_relevance above the floor raises the bar; at or below zero every match counts.
    assert_eq!(
        ids(&ms, &sp, q3(Some(Tolerance::Loose), Some(0.7))),
        vec![full.clone()]
    );
    assert_eq!(
        ids(&ms, &sp, q3(Some(Tolerance::Strict), Some(-1.0))).len(),
        4 // full, partial, "quarterly goals" and "budget": every memory sharing a word
    );
    let r = run(ms.recall(&sp, q3(None, None))).unwrap();
    assert!(r.memories.iter().all(|m| m.relevance_score >= 0.3));
    expect_code(
        run(ms.recall(&sp, q3(None, Some(1.5)))),
        ErrorCode::Validation,
    );
}

#[test]
fn recency_weight_reorders_but_never_filters() {
    let (ms, _, host, sp) = setup(false);
    let old = remember(&ms, &sp, "lunch order sushi");
    host.advance_secs(60 * 24 * 3600);
    let new = remember(&ms, &sp, "lunch order sushi please");
    let with = |w: f64| RecallQuery {
        recency_weight: Some(w),
        ..q("lunch order sushi")
    };
    assert_eq!(ids(&ms, &sp, with(0.0)), vec![old.clone(), new.clone()]);
    assert_eq!(ids(&ms, &sp, with(1.0)), vec![new.clone(), old.clone()]);
    let r = run(ms.recall(
        &sp,
        RecallQuery {
            explain: true,
            ..with(0.2)
        },
    ))
    .unwrap();
    assert_eq!(r.memories.len(), 2);
    for m in &r.memories {
        let e = m.explain.as_ref().unwrap();
        assert!(e.recency_factor >= 0.8 - 1e-9 && e.recency_factor <= 1.0);
    }
    expect_code(run(ms.recall(&sp, with(1.5))), ErrorCode::Validation);
}

#[test]
fn importance_biases_the_score_within_bounds() {
    let (ms, _, _, sp) = setup(false);
    let low = remember_with(
        &ms,
        &sp,
        NewMemory {
            content: "printer on floor two".into(),
            importance: Some(0.0),
            ..Default::default()
        },
    );
    let high = remember_with(
        &ms,
        &sp,
        NewMemory {
            content: "printer on floor two".to_string() + " ",
            importance: Some(1.0),
            ..Default::default()
        },
    );
    let r = run(ms.recall(
        &sp,
        RecallQuery {
            explain: true,
            ..q("printer floor")
        },
    ))
    .unwrap();
    assert_eq!(
        r.memories
            .iter()
            .map(|m| m.memory.id.clone())
            .collect::<Vec<_>>(),
        vec![high, low]
    );
    let f: Vec<f64> = r
        .memories
        .iter()
        .map(|m| m.explain.as_ref().unwrap().importance_factor)
        .collect();
    assert!(
        (f[0] - 1.0).abs() < 1e-6 && (f[1] - 0.8).abs() < 1e-6,
        "{f:?}"
    );
}

#[test]
fn associations_add_linked_memories_with_their_paths() {
    let (ms, _, _, sp) = setup(false);
    let bug = remember(&ms, &sp, "Checkout crashes when the cart is empty");
    let fix = remember(&ms, &sp, "Guard added in CartService.total()");
    let far = remember(&ms, &sp, "Released as version 2.4.1");
    run(ms.associate(
        &sp,
        &fix,
        NewAssociation {
            target_id: bug.clone(),
            relationship: "solves".into(),
            strength: Some(0.8),
            metadata: None,
        },
    ))
    .unwrap();
    run(ms.associate(
        &sp,
        &far,
        NewAssociation {
            target_id: fix.clone(),
            relationship: "follows".into(),
            strength: Some(0.5),
            metadata: None,
        },
    ))
    .unwrap();
    let base = RecallQuery {
        query: "checkout crashes empty cart".into(),
        min_relevance: Some(0.0),
        ..Default::default()
    };
    let r = run(ms.recall(&sp, base.clone())).unwrap();
    let got: Vec<(&str, &str)> = r
        .memories
        .iter()
        .map(|m| (m.memory.id.as_str(), m.source.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (bug.as_str(), "search"),
            (fix.as_str(), "association"),
            (far.as_str(), "association")
        ]
    );
    assert_eq!(r.relation_paths.len(), 2);
    assert!(r.memories[1].boosted_score < r.memories[0].boosted_score);
    let one_hop = ids(
        &ms,
        &sp,
        RecallQuery {
            traverse_depth: Some(1),
            ..base.clone()
        },
    );
    assert_eq!(one_hop, vec![bug.clone(), fix.clone()]);
    assert_eq!(
        ids(
            &ms,
            &sp,
            RecallQuery {
                traverse_depth: Some(0),
                ..base.clone()
            }
        ),
        vec![bug.clone()]
    );
    assert_eq!(
        ids(
            &ms,
            &sp,
            RecallQuery {
                max_expansion: Some(1),
                ..base.clone()
            }
        )
        .len(),
        2
    );
    assert_eq!(
        ids(
            &ms,
            &sp,
            RecallQuery {
                include_associations: Some(false),
                ..base.clone()
            }
        ),
        vec![bug.clone()]
    );
    expect_code(
        run(ms.recall(
            &sp,
            RecallQuery {
                traverse_depth: Some(6),
                ..base.clone()
            },
        )),
        ErrorCode::Validation,
    );
    expect_code(
        run(ms.recall(
            &sp,
            RecallQuery {
                max_expansion: Some(0),
                ..base
            },
        )),
        ErrorCode::Validation,
    );
    // A forgotten linked memory is not brought in.
    run(ms.forget_memory(&sp, &fix, false)).unwrap();
    assert_eq!(
        ids(
            &ms,
            &sp,
            RecallQuery {
                query: "checkout crashes empty cart".into(),
                min_relevance: Some(0.0),
                ..Default::default()
            }
        ),
        vec![bug]
    );
}

#[test]
fn budget_tokens_stops_adding_results_past_the_budget() {
    let (ms, _, _, sp) = setup(false);
    for i in 0..6 {
        remember(
            &ms,
            &sp,
            &format!("incident {i}: the payment service timed out after the deploy of build {i}"),
        );
    }
    let all = run(ms.recall(&sp, q("payment service incident"))).unwrap();
    let r = run(ms.recall(
        &sp,
        RecallQuery {
            budget_tokens: Some(40),
            ..q("payment service incident")
        },
    ))
    .unwrap();
    let s = r.budget_summary.unwrap();
    assert!(s.used_tokens <= 40 && !r.memories.is_empty() && r.memories.len() < all.memories.len());
    assert_eq!(s.omitted as usize, all.memories.len() - r.memories.len());
    assert_eq!(r.memories[0].memory.id, all.memories[0].memory.id);
    assert!(all.budget_summary.is_none());
}

#[test]
fn explain_gives_channel_ranks_scores_and_bias_terms() {
    let (ms, _, _, sp) = setup(true);
    let a = remember_with(
        &ms,
        &sp,
        NewMemory {
            content: "Alice moved to Porto".into(),
            logical_key: Some("alice.city".into()),
            ..Default::default()
        },
    );
    let r = run(ms.recall(
        &sp,
        RecallQuery {
            explain: true,
            ..q("alice city")
        },
    ))
    .unwrap();
    let m = &r.memories[0];
    assert_eq!(m.memory.id, a);
    let e = m.explain.as_ref().unwrap();
    assert_eq!(e.lexical.unwrap().rank, 1);
    assert_eq!(e.vector.unwrap().rank, 1);
    assert_eq!(e.exact.unwrap().rank, 1);
    assert!((m.boosted_score - e.fused * e.importance_factor * e.recency_factor).abs() < 1e-5);
    assert!(run(ms.recall(&sp, q("alice city"))).unwrap().memories[0]
        .explain
        .is_none());
}

#[test]
fn retrieval_confidence_tells_nothing_relevant_from_a_strong_match() {
    let (ms, _, _, sp) = setup(false);
    remember(&ms, &sp, "The office wifi password is on the fridge");
    let strong = run(ms.recall(&sp, q("office wifi password fridge"))).unwrap();
    assert_eq!(strong.retrieval_confidence, "strong");
    let none = run(ms.recall(
        &sp,
        RecallQuery {
            query: "quantum chromodynamics lecture".into(),
            ..Default::default()
        },
    ))
    .unwrap();
    assert!(none.memories.is_empty());
    assert_eq!(none.retrieval_confidence, "weak");
    assert!(none.confidence_reasons.contains(&"no_results".to_string()));
    let weak = run(ms.recall(&sp, q("password for the garage door opener remote"))).unwrap();
    assert_ne!(weak.retrieval_confidence, "strong");
}

#[test]
fn the_embedder_makes_paraphrases_findable() {
    let (ms, _, _, sp) = setup(true);
    let a = remember(&ms, &sp, "Carla lives in Osaka");
    remember(&ms, &sp, "Carla's favourite food is ramen");
    let lexical_only = ids(
        &ms,
        &sp,
        RecallQuery {
            query: "Which town is she based in".into(),
            min_relevance: Some(0.0),
            include_associations: Some(false),
            ..Default::default()
        },
    );
    assert_eq!(lexical_only.first(), Some(&a));
}

#[test]
fn a_caller_query_vector_must_have_the_space_dimensions() {
    let (ms, _, _, sp) = setup(true);
    remember(&ms, &sp, "Carla lives in Osaka");
    let v = HashEmbedder::new(64).vector("Where is Carla based?");
    let r = run(ms.recall(
        &sp,
        RecallQuery {
            query: String::new(),
            embedding: Some(v),
            min_relevance: Some(0.0),
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!(r.memories.len(), 1);
    let e = expect_code(
        run(ms.recall(
            &sp,
            RecallQuery {
                embedding: Some(vec![1.0; 12]),
                ..q("x")
            },
        )),
        ErrorCode::Validation,
    );
    assert_eq!(e.details["field"], "embedding");
    expect_code(
        run(ms.recall(
            &sp,
            RecallQuery {
                embedding: Some(vec![f32::NAN; 64]),
                ..q("x")
            },
        )),
        ErrorCode::Validation,
    );
}

#[test]
fn an_embedder_of_another_model_is_refused_by_a_space_with_vectors() {
    let kv = memspace::kv::MemoryKv::new();
    let host = ManualHost::default();
    let ms = handle(Rc::new(kv.clone()), &host, true);
    let sp = run(ms.create_space(NewSpace::default())).unwrap().id;
    remember(&ms, &sp, "first");
    let other = handle(Rc::new(kv), &host, false).with_embedder(Rc::new(HashEmbedder::new(32)));
    assert_eq!(HashEmbedder::new(32).model().dims, 32);
    let e = expect_code(
        run(other.remember(
            &sp,
            NewMemory {
                content: "second".into(),
                ..Default::default()
            },
        )),
        ErrorCode::Validation,
    );
    assert!(e.message.contains("64"), "{e}");
    assert_eq!(run(ms.memory_stats(&sp)).unwrap().active, 1);
}

#[test]
fn decay_lowers_importance_in_the_index_without_hiding_the_memory() {
    let (ms, _, _, sp) = setup(false);
    let a = remember(&ms, &sp, "backup runs at midnight");
    run(ms.decay_memory(&sp, &a, Some(1.0))).unwrap();
    let r = run(ms.recall(
        &sp,
        RecallQuery {
            explain: true,
            ..q("backup midnight")
        },
    ))
    .unwrap();
    assert_eq!(r.memories[0].memory.id, a);
    assert!((r.memories[0].explain.as_ref().unwrap().importance_factor - 0.8).abs() < 1e-6);
    assert_index_consistent(&ms, &sp);
}

#[test]
fn another_principal_cannot_recall_a_space() {
    let (ms, kv, host, sp) = setup(false);
    remember(&ms, &sp, "private note");
    let eve = Memspace::new(Rc::new(kv), Rc::new(host), Principal::new("eve", "t1")).unwrap();
    expect_code(run(eve.recall(&sp, q("private note"))), ErrorCode::NotFound);
    expect_code(
        run(eve.reindex(&sp, ReindexOptions::default())),
        ErrorCode::NotFound,
    );
    expect_code(run(eve.check_index(&sp)), ErrorCode::NotFound);
}

#[test]
fn bad_queries_are_validation_errors() {
    let (ms, _, _, sp) = setup(false);
    expect_code(run(ms.recall(&sp, q("   "))), ErrorCode::Validation);
    expect_code(
        run(ms.recall(&sp, q(&"x".repeat(5000)))),
        ErrorCode::Validation,
    );
    expect_code(
        run(ms.recall(
            &sp,
            RecallQuery {
                tags: vec![String::new()],
                ..q("x")
            },
        )),
        ErrorCode::Validation,
    );
    expect_code(run(ms.recall("spc_nope", q("x"))), ErrorCode::NotFound);
}

#[test]
fn reindex_rebuilds_a_damaged_index_step_by_step() {
    let (ms, kv, _, sp) = setup(true);
    let mut all = Vec::new();
    for i in 0..30 {
        all.push(remember(
            &ms,
            &sp,
            &format!("note {i} about the harbour project"),
        ));
    }
    run(ms.forget_memory(&sp, &all[3], false)).unwrap();
    // Damage: drop every posting page and the doc table.
    let raw = kv.snapshot();
    let mut damaged = raw.clone();
    damaged.retain(|k, _| !(k.starts_with(b"rp\0") || k.starts_with(b"rd\0")));
    let kv2 = memspace::kv::MemoryKv::from_map(damaged);
    let ms2 = handle(Rc::new(kv2), &ManualHost::default(), true);
    assert!(!run(ms2.check_index(&sp)).unwrap().is_consistent());
    let mut cursor = None;
    let mut steps = 0;
    let mut indexed = 0;
    loop {
        let p = run(ms2.reindex(
            &sp,
            ReindexOptions {
                batch_size: Some(7),
                cursor: cursor.clone(),
            },
        ))
        .unwrap();
        steps += 1;
        indexed += p.indexed;
        if p.done {
            break;
        }
        cursor = p.cursor;
        assert!(cursor.is_some());
    }
    assert_eq!((steps, indexed), (5, 29));
    assert_index_consistent(&ms2, &sp);
    assert_eq!(
        ids(
            &ms2,
            &sp,
            RecallQuery {
                limit: Some(100),
                ..q("harbour project")
            }
        )
        .len(),
        29
    );
    expect_code(
        run(ms2.reindex(
            &sp,
            ReindexOptions {
                batch_size: Some(0),
                cursor: None,
            },
        )),
        ErrorCode::Validation,
    );
}

#[test]
fn a_handle_that_only_recalled_still_removes_the_old_terms_when_it_updates_a_memory() {
    // The recalling handle caches the doc table without the per-memory term lists (queries
    // do not need them); its write must read what it lacks rather than leave terms behind.
    let (writer, kv, host, sp) = setup(false);
    let a = remember(&writer, &sp, "Marmalade recipe from the Lisbon market");
    remember(&writer, &sp, "Quarterly budget review with Dana");
    let reader = handle(Rc::new(kv.clone()), &host, false);
    assert_eq!(ids(&reader, &sp, q("marmalade")), vec![a.clone()]);
    run(reader.update_memory(
        &sp,
        &a,
        MemoryUpdate {
            content: Some("Apricot jam notes from the Porto market".into()),
            ..Default::default()
        },
    ))
    .unwrap();
    assert!(ids(&reader, &sp, q("marmalade lisbon")).is_empty());
    assert!(ids(&writer, &sp, q("marmalade lisbon")).is_empty());
    assert_eq!(ids(&reader, &sp, q("apricot jam")), vec![a.clone()]);
    assert_eq!(ids(&writer, &sp, q("apricot jam")), vec![a]);
    assert_index_consistent(&reader, &sp);
}

#[test]
fn a_write_through_another_handle_is_seen_by_the_next_recall_of_a_warm_handle() {
    let (writer, kv, host, sp) = setup(false);
    let a = remember(&writer, &sp, "Kumquat harvest in March");
    let reader = handle(Rc::new(kv.clone()), &host, false);
    assert_eq!(ids(&reader, &sp, q("kumquat harvest")), vec![a.clone()]);
    let b = remember(&writer, &sp, "Kumquat harvest moved to April");
    run(writer.forget_memory(&sp, &a, false)).unwrap();
    assert_eq!(ids(&reader, &sp, q("kumquat harvest")), vec![b]);
}

#[test]
fn a_memory_another_handle_adds_to_a_delta_record_is_found_by_a_warm_handle() {
    let (writer, kv, host, sp) = setup(true);
    let a = remember(&writer, &sp, "Quince jelly recipe from grandma");
    let reader = handle(Rc::new(kv.clone()), &host, true);
    // Warm: the reader caches the pages, delta records and vectors this query needs.
    assert_eq!(ids(&reader, &sp, q("quince jelly")), vec![a.clone()]);
    assert_eq!(ids(&reader, &sp, q("quince jelly")), vec![a.clone()]);
    // The writer's new memory goes to a delta record (nothing is folded): the warm reader's
    // next recall sees the index head move and reads again.
    let b = remember(&writer, &sp, "Quince jelly needs lemon");
    let got = ids(&reader, &sp, q("quince jelly lemon"));
    assert_eq!(got.first(), Some(&b));
    assert!(got.contains(&a));
    // A hard forget through the writer (it folds the deltas) hides it from the reader.
    run(writer.forget_memory(&sp, &b, true)).unwrap();
    assert_eq!(ids(&reader, &sp, q("quince jelly lemon")), vec![a]);
    assert_index_consistent(&reader, &sp);
}

#[test]
fn a_fold_that_adds_a_memory_keeps_the_other_entries_of_its_doc_page() {
    // Ordinals 0–39: the doc table's second page holds 32–39 once they are folded.
    let (ms, _, _, sp) = setup(false);
    let mut all = Vec::new();
    for i in 0..40 {
        all.push(remember(
            &ms,
            &sp,
            &format!("note {i} about the harbour project"),
        ));
    }
    let new_text = |t: &str| MemoryUpdate {
        content: Some(t.into()),
        ..Default::default()
    };
    // A text update folds every delta record into the pages.
    run(ms.update_memory(&sp, &all[0], new_text("note zero moved to the quay"))).unwrap();
    assert_index_consistent(&ms, &sp);
    // No delta left: one write updates ordinal 1 (a fold, first page) and adds ordinal 40,
    // whose page the fold must read first, not start empty.
    let ops = vec![
        BatchOp::Update {
            memory_id: all[1].clone(),
            update: new_text("note one moved to the quay"),
        },
        BatchOp::Create(NewMemory {
            content: "note 40 about the harbour project".into(),
            ..Default::default()
        }),
    ];
    run(ms.batch_memories(&sp, ops, true)).unwrap();
    assert_index_consistent(&ms, &sp);
    let found = ids(
        &ms,
        &sp,
        RecallQuery {
            query: "35".into(),
            ..Default::default()
        },
    );
    assert_eq!(found, vec![all[35].clone()]);
}
