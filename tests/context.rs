//! `context_for`: the memory context of one model turn. One test per rule: which parts are
//! included under which policy, the newest events that fit, budgets never exceeded (also
//! with a host token counter that is not additive), and the frozen block snapshot that stays
//! byte-identical across turns until a block changes or the caller refreshes.

mod context_common;

use context_common::*;
use memspace::host::{Host, ManualHost};
use memspace::kv::MemoryKv;
use memspace::model::*;
use memspace::tokens::estimate_tokens;
use memspace::{ErrorCode, Memspace, Timestamp};
use serde_json::json;
use std::rc::Rc;

fn ctx(w: &World, req: ContextRequest) -> MemoryContext {
    run(w.ms.context_for(&w.space, req)).unwrap()
}

fn part(c: &MemoryContext, kind: ContextPartKind) -> &ContextPart {
    c.parts.iter().find(|p| p.kind == kind).unwrap()
}

fn with_blocks(w: &World) {
    w.write_block(
        "core",
        None,
        "- Prefers concise answers\n- Works in America/New_York",
        None,
    )
    .unwrap();
    run(w.ms.update_block(
        &w.space,
        "persona",
        BlockWrite {
            content: "I am the records agent.".into(),
            agent_id: Some("agent_records".into()),
            description: Some("Who the agent is".into()),
            ..Default::default()
        },
    ))
    .unwrap();
}

fn turn(agent: Option<&str>, session: Option<&str>) -> ContextRequest {
    ContextRequest {
        agent_id: agent.map(String::from),
        session_id: session.map(String::from),
        ..Default::default()
    }
}

#[test]
fn the_context_holds_the_user_and_agent_core_blocks_by_default() {
    let w = World::new();
    with_blocks(&w);
    let c = ctx(&w, turn(Some("agent_records"), None));
    assert_eq!(
        c.rendered,
        "<core_memory scope=\"user\">\n<block type=\"core\">\n- Prefers concise answers\n- Works in America/New_York\n</block>\n</core_memory>\n\
         <core_memory scope=\"agent\" agent=\"agent_records\">\n<block type=\"persona\" description=\"Who the agent is\">\nI am the records agent.\n</block>\n</core_memory>"
    );
    assert_eq!(c.blocks.len(), 2);
    assert_eq!(part(&c, ContextPartKind::UserCore).included, 1);
    assert_eq!(part(&c, ContextPartKind::AgentCore).included, 1);
    assert_eq!(c.tokens, estimate_tokens(&c.rendered));
    for p in &c.parts {
        assert_eq!(p.tokens, estimate_tokens(&p.rendered), "{:?}", p.kind);
    }
}

#[test]
fn include_user_core_and_include_agent_core_false_leave_those_blocks_out() {
    let w = World::new();
    with_blocks(&w);
    let mut req = turn(Some("agent_records"), None);
    req.policy.include_user_core = Some(false);
    let c = ctx(&w, req.clone());
    assert!(!c.rendered.contains("scope=\"user\""));
    assert!(c.rendered.contains("records agent"));
    req.policy.include_user_core = None;
    req.policy.include_agent_core = Some(false);
    let c = ctx(&w, req);
    assert!(c.rendered.contains("concise"));
    assert!(!c.rendered.contains("records agent"));
    assert_eq!(part(&c, ContextPartKind::AgentCore).rendered, "");
}

#[test]
fn without_an_agent_id_only_the_users_blocks_are_included() {
    let w = World::new();
    with_blocks(&w);
    let c = ctx(&w, turn(None, None));
    assert_eq!(c.blocks.len(), 1);
    assert_eq!(c.blocks[0].scope, BlockScope::User);
}

#[test]
fn the_newest_session_events_that_fit_are_included_oldest_first() {
    let w = World::new();
    let s = w.session();
    for i in 0..30 {
        w.say(
            &s.id,
            i % 2 == 1,
            &format!("message number {i} with a few words"),
        );
    }
    let all = ctx(&w, turn(None, Some(&s.id)));
    assert_eq!(all.events.len(), 30);
    assert!(all.rendered.starts_with(&format!(
        "<conversation session=\"{}\">\n[user u1] message number 0",
        s.id
    )));
    assert!(all.rendered.contains("[agent bot] message number 29"));
    let mut req = turn(None, Some(&s.id));
    req.budget_tokens = Some(60);
    let some = ctx(&w, req);
    let seqs: Vec<u64> = some.events.iter().map(|e| e.sequence_id).collect();
    assert!(!seqs.is_empty() && seqs.len() < 30, "{seqs:?}");
    assert_eq!(*seqs.last().unwrap(), 29, "the newest event is included");
    assert!(
        seqs.windows(2).all(|p| p[1] == p[0] + 1),
        "a contiguous tail: {seqs:?}"
    );
    assert_eq!(
        part(&some, ContextPartKind::Events).omitted,
        30 - seqs.len() as u64
    );
    assert!(some.tokens <= 60);
}

#[test]
fn an_event_is_rendered_from_its_content_or_its_string_leaves() {
    let w = World::new();
    let s = w.session();
    run(w.ms.post_event(
        &w.space,
        &s.id,
        NewEvent {
            body: json!({"role": "assistant", "parts": [{"text": "structured"}, {"text": "reply"}]}),
            emitter: Emitter::new("agent", "bot"),
            event_type: None,
        },
    ))
    .unwrap();
    let c = ctx(&w, turn(None, Some(&s.id)));
    assert!(
        c.rendered
            .contains("[agent bot] assistant structured reply"),
        "{}",
        c.rendered
    );
}

#[test]
fn blocks_that_do_not_fit_are_left_out_whole_and_counted() {
    let w = World::new();
    w.write_block("a-small", None, "small", None).unwrap();
    w.write_block("b-big", None, &"many words here ".repeat(100), None)
        .unwrap();
    w.write_block("c-small", None, "also small", None).unwrap();
    let mut req = turn(None, None);
    req.budget_tokens = Some(60);
    let c = ctx(&w, req);
    let types: Vec<&str> = c.blocks.iter().map(|b| b.block_type.as_str()).collect();
    assert_eq!(types, ["a-small", "c-small"]);
    assert_eq!(part(&c, ContextPartKind::UserCore).omitted, 1);
    assert!(
        !c.rendered.contains("many words"),
        "no block is cut in the middle"
    );
}

#[test]
fn tool_only_archival_mode_leaves_archival_memory_out() {
    let w = World::new();
    with_blocks(&w);
    let mut req = turn(None, None);
    req.query = Some("Acme renewal".into());
    let c = ctx(&w, req);
    assert!(c.archival.is_empty());
    assert_eq!(c.query, None);
    assert_eq!(part(&c, ContextPartKind::Archival).rendered, "");
}

#[test]
fn context_requests_out_of_bounds_are_validation_errors() {
    let w = World::new();
    let bad = [
        ContextRequest {
            budget_tokens: Some(0),
            ..Default::default()
        },
        ContextRequest {
            budget_tokens: Some(1_000_001),
            ..Default::default()
        },
        ContextRequest {
            policy: MemoryPolicy {
                archival_limit: Some(0),
                ..Default::default()
            },
            ..Default::default()
        },
        ContextRequest {
            policy: MemoryPolicy {
                archival_limit: Some(51),
                ..Default::default()
            },
            ..Default::default()
        },
        ContextRequest {
            policy: MemoryPolicy {
                archival_min_score: Some(1.5),
                ..Default::default()
            },
            ..Default::default()
        },
        ContextRequest {
            policy: MemoryPolicy {
                archival_min_score: Some(f64::NAN),
                ..Default::default()
            },
            ..Default::default()
        },
        ContextRequest {
            agent_id: Some("a b".into()),
            ..Default::default()
        },
        ContextRequest {
            query: Some("q".repeat(4_097)),
            ..Default::default()
        },
    ];
    for req in bad {
        expect_code(run(w.ms.context_for(&w.space, req)), ErrorCode::Validation);
    }
}

#[test]
fn the_context_of_a_deleted_session_is_gone_and_of_a_foreign_space_not_found() {
    let w = World::new();
    let s = w.session();
    run(w.ms.delete_session(&w.space, &s.id)).unwrap();
    expect_code(
        run(w.ms.context_for(&w.space, turn(None, Some(&s.id)))),
        ErrorCode::Gone,
    );
    expect_code(
        run(w.stranger().context_for(&w.space, turn(None, None))),
        ErrorCode::NotFound,
    );
}

// ---- the frozen snapshot ------------------------------------------------------------------

fn snapshot_text(c: &MemoryContext) -> String {
    let u = &part(c, ContextPartKind::UserCore).rendered;
    let a = &part(c, ContextPartKind::AgentCore).rendered;
    [u, a]
        .into_iter()
        .filter(|t| !t.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_block_snapshot_keeps_its_bytes_turn_after_turn_until_a_block_changes() {
    let w = World::new();
    with_blocks(&w);
    let s = w.session();
    let req = turn(Some("agent_records"), Some(&s.id));
    let first = ctx(&w, req.clone());
    assert!(!first.snapshot.reused);
    let mut seen = Vec::new();
    for i in 0..5 {
        w.say(&s.id, false, &format!("turn {i}"));
        w.host.advance_secs(30);
        let c = ctx(&w, req.clone());
        assert!(c.snapshot.reused, "turn {i} reads no block");
        assert_eq!(c.snapshot.hash, first.snapshot.hash);
        assert_eq!(snapshot_text(&c), snapshot_text(&first));
        assert!(
            c.rendered.starts_with(&snapshot_text(&first)),
            "the snapshot is the prefix"
        );
        seen.push(c.rendered);
    }
    // A block change: new bytes once, then stable again.
    let b = run(w.ms.get_block(&w.space, "core", None)).unwrap();
    w.write_block(
        "core",
        None,
        "- Prefers detailed answers",
        Some(b.updated_at),
    )
    .unwrap();
    let changed = ctx(&w, req.clone());
    assert!(!changed.snapshot.reused);
    assert_ne!(changed.snapshot.hash, first.snapshot.hash);
    assert!(changed.rendered.contains("detailed"));
    let again = ctx(&w, req);
    assert!(again.snapshot.reused);
    assert_eq!(again.snapshot.hash, changed.snapshot.hash);
}

#[test]
fn a_block_written_through_another_handle_changes_the_snapshot_on_the_next_turn() {
    let w = World::new();
    with_blocks(&w);
    let req = turn(Some("agent_records"), None);
    let before = ctx(&w, req.clone());
    let tab2 = w.other_handle();
    run(tab2.update_block(
        &w.space,
        "tasks",
        BlockWrite {
            content: "- renew Acme".into(),
            agent_id: Some("agent_records".into()),
            ..Default::default()
        },
    ))
    .unwrap();
    let after = ctx(&w, req);
    assert_ne!(after.snapshot.hash, before.snapshot.hash);
    assert!(after.rendered.contains("renew Acme"));
}

#[test]
fn the_same_blocks_render_to_the_same_bytes_in_every_handle_and_after_a_refresh() {
    let w = World::new();
    with_blocks(&w);
    let req = turn(Some("agent_records"), None);
    let a = ctx(&w, req.clone());
    let b = run(w.other_handle().context_for(&w.space, req.clone())).unwrap();
    assert_eq!(a.rendered, b.rendered);
    let mut refresh = req;
    refresh.refresh = true;
    let c = ctx(&w, refresh);
    assert!(!c.snapshot.reused);
    assert_eq!(c.rendered, a.rendered);
}

// ---- budgets ------------------------------------------------------------------------------

/// A host whose token counter is deliberately not additive: 1 token per 3 bytes, rounded
/// up, plus 2 per text.
#[derive(Clone)]
struct LumpyHost(ManualHost);
impl Host for LumpyHost {
    fn now(&self) -> Timestamp {
        self.0.now()
    }
    fn fill_random(&self, buf: &mut [u8]) {
        self.0.fill_random(buf)
    }
    fn count_tokens(&self, text: &str) -> Option<u64> {
        Some(text.len().div_ceil(3) as u64 + 2)
    }
}

/// A host whose counter grows faster than the sum of its pieces (the count of a joined
/// text exceeds the sum of the counts of its lines), so packing by per-item counts overshoots
/// and the final check has to drop items.
#[derive(Clone)]
struct SuperadditiveHost(ManualHost);
impl Host for SuperadditiveHost {
    fn now(&self) -> Timestamp {
        self.0.now()
    }
    fn fill_random(&self, buf: &mut [u8]) {
        self.0.fill_random(buf)
    }
    fn count_tokens(&self, text: &str) -> Option<u64> {
        let lines = text.lines().count() as u64;
        Some(text.split_whitespace().count() as u64 + lines * lines / 8)
    }
}

fn budget_world(host: Rc<dyn Host>) -> (Memspace, String, String) {
    let ms = Memspace::new(Rc::new(MemoryKv::new()), host, Principal::new("u1", "t1")).unwrap();
    let space = run(ms.create_space(NewSpace::default())).unwrap().id;
    let mut seed = 7u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for i in 0..6 {
        let words = (next() % 60 + 1) as usize;
        let content: Vec<String> = (0..words)
            .map(|j| format!("w{}", (j as u64 + next()) % 97))
            .collect();
        run(ms.update_block(
            &space,
            &format!("b{i}"),
            BlockWrite {
                content: content.join(" "),
                agent_id: (i % 2 == 1).then(|| "agent_x".to_string()),
                ..Default::default()
            },
        ))
        .unwrap();
    }
    let session = run(ms.create_session(
        &space,
        NewSession {
            participants: vec!["u1".into()],
            ..Default::default()
        },
    ))
    .unwrap()
    .id;
    for i in 0..40 {
        let words = (next() % 40 + 1) as usize;
        let text: Vec<String> = (0..words)
            .map(|j| format!("t{}", (j as u64 * 7 + next()) % 89))
            .collect();
        run(ms.post_event(
            &space,
            &session,
            NewEvent {
                body: json!({ "content": format!("{i}: {}", text.join(" ")) }),
                emitter: Emitter::new("user", "u1"),
                event_type: None,
            },
        ))
        .unwrap();
    }
    (ms, space, session)
}

#[test]
fn budgets_are_never_exceeded_whatever_the_budget_and_the_token_counter() {
    let hosts: Vec<(&str, Rc<dyn Host>)> = vec![
        ("estimate", Rc::new(ManualHost::default())),
        ("lumpy", Rc::new(LumpyHost(ManualHost::default()))),
        (
            "superadditive",
            Rc::new(SuperadditiveHost(ManualHost::default())),
        ),
    ];
    for (name, host) in hosts {
        let (ms, space, session) = budget_world(host.clone());
        let count = |t: &str| match t {
            "" => 0,
            t => host.count_tokens(t).unwrap_or_else(|| estimate_tokens(t)),
        };
        let mut prev_events = 0;
        for budget in (1..=40)
            .chain((41..2_000).step_by(37))
            .chain([5_000, 1_000_000])
        {
            let c = run(ms.context_for(
                &space,
                ContextRequest {
                    agent_id: Some("agent_x".into()),
                    session_id: Some(session.clone()),
                    budget_tokens: Some(budget),
                    ..Default::default()
                },
            ))
            .unwrap();
            assert!(
                c.tokens <= budget,
                "{name}: {} tokens for a budget of {budget}",
                c.tokens
            );
            assert_eq!(
                c.tokens,
                count(&c.rendered),
                "{name}: tokens are the rendered text's"
            );
            assert_eq!(c.budget_tokens, budget);
            for p in &c.parts {
                assert_eq!(p.tokens, count(&p.rendered), "{name}: part {:?}", p.kind);
                assert!(p.tokens <= budget);
            }
            let included: u64 = c.parts.iter().map(|p| p.included).sum();
            assert_eq!(
                included as usize,
                c.blocks.len() + c.events.len() + c.archival.len()
            );
            if budget >= 1_000 {
                assert!(
                    c.events.len() >= prev_events,
                    "{name}: more budget, no fewer events"
                );
                prev_events = c.events.len();
            }
        }
        let big = run(ms.context_for(
            &space,
            ContextRequest {
                agent_id: Some("agent_x".into()),
                session_id: Some(session.clone()),
                budget_tokens: Some(1_000_000),
                ..Default::default()
            },
        ))
        .unwrap();
        assert_eq!(
            (big.blocks.len(), big.events.len()),
            (6, 40),
            "{name}: a big budget holds everything"
        );
    }
}
