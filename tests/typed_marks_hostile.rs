//! Event-type mark keys with bytes no writer produces (a tail of another length, a run
//! longer than a batch can span, pages out of order, numbers at the edges): typed reads
//! answer exactly (the mark over-lists) or fail with `storage`, never panic, never answer
//! anything else; `verify_space` does not panic.

mod common;
use common::interleave::interleave;
use common::*;
use memspace::codec::keys::Key;
use memspace::host::ManualHost;
use memspace::kv::{Batch, Kv};
use memspace::model::*;
use memspace::Memspace;
use serde_json::json;
use std::rc::Rc;

fn go<T>(f: impl std::future::Future<Output = memspace::Result<T>>) -> memspace::Result<T> {
    interleave(vec![Box::pin(f)], 3).remove(0)
}

fn ev(tag: u64, ty: Option<&str>) -> NewEvent {
    NewEvent {
        body: json!({ "n": tag }),
        emitter: Emitter::new("agent", "bot"),
        event_type: ty.map(str::to_string),
    }
}

/// `n` events of type `ty`, tagged from `from`.
fn evs(from: u64, n: u64, ty: Option<&str>) -> Vec<NewEvent> {
    (from..from + n).map(|i| ev(i, ty)).collect()
}

type Row = (u64, serde_json::Value, Option<String>);

fn rows(e: &[Event]) -> Vec<Row> {
    e.iter()
        .map(|e| (e.sequence_id, e.body.clone(), e.event_type.clone()))
        .collect()
}

fn list(ms: &Memspace, sp: &str, s: &str, q: EventQuery) -> memspace::Result<Vec<Row>> {
    go(ms.list_events(sp, s, q)).map(|e| rows(&e))
}

fn all(ms: &Memspace, sp: &str, s: &str, ty: Option<&str>) -> memspace::Result<Vec<Row>> {
    let mut out = Vec::new();
    loop {
        let page = list(
            ms,
            sp,
            s,
            EventQuery {
                offset: Some(out.len() as u64),
                limit: Some(100),
                event_type: ty.map(str::to_string),
                ..Default::default()
            },
        )?;
        let n = page.len();
        out.extend(page);
        if n < 100 {
            return Ok(out);
        }
    }
}

/// Every typed query of `types` against the unfiltered list filtered: `lastN` 1..=100 and
/// pages of 1, 16, 17 and 100 at every offset. Returns the first difference.
fn exhaustive(ms: &Memspace, sp: &str, s: &str, types: &[&str]) -> Result<(), String> {
    let unfiltered = all(ms, sp, s, None).map_err(|e| e.to_string())?;
    for ty in types {
        let want: Vec<Row> = unfiltered
            .iter()
            .filter(|r| r.2.as_deref() == Some(*ty))
            .cloned()
            .collect();
        for n in 1..=100u64 {
            let q = EventQuery {
                last_n: Some(n),
                event_type: Some(ty.to_string()),
                ..Default::default()
            };
            let got = list(ms, sp, s, q).map_err(|e| format!("{ty} lastN {n}: {e}"))?;
            let tail = &want[want.len().saturating_sub(n as usize)..];
            if got != tail {
                return Err(format!(
                    "{ty} lastN {n}: got {:?}, want {:?}",
                    seqs_of(&got),
                    seqs_of(tail)
                ));
            }
        }
        for limit in [1u64, 16, 17, 100] {
            let step = if limit == 1 { 1 } else { 5 };
            for offset in (0..=want.len() as u64 + 1).step_by(step) {
                let q = EventQuery {
                    offset: Some(offset),
                    limit: Some(limit),
                    event_type: Some(ty.to_string()),
                    ..Default::default()
                };
                let got = list(ms, sp, s, q)
                    .map_err(|e| format!("{ty} offset {offset} limit {limit}: {e}"))?;
                let page: Vec<Row> = want
                    .iter()
                    .skip(offset as usize)
                    .take(limit as usize)
                    .cloned()
                    .collect();
                if got != page {
                    return Err(format!(
                        "{ty} offset {offset} limit {limit}: got {:?}, want {:?}",
                        seqs_of(&got),
                        seqs_of(&page)
                    ));
                }
            }
        }
    }
    Ok(())
}

fn seqs_of(r: &[Row]) -> Vec<u64> {
    r.iter().map(|r| r.0).collect()
}

/// Typed reads over a session whose `etp` keys include `tail`: the exact answer (the mark
/// over-lists) or a `storage` error, never a panic or another answer.
fn read_with_hostile_mark(tail: &[u8]) -> Result<(), String> {
    let w = World::new();
    let sp = w.space();
    let s = w.session(&sp);
    run(w.ms.post_events(&sp.id, &s.id, evs(0, 40, Some("t")))).unwrap();
    run(w.ms.post_events(&sp.id, &s.id, evs(100, 200, Some("u")))).unwrap();
    run(w.ms.post_events(&sp.id, &s.id, evs(300, 20, Some("t")))).unwrap();
    let mut key = Key::table("etp").s(&sp.id).s(&s.id).s("t").build();
    key.extend_from_slice(tail);
    let mut b = Batch::new();
    b.put(key, vec![0xff, 0x00, 0x07]);
    memspace::runtime::block_on(w.kv.commit(b))
        .unwrap()
        .unwrap();
    let ms = World::with_kv(Rc::new(w.kv.clone()), ManualHost::default());
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let r = exhaustive(&ms, &sp.id, &s.id, &["t", "u"]);
        let v = go(ms.verify_space(&sp.id)).map(|_| ());
        (r, v)
    }));
    match outcome {
        Err(_) => Err(format!("tail {tail:02x?}: panicked")),
        Ok((Ok(()), _)) => Ok(()),
        Ok((Err(e), _)) if e.contains(": storage: ") => Ok(()),
        Ok((Err(e), _)) => Err(format!("tail {tail:02x?}: {e}")),
    }
}

#[test]
fn mark_keys_with_bytes_no_writer_produces_read_exactly_or_fail_as_storage() {
    let be = |x: u64| x.to_be_bytes().to_vec();
    let cat = |a: u64, b: u64| [be(a), be(b)].concat();
    let tails: Vec<Vec<u8>> = vec![
        vec![],
        vec![0x00],
        vec![0x01, 0x02, 0x03],
        be(0)[..7].to_vec(),
        be(2),
        be(u64::MAX),
        [be(1), vec![0]].concat(),
        cat(1, 0),
        cat(2, 0),
        cat(0, 2),
        cat(13, 0),
        cat(14, 0),
        cat(15, 0),
        cat(16, 0),
        cat(16, 2),
        cat(19, 19),
        cat(0, u64::MAX),
        cat(18, u64::MAX),
        cat(u64::MAX, 0),
        cat(u64::MAX, u64::MAX - 13),
        [cat(2, 0), vec![0]].concat(),
        [cat(2, 0), be(1)].concat(),
    ];
    let mut failures = Vec::new();
    for t in &tails {
        if let Err(e) = read_with_hostile_mark(t) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
