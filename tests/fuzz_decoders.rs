//! Property tests of the decoders and parsers with an explicit case budget (issue 10's fuzz
//! suite): keys, value envelopes, session heads, timestamps, JSON text checks, entry paths and memory-tool
//! commands. Each property runs `MEMSPACE_FUZZ_CASES` cases (default 3,000; `npm run fuzz` runs
//! 200,000) from `MEMSPACE_FUZZ_SEED` (default: a fixed seed per property); a failure prints
//! the seed and case so `MEMSPACE_FUZZ_SEED=<seed> MEMSPACE_FUZZ_CASES=<case+1>` reproduces it.

mod common;
use common::*;
use memspace::codec::{envelope, keys};
use memspace::json::{check_text, Numbers, MAX_DEPTH};
use memspace::model::*;
use memspace::testkit::heads::head_json;
use memspace::testkit::rng::Rng;
use memspace::{ErrorCode, Timestamp};
use serde_json::{json, Value};
use std::panic::{catch_unwind, AssertUnwindSafe};

fn cases() -> u64 {
    std::env::var("MEMSPACE_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3_000)
}

/// Runs `prop` on `cases()` seeded generators; on a panic, names the seed and case.
fn check(name: &str, default_seed: u64, mut prop: impl FnMut(&mut Rng)) {
    let seed = std::env::var("MEMSPACE_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_seed);
    let mut rng = Rng::new(seed);
    for case in 0..cases() {
        let mut r = Rng::new(rng.next_u64());
        if let Err(e) = catch_unwind(AssertUnwindSafe(|| prop(&mut r))) {
            eprintln!("fuzz property {name} failed: MEMSPACE_FUZZ_SEED={seed} case {case}");
            std::panic::resume_unwind(e);
        }
    }
}

/// A string of `0..max` characters from an alphabet that hits the edge cases.
fn text(r: &mut Rng, max: usize) -> String {
    const PIECES: [&str; 24] = [
        "a", "b", "/", ".", "..", "\0", "%", "%2e", "%2F", "\\", "\n", "\t", "é", "😀", "\u{202e}",
        " ", "-", "_", "\u{7f}", "\u{ffff}", "memories", "//", "%ZZ", "\u{1}",
    ];
    let n = r.below(max + 1);
    (0..n).map(|_| *r.pick(&PIECES)).collect()
}

fn bytes(r: &mut Rng, max: usize) -> Vec<u8> {
    let n = r.below(max + 1);
    (0..n).map(|_| r.next_u64() as u8).collect()
}

#[derive(Debug, Clone, PartialEq, PartialOrd)]
enum Part {
    S(String),
    N(u64),
}

#[test]
fn keys_order_like_their_tuples_and_split_back() {
    check("keys", 1, |r| {
        let tuple = |r: &mut Rng| -> Vec<Part> {
            (0..1 + r.below(4))
                .map(|_| {
                    if r.chance(0.3) {
                        Part::N(if r.chance(0.5) {
                            r.below(300) as u64
                        } else {
                            r.next_u64()
                        })
                    } else {
                        Part::S(text(r, 6))
                    }
                })
                .collect()
        };
        let build = |t: &[Part]| {
            let mut k = keys::Key::table("t");
            for p in t {
                k = match p {
                    Part::S(s) => k.s(s),
                    Part::N(n) => k.n(*n),
                };
            }
            k.build()
        };
        // Same shape (string or number per position) so tuple order is well defined.
        let a = tuple(r);
        let b: Vec<Part> = a
            .iter()
            .map(|p| match p {
                Part::S(_) => Part::S(text(r, 6)),
                Part::N(_) => Part::N(r.below(300) as u64),
            })
            .collect();
        let (ka, kb) = (build(&a), build(&b));
        assert_eq!(
            a.partial_cmp(&b).map(|o| o as i8),
            Some(ka.cmp(&kb) as i8),
            "{a:?} {b:?}"
        );
        if a.iter().all(|p| matches!(p, Part::S(_))) {
            let parts = keys::string_parts(&ka).expect("string keys split");
            let want: Vec<String> = std::iter::once("t".to_string())
                .chain(a.iter().map(|p| match p {
                    Part::S(s) => s.clone(),
                    Part::N(_) => unreachable!(),
                }))
                .collect();
            assert_eq!(parts, want);
        }
        // Arbitrary bytes never panic the key readers.
        let junk = bytes(r, 40);
        let _ = keys::string_parts(&junk);
        let _ = keys::last_u64(&junk);
    });
}

#[test]
fn envelopes_round_trip_and_any_damage_reads_as_a_storage_error() {
    check("envelopes", 2, |r| {
        let v = json!({"s": text(r, 20), "n": r.next_u64(), "f": r.unit(), "a": [text(r, 4), null, true]});
        let mut enc = envelope::encode(&v).unwrap();
        assert_eq!(envelope::decode::<Value>(&enc).unwrap(), v);
        // One flipped bit anywhere (a crc32 catches every single-bit error) → storage.
        let bit = r.below(enc.len() * 8);
        enc[bit / 8] ^= 1 << (bit % 8);
        let e = envelope::decode::<Value>(&enc).unwrap_err();
        assert_eq!(e.code, ErrorCode::Storage);
        // Truncation and random bytes → storage, never a panic, for every record type.
        enc.truncate(r.below(enc.len()));
        assert!(envelope::decode::<Value>(&enc).is_err());
        let junk = bytes(r, 64);
        let _ = envelope::decode::<Session>(&junk);
        let _ = envelope::decode::<Event>(&junk);
        let _ = envelope::decode::<MemoryEntry>(&junk);
    });
}

#[test]
fn session_heads_from_arbitrary_checksummed_bytes_are_storage_errors_never_panics() {
    check("heads", 6, |r| {
        // A valid checksum over random bytes gets past the envelope into the field reader.
        let rest = bytes(r, 96);
        let mut v = vec![4];
        v.extend_from_slice(&memspace::codec::crc32::hash(&rest).to_le_bytes());
        v.extend_from_slice(&rest);
        if let Err(e) = head_json(&v) {
            assert_eq!(e.code, ErrorCode::Storage);
        }
        let _ = head_json(&bytes(r, 64));
    });
}

#[test]
fn timestamps_write_and_read_back_and_parsing_never_panics() {
    check("timestamps", 3, |r| {
        let t = Timestamp(r.next_u64() as i64);
        assert_eq!(Timestamp::parse(&t.to_string()), Some(t), "{}", t.0);
        let near = Timestamp(r.below(400_000_000) as i64 * 1_000_000 - 62_167_219_200_000_000);
        assert_eq!(Timestamp::parse(&near.to_string()), Some(near));
        // Mutated timestamp text: parses to something that writes back to itself, or None.
        let mut s = t.to_string().into_bytes();
        let at = r.below(s.len());
        s[at] = *r.pick(b"0123456789-+:.TZz x\xff");
        if let Ok(s) = String::from_utf8(s) {
            if let Some(p) = Timestamp::parse(&s) {
                assert_eq!(Timestamp::parse(&p.to_string()), Some(p), "{s}");
            }
        }
        let _ = Timestamp::parse(&text(r, 30));
    });
}

/// A JSON text with random nesting and number spellings, and the numbers it holds.
fn json_text(r: &mut Rng, depth: usize, out: &mut String) {
    match r.below(if depth > 70 { 3 } else { 6 }) {
        0 => {
            let n = match r.below(8) {
                0 => format!("{}", r.next_u64()),
                1 => format!("-{}", r.below(1 << 20)),
                2 => format!("{:e}", r.unit() * 1e10),
                3 => format!("{}e{}", r.below(1000), r.below(700) as i64 - 350),
                4 => "9".repeat(1 + r.below(40)),
                5 => format!("0.{}", "1".repeat(1 + r.below(30))),
                6 => format!("{}", r.unit()),
                _ => format!("{}.{}E+{}", r.below(10), r.below(100), r.below(400)),
            };
            out.push_str(&n);
        }
        1 => out.push_str(&serde_json::to_string(&text(r, 5)).unwrap()),
        2 => {
            let word: &&str = r.pick(&["true", "null", "false"]);
            out.push_str(word);
        }
        3 | 4 => {
            out.push('[');
            for i in 0..r.below(3) {
                if i > 0 {
                    out.push(',');
                }
                json_text(r, depth + 1, out);
            }
            out.push(']');
        }
        _ => {
            out.push('{');
            for i in 0..r.below(3) {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(&text(r, 3)).unwrap());
                out.push(':');
                json_text(r, depth + 1, out);
            }
            out.push('}');
        }
    }
}

#[test]
fn json_text_accepted_is_stored_exactly_and_refused_text_is_a_validation_error() {
    check("json", 4, |r| {
        let mut s = String::new();
        json_text(r, 0, &mut s);
        match memspace::json::parse("body", &s) {
            Ok(v) => {
                // Every number reads back with the value it was sent with.
                let back: Value = serde_json::from_str(&v.to_string()).unwrap();
                assert_eq!(back, v);
                memspace::json::check_value("body", &v).unwrap();
                assert!(
                    check_text("body", &v.to_string(), Numbers::Engine).is_ok(),
                    "{s}"
                );
            }
            Err(e) => assert_eq!(e.code, ErrorCode::Validation, "{s}: {e}"),
        }
        // Accepted as doubles ⇒ the double JSON.parse makes writes back as the same decimal
        // value (`999878789213890300` is the double …304, and JSON.stringify writes …300).
        if check_text("body", &s, Numbers::Double).is_ok() {
            if let Ok(v) = serde_json::from_str::<Value>(&s) {
                let mut stack = vec![&v];
                while let Some(x) = stack.pop() {
                    match x {
                        Value::Number(n) => {
                            let f = n.as_f64().unwrap();
                            assert!(f.is_finite());
                            if let Some(i) = n.as_u64() {
                                assert_eq!(format!("{f}"), i.to_string(), "{s}");
                            } else if let Some(i) = n.as_i64() {
                                assert_eq!(format!("{f}"), i.to_string(), "{s}");
                            }
                        }
                        Value::Array(a) => stack.extend(a),
                        Value::Object(m) => stack.extend(m.values()),
                        _ => {}
                    }
                }
            }
        }
        // Mangled text never panics the checker.
        let mut b = s.into_bytes();
        if !b.is_empty() {
            let at = r.below(b.len());
            b[at] = *r.pick(b"[]{}\"\\-e.0");
        }
        if let Ok(m) = String::from_utf8(b) {
            let _ = check_text("body", &m, Numbers::Double);
            let _ = memspace::json::parse("body", &m);
        }
        let deep = "[".repeat(MAX_DEPTH + 1 + r.below(5000));
        assert!(check_text("body", &deep, Numbers::Engine).is_err());
    });
}

#[test]
fn entry_paths_and_memory_tool_commands_never_panic_and_refusals_change_nothing() {
    // A fresh store every 250 cases keeps the storage snapshots small; each one is verified
    // (no corrupt record, dangling path or wrong count) before it is dropped.
    let fresh = || {
        let w = World::new();
        let space = w.space().id;
        let store = run(w.ms.create_store(
            &space,
            NewStore {
                name: "fuzz".into(),
                ..Default::default()
            },
        ))
        .unwrap()
        .id;
        (w, space, store)
    };
    let verify = |w: &World, space: &str| {
        let report = run(w.ms.verify_space(space)).unwrap();
        assert!(report.is_clean(), "{report:#?}");
    };
    let (mut w, mut space, mut store) = fresh();
    let budget = (cases() / 10).max(300);
    let mut n = 0;
    check("paths-and-tool", 5, |r| {
        n += 1;
        if n > budget {
            return;
        }
        if n % 250 == 0 {
            verify(&w, &space);
            (w, space, store) = fresh();
        }
        let space = &space;
        let path = text(r, 8);
        let before = w.kv.snapshot();
        match run(w.ms.create_entry(
            space,
            &store,
            NewEntry {
                path: path.clone(),
                content: text(r, 10),
                metadata: None,
            },
        )) {
            Ok(e) => {
                assert_eq!(e.path, path, "paths are stored as given");
                assert!(
                    !path.is_empty()
                        && !path.starts_with('/')
                        && !path
                            .split('/')
                            .any(|s| s.is_empty() || s == "." || s == "..")
                );
                assert_eq!(
                    run(w.ms.get_entry_by_path(space, &store, &path))
                        .unwrap()
                        .id,
                    e.id
                );
            }
            Err(e) => {
                assert!(
                    matches!(e.code, ErrorCode::Validation | ErrorCode::Conflict),
                    "{e}"
                );
                assert_eq!(
                    w.kv.snapshot(),
                    before,
                    "a refused create changed storage: {e}"
                );
            }
        }
        let cmd = *r.pick(&[
            "view",
            "create",
            "str_replace",
            "insert",
            "delete",
            "rename",
            "nope",
        ]);
        let p = |r: &mut Rng| -> Value {
            match r.below(5) {
                0 => Value::Null,
                1 => json!(7),
                _ => json!(format!("/memories/{}", text(r, 6))),
            }
        };
        let mut args = json!({"command": cmd, "path": p(r)});
        for (k, v) in [
            ("file_text", json!(text(r, 12))),
            ("old_str", json!(text(r, 3))),
            ("new_str", json!(text(r, 3))),
            ("insert_line", json!(r.below(6) as i64 - 1)),
            ("insert_text", json!(text(r, 4))),
            ("old_path", p(r)),
            ("new_path", p(r)),
            (
                "view_range",
                json!([r.below(5) as i64 - 1, r.below(5) as i64 - 1]),
            ),
        ] {
            if r.chance(0.5) {
                args[k] = v;
            }
        }
        let before = w.kv.snapshot();
        let raw = if r.chance(0.05) {
            text(r, 10)
        } else {
            args.to_string()
        };
        if let Err(e) = run(w.ms.memory_tool(space, &store, &raw)) {
            assert!(
                matches!(
                    e.code,
                    ErrorCode::Validation | ErrorCode::Conflict | ErrorCode::NotFound
                ),
                "{raw}: {e}"
            );
            assert_eq!(
                w.kv.snapshot(),
                before,
                "a refused command changed storage: {raw}: {e}"
            );
        }
    });
    verify(&w, &space);
}
