//! Recall with the host LLM (issue "Recall"): `mode: llm` rewrites the query, `mode: hybrid`
//! falls back to it when rag is not confident, `reflect` synthesises over recalled memories
//! with their ids. A scripted LLM answers and records the requests.

mod recall_common;

use memspace::host::{LlmFormat, LlmRole, ManualHost, Scripted, ScriptedLlm};
use memspace::kv::MemoryKv;
use memspace::model::*;
use memspace::{ErrorCode, Memspace};
use recall_common::*;
use serde_json::json;
use std::rc::Rc;

/// A space with three memories, a handle with the scripted LLM `script`.
fn setup_llm(script: Vec<Scripted>) -> (Memspace, Rc<ScriptedLlm>, String, [String; 3]) {
    let kv = MemoryKv::new();
    let host = ManualHost::default();
    let llm = Rc::new(ScriptedLlm::new(script));
    let ms = handle(Rc::new(kv), &host, false).with_llm(llm.clone());
    let sp = run(ms.create_space(NewSpace::default())).unwrap().id;
    let porto = remember(&ms, &sp, "Dana moved to Porto in March");
    let acme = remember(&ms, &sp, "The Acme contract renewal is due in June");
    let tea = remember(&ms, &sp, "Lee prefers green tea in the afternoon");
    (ms, llm, sp, [porto, acme, tea])
}

fn mode(text: &str, m: RecallMode) -> RecallQuery {
    RecallQuery {
        mode: Some(m),
        ..q(text)
    }
}

fn result_ids(r: &RecallResult) -> Vec<String> {
    r.memories.iter().map(|m| m.memory.id.clone()).collect()
}

#[test]
fn llm_mode_searches_the_llms_rewrites_of_the_query_and_merges_them() {
    let (ms, llm, sp, [porto, _, tea]) = setup_llm(vec![Scripted::Json(json!({
        "queries": ["Dana moved to which city", "Porto", "porto"]
    }))]);
    // Nothing in the question's own words is stored.
    assert!(ids(&ms, &sp, q("what city is her home")).is_empty());
    let r = run(ms.recall(&sp, mode("what city is her home", RecallMode::Llm))).unwrap();
    assert_eq!(r.mode_used, RecallMode::Llm);
    assert_eq!(result_ids(&r)[0], porto);
    assert!(!result_ids(&r).contains(&tea));
    assert!(r.confidence_reasons.contains(&"llm_rewrites=2".to_string()));
    let reqs = llm.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].purpose, "recall");
    assert_eq!(reqs[0].format, LlmFormat::Json);
    assert_eq!(reqs[0].messages.last().unwrap().role, LlmRole::User);
    assert_eq!(
        reqs[0].messages.last().unwrap().content,
        "what city is her home"
    );
}

#[test]
fn llm_mode_pages_and_budgets_the_merged_results() {
    let rewrite = Scripted::Json(json!({"queries": ["Dana Porto", "Acme contract"]}));
    let (ms, _, sp, [porto, acme, _]) = setup_llm(vec![rewrite.clone(), rewrite.clone(), rewrite]);
    let all = run(ms.recall(&sp, mode("dana acme", RecallMode::Llm))).unwrap();
    let all_ids = result_ids(&all);
    assert!(all_ids.contains(&porto) && all_ids.contains(&acme));
    let page = run(ms.recall(
        &sp,
        RecallQuery {
            limit: Some(1),
            offset: Some(1),
            ..mode("dana acme", RecallMode::Llm)
        },
    ))
    .unwrap();
    assert_eq!(result_ids(&page), vec![all_ids[1].clone()]);
    assert_eq!(page.total_count, all.total_count);
    let budgeted = run(ms.recall(
        &sp,
        RecallQuery {
            budget_tokens: Some(1),
            ..mode("dana acme", RecallMode::Llm)
        },
    ))
    .unwrap();
    assert!(budgeted.memories.is_empty());
    let b = budgeted.budget_summary.unwrap();
    assert_eq!((b.budget_tokens, b.used_tokens), (1, 0));
    assert!(b.omitted >= 2);
}

#[test]
fn llm_mode_reports_an_upstream_error_when_the_llm_answers_malformed_or_refuses() {
    let (ms, _, sp, _) = setup_llm(vec![
        Scripted::Text("Sure! Here are some queries: Porto, Dana".into()),
        Scripted::Refusal("no".into()),
    ]);
    let e = expect_code(
        run(ms.recall(&sp, mode("where is dana", RecallMode::Llm))),
        ErrorCode::Upstream,
    );
    assert_eq!(e.details["reason"], "malformed_output");
    let e = expect_code(
        run(ms.recall(&sp, mode("where is dana", RecallMode::Llm))),
        ErrorCode::Upstream,
    );
    assert_eq!(e.details["reason"], "refusal");
}

#[test]
fn hybrid_mode_keeps_a_strong_rag_answer_without_asking_the_llm() {
    let (ms, llm, sp, [_, acme, _]) = setup_llm(vec![]);
    let r = run(ms.recall(
        &sp,
        mode("Acme contract renewal due June", RecallMode::Hybrid),
    ))
    .unwrap();
    assert_eq!(r.retrieval_confidence, "strong");
    assert_eq!(r.mode_used, RecallMode::Rag);
    assert_eq!(result_ids(&r)[0], acme);
    assert_eq!(llm.calls(), 0);
}

#[test]
fn hybrid_mode_falls_back_to_llm_rewriting_when_rag_confidence_is_not_strong() {
    let (ms, llm, sp, [porto, _, _]) = setup_llm(vec![Scripted::Json(json!(["Dana Porto"]))]);
    let r = run(ms.recall(&sp, mode("what city is her home", RecallMode::Hybrid))).unwrap();
    assert_eq!(llm.calls(), 1);
    assert_eq!(r.mode_used, RecallMode::Llm);
    assert_eq!(result_ids(&r), vec![porto]);
}

#[test]
fn hybrid_mode_keeps_its_rag_answer_when_the_llm_fails() {
    let (ms, _, sp, _) = setup_llm(vec![Scripted::Timeout]);
    let r = run(ms.recall(&sp, mode("what city is her home", RecallMode::Hybrid))).unwrap();
    assert_eq!(r.mode_used, RecallMode::Rag);
    assert!(r.memories.is_empty());
    assert!(r
        .confidence_reasons
        .contains(&"llm_fallback_failed=timeout".to_string()));
}

#[test]
fn llm_and_hybrid_modes_need_query_text() {
    let (ms, _, sp, _) = setup_llm(vec![]);
    for m in [RecallMode::Llm, RecallMode::Hybrid] {
        expect_code(
            run(ms.recall(
                &sp,
                RecallQuery {
                    embedding: Some(vec![1.0; 64]),
                    ..mode("", m)
                },
            )),
            ErrorCode::Validation,
        );
    }
}

#[test]
fn reflect_synthesises_over_recalled_memories_with_their_source_ids() {
    let (ms, llm, sp, [porto, _, _]) = setup_llm(vec![Scripted::Text(
        "  Dana lives in Porto; she moved there in March [mry_x].  ".into(),
    )]);
    let r = run(ms.reflect(&sp, "Where did Dana move?", Some(120), Some(true))).unwrap();
    assert_eq!(
        r.reflection,
        "Dana lives in Porto; she moved there in March [mry_x]."
    );
    assert_eq!(r.source_memories[0], porto);
    assert!(r.confidence > 0.0 && r.confidence <= 1.0);
    assert!(r.tokens_processed > 0);
    let req = &llm.requests()[0];
    assert_eq!(req.purpose, "reflect");
    assert_eq!(req.max_tokens, Some(120));
    let user = &req.messages.last().unwrap().content;
    assert!(user.contains(&format!("[{porto}]")));
    assert!(user.contains("Dana moved to Porto in March"));
    assert!(user.contains("Question: Where did Dana move?"));
}

#[test]
fn reflect_leaves_out_the_source_ids_when_include_sources_is_false() {
    let (ms, _, sp, _) = setup_llm(vec![Scripted::Text("Porto.".into())]);
    let r = run(ms.reflect(&sp, "Where did Dana move?", None, Some(false))).unwrap();
    assert_eq!(r.reflection, "Porto.");
    assert!(r.source_memories.is_empty());
}

#[test]
fn reflect_with_no_relevant_memory_says_so_without_asking_the_llm() {
    let (ms, llm, sp, _) = setup_llm(vec![]);
    let r = run(ms.reflect(&sp, "quantum chromodynamics lecture", None, None)).unwrap();
    assert!(r.source_memories.is_empty());
    assert_eq!((r.confidence, r.tokens_processed), (0.0, 0));
    assert!(r.reflection.contains("No stored memory"));
    assert_eq!(llm.calls(), 0);
}

#[test]
fn reflect_reports_a_refusal_or_a_failed_llm_as_upstream() {
    let (ms, _, sp, _) = setup_llm(vec![Scripted::Refusal("cannot".into())]);
    let e = expect_code(
        run(ms.reflect(&sp, "Where did Dana move?", None, None)),
        ErrorCode::Upstream,
    );
    assert_eq!(e.details["reason"], "refusal");
    let e = expect_code(
        run(ms.reflect(&sp, "Where did Dana move?", None, None)),
        ErrorCode::Upstream,
    );
    assert_eq!(e.details["reason"], "unavailable");
}
