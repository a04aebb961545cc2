//! Event-type marks (docs/storage.md, "list_events with an event type"): a batch marks each
//! stretch of consecutive pages of a type with one run mark keyed by its last page, a mark no
//! longer makes an append write its head, and typed reads list exactly the events of the type,
//! in order, in both scan directions, whatever marks (page marks, runs, retype marks, marks of
//! torn appends, redundant marks of stale hints) lie in storage.

mod common;
use common::*;
use memspace::codec::keys::Key;
use memspace::kv::faulty::FaultyKv;
use memspace::kv::{Batch, Kv, MemoryKv};
use memspace::model::*;
use memspace::testkit::rng::Rng;
use memspace::{ErrorCode, Memspace};
use serde_json::json;
use std::rc::Rc;

fn typed(text: &str, t: Option<&str>) -> NewEvent {
    NewEvent {
        body: json!({ "content": text }),
        emitter: Emitter::new("user", "u1"),
        event_type: t.map(str::to_string),
    }
}

fn head_key(sp: &Space, s: &Session) -> Vec<u8> {
    Key::table("se").s(&sp.id).s(&s.id).build()
}

fn mark_keys(kv: &MemoryKv) -> usize {
    let prefix = Key::table("etp").build();
    kv.snapshot()
        .keys()
        .filter(|k| k.starts_with(&prefix))
        .count()
}

/// A handle over a counting atomic backend with a space and a session.
fn counted(atomic: bool) -> (Memspace, Rc<FaultyKv>, Space, Session) {
    let kv = Rc::new(FaultyKv::new(MemoryKv::new(), atomic));
    let ms = World::with_kv(kv.clone(), memspace::host::ManualHost::default());
    let sp = run(ms.create_space(NewSpace::default())).unwrap();
    let s = run(ms.create_session(
        &sp.id,
        NewSession {
            participants: vec!["u1".into()],
            ..Default::default()
        },
    ))
    .unwrap();
    (ms, kv, sp, s)
}

fn batch(n: usize, t: &str) -> Vec<NewEvent> {
    (0..n).map(|i| typed(&format!("e{i}"), Some(t))).collect()
}

#[test]
fn a_200_event_batch_of_one_type_writes_its_events_and_one_mark_and_no_head() {
    let (ms, kv, sp, s) = counted(true);
    // Not page-aligned: the batches start at 5, 205, 405.
    run(ms.post_events(&sp.id, &s.id, batch(5, "message"))).unwrap();
    for round in 0..3 {
        let head = kv.data().snapshot()[&head_key(&sp, &s)].clone();
        let marks = mark_keys(&kv.data());
        let before = kv.writes();
        run(ms.post_events(&sp.id, &s.id, batch(200, "message"))).unwrap();
        assert_eq!(
            kv.writes() - before,
            201,
            "round {round}: 200 events + 1 mark"
        );
        assert_eq!(mark_keys(&kv.data()), marks + 1, "round {round}");
        assert_eq!(kv.data().snapshot()[&head_key(&sp, &s)], head);
    }
    let got = run(ms.get_session(&sp.id, &s.id)).unwrap();
    assert_eq!(got.event_count, 605);
    let all = EventQuery {
        offset: Some(0),
        limit: Some(100),
        event_type: Some("message".into()),
        ..Default::default()
    };
    assert_eq!(
        seqs(&run(ms.list_events(&sp.id, &s.id, all)).unwrap()),
        (0..100).collect::<Vec<_>>()
    );
}

#[test]
fn an_append_into_a_new_page_writes_its_mark_and_event_and_no_head() {
    let (ms, kv, sp, s) = counted(true);
    run(ms.post_events(&sp.id, &s.id, batch(16, "message"))).unwrap();
    let head = kv.data().snapshot()[&head_key(&sp, &s)].clone();
    let before = kv.writes();
    run(ms.post_event(&sp.id, &s.id, typed("p1", Some("message")))).unwrap();
    assert_eq!(kv.writes() - before, 2, "the mark of page 1 and the event");
    let before = kv.writes();
    run(ms.post_event(&sp.id, &s.id, typed("p1b", Some("message")))).unwrap();
    assert_eq!(
        kv.writes() - before,
        1,
        "page 1 is marked already: the event alone"
    );
    assert_eq!(kv.data().snapshot()[&head_key(&sp, &s)], head);
    // A fresh handle reads the stored hint (page 0): one redundant mark, then none.
    let fresh = World::with_kv(kv.clone(), memspace::host::ManualHost::default());
    let before = kv.writes();
    run(fresh.post_event(&sp.id, &s.id, typed("p1c", Some("message")))).unwrap();
    assert_eq!(kv.writes() - before, 2);
    let before = kv.writes();
    run(fresh.post_event(&sp.id, &s.id, typed("p1d", Some("message")))).unwrap();
    assert_eq!(kv.writes() - before, 1);
    let last = EventQuery {
        last_n: Some(5),
        event_type: Some("message".into()),
        ..Default::default()
    };
    for h in [&ms, &fresh] {
        let got = run(h.list_events(&sp.id, &s.id, last.clone())).unwrap();
        assert_eq!(seqs(&got), [15, 16, 17, 18, 19]);
        assert!(run(h.verify_space(&sp.id)).unwrap().is_clean());
    }
}

/// The events of type `t` a model session holds, ascending.
fn expected(model: &[(Option<String>, bool)], t: &str) -> Vec<u64> {
    model
        .iter()
        .enumerate()
        .filter(|(_, (ty, deleted))| !deleted && ty.as_deref() == Some(t))
        .map(|(i, _)| i as u64)
        .collect()
}

/// Every typed read of `t` (newest n, pages at several offsets and limits) against the model.
fn check_reads(ms: &Memspace, sp: &Space, s: &Session, model: &[(Option<String>, bool)], at: &str) {
    for t in ["a", "b", "c"] {
        let want = expected(model, t);
        for n in [1u64, 3, 17, 40, 100] {
            let q = EventQuery {
                last_n: Some(n),
                event_type: Some(t.into()),
                ..Default::default()
            };
            let got = seqs(&run(ms.list_events(&sp.id, &s.id, q)).unwrap());
            let from = want.len().saturating_sub(n as usize);
            assert_eq!(got, want[from..], "{at}: last {n} of {t}");
        }
        for offset in [0usize, 1, 15, 16, 33, 150, 333] {
            for limit in [1usize, 7, 100] {
                let q = EventQuery {
                    offset: Some(offset as u64),
                    limit: Some(limit as u64),
                    event_type: Some(t.into()),
                    ..Default::default()
                };
                let got = seqs(&run(ms.list_events(&sp.id, &s.id, q)).unwrap());
                let from = offset.min(want.len());
                let to = (offset + limit).min(want.len());
                assert_eq!(got, want[from..to], "{at}: {t} from {offset}, {limit}");
            }
        }
    }
}

/// A random batch: one type, stretches of types, a mix, untyped events.
fn random_batch(rng: &mut Rng) -> Vec<Option<&'static str>> {
    let types = [Some("a"), Some("b"), Some("c"), None];
    let n = match rng.below(4) {
        0 => 1,
        1 => 1 + rng.below(40),
        _ => 150 + rng.below(51),
    };
    match rng.below(4) {
        0 => vec![*rng.pick(&types); n],
        1 => {
            let mut out = Vec::new();
            while out.len() < n {
                let t = *rng.pick(&types);
                let len = 1 + rng.below(60);
                out.extend(std::iter::repeat_n(t, len.min(n - out.len())));
            }
            out
        }
        2 => (0..n).map(|_| *rng.pick(&types)).collect(),
        _ => (0..n)
            .map(|i| if i % 37 == 0 { Some("c") } else { Some("a") })
            .collect(),
    }
}

/// Random appends (batches and single events), retypes, deletes, through two handles whose
/// hints go stale, on an atomic or key-by-key backend, torn appends on the latter; every
/// typed read checked against a model after each step.
fn typed_reads_follow_the_model(atomic: bool, seed: u64, steps: usize) {
    let mut rng = Rng::new(seed);
    let host = memspace::host::ManualHost::default();
    let mut kv = Rc::new(FaultyKv::new(MemoryKv::new(), atomic));
    let handles = |kv: &Rc<FaultyKv>| -> Vec<Memspace> {
        (0..2)
            .map(|_| World::with_kv(kv.clone(), host.clone()))
            .collect()
    };
    let mut hs = handles(&kv);
    let sp = run(hs[0].create_space(NewSpace::default())).unwrap();
    let s = run(hs[0].create_session(
        &sp.id,
        NewSession {
            participants: vec!["u1".into()],
            ..Default::default()
        },
    ))
    .unwrap();
    let mut model: Vec<(Option<String>, bool)> = Vec::new();
    for step in 0..steps {
        let h = rng.below(2);
        let at = format!("seed {seed} step {step}");
        match rng.below(10) {
            0..=5 => {
                let types = random_batch(&mut rng);
                let events: Vec<NewEvent> = types
                    .iter()
                    .enumerate()
                    .map(|(i, t)| typed(&format!("s{step}e{i}"), *t))
                    .collect();
                let torn = !atomic && rng.chance(0.2);
                if torn {
                    kv.crash_after(rng.below(4) as u64);
                }
                let out = match events.len() {
                    1 => run(hs[h].post_event(&sp.id, &s.id, events[0].clone())).map(|_| ()),
                    _ => run(hs[h].post_events(&sp.id, &s.id, events)).map(|_| ()),
                };
                if out.is_ok() {
                    model.extend(types.iter().map(|t| (t.map(str::to_string), false)));
                }
                if torn {
                    kv = Rc::new(FaultyKv::new(kv.data(), atomic));
                    hs = handles(&kv);
                }
            }
            6 | 7 if !model.is_empty() => {
                let seq = rng.below(model.len());
                let t = *rng.pick(&[Some("a"), Some("b"), Some("c"), None]);
                let out = run(hs[h].update_event(
                    &sp.id,
                    &s.id,
                    EventUpdate {
                        sequence_id: seq as u64,
                        body: None,
                        event_type: match t {
                            Some(t) => Patch::Set(t.to_string()),
                            None => Patch::Clear,
                        },
                        emitter: None,
                        if_unmodified_since: None,
                    },
                ));
                match model[seq].1 {
                    true => assert_eq!(out.unwrap_err().code, ErrorCode::Gone, "{at}"),
                    false => {
                        out.unwrap();
                        model[seq].0 = t.map(str::to_string);
                    }
                }
            }
            8 if !model.is_empty() => {
                let seq = rng.below(model.len());
                if !model[seq].1 {
                    run(hs[h].delete_event(&sp.id, &s.id, seq as u64)).unwrap();
                    model[seq].1 = true;
                }
            }
            _ => {}
        }
        let got = run(hs[1 - h].get_session(&sp.id, &s.id)).unwrap();
        assert_eq!(got.event_count, model.len() as u64, "{at}");
        check_reads(&hs[1 - h], &sp, &s, &model, &at);
    }
    assert!(run(hs[0].verify_space(&sp.id)).unwrap().is_clean());
}

#[test]
fn typed_reads_follow_a_model_on_an_atomic_backend() {
    for seed in 1..=4 {
        typed_reads_follow_the_model(true, seed, 30);
    }
}

#[test]
fn typed_reads_follow_a_model_on_a_key_by_key_backend_with_torn_appends() {
    for seed in 11..=14 {
        typed_reads_follow_the_model(false, seed, 30);
    }
}

#[test]
fn a_retype_mark_inside_a_batch_run_keeps_both_scan_orders() {
    for atomic in [true, false] {
        let (ms, _kv, sp, s) = counted(atomic);
        // Page 0..=12 of "b" is one run; events 40 and 41 (page 2) are retyped to "a" and
        // event 150 (page 9) too: single marks inside "a"'s later run… and a run of "a" that
        // starts before a mark keyed below its end.
        run(ms.post_events(&sp.id, &s.id, batch(200, "b"))).unwrap();
        for seq in [40u64, 41, 150] {
            run(ms.update_event(
                &sp.id,
                &s.id,
                EventUpdate {
                    sequence_id: seq,
                    body: None,
                    event_type: Patch::Set("a".into()),
                    emitter: None,
                    if_unmodified_since: None,
                },
            ))
            .unwrap();
        }
        run(ms.post_events(&sp.id, &s.id, batch(200, "a"))).unwrap();
        let mut model: Vec<(Option<String>, bool)> = (0..400)
            .map(|i| (Some(if i < 200 { "b" } else { "a" }.to_string()), false))
            .collect();
        for seq in [40, 41, 150] {
            model[seq].0 = Some("a".into());
        }
        check_reads(&ms, &sp, &s, &model, &format!("atomic {atomic}"));
        assert!(run(ms.verify_space(&sp.id)).unwrap().is_clean());
    }
}

#[test]
fn marks_already_in_storage_and_overlapping_runs_list_each_event_once() {
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    run(w.ms.post_events(&sp.id, &s.id, batch(200, "a"))).unwrap();
    run(w.ms.post_events(&sp.id, &s.id, batch(100, "a"))).unwrap();
    // Page marks of every page (as earlier versions wrote them) and runs overlapping the
    // batches' own, some reaching past the count (a torn append's).
    let mark = |tail: &[u64]| {
        let mut k = Key::table("etp").s(&sp.id).s(&s.id).s("a");
        for n in tail {
            k = k.n(*n);
        }
        k.build()
    };
    let mut b = Batch::new();
    for page in 0..19 {
        b.put(mark(&[page]), Vec::new());
    }
    for (last, first) in [(13, 0), (13, 5), (18, 12), (25, 18), (7, 2)] {
        b.put(mark(&[last, first]), Vec::new());
    }
    memspace::runtime::block_on(w.kv.commit(b))
        .unwrap()
        .unwrap();
    let model: Vec<(Option<String>, bool)> = (0..300).map(|_| (Some("a".into()), false)).collect();
    check_reads(&w.ms, &sp, &s, &model, "overlapping marks");
    assert!(run(w.ms.verify_space(&sp.id)).unwrap().is_clean());
}

#[test]
fn a_mark_key_of_no_known_form_is_a_storage_error_and_a_verify_problem() {
    // Each key lies inside the marks a read of the 300 events' 19 pages scans.
    for tail in [
        vec![0u8; 3],
        vec![0; 12],
        [0u64.to_be_bytes(), 14u64.to_be_bytes()].concat(),
        [3u64.to_be_bytes(), 5u64.to_be_bytes()].concat(),
        [18u64.to_be_bytes(), 0u64.to_be_bytes()].concat(),
    ] {
        let w = World::new();
        let sp = w.space();
        let s = w.session(&sp);
        // 99 events of "a": every read of them reads every mark.
        run(w.ms.post_events(&sp.id, &s.id, batch(200, "b"))).unwrap();
        run(w.ms.post_events(&sp.id, &s.id, batch(99, "a"))).unwrap();
        run(w.ms.post_events(&sp.id, &s.id, batch(1, "b"))).unwrap();
        let mut key = Key::table("etp").s(&sp.id).s(&s.id).s("a").build();
        key.extend_from_slice(&tail);
        let mut b = Batch::new();
        b.put(key, Vec::new());
        memspace::runtime::block_on(w.kv.commit(b))
            .unwrap()
            .unwrap();
        for q in [
            EventQuery {
                last_n: Some(100),
                event_type: Some("a".into()),
                ..Default::default()
            },
            EventQuery {
                offset: Some(0),
                event_type: Some("a".into()),
                ..Default::default()
            },
        ] {
            expect_code(w.events(&sp, &s, q), ErrorCode::Storage);
        }
        let report = run(w.ms.verify_space(&sp.id)).unwrap();
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.kind == ProblemKind::Corrupt),
            "{tail:?}: {report:?}"
        );
    }
}

#[test]
fn verify_reports_a_typed_event_no_mark_covers() {
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    run(w.ms.post_events(&sp.id, &s.id, batch(100, "a"))).unwrap();
    let prefix = Key::table("etp").build();
    let keys: Vec<Vec<u8>> =
        w.kv.snapshot()
            .keys()
            .filter(|k| k.starts_with(&prefix))
            .cloned()
            .collect();
    assert_eq!(keys.len(), 1, "one run mark for pages 0..=6");
    let mut b = Batch::new();
    b.delete(keys[0].clone());
    memspace::runtime::block_on(w.kv.commit(b))
        .unwrap()
        .unwrap();
    let report = run(w.ms.verify_space(&sp.id)).unwrap();
    assert_eq!(
        report
            .problems
            .iter()
            .filter(|p| p.kind == ProblemKind::Dangling)
            .count(),
        100,
        "{report:?}"
    );
}

#[test]
fn retype_marks_inside_runs_across_many_chunks_of_marks_keep_both_scan_orders() {
    // 150 pages of "a" in 12 batches (runs), then every page's first event retyped to "b" and
    // back: 150 page marks of "a", each inside a run keyed above it, more marks than one scan
    // of marks returns, so pages named across chunks must still come in order and once.
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    for _ in 0..12 {
        run(w.ms.post_events(&sp.id, &s.id, batch(200, "a"))).unwrap();
    }
    let retype = |seq: u64, t: &str| {
        run(w.ms.update_event(
            &sp.id,
            &s.id,
            EventUpdate {
                sequence_id: seq,
                body: None,
                event_type: Patch::Set(t.into()),
                emitter: None,
                if_unmodified_since: None,
            },
        ))
        .unwrap();
    };
    for page in 0..150u64 {
        retype(page * 16 + 1, "b");
        retype(page * 16 + 1, "a");
    }
    let model: Vec<(Option<String>, bool)> = (0..2400).map(|_| (Some("a".into()), false)).collect();
    let want = expected(&model, "a");
    for offset in [0usize, 1500, 1700, 1880, 2300] {
        let q = EventQuery {
            offset: Some(offset as u64),
            limit: Some(100),
            event_type: Some("a".into()),
            ..Default::default()
        };
        let got = seqs(&w.events(&sp, &s, q).unwrap());
        assert_eq!(got, want[offset..(offset + 100).min(2400)], "from {offset}");
    }
    for n in [1u64, 100] {
        let q = EventQuery {
            last_n: Some(n),
            event_type: Some("a".into()),
            ..Default::default()
        };
        let got = seqs(&w.events(&sp, &s, q).unwrap());
        assert_eq!(got, want[2400 - n as usize..], "last {n}");
    }
}

#[test]
fn a_reverse_read_past_a_full_chunk_of_over_listing_marks_lists_each_event_once() {
    // Events 0..200 are "a" (one run over pages 0..=12), 200..2400 "b". Pages 13..=139 get a
    // page mark of "a" by a retype there and back (127 marks naming no "a" event), pages
    // 0..=12 by a retype to "b" and back: a reverse scan of marks returns the 127 and the run
    // in its first chunk of 128 and the page marks inside the run in its second.
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    run(w.ms.post_events(&sp.id, &s.id, batch(200, "a"))).unwrap();
    for _ in 0..11 {
        run(w.ms.post_events(&sp.id, &s.id, batch(200, "b"))).unwrap();
    }
    let retype = |seq: u64, t: &str| {
        run(w.ms.update_event(
            &sp.id,
            &s.id,
            EventUpdate {
                sequence_id: seq,
                body: None,
                event_type: Patch::Set(t.into()),
                emitter: None,
                if_unmodified_since: None,
            },
        ))
        .unwrap();
    };
    for page in 0..140u64 {
        let (there, back) = if page < 13 { ("b", "a") } else { ("a", "b") };
        retype(page * 16 + 1, there);
        retype(page * 16 + 1, back);
    }
    let model: Vec<(Option<String>, bool)> = (0..2400)
        .map(|i| (Some(if i < 200 { "a" } else { "b" }.into()), false))
        .collect();
    check_reads(&w.ms, &sp, &s, &model, "over-listing marks");
    assert!(run(w.ms.verify_space(&sp.id)).unwrap().is_clean());
}

#[test]
fn new_session_heads_carry_the_run_marks_flag_that_earlier_versions_refuse() {
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    run(w.ms.post_events(&sp.id, &s.id, batch(40, "a"))).unwrap();
    let head = w.kv.snapshot()[&head_key(&sp, &s)].clone();
    // [format][crc32][flags: varint]: bit 8 (typeRuns) makes the varint two bytes, the
    // second holding bits 7–13; versions before run marks refuse any flag from bit 8 up.
    assert!(head[5] & 0x80 != 0, "flags past bit 6");
    assert_eq!(head[6] & 2, 2, "bit 8 (the second byte's bit 1): typeRuns");
    let json = memspace::testkit::heads::head_json(&head).unwrap();
    assert_eq!(json["typeRuns"], true);
    assert_eq!(json["typePages"], true);
}

#[test]
fn a_session_created_before_run_marks_keeps_one_page_mark_per_page() {
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    // Its head as an earlier version stored it: page marks, no `typeRuns`.
    let key = head_key(&sp, &s);
    let mut json = memspace::testkit::heads::head_json(&w.kv.snapshot()[&key]).unwrap();
    json.as_object_mut().unwrap().remove("typeRuns");
    let old = memspace::codec::envelope::encode(&json).unwrap();
    let mut b = Batch::new();
    b.put(key.clone(), old.clone());
    b.put(Key::table("ev").s(&sp.id).s(&s.id).n(u64::MAX).build(), old);
    memspace::runtime::block_on(w.kv.commit(b))
        .unwrap()
        .unwrap();
    let ms = World::with_kv(Rc::new(w.kv.clone()), w.host.clone());
    run(ms.post_events(&sp.id, &s.id, batch(200, "a"))).unwrap();
    run(ms.post_events(&sp.id, &s.id, batch(20, "a"))).unwrap();
    assert_eq!(mark_keys(&w.kv), 14, "pages 0..=13, one page mark each");
    let json = memspace::testkit::heads::head_json(&w.kv.snapshot()[&key]).unwrap();
    assert_eq!(json["typePages"], true);
    assert!(json.get("typeRuns").is_none());
    let model: Vec<(Option<String>, bool)> = (0..220).map(|_| (Some("a".into()), false)).collect();
    check_reads(&ms, &sp, &s, &model, "page marks only");
}
