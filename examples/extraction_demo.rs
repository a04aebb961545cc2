//! The extraction demo: a conversation becomes memories. A session with an `extract_memories`
//! strategy goes idle; the sweep queues its job and hides the session; `run_extraction` asks
//! the LLM and writes the memories; the session is soft-deleted after. A week later a second
//! conversation contradicts a fact and `commit_session` supersedes it.
//!
//! The LLM is the built-in scripted one (deterministic, no network) unless
//! `MEMSPACE_LLM_BASE_URL` is set: then an OpenAI-compatible endpoint is called with `curl`
//! (`MEMSPACE_LLM_API_KEY`, `MEMSPACE_LLM_MODEL`, default `gpt-4o-mini`), e.g. OpenAI,
//! Ollama (`http://127.0.0.1:11434/v1`) or llama.cpp's server.
//!
//! Run: `npm run demo:native` (or `cargo run --example extraction_demo`).

use memspace::host::llm::{reason, upstream};
use memspace::host::openai::{chat_completions_body, chat_completions_url, parse_chat_completion};
use memspace::host::{Host, HostFuture, Llm, LlmRequest, LlmResponse, ManualHost, ScriptedLlm};
use memspace::kv::MemoryKv;
use memspace::model::*;
use memspace::runtime::block_on;
use memspace::{Memspace, Result};
use serde_json::json;
use std::io::Write;
use std::process::{Command, Stdio};
use std::rc::Rc;

fn run<T>(f: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    block_on(f)?
}

fn say(host: &ManualHost, what: impl AsRef<str>) {
    println!("[{}] {}", host.now(), what.as_ref());
}

/// An OpenAI-compatible endpoint called through `curl` (a blocking call: the future is ready).
struct CurlLlm {
    base_url: String,
    api_key: Option<String>,
    model: String,
}

impl CurlLlm {
    fn call(&self, request: &LlmRequest) -> Result<LlmResponse> {
        let body = chat_completions_body(request, &self.model).to_string();
        let mut cmd = Command::new("curl");
        cmd.args(["-sS", "--max-time", "120", "-X", "POST"])
            .args(["-H", "content-type: application/json"])
            .args(["-w", "\n%{http_code}", "--data-binary", "@-"])
            .arg(chat_completions_url(&self.base_url));
        if let Some(k) = &self.api_key {
            cmd.args(["-H", &format!("authorization: Bearer {k}")]);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| upstream(reason::UNAVAILABLE, format!("could not run curl: {e}")))?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(body.as_bytes())
                .map_err(|e| upstream(reason::UNAVAILABLE, e.to_string()))?;
        }
        let out = child
            .wait_with_output()
            .map_err(|e| upstream(reason::UNAVAILABLE, e.to_string()))?;
        if !out.status.success() {
            let why = String::from_utf8_lossy(&out.stderr).trim().to_string();
            let r = if out.status.code() == Some(28) {
                reason::TIMEOUT
            } else {
                reason::UNAVAILABLE
            };
            return Err(upstream(r, format!("curl failed: {why}")));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let (body, status) = text.rsplit_once('\n').unwrap_or((&text, "0"));
        parse_chat_completion(status.trim().parse().unwrap_or(0), body)
    }
}

impl Llm for CurlLlm {
    fn complete<'a>(&'a self, request: &'a LlmRequest) -> HostFuture<'a, LlmResponse> {
        let out = self.call(request);
        Box::pin(async move { out })
    }
}

fn llm() -> (Rc<dyn Llm>, String) {
    match std::env::var("MEMSPACE_LLM_BASE_URL") {
        Ok(base_url) if !base_url.is_empty() => {
            let model =
                std::env::var("MEMSPACE_LLM_MODEL").unwrap_or_else(|_| "gpt-4o-mini".into());
            let what = format!("{model} at {base_url}");
            let llm = CurlLlm {
                base_url,
                api_key: std::env::var("MEMSPACE_LLM_API_KEY")
                    .ok()
                    .filter(|k| !k.is_empty()),
                model,
            };
            (Rc::new(llm), what)
        }
        _ => (
            Rc::new(ScriptedLlm::with_rules(vec![])),
            "the built-in scripted model (set MEMSPACE_LLM_BASE_URL for a real one)".into(),
        ),
    }
}

fn post(ms: &Memspace, space: &str, session: &str, who: &str, text: &str) -> Result<()> {
    let emitter = if who == "ada" {
        Emitter::new("user", "ada")
    } else {
        Emitter::new("agent", "helper")
    };
    run(ms.post_event(
        space,
        session,
        NewEvent {
            body: json!({ "content": text }),
            emitter,
            event_type: Some("message".into()),
        },
    ))?;
    Ok(())
}

fn show_memories(ms: &Memspace, host: &ManualHost, space: &str) -> Result<()> {
    let filter = MemoryFilter {
        statuses: vec![MemoryStatus::Active, MemoryStatus::Superseded],
        ..Default::default()
    };
    for m in run(ms.list_memories(space, filter, Page::default()))? {
        let p = &m.provenance;
        say(
            host,
            format!(
                "  {:<10} {:<11} {:.1}  {:<40} key={} events {}–{} of {}",
                m.status.as_str(),
                m.subtype
                    .map(|s| s.as_str())
                    .unwrap_or(m.memory_type.as_str()),
                m.importance,
                m.content,
                m.logical_key.as_deref().unwrap_or("-"),
                p.event_from.unwrap_or(0),
                p.event_to.unwrap_or(0),
                p.session_id.as_deref().unwrap_or("?"),
            ),
        );
    }
    Ok(())
}

fn main() -> Result<()> {
    let host = ManualHost::default();
    let (llm, which) = llm();
    let ms = Memspace::new(
        Rc::new(MemoryKv::new()),
        Rc::new(host.clone()),
        Principal::new("ada", "acme"),
    )?
    .with_llm(llm);
    say(&host, format!("LLM: {which}"));
    let space = run(ms.create_space(NewSpace {
        description: Some("Personal assistant memory".into()),
        llm_model_name: std::env::var("MEMSPACE_LLM_MODEL").ok(),
        custom_instructions: Some("Keep each memory to one short sentence.".into()),
        ..Default::default()
    }))?;
    let session = run(ms.create_session(
        &space.id,
        NewSession {
            participants: vec!["ada".into()],
            lifecycle_strategies: vec![LifecycleStrategy::extract(
                Trigger::Idle(1800),
                Some(StrategyOpts {
                    agent_id: Some("assistant".into()),
                    ..Default::default()
                }),
            )],
            ..Default::default()
        },
    ))?;
    say(
        &host,
        format!(
            "session {} extracts after 30 idle minutes, then soft-deletes",
            session.id
        ),
    );
    let chat = [
        ("ada", "Hi! My name is Ada"),
        ("helper", "Nice to meet you, Ada. How can I help?"),
        ("ada", "I live in Lisbon. I work at Acme"),
        ("helper", "Got it."),
        ("ada", "I like green tea. I dislike loud music"),
        ("ada", "Always answer in Portuguese"),
        ("helper", "Combinado!"),
    ];
    for (who, text) in chat {
        host.advance_secs(20);
        post(&ms, &space.id, &session.id, who, text)?;
        say(&host, format!("{who:>6}: {text}"));
    }

    host.advance_secs(1801);
    let swept = run(ms.sweep(100))?;
    say(
        &host,
        format!("sweep: {} session fired its strategy", swept.fired),
    );
    let job = run(ms.list_extraction_jobs(&space.id, JobFilter::default()))?.remove(0);
    say(
        &host,
        format!(
            "job {} is {} (events {}–{})",
            job.id,
            job.status.as_str(),
            job.from_sequence_id,
            job.to_sequence_id
        ),
    );
    if let Err(e) = run(ms.list_events(&space.id, &session.id, EventQuery::default())) {
        say(
            &host,
            format!("reading the session now: {} {}", e.code, e.message),
        );
    }

    let report = run(ms.run_extraction(RunOptions::default()))?;
    say(
        &host,
        format!(
            "run_extraction: {} job done, {} memories created, {} session soft-deleted after",
            report.done, report.memories_created, report.sessions_deleted
        ),
    );
    if let Some(e) = report.jobs.first().and_then(|j| j.error.as_ref()) {
        say(
            &host,
            format!(
                "  the attempt failed ({}: {}); it is retried after a backoff",
                e.reason.as_deref().unwrap_or(&e.code),
                e.message
            ),
        );
    }
    show_memories(&ms, &host, &space.id)?;

    host.advance_secs(7 * 86_400);
    let later = run(ms.create_session(
        &space.id,
        NewSession {
            participants: vec!["ada".into()],
            ..Default::default()
        },
    ))?;
    post(
        &ms,
        &space.id,
        &later.id,
        "ada",
        "Big news! I moved to Porto",
    )?;
    say(&host, "   ada: Big news! I moved to Porto");
    let c = run(ms.commit_session(&space.id, &later.id, CommitOptions::default()))?;
    say(
        &host,
        format!(
            "commit_session: extracted {}, deduplicated {}, created {} ({:?})",
            c.memories_extracted, c.memories_deduplicated, c.memories_created, c.breakdown
        ),
    );
    show_memories(&ms, &host, &space.id)?;
    let stats = run(ms.memory_stats(&space.id))?;
    say(
        &host,
        format!(
            "memories: {} active, {} superseded",
            stats.active, stats.superseded
        ),
    );
    Ok(())
}
