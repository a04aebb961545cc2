//! Archival memory (seed 004 `recall(query, agent_id?)`) over the recall index, and
//! `context_for` with `archival_mode: auto`: the seed's result shape, agent scoping, scores,
//! limits, line numbers, and the policy bounds.

mod context_common;

use context_common::*;
use memspace::model::*;
use memspace::ErrorCode;

fn remember(w: &World, content: &str, agent: Option<&str>) -> Memory {
    run(w.ms.remember(
        &w.space,
        NewMemory {
            content: content.into(),
            provenance: agent.map(|a| Provenance {
                agent_id: Some(a.into()),
                ..Default::default()
            }),
            ..Default::default()
        },
    ))
    .unwrap()
    .memory
}

fn recall(w: &World, query: &str, agent: Option<&str>) -> Vec<ArchivalMatch> {
    run(w.ms.recall_archival(
        &w.space,
        ArchivalQuery {
            query: query.into(),
            agent_id: agent.map(String::from),
            ..Default::default()
        },
    ))
    .unwrap()
}

fn seeded() -> World {
    let w = World::new();
    remember(
        &w,
        "Acme account overview\nThe Acme renewal is due in March\nOwner: Dana",
        None,
    );
    remember(
        &w,
        "Acme renewal pricing was agreed by the records agent",
        Some("agent_records"),
    );
    remember(
        &w,
        "Acme renewal notes kept by the email agent",
        Some("agent_emails"),
    );
    remember(&w, "The user likes green tea", None);
    w
}

#[test]
fn archival_matches_have_the_seed_shape() {
    let w = seeded();
    let m = recall(&w, "Acme renewal", None);
    assert_eq!(m.len(), 1, "{m:?}");
    let first = &m[0];
    assert!(first.content.starts_with("Acme account overview"));
    assert_eq!(first.block_type, "archival");
    assert_eq!(first.scope, BlockScope::User);
    assert_eq!(first.agent_id, None);
    assert_eq!(
        first.line_number, 2,
        "the line that holds the query's terms"
    );
    assert!(first.score > 0.0 && first.score <= 1.0);
    let mem = run(w.ms.get_memory(&w.space, &first.memory_id)).unwrap();
    assert_eq!(first.updated_at, mem.updated_at);
}

#[test]
fn without_an_agent_id_only_the_users_memories_match_and_with_one_also_that_agents() {
    let w = seeded();
    let scopes = |agent: Option<&str>| -> Vec<(BlockScope, Option<String>)> {
        let mut v: Vec<_> = recall(&w, "Acme renewal", agent)
            .into_iter()
            .map(|m| (m.scope, m.agent_id))
            .collect();
        v.sort();
        v
    };
    assert_eq!(scopes(None), [(BlockScope::User, None)]);
    assert_eq!(
        scopes(Some("agent_records")),
        [
            (BlockScope::User, None),
            (BlockScope::Agent, Some("agent_records".to_string()))
        ]
    );
    assert_eq!(
        scopes(Some("agent_emails")),
        [
            (BlockScope::User, None),
            (BlockScope::Agent, Some("agent_emails".to_string()))
        ]
    );
}

#[test]
fn matches_are_best_first_bounded_by_limit_and_min_score() {
    let w = World::new();
    for i in 0..30 {
        remember(
            &w,
            &format!("renewal note {i} about the Acme contract"),
            None,
        );
    }
    remember(&w, "unrelated: the office plant needs water", None);
    let q = |limit, min_score| {
        run(w.ms.recall_archival(
            &w.space,
            ArchivalQuery {
                query: "Acme renewal".into(),
                agent_id: None,
                limit,
                min_score,
            },
        ))
        .unwrap()
    };
    let ten = q(None, None);
    assert_eq!(ten.len(), 10, "default limit");
    assert_eq!(q(Some(3), None).len(), 3);
    assert!(
        ten.windows(2).all(|p| p[0].score >= p[1].score),
        "best first"
    );
    let strict = q(Some(100), Some(0.5));
    assert!(!strict.is_empty() && strict.iter().all(|m| m.score >= 0.5));
    assert!(q(Some(100), None)
        .iter()
        .all(|m| !m.content.contains("plant")));
}

#[test]
fn superseded_and_forgotten_memories_are_never_archival_matches() {
    let w = World::new();
    let old = run(w.ms.remember(
        &w.space,
        NewMemory {
            content: "Dana owns the Acme renewal".into(),
            logical_key: Some("acme.owner".into()),
            ..Default::default()
        },
    ))
    .unwrap()
    .memory;
    run(w.ms.remember(
        &w.space,
        NewMemory {
            content: "Lee owns the Acme renewal now".into(),
            logical_key: Some("acme.owner".into()),
            ..Default::default()
        },
    ))
    .unwrap();
    let gone = remember(&w, "Acme renewal secret note", None);
    run(w.ms.forget_memory(&w.space, &gone.id, false)).unwrap();
    let ids: Vec<String> = recall(&w, "Acme renewal", None)
        .into_iter()
        .map(|m| m.memory_id)
        .collect();
    assert!(!ids.contains(&old.id) && !ids.contains(&gone.id), "{ids:?}");
    assert_eq!(ids.len(), 1);
}

#[test]
fn archival_queries_out_of_bounds_are_validation_errors() {
    let w = seeded();
    for q in [
        ArchivalQuery::default(),
        ArchivalQuery {
            query: "   ".into(),
            ..Default::default()
        },
        ArchivalQuery {
            query: "x".into(),
            limit: Some(0),
            ..Default::default()
        },
        ArchivalQuery {
            query: "x".into(),
            limit: Some(101),
            ..Default::default()
        },
        ArchivalQuery {
            query: "x".into(),
            min_score: Some(1.5),
            ..Default::default()
        },
        ArchivalQuery {
            query: "x".into(),
            agent_id: Some("a b".into()),
            ..Default::default()
        },
    ] {
        expect_code(
            run(w.ms.recall_archival(&w.space, q)),
            ErrorCode::Validation,
        );
    }
    expect_code(
        run(w.stranger().recall_archival(
            &w.space,
            ArchivalQuery {
                query: "Acme".into(),
                ..Default::default()
            },
        )),
        ErrorCode::NotFound,
    );
}

// ---- context_for with archival_mode auto --------------------------------------------------

fn auto(limit: Option<u32>, min_score: Option<f64>) -> MemoryPolicy {
    MemoryPolicy {
        archival_mode: Some(ArchivalMode::Auto),
        archival_limit: limit,
        archival_min_score: min_score,
        ..Default::default()
    }
}

#[test]
fn auto_archival_mode_adds_bounded_matches_for_the_query_after_the_events() {
    let w = seeded();
    let s = w.session();
    w.say(&s.id, false, "hello");
    let c = run(w.ms.context_for(
        &w.space,
        ContextRequest {
            agent_id: Some("agent_records".into()),
            session_id: Some(s.id.clone()),
            query: Some("Acme renewal".into()),
            policy: auto(Some(1), Some(0.0)),
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!(c.archival.len(), 1, "archival_limit bounds the matches");
    assert_eq!(c.query.as_deref(), Some("Acme renewal"));
    let part = c
        .parts
        .iter()
        .find(|p| p.kind == ContextPartKind::Archival)
        .unwrap();
    assert!(part
        .rendered
        .starts_with("<archival_memory query=\"Acme renewal\">\n- "));
    assert!(
        c.rendered.ends_with("</archival_memory>"),
        "archival comes last"
    );
    assert!(
        c.rendered.find("<conversation").unwrap() < c.rendered.find("<archival_memory").unwrap()
    );
    // "zebra" matches nothing: the Acme memories are partial matches of low relevance.
    let partial = |min: f64| {
        run(w.ms.context_for(
            &w.space,
            ContextRequest {
                query: Some("zebra Acme".into()),
                policy: auto(None, Some(min)),
                ..Default::default()
            },
        ))
        .unwrap()
        .archival
    };
    assert!(!partial(0.0).is_empty());
    assert!(
        partial(0.5).is_empty(),
        "archival_min_score bounds the matches"
    );
}

#[test]
fn without_a_query_auto_archival_recalls_for_the_sessions_newest_user_message() {
    let w = seeded();
    let s = w.session();
    w.say(&s.id, false, "what about green tea?");
    w.say(&s.id, true, "let me check");
    let c = run(w.ms.context_for(
        &w.space,
        ContextRequest {
            session_id: Some(s.id.clone()),
            policy: auto(None, Some(0.0)),
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!(c.query.as_deref(), Some("what about green tea?"));
    assert!(c.archival.iter().any(|m| m.content.contains("green tea")));
}

#[test]
fn tool_only_leaves_archival_out_and_budgets_hold_with_archival_in() {
    let w = seeded();
    let tool_only = run(w.ms.context_for(
        &w.space,
        ContextRequest {
            query: Some("Acme renewal".into()),
            ..Default::default()
        },
    ))
    .unwrap();
    assert!(tool_only.archival.is_empty());
    for budget in [1u64, 10, 25, 60, 200] {
        let c = run(w.ms.context_for(
            &w.space,
            ContextRequest {
                agent_id: Some("agent_records".into()),
                query: Some("Acme renewal".into()),
                budget_tokens: Some(budget),
                policy: auto(Some(5), Some(0.0)),
                ..Default::default()
            },
        ))
        .unwrap();
        assert!(c.tokens <= budget, "{} > {budget}", c.tokens);
    }
}
