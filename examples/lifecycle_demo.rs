//! The native demo: one memory space, a support conversation, and its lifecycle played out
//! over simulated weeks on the embedded default storage (memory), with a manual clock.
//!
//! Run: `npm run demo:native` (or `cargo run --example lifecycle_demo`).

use memspace::host::{Host, ManualHost};
use memspace::kv::MemoryKv;
use memspace::model::*;
use memspace::runtime::block_on;
use memspace::{Memspace, Result};
use serde_json::json;
use std::rc::Rc;

fn run<T>(f: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    block_on(f)?
}

fn say(host: &ManualHost, what: impl AsRef<str>) {
    println!("[{}] {}", host.now(), what.as_ref());
}

fn main() -> Result<()> {
    let host = ManualHost::default();
    let kv = MemoryKv::new();
    let ms = Memspace::new(
        Rc::new(kv.clone()),
        Rc::new(host.clone()),
        Principal::new("ada", "acme"),
    )?;

    let space = run(ms.create_space(NewSpace {
        description: Some("Support agent memory".into()),
        llm_model_name: Some("gpt-4o".into()),
        ..Default::default()
    }))?;
    say(
        &host,
        format!("created space {} for user ada (tenant acme)", space.id),
    );

    // Extract memories once the customer has been idle for an hour (keep the session), and
    // hard-delete the conversation 30 days after it started.
    let strategies: Vec<LifecycleStrategy> = serde_json::from_value(json!([
        {"type": "extract_memories", "trigger": {"idle": 3600}, "opts": {"softDelete": false, "agentId": "support-bot"}},
        {"type": "soft_delete", "trigger": {"ttl": 2_592_000}}
    ]))
    .map_err(|e| memspace::Error::validation("lifecycle_strategies", e.to_string()))?;
    let session = run(ms.create_session(
        &space.id,
        NewSession {
            participants: vec!["customer-42".into()],
            lifecycle_strategies: strategies,
            description: Some("Billing question".into()),
            deduplication_key: Some("ticket-1001".into()),
            ..Default::default()
        },
    ))?;
    say(
        &host,
        format!(
            "opened session {} (version {})",
            session.id, session.version
        ),
    );

    let turns = [
        (
            "user",
            "customer-42",
            "Hi, I was charged twice for my March invoice.",
        ),
        (
            "agent",
            "support-bot",
            "Sorry about that! I can see two charges of $49 on March 3rd.",
        ),
        (
            "user",
            "customer-42",
            "Please refund one. And I prefer email over phone calls.",
        ),
        (
            "agent",
            "support-bot",
            "Refund issued; you will get a confirmation by email.",
        ),
    ];
    for (kind, id, text) in turns {
        host.advance_secs(45);
        let ev = run(ms.post_event(
            &space.id,
            &session.id,
            NewEvent {
                body: json!({"content": text}),
                emitter: Emitter::new(kind, id),
                event_type: Some("message".into()),
            },
        ))?;
        say(
            &host,
            format!("event #{} from {kind} {id}: {text}", ev.sequence_id),
        );
    }

    match run(ms.create_session(
        &space.id,
        NewSession {
            participants: vec!["customer-42".into()],
            deduplication_key: Some("ticket-1001".into()),
            ..Default::default()
        },
    )) {
        Err(e) => say(
            &host,
            format!(
                "a retry of the same ticket answers {} (existing session {})",
                e.code,
                e.details
                    .get("existing_id")
                    .and_then(|v| v.as_str())
                    .unwrap_or("?")
            ),
        ),
        Ok(s) => say(&host, format!("unexpected: duplicate session {}", s.id)),
    }

    let last = run(ms.list_events(
        &space.id,
        &session.id,
        EventQuery {
            last_n: Some(2),
            ..Default::default()
        },
    ))?;
    say(
        &host,
        format!(
            "last 2 events: {:?}",
            last.iter().map(|e| e.sequence_id).collect::<Vec<_>>()
        ),
    );

    host.advance_secs(2 * 3600);
    say(
        &host,
        "two quiet hours later, the agent looks at the session again…",
    );
    let s = run(ms.get_session(&space.id, &session.id))?;
    for e in &s.executed_strategies {
        say(
            &host,
            format!(
                "  strategy #{} ({:?}) fired, due at {}",
                e.index, e.kind, e.due_at
            ),
        );
    }
    for job in run(ms.list_extraction_jobs(&space.id, JobFilter::default()))? {
        say(
            &host,
            format!(
                "  extraction job {} queued for events {}..{} with model {:?}",
                job.id,
                job.from_sequence_id,
                job.to_sequence_id,
                job.llm.llm_model_name.as_deref().unwrap_or("default")
            ),
        );
    }

    host.advance_secs(40 * 86_400);
    let report = run(ms.sweep(100))?;
    say(
        &host,
        format!(
            "40 days later a cron sweep examined {} due entries and fired {}",
            report.examined, report.fired
        ),
    );
    match run(ms.get_session(&space.id, &session.id)) {
        Err(e) => say(
            &host,
            format!(
                "the session is now {} ({}): the 30-day ttl soft-deleted it",
                e.code,
                e.status()
            ),
        ),
        Ok(_) => say(&host, "unexpected: the session is still live"),
    }
    let fresh = run(ms.create_session(
        &space.id,
        NewSession {
            participants: vec!["customer-42".into()],
            deduplication_key: Some("ticket-1001".into()),
            ..Default::default()
        },
    ))?;
    say(
        &host,
        format!(
            "its deduplication key is free again: new session {}",
            fresh.id
        ),
    );

    let bytes: usize = kv.snapshot().iter().map(|(k, v)| k.len() + v.len()).sum();
    say(
        &host,
        format!("storage holds {} keys, {} bytes", kv.len(), bytes),
    );
    Ok(())
}
