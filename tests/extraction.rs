//! Extraction (issue "Extraction: turn conversations into memories"): the LLM capability,
//! the extractor (prompt, validation, memory writes), job states with leases, retries and
//! backoff, soft delete after extraction, and commit_session — each rule named, driven by a
//! scripted LLM. Crash tests are in tests/extraction_crash.rs.

mod common;
use common::*;
use memspace::host::{Host, Llm, LlmFormat, LlmRequest, LlmResponse, Scripted, ScriptedLlm};
use memspace::model::*;
use memspace::{ErrorCode, Memspace};
use serde_json::{json, Value};
use std::rc::Rc;

fn answer(items: Value) -> Scripted {
    Scripted::Json(json!({ "memories": items }))
}

/// A world whose handle has `llm`.
fn with_llm(w: &World, llm: &Rc<ScriptedLlm>) -> Memspace {
    w.ms.clone().with_llm(llm.clone())
}

fn keep_session() -> Option<StrategyOpts> {
    Some(StrategyOpts {
        soft_delete: Some(false),
        ..Default::default()
    })
}

fn memories(ms: &Memspace, sp: &Space) -> Vec<Memory> {
    let mut all = run(ms.list_memories(&sp.id, MemoryFilter::default(), Page::default())).unwrap();
    all.sort_by(|a, b| a.content.cmp(&b.content));
    all
}

fn contents(ms: &Memspace, sp: &Space) -> Vec<String> {
    memories(ms, sp).into_iter().map(|m| m.content).collect()
}

fn jobs(ms: &Memspace, sp: &Space) -> Vec<ExtractionJob> {
    run(ms.list_extraction_jobs(&sp.id, JobFilter::default())).unwrap()
}

fn run_all(ms: &Memspace) -> RunReport {
    run(ms.run_extraction(RunOptions::default())).unwrap()
}

fn raw_session(w: &World, sp: &Space, s: &Session) -> Value {
    let key = memspace::codec::keys::Key::table("se")
        .s(&sp.id)
        .s(&s.id)
        .build();
    let bytes = w.kv.snapshot().get(&key).cloned().unwrap();
    memspace::testkit::heads::head_json(&bytes).unwrap()
}

/// A space with LLM settings and a session whose extraction fires after `n` events.
fn conversation(w: &World, n: u64, opts: Option<StrategyOpts>) -> (Space, Session) {
    let sp = run(w.ms.create_space(NewSpace {
        llm_model_name: Some("gpt-4o-mini".into()),
        llm_base_url: Some("http://127.0.0.1:9/v1".into()),
        custom_instructions: Some("Write memories in English.".into()),
        ..Default::default()
    }))
    .unwrap();
    let s = w.session_with(
        &sp,
        vec![LifecycleStrategy::extract(Trigger::EventCount(n), opts)],
    );
    (sp, s)
}

#[test]
fn an_extract_memories_job_writes_memories_with_provenance_agent_id_and_metadata() {
    let w = World::new();
    let mut md = serde_json::Map::new();
    md.insert("channel".into(), json!("support"));
    let (sp, s) = conversation(
        &w,
        3,
        Some(StrategyOpts {
            soft_delete: Some(false),
            agent_id: Some("support-bot".into()),
            metadata: Some(md),
        }),
    );
    w.post(&sp, &s, "Hi, I'm Ana").unwrap();
    w.host.advance_secs(5);
    w.post(&sp, &s, "I live in Lisbon").unwrap();
    w.post(&sp, &s, "I like green tea").unwrap();
    let llm = Rc::new(ScriptedLlm::new(vec![answer(json!([
        {"content": "The user lives in Lisbon", "category": "fact", "importance": 0.8,
         "tags": ["home"], "logicalKey": "user.city", "sourceEvents": [1]},
        {"content": "The user likes green tea", "category": "preference", "importance": 0.6,
         "sourceEvents": [2]}
    ]))]));
    let ms = with_llm(&w, &llm);
    let report = run_all(&ms);
    assert_eq!(
        (report.claimed, report.done, report.memories_created),
        (1, 1, 2)
    );
    let job = &jobs(&ms, &sp)[0];
    assert_eq!(job.status, JobStatus::Done);
    assert_eq!(job.memory_ids.len(), 2);
    assert_eq!((job.stats.extracted, job.stats.created), (2, 2));
    assert_eq!(job.breakdown.get("profile"), Some(&1));
    assert_eq!(job.breakdown.get("preference"), Some(&1));
    let ms_ = memories(&ms, &sp);
    let city = ms_.iter().find(|m| m.content.contains("Lisbon")).unwrap();
    assert_eq!(city.content, "The user lives in Lisbon");
    assert_eq!(city.memory_type, MemoryType::Semantic);
    assert_eq!(city.subtype, Some(MemorySubtype::Profile));
    assert_eq!(city.logical_key.as_deref(), Some("user.city"));
    assert_eq!(city.tags, vec!["home"]);
    assert_eq!(city.metadata.get("channel"), Some(&json!("support")));
    let p = &city.provenance;
    assert_eq!(p.source.as_deref(), Some("extraction"));
    assert_eq!(p.session_id.as_deref(), Some(s.id.as_str()));
    assert_eq!((p.event_from, p.event_to), (Some(1), Some(1)));
    assert_eq!(p.job_id.as_deref(), Some(job.id.as_str()));
    assert_eq!(p.agent_id.as_deref(), Some("support-bot"));
    // Valid from when it was said (event 1 was posted 5 s after the session began).
    let events = w.events(&sp, &s, EventQuery::default()).unwrap();
    assert_eq!(city.valid_at, events[1].created_at);
    assert!(ms_.iter().all(|m| m.provenance.agent_id.is_some()));
}

#[test]
fn the_prompt_is_our_system_prompt_plus_custom_instructions_and_asks_for_json() {
    let w = World::new();
    let (sp, s) = conversation(&w, 2, keep_session());
    w.post(&sp, &s, "I moved to Porto").unwrap();
    run(w
        .ms
        .post_event(&sp.id, &s.id, agent("Noted, welcome to Porto!", "message")))
    .unwrap();
    let llm = Rc::new(ScriptedLlm::new(vec![answer(json!([]))]));
    run_all(&with_llm(&w, &llm));
    let reqs = llm.requests();
    assert_eq!(reqs.len(), 1);
    let r: &LlmRequest = &reqs[0];
    assert_eq!(r.purpose, "extraction");
    assert_eq!(r.model.as_deref(), Some("gpt-4o-mini"));
    assert_eq!(r.base_url.as_deref(), Some("http://127.0.0.1:9/v1"));
    assert_eq!(r.format, LlmFormat::Json);
    assert_eq!(r.temperature, Some(0.0));
    let system = &r.messages[0].content;
    assert!(system.starts_with("You are the memory extractor"));
    let custom = system.find("Write memories in English.").unwrap();
    assert!(custom < system.find("Output format:").unwrap());
    let user = &r.messages[1].content;
    assert!(user.contains("[0] user (u1): I moved to Porto"), "{user}");
    assert!(user.contains("[1] agent (bot): Noted, welcome to Porto!"));
    assert!(user.contains(&format!("session {}", s.id)));
}

#[test]
fn existing_logical_keys_are_shown_to_the_model_so_it_reuses_them() {
    let w = World::new();
    let (sp, s) = conversation(&w, 1, keep_session());
    run(w.ms.remember(
        &sp.id,
        NewMemory {
            content: "The user works at Acme".into(),
            logical_key: Some("user.employer".into()),
            ..Default::default()
        },
    ))
    .unwrap();
    w.post(&sp, &s, "I now work at Initech").unwrap();
    let llm = Rc::new(ScriptedLlm::new(vec![answer(json!([]))]));
    run_all(&with_llm(&w, &llm));
    assert!(llm.requests()[0].messages[0]
        .content
        .contains("Known logical keys in this memory space: user.employer"));
}

#[test]
fn without_an_llm_jobs_stay_pending_and_running_them_is_unsupported() {
    let w = World::new();
    let (sp, s) = conversation(&w, 1, None);
    w.post(&sp, &s, "I live in Lisbon").unwrap();
    let e = expect_code(
        run(w.ms.run_extraction(RunOptions::default())),
        ErrorCode::Unsupported,
    );
    assert!(e.message.contains("stay queued"));
    expect_code(
        run(w.ms.commit_session(&sp.id, &s.id, CommitOptions::default())),
        ErrorCode::Unsupported,
    );
    let j = &jobs(&w.ms, &sp)[0];
    assert_eq!((j.status, j.attempts), (JobStatus::Pending, 0));
    // Later, with an LLM, nothing was lost.
    let llm = Rc::new(ScriptedLlm::with_rules(vec![]));
    let ms = with_llm(&w, &llm);
    assert_eq!(run_all(&ms).done, 1);
    assert_eq!(contents(&ms, &sp), vec!["The user lives in Lisbon"]);
}

#[test]
fn malformed_output_fails_the_attempt_keeps_the_raw_text_and_retries_after_a_backoff() {
    let w = World::new();
    let (sp, s) = conversation(&w, 1, keep_session());
    w.post(&sp, &s, "I like jazz").unwrap();
    let bad = "Sure! {\"memories\": [{\"content\": \"The user likes jazz\"";
    let llm = Rc::new(ScriptedLlm::with_rules(vec![Scripted::Text(bad.into())]));
    let ms = with_llm(&w, &llm);
    let r = run_all(&ms);
    assert_eq!((r.claimed, r.retrying, r.memories_created), (1, 1, 0));
    let j = &jobs(&ms, &sp)[0];
    assert_eq!((j.status, j.attempts), (JobStatus::Pending, 1));
    let err = j.last_error.as_ref().unwrap();
    assert_eq!(err.code, "upstream");
    assert_eq!(err.reason.as_deref(), Some("malformed_output"));
    assert_eq!(
        err.raw_output.as_deref(),
        Some(bad),
        "raw text kept for debugging"
    );
    assert_eq!(j.next_run_at, Some(w.host.now().plus_secs(30)));
    assert!(memories(&ms, &sp).is_empty(), "nothing half-written");
    // Not due during the backoff.
    assert_eq!(run_all(&ms).claimed, 0);
    w.host.advance_secs(30);
    let r = run_all(&ms);
    assert_eq!((r.done, r.memories_created), (1, 1));
    let j = &jobs(&ms, &sp)[0];
    assert_eq!((j.status, j.attempts), (JobStatus::Done, 2));
}

#[test]
fn timeouts_refusals_and_truncated_answers_back_off_exponentially_then_fail_for_good() {
    let w = World::new();
    let (sp, s) = conversation(&w, 1, None); // softDelete: the session is hidden meanwhile
    w.post(&sp, &s, "I live in Lisbon").unwrap();
    let llm = Rc::new(ScriptedLlm::with_rules(vec![
        Scripted::Timeout,
        Scripted::Refusal("I cannot help with that".into()),
        Scripted::Truncated("{\"memories\": [".into()),
        Scripted::Timeout,
        Scripted::Timeout,
    ]));
    let ms = with_llm(&w, &llm);
    let mut reasons = Vec::new();
    let mut delays = Vec::new();
    for _ in 0..5 {
        let r = run_all(&ms);
        assert_eq!(r.claimed, 1);
        let j = jobs(&ms, &sp).remove(0);
        reasons.push(j.last_error.clone().unwrap().reason.unwrap());
        if let Some(t) = j.next_run_at {
            delays.push((t.micros() - w.host.now().micros()) / 1_000_000);
            w.host.set_now(t);
        }
    }
    assert_eq!(
        reasons,
        vec!["timeout", "refusal", "truncated", "timeout", "timeout"]
    );
    assert_eq!(delays, vec![30, 60, 120, 240]);
    let j = jobs(&ms, &sp).remove(0);
    assert_eq!((j.status, j.attempts), (JobStatus::Failed, 5));
    assert!(j.finished_at.is_some());
    // Nothing is lost: the session stays hidden (not deleted) with its events.
    let raw = raw_session(&w, &sp, &s);
    assert!(raw["deletedAt"].is_null() && !raw["awaitingExtraction"].is_null());
    assert_eq!(
        run_all(&ms).claimed,
        0,
        "a failed job is not run again by itself"
    );
    // An operator retries it: it runs (the script is used up: rule-based answers), and the
    // session is soft-deleted after.
    let again = run(ms.retry_extraction_job(&sp.id, &j.id)).unwrap();
    assert_eq!((again.status, again.attempts), (JobStatus::Pending, 0));
    let r = run_all(&ms);
    assert_eq!((r.done, r.sessions_deleted, r.memories_created), (1, 1, 1));
    assert!(!raw_session(&w, &sp, &s)["deletedAt"].is_null());
}

#[test]
fn retrying_a_job_that_has_not_failed_is_a_conflict() {
    let w = World::new();
    let (sp, s) = conversation(&w, 1, keep_session());
    w.post(&sp, &s, "x").unwrap();
    let j = &jobs(&w.ms, &sp)[0];
    let e = expect_code(
        run(w.ms.retry_extraction_job(&sp.id, &j.id)),
        ErrorCode::Conflict,
    );
    assert_eq!(e.details["status"], "pending");
    expect_code(
        run(w
            .ms
            .retry_extraction_job(&sp.id, "job_00000000000000000000000000")),
        ErrorCode::NotFound,
    );
}

#[test]
fn duplicate_facts_in_an_answer_and_repeats_of_existing_memories_are_stored_once() {
    let w = World::new();
    let (sp, s) = conversation(&w, 2, keep_session());
    run(w.ms.remember(
        &sp.id,
        NewMemory {
            content: "The user has a dog named Rex".into(),
            ..Default::default()
        },
    ))
    .unwrap();
    w.post(&sp, &s, "My dog Rex loves tea. I love tea").unwrap();
    w.post(&sp, &s, "Really, I love tea").unwrap();
    let llm = Rc::new(ScriptedLlm::new(vec![answer(json!([
        {"content": "The user loves tea", "category": "preference"},
        {"content": "the user LOVES tea.", "category": "preference"},
        {"content": "The user has a dog named Rex", "category": "fact", "subtype": "entity"},
        {"content": "The user loves tea", "category": "preference"}
    ]))]));
    let ms = with_llm(&w, &llm);
    run_all(&ms);
    let j = &jobs(&ms, &sp)[0];
    assert_eq!(j.stats.extracted, 4);
    assert_eq!(j.stats.created, 1);
    assert_eq!(j.stats.deduplicated, 3);
    assert_eq!(
        contents(&ms, &sp),
        vec!["The user has a dog named Rex", "The user loves tea"]
    );
}

#[test]
fn a_fact_that_contradicts_an_earlier_one_supersedes_it_by_logical_key() {
    let w = World::new();
    let sp = run(w.ms.create_space(NewSpace::default())).unwrap();
    let s = w.session(&sp);
    w.post(&sp, &s, "I live in Lisbon").unwrap();
    let llm = Rc::new(ScriptedLlm::with_rules(vec![]));
    let ms = with_llm(&w, &llm);
    run(ms.commit_session(&sp.id, &s.id, CommitOptions::default())).unwrap();
    w.host.advance_secs(86_400);
    w.post(&sp, &s, "I moved to Porto").unwrap();
    let report = run(ms.commit_session(&sp.id, &s.id, CommitOptions::default())).unwrap();
    assert_eq!(report.memories_created, 1);
    let porto_id = &report.memory_ids[0];
    let active = memories(&ms, &sp);
    assert_eq!(
        active
            .iter()
            .map(|m| m.content.as_str())
            .collect::<Vec<_>>(),
        vec!["The user lives in Porto"]
    );
    let history = run(ms.list_memories(
        &sp.id,
        MemoryFilter {
            logical_key: Some("user.city".into()),
            statuses: vec![MemoryStatus::Active, MemoryStatus::Superseded],
            ..Default::default()
        },
        Page::default(),
    ))
    .unwrap();
    let lisbon = history
        .iter()
        .find(|m| m.content == "The user lives in Lisbon")
        .unwrap();
    assert_eq!(lisbon.status, MemoryStatus::Superseded);
    assert_eq!(lisbon.superseded_by.as_ref(), Some(porto_id));
    assert_eq!(lisbon.invalid_at, Some(active[0].valid_at));
    let j = run(ms.list_extraction_jobs(&sp.id, JobFilter::default())).unwrap();
    assert_eq!(j[1].stats.superseded, 1);
}

#[test]
fn soft_delete_happens_after_extraction_and_the_session_is_hidden_meanwhile() {
    let w = World::new();
    let (sp, s) = conversation(&w, 2, None); // softDelete defaults to true
    w.post(&sp, &s, "I like green tea").unwrap();
    w.post(&sp, &s, "I live in Lisbon").unwrap(); // fires: hidden now
    let e = expect_code(run(w.ms.get_session(&sp.id, &s.id)), ErrorCode::Gone);
    let job_id = jobs(&w.ms, &sp)[0].id.clone();
    assert_eq!(e.details["state"], "awaiting_extraction");
    assert_eq!(e.details["job_id"], json!(job_id));
    assert!(
        e.message.contains("readable only to the extractor"),
        "{}",
        e.message
    );
    assert!(e.message.contains("soft-deleted"));
    let e = expect_code(w.events(&sp, &s, EventQuery::default()), ErrorCode::Gone);
    assert_eq!(e.details["state"], "awaiting_extraction");
    assert!(run(w.ms.list_sessions(&sp.id, SessionFilter::default()))
        .unwrap()
        .is_empty());
    let raw = raw_session(&w, &sp, &s);
    assert!(raw["deletedAt"].is_null(), "not deleted before extraction");
    // The extractor still reads the events.
    let llm = Rc::new(ScriptedLlm::with_rules(vec![]));
    let ms = with_llm(&w, &llm);
    w.host.advance_secs(60);
    let r = run_all(&ms);
    assert_eq!(r.memories_created, 2);
    assert_eq!(
        contents(&ms, &sp),
        vec!["The user likes green tea", "The user lives in Lisbon"]
    );
    let raw = raw_session(&w, &sp, &s);
    assert_eq!(raw["deletedAt"], json!(w.host.now().to_string()));
    assert!(raw["awaitingExtraction"].is_null());
    let j = &jobs(&ms, &sp)[0];
    assert!(j.session_deleted && j.next_run_at.is_none());
    let e = expect_code(run(w.ms.get_session(&sp.id, &s.id)), ErrorCode::Gone);
    assert!(e.details.get("state").is_none(), "now plainly deleted");
}

#[test]
fn a_hidden_session_frees_its_deduplication_key() {
    let w = World::new();
    let sp = w.space();
    let mk = |key: &str| {
        run(w.ms.create_session(
            &sp.id,
            NewSession {
                participants: vec!["u1".into()],
                deduplication_key: Some(key.into()),
                lifecycle_strategies: vec![LifecycleStrategy::extract(
                    Trigger::EventCount(1),
                    None,
                )],
                ..Default::default()
            },
        ))
    };
    let a = mk("conv").unwrap();
    w.post(&sp, &a, "x").unwrap();
    assert!(mk("conv").is_ok());
}

#[test]
fn an_empty_range_completes_without_calling_the_llm_and_still_soft_deletes() {
    let w = World::new();
    let sp = w.space();
    let s = w.session_with(
        &sp,
        vec![LifecycleStrategy::extract(Trigger::Ttl(60), None)],
    );
    w.host.advance_secs(61);
    run(w.ms.sweep(10)).unwrap();
    let llm = Rc::new(ScriptedLlm::new(vec![]));
    let ms = with_llm(&w, &llm);
    let r = run_all(&ms);
    assert_eq!((r.done, llm.calls()), (1, 0));
    assert!(!raw_session(&w, &sp, &s)["deletedAt"].is_null());
}

#[test]
fn long_sessions_are_chunked_and_each_chunk_commits_with_the_jobs_cursor() {
    let w = World::new();
    let (sp, s) = conversation(&w, 40, keep_session());
    let events: Vec<NewEvent> = (0..40)
        .map(|i| msg(&format!("I like topic number {i} quite a lot, really")))
        .collect();
    run(w.ms.post_events(&sp.id, &s.id, events)).unwrap();
    // Chunk 1 answers, chunk 2 times out: chunk 1's memories stay, the retry resumes at 2.
    let llm = Rc::new(ScriptedLlm::with_rules(vec![
        Scripted::Json(json!({"memories": [{"content": "chunk one fact", "sourceEvents": [0]}]})),
        Scripted::Timeout,
    ]));
    let ms = with_llm(&w, &llm);
    let opts = RunOptions {
        chunk_tokens: Some(256),
        ..Default::default()
    };
    let r = run(ms.run_extraction(opts.clone())).unwrap();
    assert_eq!((r.retrying, r.memories_created), (1, 1));
    let j = jobs(&ms, &sp).remove(0);
    assert_eq!(j.chunks_done, 1);
    let second_start = j.cursor.sequence_id;
    assert!(second_start > 0 && second_start < 40);
    assert_eq!(contents(&ms, &sp), vec!["chunk one fact"]);
    w.host.advance_secs(30);
    // The budget is fixed at the first claim: a bigger one now does not move the cuts.
    let r = run(ms.run_extraction(RunOptions {
        chunk_tokens: Some(50_000),
        ..Default::default()
    }))
    .unwrap();
    assert_eq!(r.done, 1);
    let reqs = llm.requests();
    assert!(reqs.len() > 3, "several chunks: {}", reqs.len());
    let retry = &reqs[2].messages[1].content;
    assert!(
        retry.contains(&format!("\n[{second_start}] user (u1)")),
        "{retry}"
    );
    assert!(!retry.contains("\n[0] user"));
    let j = jobs(&ms, &sp).remove(0);
    assert_eq!(j.chunks_done as usize, reqs.len() - 1);
    assert_eq!(
        j.stats.created,
        1 + 40 - second_start,
        "chunk one's fact + one per event of the later chunks"
    );
    assert!(j.usage.total_tokens > 0, "token usage is summed");
    for r in &reqs {
        let lines = r.messages[1]
            .content
            .lines()
            .filter(|l| l.starts_with('['))
            .count();
        assert!(lines >= 1);
    }
}

#[test]
fn commit_session_extracts_on_demand_and_reports_extracted_deduplicated_created() {
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    w.post(&sp, &s, "I live in Lisbon").unwrap();
    w.post(&sp, &s, "I like jazz").unwrap();
    let llm = Rc::new(ScriptedLlm::new(vec![answer(json!([
        {"content": "The user lives in Lisbon", "category": "fact", "importance": 0.9},
        {"content": "The user likes jazz", "category": "preference", "importance": 0.7},
        {"content": "the user likes JAZZ", "category": "preference", "importance": 0.7},
        {"content": "The user said hi", "category": "event", "importance": 0.2},
        {"content": "Answer briefly", "category": "instruction", "importance": 0.8}
    ]))]));
    let ms = with_llm(&w, &llm);
    let r = run(ms.commit_session(
        &sp.id,
        &s.id,
        CommitOptions {
            categories: Some(vec!["fact".into(), "preference".into(), "event".into()]),
            max_memories: Some(2),
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!(r.session_id, s.id);
    assert_eq!(r.memories_extracted, 5);
    assert_eq!(r.memories_deduplicated, 1);
    // instruction (category), "said hi" (importance 0.2 < 0.5) are filtered.
    assert_eq!(r.memories_filtered, 2);
    assert_eq!(r.memories_created, 2);
    assert_eq!(r.memory_ids.len(), 2);
    assert_eq!(r.breakdown.get("profile"), Some(&1));
    assert_eq!(r.job_ids.len(), 1);
    // The session stays live; nothing new to extract → an empty report, no LLM call.
    assert!(run(ms.get_session(&sp.id, &s.id)).is_ok());
    let again = run(ms.commit_session(&sp.id, &s.id, CommitOptions::default())).unwrap();
    assert_eq!(
        (again.memories_created, again.job_ids.len(), llm.calls()),
        (0, 0, 1)
    );
    // New events: only they are sent.
    w.post(&sp, &s, "I like opera").unwrap();
    llm.push([answer(
        json!([{"content": "The user likes opera", "importance": 0.9}]),
    )]);
    let third = run(ms.commit_session(
        &sp.id,
        &s.id,
        CommitOptions {
            max_memories: Some(1),
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!(third.memories_created, 1);
    let user = &llm.requests()[1].messages[1].content;
    assert!(user.contains("[2] user (u1): I like opera") && !user.contains("[0]"));
}

#[test]
fn commit_session_hands_the_live_working_context_to_the_extractor_before_the_events() {
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    w.post(&sp, &s, "Book the train for Friday").unwrap();
    run(w.ms.set_context(
        &sp.id,
        &s.id,
        "trip",
        json!({"city": "Porto", "days": 3}),
        None,
    ))
    .unwrap();
    run(w
        .ms
        .set_context(&sp.id, &s.id, "draft", json!("old"), Some(60)))
    .unwrap();
    run(w
        .ms
        .set_context(&sp.id, &s.id, "note", json!("x".repeat(2000)), None))
    .unwrap();
    w.host.advance_secs(120); // "draft" has expired
    let touched = run(w.ms.get_session(&sp.id, &s.id)).unwrap().touched_at;
    let llm = Rc::new(ScriptedLlm::new(vec![answer(json!([
        {"content": "The user is planning a 3-day trip to Porto", "category": "event", "importance": 0.7}
    ]))]));
    let ms = with_llm(&w, &llm);
    let r = run(ms.commit_session(&sp.id, &s.id, CommitOptions::default())).unwrap();
    assert_eq!(r.memories_created, 1);
    let user = &llm.requests()[0].messages[1].content;
    let ctx = user
        .find("Working context")
        .expect("a working-context section");
    let trip = user
        .find("trip: {\"city\":\"Porto\",\"days\":3}")
        .expect("the trip entry");
    let events = user
        .find("[0] user (u1): Book the train for Friday")
        .unwrap();
    assert!(ctx < trip && trip < events, "{user}");
    assert!(!user.contains("draft"), "expired keys are not shown");
    // A long value is cut, not sent whole.
    let note = user.lines().find(|l| l.starts_with("note: ")).unwrap();
    assert!(note.chars().count() <= 401 && note.ends_with('…'));
    // Reading it for extraction is not activity: the session's touch time is unchanged.
    assert_eq!(
        run(ms.get_session(&sp.id, &s.id)).unwrap().touched_at,
        touched
    );
    // Without a working context there is no section.
    let s2 = w.session(&sp);
    w.post(&sp, &s2, "I like tea").unwrap();
    llm.push([answer(json!([]))]);
    run(ms.commit_session(&sp.id, &s2.id, CommitOptions::default())).unwrap();
    assert!(!llm.requests()[1].messages[1]
        .content
        .contains("Working context"));
}

#[test]
fn max_memories_keeps_the_most_important_items() {
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    w.post(&sp, &s, "x").unwrap();
    let llm = Rc::new(ScriptedLlm::new(vec![answer(json!([
        {"content": "a", "importance": 0.6},
        {"content": "b", "importance": 0.95},
        {"content": "c", "importance": 0.7}
    ]))]));
    let ms = with_llm(&w, &llm);
    let r = run(ms.commit_session(
        &sp.id,
        &s.id,
        CommitOptions {
            max_memories: Some(2),
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!(r.memories_filtered, 1);
    assert_eq!(contents(&ms, &sp), vec!["b", "c"]);
}

#[test]
fn commit_session_validates_its_arguments() {
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    let ms = w.ms.clone().with_llm(Rc::new(ScriptedLlm::new(vec![])));
    let bad = |o: CommitOptions, field: &str| {
        let e = expect_code(
            run(ms.commit_session(&sp.id, &s.id, o)),
            ErrorCode::Validation,
        );
        assert_eq!(e.details["field"], field);
    };
    bad(
        CommitOptions {
            max_memories: Some(0),
            ..Default::default()
        },
        "max_memories",
    );
    bad(
        CommitOptions {
            max_memories: Some(501),
            ..Default::default()
        },
        "max_memories",
    );
    bad(
        CommitOptions {
            min_importance: Some(1.5),
            ..Default::default()
        },
        "min_importance",
    );
    bad(
        CommitOptions {
            categories: Some(vec!["gossip".into()]),
            ..Default::default()
        },
        "categories",
    );
    expect_code(
        run(ms.commit_session(&sp.id, "ses_nope", CommitOptions::default())),
        ErrorCode::NotFound,
    );
}

#[test]
fn a_failed_commit_session_answers_upstream_and_leaves_its_job_queued() {
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    w.post(&sp, &s, "I like jazz").unwrap();
    let llm = Rc::new(ScriptedLlm::with_rules(vec![Scripted::Text("no".into())]));
    let ms = with_llm(&w, &llm);
    let e = expect_code(
        run(ms.commit_session(&sp.id, &s.id, CommitOptions::default())),
        ErrorCode::Upstream,
    );
    assert_eq!(e.details["reason"], "malformed_output");
    assert!(e.message.contains("stays queued"));
    let j = &jobs(&ms, &sp)[0];
    assert_eq!((j.status, j.kind), (JobStatus::Pending, JobKind::Commit));
    // Calling again retries at once (no waiting for the backoff), with no new job.
    let r = run(ms.commit_session(&sp.id, &s.id, CommitOptions::default())).unwrap();
    assert_eq!((r.memories_created, r.job_ids.len()), (1, 1));
    assert_eq!(jobs(&ms, &sp).len(), 1);
}

#[test]
fn an_expired_lease_is_reclaimed_and_the_late_runner_commits_nothing() {
    /// An LLM whose first call stalls past the lease while another runner takes the job over.
    struct Stalling {
        world: Rc<(memspace::kv::MemoryKv, memspace::host::ManualHost)>,
        calls: std::cell::Cell<u32>,
    }
    impl Llm for Stalling {
        fn complete<'a>(
            &'a self,
            req: &'a LlmRequest,
        ) -> memspace::host::HostFuture<'a, LlmResponse> {
            let n = self.calls.get();
            self.calls.set(n + 1);
            let text =
                json!({"memories": [{"content": format!("fact from call {n}")}]}).to_string();
            if n == 0 {
                // Meanwhile: the lease (300 s) runs out and a second runner takes over.
                let (kv, host) = (&self.world.0, &self.world.1);
                host.advance_secs(301);
                let other = World::with_kv(Rc::new(kv.clone()), host.clone()).with_llm(Rc::new(
                    ScriptedLlm::new(vec![Scripted::Json(json!({
                        "memories": [{"content": "fact from the second runner"}]
                    }))]),
                ));
                let r = run(other.run_extraction(RunOptions::default())).unwrap();
                assert_eq!(r.done, 1, "the second runner reclaims the expired lease");
            }
            let _ = req;
            Box::pin(async move { Ok(LlmResponse::text(text)) })
        }
    }
    let w = World::new();
    let (sp, s) = conversation(&w, 1, keep_session());
    w.post(&sp, &s, "hello").unwrap();
    let llm = Rc::new(Stalling {
        world: Rc::new((w.kv.clone(), w.host.clone())),
        calls: Default::default(),
    });
    let ms = w.ms.clone().with_llm(llm);
    let r = run_all(&ms);
    assert_eq!(r.claimed, 1);
    let outcome = &r.jobs[0];
    assert_eq!(
        outcome.memories_created, 0,
        "the late runner committed nothing"
    );
    assert_eq!(outcome.error.as_ref().unwrap().code, "conflict");
    assert_eq!(contents(&ms, &sp), vec!["fact from the second runner"]);
    let j = &jobs(&ms, &sp)[0];
    assert_eq!((j.status, j.attempts), (JobStatus::Done, 2));
}

/// An LLM that answers and then "kills" the runner's storage: the process dies between the
/// model's answer and the commit.
struct DiesAfterAnswer {
    kv: Rc<memspace::kv::faulty::FaultyKv>,
}

impl Llm for DiesAfterAnswer {
    fn complete<'a>(&'a self, _r: &'a LlmRequest) -> memspace::host::HostFuture<'a, LlmResponse> {
        self.kv.crash_after(0);
        let text = json!({"memories": [{"content": "The user likes tea"}]}).to_string();
        Box::pin(async move { Ok(LlmResponse::text(text)) })
    }
}

#[test]
fn a_running_job_is_not_claimed_again_before_its_lease_expires() {
    let w = World::new();
    let (sp, s) = conversation(&w, 1, keep_session());
    w.post(&sp, &s, "I like tea").unwrap();
    let faulty = Rc::new(memspace::kv::faulty::FaultyKv::new(w.kv.clone(), true));
    let dying = World::with_kv(faulty.clone(), w.host.clone())
        .with_llm(Rc::new(DiesAfterAnswer { kv: faulty.clone() }));
    assert!(run(dying.run_extraction(RunOptions::default())).is_err());
    let fresh =
        w.ms.clone()
            .with_llm(Rc::new(ScriptedLlm::with_rules(vec![])));
    let j = &jobs(&fresh, &sp)[0];
    assert_eq!((j.status, j.attempts), (JobStatus::Running, 1));
    assert!(memories(&fresh, &sp).is_empty());
    assert_eq!(run_all(&fresh).claimed, 0, "still leased");
    w.host.advance_secs(299);
    assert_eq!(run_all(&fresh).claimed, 0, "still leased");
    w.host.advance_secs(1);
    let r = run_all(&fresh);
    assert_eq!((r.done, r.memories_created), (1, 1));
    assert_eq!(jobs(&fresh, &sp)[0].attempts, 2);
    assert_eq!(contents(&fresh, &sp), vec!["The user likes tea"]);
}

#[test]
fn job_lists_are_paged_filtered_and_done_jobs_can_be_pruned() {
    let w = World::new();
    let sp = w.space();
    let mut sessions = Vec::new();
    for i in 0..5 {
        let s = w.session_with(
            &sp,
            vec![LifecycleStrategy::extract(
                Trigger::EventCount(1),
                keep_session(),
            )],
        );
        w.post(&sp, &s, &format!("I like tea number {i}")).unwrap();
        sessions.push(s);
    }
    let all = jobs(&w.ms, &sp);
    assert_eq!(all.len(), 5);
    let page = run(w.ms.list_extraction_jobs(
        &sp.id,
        JobFilter {
            offset: Some(1),
            limit: Some(2),
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!(page, all[1..3].to_vec());
    let of_one = run(w.ms.list_extraction_jobs(
        &sp.id,
        JobFilter {
            session_id: Some(sessions[3].id.clone()),
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!(of_one.len(), 1);
    assert_eq!(of_one[0].session_id, sessions[3].id);
    let ms = with_llm(&w, &Rc::new(ScriptedLlm::with_rules(vec![])));
    let r = run(ms.run_extraction(RunOptions {
        limit: Some(3),
        ..Default::default()
    }))
    .unwrap();
    assert_eq!(r.claimed, 3);
    let done = run(ms.list_extraction_jobs(
        &sp.id,
        JobFilter {
            status: Some(JobStatus::Done),
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!(done.len(), 3);
    let got = run(ms.get_extraction_job(&sp.id, &done[0].id)).unwrap();
    assert_eq!(got, done[0]);
    w.host.advance_secs(10);
    let pruned = run(ms.prune_extraction_jobs(&sp.id, PruneOptions::default())).unwrap();
    assert_eq!(pruned, 3);
    assert_eq!(jobs(&ms, &sp).len(), 2);
    expect_code(
        run(ms.get_extraction_job(&sp.id, &done[0].id)),
        ErrorCode::NotFound,
    );
    // Memories outlive their job.
    assert_eq!(memories(&ms, &sp).len(), 3);
    let e = expect_code(
        run(ms.prune_extraction_jobs(
            &sp.id,
            PruneOptions {
                limit: Some(0),
                ..Default::default()
            },
        )),
        ErrorCode::Validation,
    );
    assert_eq!(e.details["field"], "limit");
}

#[test]
fn pruning_a_failed_job_gives_up_on_it_and_soft_deletes_its_hidden_session() {
    let w = World::new();
    let (sp, s) = conversation(&w, 1, None);
    w.post(&sp, &s, "I like tea").unwrap();
    let llm = Rc::new(ScriptedLlm::new(vec![]));
    let ms = with_llm(&w, &llm);
    for _ in 0..5 {
        run_all(&ms);
        w.host.advance_secs(3600);
    }
    assert_eq!(jobs(&ms, &sp)[0].status, JobStatus::Failed);
    assert_eq!(
        run(ms.prune_extraction_jobs(&sp.id, PruneOptions::default())).unwrap(),
        0,
        "failed jobs are kept unless asked"
    );
    let n = run(ms.prune_extraction_jobs(
        &sp.id,
        PruneOptions {
            include_failed: true,
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!(n, 1);
    assert!(!raw_session(&w, &sp, &s)["deletedAt"].is_null());
}

#[test]
fn jobs_of_a_deleted_space_fail_for_good() {
    let w = World::new();
    let (sp, s) = conversation(&w, 1, keep_session());
    w.post(&sp, &s, "I like tea").unwrap();
    let job = jobs(&w.ms, &sp).remove(0);
    run(w.ms.delete_space(&sp.id)).unwrap();
    let ms = with_llm(&w, &Rc::new(ScriptedLlm::with_rules(vec![])));
    let r = run_all(&ms);
    assert_eq!(r.failed, 1);
    assert_eq!(r.jobs[0].job_id, job.id);
    assert_eq!(r.jobs[0].error.as_ref().unwrap().code, "gone");
}

#[test]
fn run_extraction_for_one_space_runs_only_its_jobs_and_checks_the_owner() {
    let w = World::new();
    let (a, sa) = conversation(&w, 1, keep_session());
    let (b, sb) = conversation(&w, 1, keep_session());
    w.post(&a, &sa, "I like tea").unwrap();
    w.post(&b, &sb, "I like jazz").unwrap();
    let ms = with_llm(&w, &Rc::new(ScriptedLlm::with_rules(vec![])));
    let r = run(ms.run_extraction(RunOptions {
        space_id: Some(b.id.clone()),
        ..Default::default()
    }))
    .unwrap();
    assert_eq!(
        (r.done, r.jobs[0].memory_space_id.as_str()),
        (1, b.id.as_str())
    );
    assert_eq!(jobs(&ms, &a)[0].status, JobStatus::Pending);
    let other = ms.for_principal(Principal::new("u2", "t1")).unwrap();
    for res in [
        run(other.run_extraction(RunOptions {
            space_id: Some(a.id.clone()),
            ..Default::default()
        }))
        .map(|_| ()),
        run(other.list_extraction_jobs(&a.id, JobFilter::default())).map(|_| ()),
        run(other.get_extraction_job(&a.id, &jobs(&ms, &a)[0].id)).map(|_| ()),
        run(other.commit_session(&a.id, &sa.id, CommitOptions::default())).map(|_| ()),
        run(other.prune_extraction_jobs(&a.id, PruneOptions::default())).map(|_| ()),
    ] {
        expect_code(res, ErrorCode::NotFound);
    }
}

#[test]
fn run_extraction_validates_limit_lease_and_chunk_size() {
    let w = World::new();
    let ms = with_llm(&w, &Rc::new(ScriptedLlm::new(vec![])));
    for (opts, field) in [
        (
            RunOptions {
                limit: Some(0),
                ..Default::default()
            },
            "limit",
        ),
        (
            RunOptions {
                limit: Some(101),
                ..Default::default()
            },
            "limit",
        ),
        (
            RunOptions {
                lease_secs: Some(5),
                ..Default::default()
            },
            "lease_secs",
        ),
        (
            RunOptions {
                chunk_tokens: Some(100),
                ..Default::default()
            },
            "chunk_tokens",
        ),
    ] {
        let e = expect_code(run(ms.run_extraction(opts)), ErrorCode::Validation);
        assert_eq!(e.details["field"], field);
    }
}

#[test]
fn an_answer_with_bad_values_is_corrected_not_failed() {
    let w = World::new();
    let (sp, s) = conversation(&w, 1, keep_session());
    w.post(&sp, &s, "x").unwrap();
    let llm = Rc::new(ScriptedLlm::new(vec![answer(json!([
        {"content": "The user is vegan", "subtype": "diet", "importance": 7, "tags": [1],
         "logicalKey": "", "sourceEvents": [42]}
    ]))]));
    let ms = with_llm(&w, &llm);
    run_all(&ms);
    let j = &jobs(&ms, &sp)[0];
    assert_eq!((j.status, j.stats.created), (JobStatus::Done, 1));
    assert_eq!(j.stats.corrected, 5);
    let m = &memories(&ms, &sp)[0];
    // The unknown subtype is dropped; a fact defaults to profile.
    assert_eq!(
        (m.importance, m.subtype, m.logical_key.clone()),
        (1.0, Some(MemorySubtype::Profile), None)
    );
    assert_eq!(
        (m.provenance.event_from, m.provenance.event_to),
        (Some(0), Some(0))
    );
}

#[test]
fn events_deleted_before_extraction_runs_are_left_out_of_the_prompt() {
    let w = World::new();
    let (sp, s) = conversation(&w, 3, keep_session());
    w.post(&sp, &s, "I live in Lisbon").unwrap();
    w.post(&sp, &s, "my password is hunter2").unwrap();
    w.post(&sp, &s, "I like green tea").unwrap();
    run(w.ms.delete_event(&sp.id, &s.id, 1)).unwrap();
    let llm = Rc::new(ScriptedLlm::new(vec![answer(json!([]))]));
    let report = run_all(&with_llm(&w, &llm));
    assert_eq!((report.claimed, report.done), (1, 1));
    let user = &llm.requests()[0].messages[1].content;
    assert!(user.contains("[0] user (u1): I live in Lisbon"), "{user}");
    assert!(user.contains("[2] user (u1): I like green tea"), "{user}");
    assert!(!user.contains("hunter2"), "{user}");
}

#[test]
fn a_job_whose_events_were_all_deleted_finishes_without_asking_the_model() {
    let w = World::new();
    let (sp, s) = conversation(&w, 2, keep_session());
    w.post(&sp, &s, "a").unwrap();
    w.post(&sp, &s, "b").unwrap();
    run(w.ms.delete_event(&sp.id, &s.id, 0)).unwrap();
    run(w.ms.delete_event(&sp.id, &s.id, 1)).unwrap();
    let llm = Rc::new(ScriptedLlm::new(vec![]));
    let ms = with_llm(&w, &llm);
    let report = run_all(&ms);
    assert_eq!((report.claimed, report.done), (1, 1));
    assert!(llm.requests().is_empty());
    assert_eq!(jobs(&ms, &sp)[0].status, JobStatus::Done);
}
