//! Engine behaviours, written once over any [`Kv`]: run natively on memory
//! (tests/engine_scenarios.rs) and in Chromium on IndexedDB and the JS adapter (tests/browser.rs).
//! Each scenario gets a fresh store and a manual clock; it returns `Err(what differed)`.

#![allow(dead_code)]

use memspace::host::ManualHost;
use memspace::kv::Kv;
use memspace::model::*;
use memspace::{ErrorCode, Memspace};
use serde_json::json;
use std::future::Future;
use std::rc::Rc;

pub type Outcome = Result<(), String>;

/// Names of all scenarios, in the order [`run_all`] runs them.
pub const SCENARIOS: [&str; 11] = [
    "space_crud_and_deduplication",
    "other_principals_see_not_found",
    "session_crud_filters_and_if_match",
    "session_deduplication_key",
    "events_post_list_offset_last_n_and_type",
    "event_updates_and_unmodified_since",
    "event_delete_keeps_ids_and_lists_live_events",
    "validation_and_not_found_codes",
    "ttl_soft_deletes_lazily",
    "event_count_queues_extraction",
    "sweep_fires_idle_sessions",
];

macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

fn ok<T>(r: memspace::Result<T>, what: &str) -> Result<T, String> {
    r.map_err(|e| format!("{what}: {e}"))
}

fn code<T: std::fmt::Debug>(
    r: memspace::Result<T>,
    want: ErrorCode,
    what: &str,
) -> Result<memspace::Error, String> {
    match r {
        Err(e) if e.code == want => Ok(e),
        other => Err(format!("{what}: expected {want}, got {other:?}")),
    }
}

fn handle(kv: Rc<dyn Kv>) -> (Memspace, ManualHost) {
    let host = ManualHost::default();
    let ms = Memspace::new(kv, Rc::new(host.clone()), Principal::new("u1", "t1"))
        .expect("valid principal");
    (ms, host)
}

fn msg(text: &str, user: &str) -> NewEvent {
    NewEvent {
        body: json!({ "content": text }),
        emitter: Emitter::new("user", user),
        event_type: Some("message".into()),
    }
}

fn session_input(participants: &[&str]) -> NewSession {
    NewSession {
        participants: participants.iter().map(|p| p.to_string()).collect(),
        ..Default::default()
    }
}

/// Runs every scenario, each on a fresh store from `make(name)`; returns how many ran.
pub async fn run_all<F, Fut>(make: F) -> Result<usize, String>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Rc<dyn Kv>>,
{
    for name in SCENARIOS {
        let kv = make(name.to_string()).await;
        run_one(name, kv)
            .await
            .map_err(|e| format!("{name}: {e}"))?;
    }
    Ok(SCENARIOS.len())
}

/// Runs one scenario on `kv`.
pub async fn run_one(name: &str, kv: Rc<dyn Kv>) -> Outcome {
    let (ms, host) = handle(kv);
    match name {
        "space_crud_and_deduplication" => space_crud_and_deduplication(&ms).await,
        "other_principals_see_not_found" => other_principals_see_not_found(&ms).await,
        "session_crud_filters_and_if_match" => session_crud_filters_and_if_match(&ms).await,
        "session_deduplication_key" => session_deduplication_key(&ms).await,
        "events_post_list_offset_last_n_and_type" => {
            events_post_list_offset_last_n_and_type(&ms).await
        }
        "event_updates_and_unmodified_since" => {
            event_updates_and_unmodified_since(&ms, &host).await
        }
        "event_delete_keeps_ids_and_lists_live_events" => {
            event_delete_keeps_ids_and_lists_live_events(&ms).await
        }
        "validation_and_not_found_codes" => validation_and_not_found_codes(&ms).await,
        "ttl_soft_deletes_lazily" => ttl_soft_deletes_lazily(&ms, &host).await,
        "event_count_queues_extraction" => event_count_queues_extraction(&ms).await,
        "sweep_fires_idle_sessions" => sweep_fires_idle_sessions(&ms, &host).await,
        other => Err(format!("no scenario named {other}")),
    }
}

pub async fn space_crud_and_deduplication(ms: &Memspace) -> Outcome {
    let input = NewSpace {
        description: Some("notes".into()),
        llm_model_name: Some("m1".into()),
        deduplication_key: Some("k1".into()),
        ..Default::default()
    };
    let a = ok(ms.create_space(input.clone()).await, "create")?;
    let dup = code(
        ms.create_space(input.clone()).await,
        ErrorCode::Duplicate,
        "same deduplication key",
    )?;
    ensure!(
        dup.details.get("existing_id").and_then(|v| v.as_str()) == Some(a.id.as_str()),
        "duplicate carries the existing id: {dup:?}"
    );
    let b = ok(ms.create_space(NewSpace::default()).await, "create second")?;
    ensure!(
        ok(ms.get_space(&a.id).await, "get")? == a,
        "get returns what create returned"
    );
    let list = ok(ms.list_spaces(Page::default()).await, "list")?;
    ensure!(
        list.iter().map(|s| s.id.clone()).collect::<Vec<_>>() == vec![a.id.clone(), b.id.clone()],
        "list in creation order: {list:?}"
    );
    let page = ok(
        ms.list_spaces(Page {
            offset: Some(1),
            limit: Some(1),
        })
        .await,
        "page",
    )?;
    ensure!(
        page.len() == 1 && page[0].id == b.id,
        "offset 1 limit 1: {page:?}"
    );
    let upd = SpaceUpdate {
        description: Patch::Clear,
        llm_model_name: Patch::Set("m2".into()),
        ..Default::default()
    };
    let u = ok(ms.update_space(&a.id, upd).await, "update")?;
    ensure!(
        u.description.is_none() && u.llm_model_name.as_deref() == Some("m2"),
        "null clears, value sets: {u:?}"
    );
    ok(ms.delete_space(&a.id).await, "delete")?;
    code(ms.get_space(&a.id).await, ErrorCode::Gone, "get deleted")?;
    ensure!(
        ok(ms.list_spaces(Page::default()).await, "list")?.len() == 1,
        "deleted space not listed"
    );
    let again = ok(
        ms.create_space(input).await,
        "deduplication key is free after delete",
    )?;
    ensure!(again.id != a.id, "a new space");
    Ok(())
}

pub async fn other_principals_see_not_found(ms: &Memspace) -> Outcome {
    let s = ok(ms.create_space(NewSpace::default()).await, "create")?;
    let other = ok(
        ms.for_principal(Principal::new("u2", "t1")),
        "other principal",
    )?;
    code(
        other.get_space(&s.id).await,
        ErrorCode::NotFound,
        "foreign get",
    )?;
    ensure!(
        ok(other.list_spaces(Page::default()).await, "foreign list")?.is_empty(),
        "foreign list is empty"
    );
    code(
        other.create_session(&s.id, session_input(&["u2"])).await,
        ErrorCode::NotFound,
        "foreign create_session",
    )?;
    Ok(())
}

pub async fn session_crud_filters_and_if_match(ms: &Memspace) -> Outcome {
    let sp = ok(ms.create_space(NewSpace::default()).await, "space")?;
    let mut input = session_input(&["u1", "agent"]);
    input.description = Some("Trip planning".into());
    input.metadata = Some(
        json!({ "snake_case": { "nested_key": 1 } })
            .as_object()
            .cloned()
            .unwrap_or_default(),
    );
    let a = ok(ms.create_session(&sp.id, input).await, "create a")?;
    ensure!(
        a.version == 1 && a.event_count == 0 && a.lifecycle_strategies.len() == 1,
        "defaults: {a:?}"
    );
    let b = ok(
        ms.create_session(&sp.id, session_input(&["u3"])).await,
        "create b",
    )?;
    let by_p = ok(
        ms.list_sessions(
            &sp.id,
            SessionFilter {
                participants: Some(vec!["u3".into()]),
                ..Default::default()
            },
        )
        .await,
        "by participant",
    )?;
    ensure!(
        by_p.len() == 1 && by_p[0].id == b.id,
        "participant filter: {by_p:?}"
    );
    let by_d = ok(
        ms.list_sessions(
            &sp.id,
            SessionFilter {
                description: Some("TRIP".into()),
                ..Default::default()
            },
        )
        .await,
        "by description",
    )?;
    ensure!(
        by_d.len() == 1 && by_d[0].id == a.id,
        "description filter is case-insensitive"
    );
    let upd = SessionUpdate {
        description: Patch::Set("v2".into()),
        if_match: Some(1),
        ..Default::default()
    };
    let a2 = ok(
        ms.update_session(&sp.id, &a.id, upd.clone()).await,
        "update with current version",
    )?;
    ensure!(
        a2.version == 2 && a2.description.as_deref() == Some("v2"),
        "version bumped: {a2:?}"
    );
    let stale = code(
        ms.update_session(&sp.id, &a.id, upd).await,
        ErrorCode::Conflict,
        "stale ifMatch",
    )?;
    ensure!(
        stale
            .details
            .get("current_version")
            .and_then(|v| v.as_u64())
            == Some(2),
        "conflict names the current version"
    );
    ok(ms.delete_session(&sp.id, &b.id).await, "delete")?;
    code(
        ms.get_session(&sp.id, &b.id).await,
        ErrorCode::Gone,
        "get deleted",
    )?;
    code(
        ms.post_event(&sp.id, &b.id, msg("x", "u3")).await,
        ErrorCode::Gone,
        "post to deleted",
    )?;
    let all = ok(
        ms.list_sessions(&sp.id, SessionFilter::default()).await,
        "list",
    )?;
    ensure!(
        all.len() == 1 && all[0].id == a.id,
        "deleted session not listed"
    );
    Ok(())
}

pub async fn session_deduplication_key(ms: &Memspace) -> Outcome {
    let sp = ok(ms.create_space(NewSpace::default()).await, "space")?;
    let mut input = session_input(&["u1"]);
    input.deduplication_key = Some("conv-1".into());
    let a = ok(ms.create_session(&sp.id, input.clone()).await, "create")?;
    let dup = code(
        ms.create_session(&sp.id, input.clone()).await,
        ErrorCode::Duplicate,
        "again",
    )?;
    ensure!(
        dup.details.get("existing_id").and_then(|v| v.as_str()) == Some(a.id.as_str()),
        "existing id"
    );
    ok(ms.delete_session(&sp.id, &a.id).await, "delete")?;
    ok(
        ms.create_session(&sp.id, input).await,
        "key reusable after delete",
    )?;
    Ok(())
}

pub async fn event_delete_keeps_ids_and_lists_live_events(ms: &Memspace) -> Outcome {
    let sp = ok(ms.create_space(NewSpace::default()).await, "space")?;
    let se = ok(
        ms.create_session(&sp.id, session_input(&["u1"])).await,
        "session",
    )?;
    let batch: Vec<NewEvent> = (0..8).map(|i| msg(&format!("m{i}"), "u1")).collect();
    ok(ms.post_events(&sp.id, &se.id, batch).await, "post batch")?;
    for seq in [1, 6, 7] {
        ok(ms.delete_event(&sp.id, &se.id, seq).await, "delete")?;
    }
    let (spid, seid) = (sp.id.as_str(), se.id.as_str());
    let seqs = |q: EventQuery| async move {
        ms.list_events(spid, seid, q)
            .await
            .map(|evs| evs.iter().map(|e| e.sequence_id).collect::<Vec<_>>())
    };
    let all = ok(seqs(EventQuery::default()).await, "list")?;
    ensure!(
        all == vec![0, 2, 3, 4, 5],
        "listing skips deleted events: {all:?}"
    );
    let tail = ok(
        seqs(EventQuery {
            last_n: Some(2),
            ..Default::default()
        })
        .await,
        "last_n",
    )?;
    ensure!(
        tail == vec![4, 5],
        "last_n is the newest live events: {tail:?}"
    );
    let page = ok(
        seqs(EventQuery {
            offset: Some(1),
            limit: Some(2),
            ..Default::default()
        })
        .await,
        "page",
    )?;
    ensure!(page == vec![2, 3], "offsets count live events: {page:?}");
    code(
        ms.delete_event(&sp.id, &se.id, 6).await,
        ErrorCode::Gone,
        "deleted twice",
    )?;
    code(
        ms.delete_event(&sp.id, &se.id, 8).await,
        ErrorCode::NotFound,
        "never posted",
    )?;
    let next = ok(
        ms.post_event(&sp.id, &se.id, msg("after", "u1")).await,
        "post after",
    )?;
    ensure!(next.sequence_id == 8, "ids are not reused: {next:?}");
    let report = ok(ms.verify_space(&sp.id).await, "verify")?;
    ensure!(report.is_clean(), "verify: {report:?}");
    Ok(())
}

pub async fn events_post_list_offset_last_n_and_type(ms: &Memspace) -> Outcome {
    let sp = ok(ms.create_space(NewSpace::default()).await, "space")?;
    let se = ok(
        ms.create_session(&sp.id, session_input(&["u1"])).await,
        "session",
    )?;
    for i in 0..5 {
        let e = ok(
            ms.post_event(&sp.id, &se.id, msg(&format!("m{i}"), "u1"))
                .await,
            "post",
        )?;
        ensure!(e.sequence_id == i, "sequence ids count from 0: {e:?}");
    }
    let batch: Vec<NewEvent> = (0..3)
        .map(|i| NewEvent {
            body: json!({ "tool_output": i }),
            emitter: Emitter::new("tool", "search"),
            event_type: Some("tool".into()),
        })
        .collect();
    let posted = ok(ms.post_events(&sp.id, &se.id, batch).await, "post batch")?;
    ensure!(
        posted.iter().map(|e| e.sequence_id).collect::<Vec<_>>() == vec![5, 6, 7],
        "batch continues the sequence"
    );
    let page = ok(
        ms.list_events(
            &sp.id,
            &se.id,
            EventQuery {
                offset: Some(2),
                limit: Some(3),
                ..Default::default()
            },
        )
        .await,
        "page",
    )?;
    ensure!(
        page.iter().map(|e| e.sequence_id).collect::<Vec<_>>() == vec![2, 3, 4],
        "offset 2 limit 3: {page:?}"
    );
    let last = ok(
        ms.list_events(
            &sp.id,
            &se.id,
            EventQuery {
                last_n: Some(2),
                ..Default::default()
            },
        )
        .await,
        "last_n",
    )?;
    ensure!(
        last.iter().map(|e| e.sequence_id).collect::<Vec<_>>() == vec![6, 7],
        "last 2 ascending"
    );
    let msgs = ok(
        ms.list_events(
            &sp.id,
            &se.id,
            EventQuery {
                event_type: Some("message".into()),
                last_n: Some(2),
                ..Default::default()
            },
        )
        .await,
        "typed last_n",
    )?;
    ensure!(
        msgs.iter().map(|e| e.sequence_id).collect::<Vec<_>>() == vec![3, 4],
        "last 2 messages: {msgs:?}"
    );
    let tools = ok(
        ms.list_events(
            &sp.id,
            &se.id,
            EventQuery {
                event_type: Some("tool".into()),
                offset: Some(1),
                ..Default::default()
            },
        )
        .await,
        "typed page",
    )?;
    ensure!(
        tools.iter().map(|e| e.sequence_id).collect::<Vec<_>>() == vec![6, 7],
        "tool events from the 2nd"
    );
    ensure!(
        tools[0].body == json!({ "tool_output": 1 }),
        "bodies round-trip verbatim"
    );
    let s = ok(ms.get_session(&sp.id, &se.id).await, "session")?;
    ensure!(
        s.event_count == 8 && s.token_count > 0 && s.last_event_at.is_some(),
        "head counts: {s:?}"
    );
    code(
        ms.list_events(
            &sp.id,
            &se.id,
            EventQuery {
                offset: Some(1),
                last_n: Some(1),
                ..Default::default()
            },
        )
        .await,
        ErrorCode::Validation,
        "offset with last_n",
    )?;
    Ok(())
}

pub async fn event_updates_and_unmodified_since(ms: &Memspace, host: &ManualHost) -> Outcome {
    let sp = ok(ms.create_space(NewSpace::default()).await, "space")?;
    let se = ok(
        ms.create_session(&sp.id, session_input(&["u1"])).await,
        "session",
    )?;
    let e0 = ok(
        ms.post_event(&sp.id, &se.id, msg("hello", "u1")).await,
        "post",
    )?;
    ok(
        ms.post_event(&sp.id, &se.id, msg("world", "u1")).await,
        "post",
    )?;
    host.advance_secs(1);
    let upd = EventUpdate {
        sequence_id: 0,
        body: Some(json!({ "content": "hello!" })),
        if_unmodified_since: Some(e0.updated_at),
        ..Default::default()
    };
    let u = ok(ms.update_event(&sp.id, &se.id, upd.clone()).await, "update")?;
    ensure!(
        u.updated_at > e0.updated_at && u.body == json!({ "content": "hello!" }),
        "updated: {u:?}"
    );
    let c = code(
        ms.update_event(&sp.id, &se.id, upd).await,
        ErrorCode::Conflict,
        "stale ifUnmodifiedSince",
    )?;
    ensure!(
        c.details.get("precondition").and_then(|v| v.as_str()) == Some("if_unmodified_since"),
        "names the precondition"
    );
    let both = vec![
        EventUpdate {
            sequence_id: 0,
            event_type: Patch::Clear,
            ..Default::default()
        },
        EventUpdate {
            sequence_id: 1,
            event_type: Patch::Set("note".into()),
            ..Default::default()
        },
    ];
    let out = ok(ms.update_events(&sp.id, &se.id, both).await, "batch update")?;
    ensure!(
        out[0].event_type.is_none() && out[1].event_type.as_deref() == Some("note"),
        "batch applied: {out:?}"
    );
    let missing = vec![
        EventUpdate {
            sequence_id: 0,
            body: Some(json!(1)),
            ..Default::default()
        },
        EventUpdate {
            sequence_id: 9,
            body: Some(json!(2)),
            ..Default::default()
        },
    ];
    code(
        ms.update_events(&sp.id, &se.id, missing).await,
        ErrorCode::NotFound,
        "batch with a missing event",
    )?;
    let now = ok(
        ms.list_events(&sp.id, &se.id, EventQuery::default()).await,
        "list",
    )?;
    ensure!(
        now[0].body == json!({ "content": "hello!" }),
        "a failed batch changes nothing"
    );
    Ok(())
}

pub async fn validation_and_not_found_codes(ms: &Memspace) -> Outcome {
    code(
        ms.create_space(NewSpace {
            llm_base_url: Some("ftp://x".into()),
            ..Default::default()
        })
        .await,
        ErrorCode::Validation,
        "bad url",
    )?;
    code(
        ms.get_space("spc_nope").await,
        ErrorCode::NotFound,
        "bad id",
    )?;
    let sp = ok(ms.create_space(NewSpace::default()).await, "space")?;
    code(
        ms.create_session(&sp.id, session_input(&[])).await,
        ErrorCode::Validation,
        "no participants",
    )?;
    let se = ok(
        ms.create_session(&sp.id, session_input(&["u1"])).await,
        "session",
    )?;
    code(
        ms.post_event(&sp.id, &se.id, msg("hi", "stranger")).await,
        ErrorCode::Validation,
        "user emitter not a participant",
    )?;
    code(
        ms.post_events(&sp.id, &se.id, Vec::new()).await,
        ErrorCode::Validation,
        "empty batch",
    )?;
    code(
        ms.get_session(&sp.id, "ses_0000000000000000000000000z")
            .await,
        ErrorCode::NotFound,
        "missing session",
    )?;
    code(
        ms.list_spaces(Page {
            limit: Some(0),
            offset: None,
        })
        .await,
        ErrorCode::Validation,
        "limit 0",
    )?;
    Ok(())
}

pub async fn ttl_soft_deletes_lazily(ms: &Memspace, host: &ManualHost) -> Outcome {
    let sp = ok(ms.create_space(NewSpace::default()).await, "space")?;
    let mut input = session_input(&["u1"]);
    input.lifecycle_strategies = vec![LifecycleStrategy::soft_delete(Trigger::Ttl(60))];
    let se = ok(ms.create_session(&sp.id, input).await, "session")?;
    host.advance_secs(59);
    ok(ms.get_session(&sp.id, &se.id).await, "before the ttl")?;
    host.advance_secs(2);
    code(
        ms.get_session(&sp.id, &se.id).await,
        ErrorCode::Gone,
        "after the ttl",
    )?;
    ensure!(
        ok(
            ms.list_sessions(&sp.id, SessionFilter::default()).await,
            "list"
        )?
        .is_empty(),
        "not listed"
    );
    Ok(())
}

pub async fn event_count_queues_extraction(ms: &Memspace) -> Outcome {
    let sp = ok(
        ms.create_space(NewSpace {
            llm_model_name: Some("m".into()),
            ..Default::default()
        })
        .await,
        "space",
    )?;
    let mut input = session_input(&["u1"]);
    let opts = StrategyOpts {
        soft_delete: Some(false),
        ..Default::default()
    };
    input.lifecycle_strategies = vec![LifecycleStrategy::extract(
        Trigger::EventCount(3),
        Some(opts),
    )];
    let se = ok(ms.create_session(&sp.id, input).await, "session")?;
    for i in 0..3 {
        ok(
            ms.post_event(&sp.id, &se.id, msg(&format!("m{i}"), "u1"))
                .await,
            "post",
        )?;
    }
    let jobs = ok(
        ms.list_extraction_jobs(&sp.id, JobFilter::default()).await,
        "jobs",
    )?;
    ensure!(
        jobs.len() == 1 && jobs[0].to_sequence_id == 3 && jobs[0].status == JobStatus::Pending,
        "one pending job over 0..3: {jobs:?}"
    );
    ensure!(
        jobs[0].llm.llm_model_name.as_deref() == Some("m"),
        "job carries the space's llm settings"
    );
    let s = ok(ms.get_session(&sp.id, &se.id).await, "session stays live")?;
    ensure!(
        s.executed_strategies.len() == 1
            && s.executed_strategies[0].job_id.as_deref() == Some(jobs[0].id.as_str()),
        "recorded: {s:?}"
    );
    Ok(())
}

pub async fn sweep_fires_idle_sessions(ms: &Memspace, host: &ManualHost) -> Outcome {
    let sp = ok(ms.create_space(NewSpace::default()).await, "space")?;
    let mut input = session_input(&["u1"]);
    input.lifecycle_strategies = vec![LifecycleStrategy::soft_delete(Trigger::Idle(10))];
    let se = ok(ms.create_session(&sp.id, input).await, "session")?;
    let r = ok(ms.sweep(100).await, "sweep before due")?;
    ensure!(r.fired == 0, "nothing due yet: {r:?}");
    host.advance_secs(11);
    let r = ok(ms.sweep(100).await, "sweep after due")?;
    ensure!(r.examined == 1 && r.fired == 1, "one fired: {r:?}");
    code(
        ms.get_session(&sp.id, &se.id).await,
        ErrorCode::Gone,
        "swept session",
    )?;
    Ok(())
}
