//! Concurrent writers (two tabs, two requests): handles on one store whose operations
//! interleave at every storage call, under many seeded schedules. Optimistic preconditions on
//! the commit point must turn every lost race into a retry or a `conflict`, never a lost or
//! duplicated event.

mod common;
use common::interleave::*;
use common::*;
use memspace::kv::MemoryKv;
use memspace::model::*;
use memspace::{ErrorCode, Memspace, Result};
use std::rc::Rc;

fn handles(n: usize) -> (Vec<Memspace>, Space, Session) {
    let (hs, sp, s, _) = handles_counted(n);
    (hs, sp, s)
}

fn handles_counted(n: usize) -> (Vec<Memspace>, Space, Session, Rc<YieldingKv>) {
    let counted = Rc::new(YieldingKv::new(MemoryKv::new()));
    let (hs, space, session) = handles_over(counted.clone(), n);
    (hs, space, session, counted)
}

#[test]
fn racing_appends_from_two_handles_lose_nothing_and_never_share_a_sequence_id() {
    for seed in 0..200 {
        let (hs, sp, s) = handles(2);
        let post_many = |h: &Memspace, tag: &'static str| {
            let (h, sp, s) = (h.clone(), sp.id.clone(), s.id.clone());
            Box::pin(async move {
                let mut ids = Vec::new();
                for i in 0..5 {
                    ids.push(
                        h.post_event(&sp, &s, msg(&format!("{tag}{i}")))
                            .await?
                            .sequence_id,
                    );
                }
                Ok::<_, memspace::Error>(ids)
            }) as Task<'_, Result<Vec<u64>>>
        };
        let results = interleave(vec![post_many(&hs[0], "a"), post_many(&hs[1], "b")], seed);
        let mut all: Vec<u64> = results.into_iter().flat_map(|r| r.unwrap()).collect();
        all.sort();
        assert_eq!(all, (0..10).collect::<Vec<_>>(), "seed {seed}");
        let events = interleave(
            vec![Box::pin(hs[0].list_events(
                &sp.id,
                &s.id,
                EventQuery::default(),
            ))],
            0,
        )
        .remove(0)
        .unwrap();
        assert_eq!(seqs(&events), (0..10).collect::<Vec<_>>(), "seed {seed}");
        for tag in ["a", "b"] {
            let mine: Vec<String> = events
                .iter()
                .map(|e| e.body["content"].as_str().unwrap().to_string())
                .filter(|c| c.starts_with(tag))
                .collect();
            assert_eq!(
                mine,
                (0..5).map(|i| format!("{tag}{i}")).collect::<Vec<_>>(),
                "each writer's events keep their order"
            );
        }
    }
}

#[test]
fn racing_updates_with_the_same_if_match_let_exactly_one_win() {
    for seed in 0..100 {
        let (hs, sp, s) = handles(2);
        let update = |h: &Memspace, d: &'static str| {
            let (h, sp, s) = (h.clone(), sp.id.clone(), s.id.clone());
            Box::pin(async move {
                h.update_session(
                    &sp,
                    &s,
                    SessionUpdate {
                        description: Patch::Set(d.into()),
                        if_match: Some(1),
                        ..Default::default()
                    },
                )
                .await
            }) as Task<'_, Result<Session>>
        };
        let results = interleave(vec![update(&hs[0], "a"), update(&hs[1], "b")], seed);
        let wins = results.iter().filter(|r| r.is_ok()).count();
        let conflicts = results
            .iter()
            .filter(|r| r.as_ref().is_err_and(|e| e.code == ErrorCode::Conflict))
            .count();
        assert_eq!((wins, conflicts), (1, 1), "seed {seed}");
    }
}

#[test]
fn racing_creations_with_one_deduplication_key_create_one_session() {
    for seed in 0..100 {
        let (hs, sp, _) = handles(3);
        let create = |h: &Memspace| {
            let (h, sp) = (h.clone(), sp.id.clone());
            Box::pin(async move {
                h.create_session(
                    &sp,
                    NewSession {
                        participants: vec!["u1".into()],
                        deduplication_key: Some("k".into()),
                        ..Default::default()
                    },
                )
                .await
            }) as Task<'_, Result<Session>>
        };
        let results = interleave(hs.iter().map(create).collect(), seed);
        let winners: Vec<&Session> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(winners.len(), 1, "seed {seed}");
        for r in &results {
            if let Err(e) = r {
                assert_eq!(e.code, ErrorCode::Duplicate, "seed {seed}: {e}");
                assert_eq!(e.details["existing_id"], winners[0].id.as_str());
            }
        }
    }
}

#[test]
fn an_append_racing_an_if_match_update_does_not_make_the_update_conflict() {
    for seed in 0..100 {
        let (hs, sp, s) = handles(2);
        let (h0, h1) = (hs[0].clone(), hs[1].clone());
        let (sp0, s0, sp1, s1) = (sp.id.clone(), s.id.clone(), sp.id.clone(), s.id.clone());
        let post: Task<'_, Result<u64>> = Box::pin(async move {
            h0.post_event(&sp0, &s0, msg("x"))
                .await
                .map(|e| e.sequence_id)
        });
        let update: Task<'_, Result<u64>> = Box::pin(async move {
            h1.update_session(
                &sp1,
                &s1,
                SessionUpdate {
                    description: Patch::Set("d".into()),
                    if_match: Some(1),
                    ..Default::default()
                },
            )
            .await
            .map(|s| s.version)
        });
        let r = interleave(vec![post, update], seed);
        assert_eq!(r[0].as_ref().ok(), Some(&0), "seed {seed}");
        assert_eq!(
            r[1].as_ref().ok(),
            Some(&2),
            "seed {seed}: the version did not change, only the event count"
        );
    }
}

#[test]
fn concurrent_calls_through_one_handle_queue_instead_of_conflicting() {
    for seed in 0..50 {
        let (hs, sp, s, kv) = handles_counted(1);
        let h = &hs[0];
        let mut tasks: Vec<Task<'_, Result<u64>>> = (0..20)
            .map(|i| {
                let (h, sp, s) = (h.clone(), sp.id.clone(), s.id.clone());
                Box::pin(async move {
                    h.post_event(&sp, &s, msg(&format!("{i}")))
                        .await
                        .map(|e| e.sequence_id)
                }) as Task<'_, Result<u64>>
            })
            .collect();
        let (h2, sp2, s2) = (h.clone(), sp.id.clone(), s.id.clone());
        tasks.push(Box::pin(async move {
            h2.update_session(
                &sp2,
                &s2,
                SessionUpdate {
                    description: Patch::Set("d".into()),
                    if_match: Some(1),
                    ..Default::default()
                },
            )
            .await
            .map(|s| s.version)
        }));
        let results = interleave(tasks, seed);
        assert!(
            results.iter().all(|r| r.is_ok()),
            "seed {seed}: {:?}",
            results.iter().find(|r| r.is_err())
        );
        let mut seqs: Vec<u64> = results[..20].iter().map(|r| *r.as_ref().unwrap()).collect();
        seqs.sort();
        assert_eq!(seqs, (0..20).collect::<Vec<_>>());
        assert_eq!(
            kv.refused.get(),
            0,
            "seed {seed}: calls through one handle raced each other"
        );
    }
}

fn meta() -> serde_json::Map<String, serde_json::Value> {
    let mut m = serde_json::Map::new();
    m.insert("k".into(), "v".into());
    m
}

/// Runs one future to completion on the interleaving harness (one task, one schedule).
fn run1<T: 'static>(f: impl std::future::Future<Output = Result<T>> + 'static) -> Result<T> {
    interleave(vec![Box::pin(f) as Task<'_, Result<T>>], 1).remove(0)
}

#[test]
fn an_append_after_another_handles_head_write_keeps_that_write() {
    // Handle 0 appends (its next append checks only that the next event key is absent);
    // handle 1 then changes the head without appending. Handle 0's next append must build on
    // handle 1's head, not overwrite it with the one it remembers.
    let (hs, sp, s) = handles(2);
    let (h0, h1) = (hs[0].clone(), hs[1].clone());
    let (spid, sid) = (sp.id.clone(), s.id.clone());
    let post = |h: &Memspace, t: &str| {
        let (h, spid, sid, t) = (h.clone(), spid.clone(), sid.clone(), t.to_string());
        run1(async move { h.post_event(&spid, &sid, msg(&t)).await })
    };
    assert_eq!(post(&h0, "a").unwrap().sequence_id, 0);
    assert_eq!(post(&h0, "b").unwrap().sequence_id, 1);
    let (h, a, b) = (h1.clone(), spid.clone(), sid.clone());
    let updated = run1(async move {
        h.update_session(
            &a,
            &b,
            SessionUpdate {
                description: Patch::Set("from handle 1".into()),
                metadata: Patch::Set(meta()),
                ..Default::default()
            },
        )
        .await
    })
    .unwrap();
    assert_eq!(updated.version, 2);
    assert_eq!(post(&h0, "c").unwrap().sequence_id, 2);
    assert_eq!(post(&h0, "d").unwrap().sequence_id, 3);
    let (h, a, b) = (h1.clone(), spid.clone(), sid.clone());
    let got = run1(async move { h.get_session(&a, &b).await }).unwrap();
    assert_eq!(got.description.as_deref(), Some("from handle 1"));
    assert_eq!(got.metadata, Some(meta()));
    assert_eq!(got.version, 2);
    assert_eq!(got.event_count, 4);
    // Every event is there, in order, and nothing stands in for one.
    let (h, a, b) = (h1.clone(), spid.clone(), sid.clone());
    let events = run1(async move { h.list_events(&a, &b, EventQuery::default()).await }).unwrap();
    let seqs: Vec<u64> = events.iter().map(|e| e.sequence_id).collect();
    assert_eq!(seqs, vec![0, 1, 2, 3]);
}

#[test]
fn an_append_after_another_handle_deleted_the_session_or_space_is_refused() {
    let (hs, sp, s) = handles(2);
    let (h0, h1) = (hs[0].clone(), hs[1].clone());
    let (spid, sid) = (sp.id.clone(), s.id.clone());
    let post = |h: &Memspace| {
        let (h, spid, sid) = (h.clone(), spid.clone(), sid.clone());
        run1(async move { h.post_event(&spid, &sid, msg("x")).await })
    };
    post(&h0).unwrap();
    post(&h0).unwrap();
    let (h, a, b) = (h1.clone(), spid.clone(), sid.clone());
    run1(async move { h.delete_session(&a, &b).await }).unwrap();
    assert_eq!(post(&h0).unwrap_err().code, ErrorCode::Gone);

    let (hs, sp, s) = handles(2);
    let (h0, h1) = (hs[0].clone(), hs[1].clone());
    let (spid, sid) = (sp.id.clone(), s.id.clone());
    let post = |h: &Memspace| {
        let (h, spid, sid) = (h.clone(), spid.clone(), sid.clone());
        run1(async move { h.post_event(&spid, &sid, msg("x")).await })
    };
    post(&h0).unwrap();
    post(&h0).unwrap();
    let (h, a) = (h1.clone(), spid.clone());
    run1(async move { h.delete_space(&a).await }).unwrap();
    assert_eq!(post(&h0).unwrap_err().code, ErrorCode::Gone);
}

/// The newest `n` events of a session through handle `h`.
fn newest(h: &Memspace, spid: &str, sid: &str, n: u64) -> Result<Vec<Event>> {
    let (h, a, b) = (h.clone(), spid.to_string(), sid.to_string());
    run1(async move {
        h.list_events(
            &a,
            &b,
            EventQuery {
                last_n: Some(n),
                ..Default::default()
            },
        )
        .await
    })
}

#[test]
fn a_read_or_append_after_another_handles_completed_space_delete_answers_gone() {
    // Handle 0 reads and appends with the space it read (no space read per call); handle 1
    // deletes the space. Handle 0's next read and append must see the delete.
    let (hs, sp, s) = handles(2);
    let (h0, h1) = (hs[0].clone(), hs[1].clone());
    let (spid, sid) = (sp.id.clone(), s.id.clone());
    let post = |h: &Memspace| {
        let (h, spid, sid) = (h.clone(), spid.clone(), sid.clone());
        run1(async move { h.post_event(&spid, &sid, msg("x")).await })
    };
    for _ in 0..3 {
        post(&h0).unwrap();
    }
    assert_eq!(newest(&h0, &spid, &sid, 2).unwrap().len(), 2);
    let (h, a) = (h1.clone(), spid.clone());
    run1(async move { h.delete_space(&a).await }).unwrap();
    assert_eq!(
        newest(&h0, &spid, &sid, 2).unwrap_err().code,
        ErrorCode::Gone
    );
    assert_eq!(post(&h0).unwrap_err().code, ErrorCode::Gone);
    // Restored by handle 1: handle 0 reads and appends again.
    let (h, a) = (h1.clone(), spid.clone());
    run1(async move { h.restore_space(&a).await }).unwrap();
    assert_eq!(newest(&h0, &spid, &sid, 5).unwrap().len(), 3);
    assert_eq!(post(&h0).unwrap().sequence_id, 3);
}

/// What each (append, read) of a task answered.
type Seen = Vec<(Result<u64>, Result<usize>)>;

#[test]
fn reads_and_appends_racing_a_space_delete_land_before_it_or_answer_gone() {
    for seed in 0..200 {
        let (hs, sp, s) = handles(2);
        let (h0, h1) = (hs[0].clone(), hs[1].clone());
        let (spid, sid) = (sp.id.clone(), s.id.clone());
        newest(&h0, &spid, &sid, 1).unwrap();
        let work = {
            let (h, a, b) = (h0.clone(), spid.clone(), sid.clone());
            Box::pin(async move {
                let mut seen = Vec::new();
                for i in 0..4 {
                    let posted = h.post_event(&a, &b, msg(&format!("m{i}"))).await;
                    let q = EventQuery {
                        last_n: Some(10),
                        ..Default::default()
                    };
                    let read = h.list_events(&a, &b, q).await.map(|e| e.len());
                    seen.push((posted.map(|e| e.sequence_id), read));
                }
                Ok::<_, memspace::Error>(seen)
            }) as Task<'_, Result<Seen>>
        };
        let delete = {
            let (h, a) = (h1.clone(), spid.clone());
            Box::pin(async move {
                h.delete_space(&a).await?;
                Ok(Vec::new())
            }) as Task<'_, Result<Seen>>
        };
        let mut out = interleave(vec![work, delete], seed);
        out.pop().unwrap().unwrap();
        let seen = out.pop().unwrap().unwrap();
        // Once one call answered gone, every later one does; before that, every append
        // landed at the next sequence id and every read saw all appends made so far.
        let mut gone = false;
        for (i, (posted, read)) in seen.into_iter().enumerate() {
            match posted {
                Ok(seq) => {
                    assert!(!gone, "seed {seed}: append after gone");
                    assert_eq!(seq, i as u64, "seed {seed}");
                }
                Err(e) => {
                    assert_eq!(e.code, ErrorCode::Gone, "seed {seed}: {e:?}");
                    gone = true;
                }
            }
            match read {
                Ok(n) => {
                    assert!(!gone, "seed {seed}: read after gone");
                    assert_eq!(n, i + 1, "seed {seed}");
                }
                Err(e) => {
                    assert_eq!(e.code, ErrorCode::Gone, "seed {seed}");
                    gone = true;
                }
            }
        }
        assert_eq!(
            newest(&h0, &spid, &sid, 1).unwrap_err().code,
            ErrorCode::Gone,
            "seed {seed}"
        );
    }
}

/// An untyped event: no page mark to write, so on the memory store an append that fires
/// nothing writes its event alone (a one-record append).
fn plain(text: &str) -> NewEvent {
    NewEvent {
        body: serde_json::json!({ "content": text }),
        emitter: Emitter::new("user", "u1"),
        event_type: None,
    }
}

/// The session's token count after these texts, appended in order to a fresh session.
fn serial_tokens(texts: &[String]) -> u64 {
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    for t in texts {
        run(w.ms.post_event(&sp.id, &s.id, plain(t))).unwrap();
    }
    run(w.ms.get_session(&sp.id, &s.id)).unwrap().token_count
}

/// Handle 0 appends `n` untyped events (warmed up: one append before, so the rest are one
/// record each) while handle 1 runs `other`; returns the handles, ids, the appends' sequence
/// ids (or errors) and what `other` answered.
#[allow(clippy::type_complexity)]
fn appends_racing<T: 'static>(
    seed: u64,
    n: usize,
    strategies: Vec<LifecycleStrategy>,
    other: impl FnOnce(Memspace, String, String) -> Task<'static, Result<T>>,
) -> (
    Vec<Memspace>,
    String,
    String,
    Vec<Result<u64>>,
    Result<T>,
    Rc<YieldingKv>,
) {
    let counted = Rc::new(YieldingKv::new(MemoryKv::new()));
    let (hs, sp, s) = handles_over(counted.clone(), 2);
    let (spid, sid) = (sp.id.clone(), s.id.clone());
    if !strategies.is_empty() {
        let (h, a, b) = (hs[0].clone(), spid.clone(), sid.clone());
        run1(async move {
            h.update_session(
                &a,
                &b,
                SessionUpdate {
                    lifecycle_strategies: Some(strategies),
                    ..Default::default()
                },
            )
            .await
        })
        .unwrap();
    }
    let (h, a, b) = (hs[0].clone(), spid.clone(), sid.clone());
    run1(async move { h.post_event(&a, &b, plain("w")).await }).unwrap();
    let appends = {
        let (h, a, b) = (hs[0].clone(), spid.clone(), sid.clone());
        Box::pin(async move {
            let mut out = Vec::new();
            for i in 0..n {
                out.push(
                    h.post_event(&a, &b, plain(&format!("a{i}")))
                        .await
                        .map(|e| e.sequence_id),
                );
            }
            Ok(out)
        }) as Task<'static, Result<Vec<Result<u64>>>>
    };
    enum Either<T> {
        A(Result<Vec<Result<u64>>>),
        B(Result<T>),
    }
    let a: Task<'static, Either<T>> = Box::pin(async move { Either::A(appends.await) });
    let o = other(hs[1].clone(), spid.clone(), sid.clone());
    let b: Task<'static, Either<T>> = Box::pin(async move { Either::B(o.await) });
    let mut results = interleave(vec![a, b], seed).into_iter();
    let (Some(Either::A(posted)), Some(Either::B(other))) = (results.next(), results.next()) else {
        panic!("seed {seed}: tasks answered out of order");
    };
    (hs, spid, sid, posted.unwrap(), other, counted)
}

fn session_of(h: &Memspace, spid: &str, sid: &str) -> Result<Session> {
    let (h, a, b) = (h.clone(), spid.to_string(), sid.to_string());
    run1(async move { h.get_session(&a, &b).await })
}

fn all_events(h: &Memspace, spid: &str, sid: &str) -> Vec<Event> {
    let (h, a, b) = (h.clone(), spid.to_string(), sid.to_string());
    run1(async move { h.list_events(&a, &b, EventQuery::default()).await }).unwrap()
}

/// The texts of the warm-up and of `n` appends.
fn texts(n: usize) -> Vec<String> {
    std::iter::once("w".to_string())
        .chain((0..n).map(|i| format!("a{i}")))
        .collect()
}

#[test]
fn one_record_appends_racing_a_metadata_update_lose_neither() {
    for seed in 0..100 {
        let (hs, spid, sid, posted, updated, _) = appends_racing(seed, 4, vec![], |h, a, b| {
            Box::pin(async move {
                for d in ["x", "y"] {
                    h.update_session(
                        &a,
                        &b,
                        SessionUpdate {
                            description: Patch::Set(d.into()),
                            metadata: Patch::Set(meta()),
                            ..Default::default()
                        },
                    )
                    .await?;
                }
                Ok(())
            })
        });
        updated.unwrap();
        let posted: Vec<u64> = posted.into_iter().map(|r| r.unwrap()).collect();
        assert_eq!(posted, vec![1, 2, 3, 4], "seed {seed}");
        for h in &hs {
            let got = session_of(h, &spid, &sid).unwrap();
            assert_eq!(got.event_count, 5, "seed {seed}");
            assert_eq!(got.token_count, serial_tokens(&texts(4)), "seed {seed}");
            assert_eq!(got.description.as_deref(), Some("y"), "seed {seed}");
            assert_eq!(
                (got.version, got.metadata),
                (3, Some(meta())),
                "seed {seed}"
            );
            assert_eq!(seqs(&all_events(h, &spid, &sid)), vec![0, 1, 2, 3, 4]);
        }
    }
}

#[test]
fn one_record_appends_racing_an_event_update_and_delete_keep_every_event_and_count() {
    for seed in 0..100 {
        let (hs, spid, sid, posted, edited, _) = appends_racing(seed, 4, vec![], |h, a, b| {
            Box::pin(async move {
                h.update_event(
                    &a,
                    &b,
                    EventUpdate {
                        sequence_id: 0,
                        body: Some(serde_json::json!({"content": "edited"})),
                        ..Default::default()
                    },
                )
                .await?;
                h.delete_event(&a, &b, 0).await
            })
        });
        edited.unwrap();
        let posted: Vec<u64> = posted.into_iter().map(|r| r.unwrap()).collect();
        assert_eq!(posted, vec![1, 2, 3, 4], "seed {seed}");
        // A serial replay: the warm-up event is deleted, its tokens (as edited) taken off.
        let w = World::new();
        let sp = w.space();
        let s = w.session(&sp);
        for t in texts(4) {
            run(w.ms.post_event(&sp.id, &s.id, plain(&t))).unwrap();
        }
        let upd = EventUpdate {
            sequence_id: 0,
            body: Some(serde_json::json!({"content": "edited"})),
            ..Default::default()
        };
        run(w.ms.update_event(&sp.id, &s.id, upd)).unwrap();
        run(w.ms.delete_event(&sp.id, &s.id, 0)).unwrap();
        let serial = run(w.ms.get_session(&sp.id, &s.id)).unwrap();
        for h in &hs {
            let got = session_of(h, &spid, &sid).unwrap();
            assert_eq!(
                (got.event_count, got.token_count),
                (serial.event_count, serial.token_count),
                "seed {seed}"
            );
            assert_eq!(seqs(&all_events(h, &spid, &sid)), vec![1, 2, 3, 4]);
        }
    }
}

#[test]
fn one_record_appends_racing_a_lifecycle_firing_record_it_once_and_keep_every_event() {
    // Handle 1 reads the session while handle 0 crosses an eventCount trigger: the firing is
    // written once, by the append that crosses it or by a read, and every event stays.
    let keep = StrategyOpts {
        soft_delete: Some(false),
        ..Default::default()
    };
    let strategy = vec![LifecycleStrategy::extract(
        Trigger::EventCount(3),
        Some(keep),
    )];
    for seed in 0..100 {
        let (hs, spid, sid, posted, read, _) =
            appends_racing(seed, 4, strategy.clone(), |h, a, b| {
                Box::pin(async move {
                    for _ in 0..3 {
                        h.get_session(&a, &b).await?;
                    }
                    Ok(())
                })
            });
        read.unwrap();
        let posted: Vec<u64> = posted.into_iter().map(|r| r.unwrap()).collect();
        assert_eq!(posted, vec![1, 2, 3, 4], "seed {seed}");
        for h in &hs {
            let got = session_of(h, &spid, &sid).unwrap();
            assert_eq!(got.event_count, 5, "seed {seed}");
            assert_eq!(got.token_count, serial_tokens(&texts(4)), "seed {seed}");
            assert_eq!(got.executed_strategies.len(), 1, "seed {seed}");
            assert_eq!(seqs(&all_events(h, &spid, &sid)), vec![0, 1, 2, 3, 4]);
        }
    }
}

#[test]
fn one_record_appends_racing_a_session_delete_land_before_it_or_answer_gone() {
    for seed in 0..100 {
        let (hs, spid, sid, posted, deleted, kv) = appends_racing(seed, 4, vec![], |h, a, b| {
            Box::pin(async move { h.delete_session(&a, &b).await })
        });
        deleted.unwrap();
        // The appends acknowledged came first, in order; every later one answered gone.
        let landed: Vec<u64> = posted
            .iter()
            .filter_map(|r| r.as_ref().ok().copied())
            .collect();
        assert_eq!(
            landed,
            (1..1 + landed.len() as u64).collect::<Vec<_>>(),
            "seed {seed}"
        );
        for r in &posted[landed.len()..] {
            assert_eq!(r.as_ref().unwrap_err().code, ErrorCode::Gone, "seed {seed}");
        }
        for h in &hs {
            assert_eq!(
                session_of(h, &spid, &sid).unwrap_err().code,
                ErrorCode::Gone
            );
        }
        // The delete stored the count it saw, which is every acknowledged append: nothing is
        // appended after it, and nothing acknowledged before it is missing from it.
        let report = run1({
            let (h, a) = (hs[1].clone(), spid.clone());
            async move { h.verify_space(&a).await }
        })
        .unwrap();
        assert!(report.is_clean(), "seed {seed}: {report:?}");
        let key = memspace::codec::keys::Key::table("se")
            .s(&spid)
            .s(&sid)
            .build();
        let head = memspace::testkit::heads::head_json(&kv.inner.snapshot()[&key]).unwrap();
        assert_eq!(head["eventCount"], 1 + landed.len() as u64, "seed {seed}");
    }
}
