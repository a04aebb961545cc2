//! Briefing (seed 003 `get_briefing`): what changed in a space in the last N minutes —
//! new and superseded memories, contradictions (a new memory closing an old one by key),
//! active sessions — computed from records only.

mod context_common;

use context_common::*;
use memspace::model::*;
use memspace::{ErrorCode, Timestamp};

fn remember(w: &World, content: &str, key: Option<&str>, tags: &[&str]) -> Memory {
    run(w.ms.remember(
        &w.space,
        NewMemory {
            content: content.into(),
            logical_key: key.map(String::from),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            ..Default::default()
        },
    ))
    .unwrap()
    .memory
}

fn brief(w: &World, minutes: u64) -> Briefing {
    run(w.ms.briefing(
        &w.space,
        BriefingQuery {
            lookback_minutes: Some(minutes),
            ..Default::default()
        },
    ))
    .unwrap()
}

fn ids(ms: &[Memory]) -> Vec<&str> {
    ms.iter().map(|m| m.id.as_str()).collect()
}

#[test]
fn memories_created_in_the_window_are_new_newest_first_and_older_ones_are_not() {
    let w = World::new();
    remember(&w, "old fact", None, &[]);
    w.host.advance_secs(2 * 3600);
    let a = remember(&w, "fact a", None, &[]);
    w.host.advance_secs(60);
    let b = remember(&w, "fact b", None, &[]);
    let br = brief(&w, 60);
    assert_eq!(ids(&br.new_memories), [b.id.as_str(), a.id.as_str()]);
    assert_eq!(br.summary.recent_memories, 2);
    assert_eq!(br.summary.total_memories, 3);
    assert_eq!(br.until.0 - br.since.0, 3_600_000_000);
    assert_eq!(brief(&w, 180).summary.recent_memories, 3);
}

#[test]
fn a_new_memory_closing_an_old_one_by_key_is_a_contradiction_and_the_old_one_is_superseded() {
    let w = World::new();
    let old = remember(&w, "Lives in Boston", Some("user.city"), &[]);
    w.host.advance_secs(2 * 3600);
    let new = remember(&w, "Lives in Denver", Some("user.city"), &[]);
    let br = brief(&w, 60);
    assert_eq!(br.contradictions.len(), 1);
    let c = &br.contradictions[0];
    assert_eq!(
        (c.memory_a.as_str(), c.memory_b.as_str()),
        (new.id.as_str(), old.id.as_str())
    );
    assert_eq!(c.relationship, "supersedes");
    assert!(!c.needs_resolution);
    assert_eq!(c.logical_key.as_deref(), Some("user.city"));
    assert_eq!(c.detected_at, new.created_at);
    assert_eq!(ids(&br.superseded_memories), [old.id.as_str()]);
    assert_eq!(br.superseded_memories[0].status, MemoryStatus::Superseded);
    assert_eq!(br.summary.recently_superseded, 1);
    assert_eq!(br.summary.superseded_memories, 1);
    // Outside the window of the supersession, no contradiction.
    w.host.advance_secs(2 * 3600);
    assert!(brief(&w, 60).contradictions.is_empty());
}

#[test]
fn older_news_that_arrives_already_closed_is_a_contradiction_too() {
    let w = World::new();
    let current = remember(&w, "Works at Acme", Some("user.employer"), &[]);
    let late = run(w.ms.remember(
        &w.space,
        NewMemory {
            content: "Worked at Initech".into(),
            logical_key: Some("user.employer".into()),
            valid_at: Some(Timestamp(current.valid_at.0 - 86_400_000_000)),
            ..Default::default()
        },
    ))
    .unwrap()
    .memory;
    assert_eq!(late.status, MemoryStatus::Superseded);
    let br = brief(&w, 60);
    assert_eq!(br.contradictions.len(), 1);
    assert_eq!(
        (
            br.contradictions[0].memory_a.as_str(),
            br.contradictions[0].memory_b.as_str()
        ),
        (current.id.as_str(), late.id.as_str())
    );
}

#[test]
fn forgotten_memories_are_not_new() {
    let w = World::new();
    let m = remember(&w, "secret", None, &[]);
    let keep = remember(&w, "kept", None, &[]);
    run(w.ms.forget_memory(&w.space, &m.id, false)).unwrap();
    assert_eq!(ids(&brief(&w, 60).new_memories), [keep.id.as_str()]);
}

#[test]
fn the_summary_counts_new_memories_by_type_and_names_their_most_frequent_tags() {
    let w = World::new();
    remember(&w, "one", None, &["acme", "renewal"]);
    remember(&w, "two", None, &["acme"]);
    run(w.ms.remember(
        &w.space,
        NewMemory {
            content: "three".into(),
            memory_type: Some(MemoryType::Procedural),
            tags: vec!["zeta".into()],
            ..Default::default()
        },
    ))
    .unwrap();
    let s = brief(&w, 60).summary;
    assert_eq!(s.memory_types.get(&MemoryType::Semantic), Some(&2));
    assert_eq!(s.memory_types.get(&MemoryType::Procedural), Some(&1));
    assert_eq!(s.active_topics, ["acme", "renewal", "zeta"]);
    assert!(!s.truncated);
}

#[test]
fn live_sessions_with_activity_in_the_window_are_active_and_others_are_not() {
    let w = World::new();
    let quiet = w.session();
    let idle = w.session_with(vec![LifecycleStrategy::soft_delete(Trigger::Idle(1_800))]);
    w.host.advance_secs(2 * 3600);
    let busy = w.session();
    w.say(&busy.id, false, "hello");
    let deleted = w.session();
    run(w.ms.delete_session(&w.space, &deleted.id)).unwrap();
    let touched = w.session_with(vec![LifecycleStrategy::soft_delete(Trigger::Idle(86_400))]);
    w.host.advance_secs(60);
    run(w.ms.touch_session(&w.space, &touched.id)).unwrap();
    let br = brief(&w, 60);
    let active: Vec<&str> = br
        .active_sessions
        .iter()
        .map(|s| s.session_id.as_str())
        .collect();
    assert_eq!(active, [touched.id.as_str(), busy.id.as_str()]);
    assert_eq!(br.summary.active_sessions, 2);
    assert_eq!(br.active_sessions[1].event_count, 1);
    assert!(!active.contains(&quiet.id.as_str()) && !active.contains(&idle.id.as_str()));
}

#[test]
fn include_flags_leave_memories_and_contradictions_out_but_keep_the_counts() {
    let w = World::new();
    remember(&w, "a", Some("k"), &[]);
    remember(&w, "b", Some("k"), &[]);
    let br = run(w.ms.briefing(
        &w.space,
        BriefingQuery {
            include_memories: Some(false),
            include_contradictions: Some(false),
            ..Default::default()
        },
    ))
    .unwrap();
    assert!(br.new_memories.is_empty() && br.superseded_memories.is_empty());
    assert!(br.contradictions.is_empty());
    assert_eq!(
        (br.summary.recent_memories, br.summary.recently_superseded),
        (2, 1)
    );
}

#[test]
fn the_limit_bounds_every_list() {
    let w = World::new();
    for i in 0..5 {
        remember(&w, &format!("m{i}"), None, &[]);
        w.session();
        w.host.advance_micros(1_000);
    }
    let br = run(w.ms.briefing(
        &w.space,
        BriefingQuery {
            limit: Some(2),
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!((br.new_memories.len(), br.active_sessions.len()), (2, 2));
    assert_eq!(
        (br.summary.recent_memories, br.summary.active_sessions),
        (5, 5)
    );
}

#[test]
fn a_briefing_only_reads() {
    let w = World::new();
    remember(&w, "a", Some("k"), &[]);
    remember(&w, "b", Some("k"), &[]);
    let s = w.session_with(vec![LifecycleStrategy::soft_delete(Trigger::Idle(60))]);
    w.say(&s.id, false, "hi");
    w.host.advance_secs(120); // the session's idle trigger is due but not fired
    let before = w.kv.snapshot();
    let br = brief(&w, 60);
    assert!(
        br.active_sessions.is_empty(),
        "a session past its expiry is not active"
    );
    assert_eq!(w.kv.snapshot(), before, "the briefing wrote something");
}

#[test]
fn briefing_parameters_out_of_bounds_are_validation_errors() {
    let w = World::new();
    for q in [
        BriefingQuery {
            lookback_minutes: Some(0),
            ..Default::default()
        },
        BriefingQuery {
            lookback_minutes: Some(43_201),
            ..Default::default()
        },
        BriefingQuery {
            limit: Some(0),
            ..Default::default()
        },
        BriefingQuery {
            limit: Some(101),
            ..Default::default()
        },
    ] {
        expect_code(run(w.ms.briefing(&w.space, q)), ErrorCode::Validation);
    }
    expect_code(
        run(w.stranger().briefing(&w.space, BriefingQuery::default())),
        ErrorCode::NotFound,
    );
}
