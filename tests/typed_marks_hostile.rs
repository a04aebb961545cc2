//! Event-type mark keys with bytes no writer produces (a tail of another length, a run
//! longer than a batch can span, pages out of order, numbers at the edges): typed reads
//! answer exactly (the mark over-lists) or fail with `storage`, never panic, never answer
//! anything else; `verify_space` does not panic.

mod common;
use common::typed::*;
use common::*;
use memspace::codec::keys::Key;
use memspace::host::ManualHost;
use memspace::kv::{Batch, Kv};
use std::rc::Rc;

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
