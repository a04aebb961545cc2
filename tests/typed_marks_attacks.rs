//! Typed reads under the states that break event-type marks most easily: a typed append that
//! failed at any key followed by the same handle's next append, typed appends of two handles
//! racing into one page, batches cut off after their marks and then overwritten, retypes
//! inside batches of one type. Every typed query (each `lastN` from 1 to 100,
//! offset + limit pages) must equal the unfiltered list filtered by type, and `verify_space`
//! must find nothing.

mod common;
use common::interleave::{interleave, Task, YieldingKv};
use common::typed::*;
use common::*;
use memspace::host::ManualHost;
use memspace::kv::faulty::FaultyKv;
use memspace::kv::{Kv, MemoryKv};
use memspace::model::*;
use memspace::Memspace;
use std::rc::Rc;

fn clean(ms: &Memspace, sp: &str) {
    let report = go(ms.verify_space(sp)).unwrap();
    assert!(report.is_clean(), "{report:?}");
}

/// A space and a one-participant session over `kv`, and `n` handles.
fn setup(kv: Rc<dyn Kv>, n: usize) -> (Vec<Memspace>, String, String) {
    let host = ManualHost::default();
    let hs: Vec<Memspace> = (0..n)
        .map(|_| World::with_kv(kv.clone(), host.clone()))
        .collect();
    let sp = go(hs[0].create_space(NewSpace::default())).unwrap().id;
    let s = go(hs[0].create_session(
        &sp,
        NewSession {
            participants: vec!["u1".into()],
            ..Default::default()
        },
    ))
    .unwrap()
    .id;
    (hs, sp, s)
}

#[test]
fn a_typed_append_that_failed_at_any_key_is_listed_once_the_same_handle_appends_again() {
    for atomic in [false, true] {
        for fail_at in 1..=6u64 {
            let faulty = Rc::new(FaultyKv::new(MemoryKv::new(), atomic));
            let (hs, sp, s) = setup(faulty.clone(), 1);
            let ms = &hs[0];
            // Page 0 holds `a` events; the failing batch starts a run of `t` across pages 0–2.
            go(ms.post_events(&sp, &s, evs(0, 10, Some("a")))).unwrap();
            faulty.fail_write_at(fail_at);
            let failed = go(ms.post_events(&sp, &s, evs(100, 30, Some("t"))));
            faulty.fail_write_at(u64::MAX / 2);
            // Whatever landed, the same handle appends `t` into the same pages again.
            go(ms.post_events(&sp, &s, evs(200, 3, Some("t")))).unwrap();
            go(ms.post_event(&sp, &s, ev(300, Some("t")))).unwrap();
            go(ms.post_events(&sp, &s, evs(400, 20, Some("t")))).unwrap();
            let r = exhaustive(ms, &sp, &s, &["a", "t"]);
            assert!(
                r.is_ok(),
                "atomic {atomic} fail at {fail_at} ({:?}): {}",
                failed.map(|e| e.len()).map_err(|e| e.code),
                r.unwrap_err()
            );
            clean(ms, &sp);
        }
    }
}

#[test]
fn typed_appends_of_two_handles_racing_into_the_same_pages_are_all_listed() {
    for seed in 1..=30u64 {
        let kv = Rc::new(YieldingKv::new(MemoryKv::new()));
        let (hs, sp, s) = setup(kv.clone(), 2);
        // Both handles have cached heads (and whatever hints they keep) before the race.
        go(hs[0].post_events(&sp, &s, evs(0, 5, Some("t")))).unwrap();
        go(hs[1].post_event(&sp, &s, ev(5, Some("u")))).unwrap();
        for round in 0..4u64 {
            let (a, b) = (&hs[0], &hs[1]);
            let n = 1 + (seed + round) % 23;
            let ta: Task<'_, memspace::Result<Vec<Event>>> = Box::pin(a.post_events(
                &sp,
                &s,
                evs(1000 * round + 100, n, Some(["t", "u"][(seed % 2) as usize])),
            ));
            let tb: Task<'_, memspace::Result<Vec<Event>>> = Box::pin(b.post_events(
                &sp,
                &s,
                evs(
                    1000 * round + 500,
                    17 - n % 17,
                    Some(["u", "t"][(round % 2) as usize]),
                ),
            ));
            for r in interleave(vec![ta, tb], seed * 31 + round) {
                r.unwrap();
            }
        }
        let r = exhaustive(&hs[(seed % 2) as usize], &sp, &s, &["t", "u"]);
        assert!(r.is_ok(), "seed {seed}: {}", r.unwrap_err());
        clean(&hs[0], &sp);
    }
}

#[test]
fn batches_cut_off_after_their_marks_and_overwritten_by_other_types_list_exactly() {
    for atomic in [false, true] {
        for cut in [1u64, 2, 3, 5, 8, 13, 14, 20, 100] {
            let data = MemoryKv::new();
            let faulty = Rc::new(FaultyKv::new(data.clone(), atomic));
            let (hs, sp, s) = setup(faulty.clone(), 1);
            go(hs[0].post_events(&sp, &s, evs(0, 15, Some("u")))).unwrap();
            // 200 `t` events from event 15: marks over pages 0–13, cut off after `cut` keys.
            let mut batch = evs(100, 200, Some("t"));
            for i in [0usize, 40, 41, 120] {
                batch[i].event_type = Some("v".into());
            }
            faulty.crash_after(cut);
            let landed = go(hs[0].post_events(&sp, &s, batch)).is_ok();
            // A new process appends other types over the pages the cut batch marked.
            let again = Rc::new(FaultyKv::new(data.clone(), atomic));
            let ms = World::with_kv(again.clone(), ManualHost::default());
            go(ms.post_events(&sp, &s, evs(1000, 37, Some("u")))).unwrap();
            go(ms.post_events(&sp, &s, evs(2000, 9, Some("t")))).unwrap();
            go(ms.post_events(&sp, &s, evs(3000, 150, None))).unwrap();
            go(ms.post_events(&sp, &s, evs(4000, 3, Some("v")))).unwrap();
            go(ms.post_events(&sp, &s, evs(5000, 200, Some("t")))).unwrap();
            let r = exhaustive(&ms, &sp, &s, &["t", "u", "v"]);
            assert!(
                r.is_ok(),
                "atomic {atomic} cut {cut} landed {landed}: {}",
                r.unwrap_err()
            );
            clean(&ms, &sp);
        }
    }
}

#[test]
fn retypes_inside_a_batch_of_one_type_list_exactly_forward_and_backward() {
    let kv = Rc::new(YieldingKv::new(MemoryKv::new()));
    let (hs, sp, s) = setup(kv, 2);
    // Runs that start mid-page and end mid-page, back to back.
    go(hs[0].post_events(&sp, &s, evs(0, 7, Some("u")))).unwrap();
    go(hs[0].post_events(&sp, &s, evs(100, 200, Some("t")))).unwrap();
    go(hs[1].post_events(&sp, &s, evs(300, 200, Some("t")))).unwrap();
    go(hs[0].post_events(&sp, &s, evs(500, 33, Some("u")))).unwrap();
    // Retype inside the runs, to a type of the session and back, through both handles.
    for (i, seq) in [7u64, 8, 22, 23, 100, 206, 207, 208, 300, 406]
        .iter()
        .enumerate()
    {
        let to = ["u", "w", "t"][i % 3];
        go(hs[i % 2].update_event(
            &sp,
            &s,
            EventUpdate {
                sequence_id: *seq,
                event_type: Patch::Set(to.into()),
                ..Default::default()
            },
        ))
        .unwrap();
    }
    go(hs[1].delete_event(&sp, &s, 209)).unwrap();
    go(hs[0].delete_event(&sp, &s, 7)).unwrap();
    for h in &hs {
        let r = exhaustive(h, &sp, &s, &["t", "u", "w"]);
        assert!(r.is_ok(), "{}", r.unwrap_err());
    }
    clean(&hs[0], &sp);
}

fn retype(ms: &Memspace, sp: &str, s: &str, seq: u64, to: &str) {
    go(ms.update_event(
        sp,
        s,
        EventUpdate {
            sequence_id: seq,
            event_type: Patch::Set(to.into()),
            ..Default::default()
        },
    ))
    .unwrap();
}

#[test]
fn typed_pages_over_more_marks_than_one_scan_reads_list_each_event_once_in_order() {
    let w = World::new();
    let space = w.space();
    let (sp, s) = (space.id.clone(), w.session(&space).id);
    // Pages 0–125 each hold one `t` event, marked one page at a time (126 marks).
    for p in 0..126u64 {
        let mut batch = evs(p * 16, 16, Some("u"));
        batch[(p % 16) as usize].event_type = Some("t".into());
        run(w.ms.post_events(&sp, &s, batch)).unwrap();
    }
    run(w.ms.post_events(&sp, &s, evs(5000, 16, Some("u")))).unwrap();
    // 200 `t` events over pages 127–139, then two of them retyped away and back: marks of
    // single pages 130 and 133 sort before the batch's marks of pages 127–139.
    run(w.ms.post_events(&sp, &s, evs(6000, 200, Some("t")))).unwrap();
    for seq in [130 * 16 + 3, 133 * 16 + 9] {
        retype(&w.ms, &sp, &s, seq, "x");
        retype(&w.ms, &sp, &s, seq, "t");
    }
    run(w.ms.post_events(&sp, &s, evs(7000, 40, Some("u")))).unwrap();
    let r = exhaustive(&w.ms, &sp, &s, &["t", "x"]);
    assert!(r.is_ok(), "{}", r.unwrap_err());
    let report = run(w.ms.verify_space(&sp)).unwrap();
    assert!(report.is_clean(), "{report:?}");
}

#[test]
fn more_types_than_the_head_remembers_in_one_batch_are_all_listed() {
    let kv = Rc::new(YieldingKv::new(MemoryKv::new()));
    let (hs, sp, s) = setup(kv, 2);
    let types: Vec<String> = (0..12).map(|i| format!("k{i}")).collect();
    let mut tag = 0u64;
    // Batches cycling through 12 types (the head remembers 8), in strides that revisit a type
    // within a page and skip pages, through two handles whose hints differ.
    for (round, stride) in [1usize, 5, 7, 11, 1, 3].iter().enumerate() {
        let n = [50usize, 200, 13, 120, 200, 31][round];
        let batch: Vec<NewEvent> = (0..n)
            .map(|i| {
                tag += 1;
                let t = &types[(i * stride + round) % 12];
                ev(tag, Some(t.as_str()))
            })
            .collect();
        go(hs[round % 2].post_events(&sp, &s, batch)).unwrap();
        go(hs[(round + 1) % 2].post_event(&sp, &s, ev(9000 + round as u64, Some("k3")))).unwrap();
    }
    let names: Vec<&str> = types.iter().map(String::as_str).collect();
    let r = exhaustive(&hs[0], &sp, &s, &names);
    assert!(r.is_ok(), "{}", r.unwrap_err());
    clean(&hs[1], &sp);
}

/// The unfiltered list, and each type's pages of 100 and `lastN` 1, 16 and 100 against it.
fn quick(ms: &Memspace, sp: &str, s: &str, types: &[&str]) -> Result<Vec<Row>, String> {
    let unfiltered = all(ms, sp, s, None).map_err(|e| e.to_string())?;
    for ty in types {
        let want = of_type(&unfiltered, ty);
        let got = all(ms, sp, s, Some(ty)).map_err(|e| e.to_string())?;
        if got != want {
            return Err(format!("{ty} pages: got {:?}", seqs_of(&got)));
        }
        for n in [1u64, 16, 100] {
            let q = EventQuery {
                last_n: Some(n),
                event_type: Some(ty.to_string()),
                ..Default::default()
            };
            let got = list(ms, sp, s, q).map_err(|e| e.to_string())?;
            if got != want[want.len().saturating_sub(n as usize)..] {
                return Err(format!("{ty} lastN {n}: got {:?}", seqs_of(&got)));
            }
        }
    }
    Ok(unfiltered)
}

#[test]
fn a_typed_batch_cut_after_each_of_its_keys_shows_the_state_before_or_after_and_its_retry_lists_exactly(
) {
    // 15 events, then 200 of three types in stretches (several marks of several pages
    // each), cut after every single key on a key-by-key backend and on an atomic one.
    let batch: Vec<NewEvent> = (0..200u64)
        .map(|i| {
            let t = match i {
                0..=60 => "t",
                61..=62 => "u",
                63..=150 => "t",
                _ if i % 3 == 0 => "v",
                _ => "t",
            };
            ev(1000 + i, Some(t))
        })
        .collect();
    for atomic in [false, true] {
        for cut in 0..=220u64 {
            if atomic && cut % 20 != 0 {
                continue;
            }
            let data = MemoryKv::new();
            let faulty = Rc::new(FaultyKv::new(data.clone(), atomic));
            let (hs, sp, s) = setup(faulty.clone(), 1);
            go(hs[0].post_events(&sp, &s, evs(0, 15, Some("u")))).unwrap();
            faulty.crash_after(cut);
            let acked = go(hs[0].post_events(&sp, &s, batch.clone())).is_ok();
            let ms = World::with_kv(
                Rc::new(FaultyKv::new(data.clone(), atomic)),
                ManualHost::default(),
            );
            let what = format!("atomic {atomic} cut {cut} acked {acked}");
            let seen =
                quick(&ms, &sp, &s, &["t", "u", "v"]).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert!(
                seen.len() == 215 || (!acked && seen.len() == 15),
                "{what}: {} events visible",
                seen.len()
            );
            clean(&ms, &sp);
            // Retried (as a client would after an error): once more, and typed reads follow.
            go(ms.post_events(&sp, &s, batch.clone())).unwrap();
            quick(&ms, &sp, &s, &["t", "u", "v"]).unwrap_or_else(|e| panic!("{what} retried: {e}"));
            clean(&ms, &sp);
        }
    }
}
