//! A generic conformance suite for [`Kv`] backends: what every backend must do, written once
//! and run against each of them (memory natively; IndexedDB and the JS adapter in Chromium).
//!
//! Each check is an `async fn` taking `&dyn Kv` and returning `Err(description)` on the first
//! mismatch. Checks write under their own key prefix, so they can share one store; they expect
//! that prefix to be empty. No executor or wasm dependency: the caller drives the futures.

use super::{Batch, Entry, KeyRange, Kv, KvError};

/// A check's outcome: `Err` says what differed.
pub type Check = Result<(), String>;

/// Names of all checks, in the order [`run_all`] runs them.
pub const CHECKS: [&str; 11] = [
    "get_missing_and_present",
    "get_many_keeps_slots_in_order",
    "scan_ranges_are_half_open_and_bytewise",
    "scan_limit_and_reverse",
    "commit_applies_ops_in_order",
    "preconditions_absent_and_equals",
    "conflict_leaves_nothing_applied",
    "absent_key_then_put_is_checked_before_the_batch",
    "delete_of_absent_key_is_not_an_error",
    "binary_keys_and_values_round_trip",
    "read_many_answers_like_get_and_scan",
];

/// Runs every check on `kv`, each under its own prefix of `root`; returns how many ran.
pub async fn run_all(kv: &dyn Kv, root: &[u8]) -> Result<usize, String> {
    for (i, name) in CHECKS.iter().enumerate() {
        let mut prefix = root.to_vec();
        prefix.extend_from_slice(format!("/c{i:02}/").as_bytes());
        run_one(kv, name, &prefix)
            .await
            .map_err(|e| format!("{name}: {e}"))?;
    }
    Ok(CHECKS.len())
}

/// Runs the check called `name` under `prefix`.
pub async fn run_one(kv: &dyn Kv, name: &str, prefix: &[u8]) -> Check {
    match name {
        "get_missing_and_present" => get_missing_and_present(kv, prefix).await,
        "get_many_keeps_slots_in_order" => get_many_keeps_slots_in_order(kv, prefix).await,
        "scan_ranges_are_half_open_and_bytewise" => {
            scan_ranges_are_half_open_and_bytewise(kv, prefix).await
        }
        "scan_limit_and_reverse" => scan_limit_and_reverse(kv, prefix).await,
        "commit_applies_ops_in_order" => commit_applies_ops_in_order(kv, prefix).await,
        "preconditions_absent_and_equals" => preconditions_absent_and_equals(kv, prefix).await,
        "conflict_leaves_nothing_applied" => conflict_leaves_nothing_applied(kv, prefix).await,
        "absent_key_then_put_is_checked_before_the_batch" => {
            absent_key_then_put_is_checked_before_the_batch(kv, prefix).await
        }
        "delete_of_absent_key_is_not_an_error" => {
            delete_of_absent_key_is_not_an_error(kv, prefix).await
        }
        "binary_keys_and_values_round_trip" => binary_keys_and_values_round_trip(kv, prefix).await,
        "read_many_answers_like_get_and_scan" => {
            read_many_answers_like_get_and_scan(kv, prefix).await
        }
        other => Err(format!("no check named {other}")),
    }
}

fn k(prefix: &[u8], tail: &[u8]) -> Vec<u8> {
    let mut key = prefix.to_vec();
    key.extend_from_slice(tail);
    key
}

fn show(e: KvError) -> String {
    format!("{e:?}")
}

fn expect_eq<T: PartialEq + std::fmt::Debug>(what: &str, got: T, want: T) -> Check {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: got {got:?}, want {want:?}"))
    }
}

fn keys_of(entries: &[Entry]) -> Vec<Vec<u8>> {
    entries.iter().map(|(k, _)| k.clone()).collect()
}

async fn put_all(kv: &dyn Kv, entries: &[(Vec<u8>, Vec<u8>)]) -> Check {
    let mut b = Batch::new();
    for (key, v) in entries {
        b.put(key.clone(), v.clone());
    }
    kv.commit(b).await.map_err(show)
}

/// `get` answers `None` for a missing key and the stored bytes for a present one.
pub async fn get_missing_and_present(kv: &dyn Kv, p: &[u8]) -> Check {
    expect_eq(
        "missing key",
        kv.get(&k(p, b"a")).await.map_err(show)?,
        None,
    )?;
    put_all(kv, &[(k(p, b"a"), b"1".to_vec())]).await?;
    expect_eq(
        "present key",
        kv.get(&k(p, b"a")).await.map_err(show)?,
        Some(b"1".to_vec()),
    )?;
    put_all(kv, &[(k(p, b"a"), b"2".to_vec())]).await?;
    expect_eq(
        "overwritten key",
        kv.get(&k(p, b"a")).await.map_err(show)?,
        Some(b"2".to_vec()),
    )
}

/// `get_many` returns one slot per requested key, in request order, duplicates included.
pub async fn get_many_keeps_slots_in_order(kv: &dyn Kv, p: &[u8]) -> Check {
    put_all(
        kv,
        &[(k(p, b"x"), b"X".to_vec()), (k(p, b"y"), b"Y".to_vec())],
    )
    .await?;
    let keys = vec![k(p, b"y"), k(p, b"nope"), k(p, b"x"), k(p, b"y")];
    let got = kv.get_many(&keys).await.map_err(show)?;
    expect_eq(
        "slots",
        got,
        vec![
            Some(b"Y".to_vec()),
            None,
            Some(b"X".to_vec()),
            Some(b"Y".to_vec()),
        ],
    )?;
    expect_eq(
        "empty request",
        kv.get_many(&[]).await.map_err(show)?,
        Vec::new(),
    )
}

/// Scans cover `[start, end)` in byte-wise order; an open end runs to the end of the keyspace.
pub async fn scan_ranges_are_half_open_and_bytewise(kv: &dyn Kv, p: &[u8]) -> Check {
    let tails: [&[u8]; 6] = [b"a", b"a\x00", b"a\xff", b"ab", b"b", b"\xff\xff"];
    put_all(
        kv,
        &tails
            .iter()
            .map(|t| (k(p, t), t.to_vec()))
            .collect::<Vec<_>>(),
    )
    .await?;
    let all = kv
        .scan(&KeyRange::prefix(p), 100, false)
        .await
        .map_err(show)?;
    let want: Vec<Vec<u8>> = [&b"a"[..], b"a\x00", b"ab", b"a\xff", b"b", b"\xff\xff"]
        .iter()
        .map(|t| k(p, t))
        .collect();
    expect_eq("byte-wise order", keys_of(&all), want)?;
    if all.iter().any(|(key, v)| key[p.len()..] != v[..]) {
        return Err("scan returned a value under the wrong key".into());
    }
    let half = KeyRange {
        start: k(p, b"a\x00"),
        end: Some(k(p, b"b")),
    };
    let got = kv.scan(&half, 100, false).await.map_err(show)?;
    expect_eq(
        "[a\\0, b)",
        keys_of(&got),
        vec![k(p, b"a\x00"), k(p, b"ab"), k(p, b"a\xff")],
    )?;
    let empty = KeyRange {
        start: k(p, b"c"),
        end: Some(k(p, b"c")),
    };
    expect_eq(
        "empty range",
        kv.scan(&empty, 100, false).await.map_err(show)?.len(),
        0,
    )?;
    let open = KeyRange {
        start: k(p, b"b"),
        end: None,
    };
    let got = kv.scan(&open, 100, false).await.map_err(show)?;
    if got.first().map(|(key, _)| key.clone()) != Some(k(p, b"b"))
        || !got.iter().any(|(key, _)| *key == k(p, b"\xff\xff"))
    {
        return Err(format!("open-ended range from b: got {:?}", keys_of(&got)));
    }
    Ok(())
}

/// `limit` caps the result from the start of the range, or from its end when `reverse`.
pub async fn scan_limit_and_reverse(kv: &dyn Kv, p: &[u8]) -> Check {
    let entries: Vec<_> = (0u8..10).map(|i| (k(p, &[i]), vec![i])).collect();
    put_all(kv, &entries).await?;
    let r = KeyRange::prefix(p);
    let fwd = kv.scan(&r, 3, false).await.map_err(show)?;
    expect_eq(
        "first 3",
        keys_of(&fwd),
        (0u8..3).map(|i| k(p, &[i])).collect(),
    )?;
    let rev = kv.scan(&r, 3, true).await.map_err(show)?;
    expect_eq(
        "last 3, descending",
        keys_of(&rev),
        [9u8, 8, 7].iter().map(|i| k(p, &[*i])).collect(),
    )?;
    expect_eq(
        "values follow keys",
        rev.iter().map(|(_, v)| v[0]).collect::<Vec<_>>(),
        vec![9, 8, 7],
    )?;
    let bounded = KeyRange {
        start: k(p, &[2]),
        end: Some(k(p, &[6])),
    };
    let rev = kv.scan(&bounded, 2, true).await.map_err(show)?;
    expect_eq(
        "reverse in [2, 6)",
        keys_of(&rev),
        vec![k(p, &[5]), k(p, &[4])],
    )?;
    expect_eq(
        "limit 0",
        kv.scan(&r, 0, false).await.map_err(show)?.len(),
        0,
    )?;
    expect_eq(
        "limit above size",
        kv.scan(&r, 1000, true).await.map_err(show)?.len(),
        10,
    )
}

/// Operations of one batch apply in order: a later put or delete of the same key wins.
pub async fn commit_applies_ops_in_order(kv: &dyn Kv, p: &[u8]) -> Check {
    let mut b = Batch::new();
    b.put(k(p, b"k"), b"1".to_vec())
        .put(k(p, b"k"), b"2".to_vec());
    b.put(k(p, b"d"), b"x".to_vec()).delete(k(p, b"d"));
    b.delete(k(p, b"r")).put(k(p, b"r"), b"back".to_vec());
    kv.commit(b).await.map_err(show)?;
    expect_eq(
        "put then put",
        kv.get(&k(p, b"k")).await.map_err(show)?,
        Some(b"2".to_vec()),
    )?;
    expect_eq(
        "put then delete",
        kv.get(&k(p, b"d")).await.map_err(show)?,
        None,
    )?;
    expect_eq(
        "delete then put",
        kv.get(&k(p, b"r")).await.map_err(show)?,
        Some(b"back".to_vec()),
    )?;
    let mut empty = Batch::new();
    empty.require_absent(k(p, b"none"));
    kv.commit(empty).await.map_err(show)
}

/// `Absent` holds only for missing keys, `Equals` only for exactly the given bytes.
pub async fn preconditions_absent_and_equals(kv: &dyn Kv, p: &[u8]) -> Check {
    let mut b = Batch::new();
    b.require_absent(k(p, b"head"))
        .put(k(p, b"head"), b"v1".to_vec());
    kv.commit(b)
        .await
        .map_err(|e| format!("absent on a new key: {e:?}"))?;
    let mut b = Batch::new();
    b.require_absent(k(p, b"head"))
        .put(k(p, b"head"), b"other".to_vec());
    expect_eq(
        "absent on an existing key",
        kv.commit(b).await,
        Err(KvError::Conflict { key: k(p, b"head") }),
    )?;
    let mut b = Batch::new();
    b.require_equals(k(p, b"head"), b"v1".to_vec())
        .put(k(p, b"head"), b"v2".to_vec());
    kv.commit(b)
        .await
        .map_err(|e| format!("equals on the current value: {e:?}"))?;
    let mut b = Batch::new();
    b.require_equals(k(p, b"head"), b"v1".to_vec())
        .put(k(p, b"head"), b"v3".to_vec());
    expect_eq(
        "equals on a stale value",
        kv.commit(b).await,
        Err(KvError::Conflict { key: k(p, b"head") }),
    )?;
    let mut b = Batch::new();
    b.require_equals(k(p, b"missing"), Vec::new())
        .put(k(p, b"missing"), b"x".to_vec());
    expect_eq(
        "equals(empty) on a missing key",
        kv.commit(b).await,
        Err(KvError::Conflict {
            key: k(p, b"missing"),
        }),
    )?;
    let mut b = Batch::new();
    b.require_equals(k(p, b"head"), b"v2".to_vec())
        .put(k(p, b"empty"), Vec::new());
    kv.commit(b).await.map_err(show)?;
    let mut b = Batch::new();
    b.require_equals(k(p, b"empty"), Vec::new())
        .put(k(p, b"empty2"), b"ok".to_vec());
    kv.commit(b)
        .await
        .map_err(|e| format!("equals(empty) on an empty value: {e:?}"))?;
    expect_eq(
        "final value",
        kv.get(&k(p, b"head")).await.map_err(show)?,
        Some(b"v2".to_vec()),
    )
}

/// A failed precondition anywhere in the batch applies none of its operations.
pub async fn conflict_leaves_nothing_applied(kv: &dyn Kv, p: &[u8]) -> Check {
    put_all(
        kv,
        &[
            (k(p, b"a"), b"old".to_vec()),
            (k(p, b"gate"), b"g1".to_vec()),
        ],
    )
    .await?;
    let mut b = Batch::new();
    b.put(k(p, b"a"), b"new".to_vec())
        .put(k(p, b"b"), b"new".to_vec())
        .delete(k(p, b"gate"));
    b.require_absent(k(p, b"c"));
    b.require_equals(k(p, b"gate"), b"stale".to_vec());
    match kv.commit(b).await {
        Err(KvError::Conflict { key }) if key == k(p, b"gate") => {}
        other => return Err(format!("expected a conflict on gate, got {other:?}")),
    }
    expect_eq(
        "a untouched",
        kv.get(&k(p, b"a")).await.map_err(show)?,
        Some(b"old".to_vec()),
    )?;
    expect_eq(
        "b not created",
        kv.get(&k(p, b"b")).await.map_err(show)?,
        None,
    )?;
    expect_eq(
        "gate not deleted",
        kv.get(&k(p, b"gate")).await.map_err(show)?,
        Some(b"g1".to_vec()),
    )?;
    expect_eq(
        "keys under prefix",
        kv.scan(&KeyRange::prefix(p), 100, false)
            .await
            .map_err(show)?
            .len(),
        2,
    )
}

/// `Absent(key)` on a key the batch then writes means "absent before the batch", wherever the
/// write stands in the batch and whatever the batch did before it (a backend may check it with
/// an insert-if-absent write instead of a read): an existing key fails the whole batch.
pub async fn absent_key_then_put_is_checked_before_the_batch(kv: &dyn Kv, p: &[u8]) -> Check {
    put_all(kv, &[(k(p, b"taken"), b"t0".to_vec())]).await?;
    // The insert comes after other writes: they are undone with it.
    let mut b = Batch::new();
    b.put(k(p, b"a"), b"a1".to_vec())
        .put(k(p, b"taken"), b"t1".to_vec())
        .put(k(p, b"b"), b"b1".to_vec());
    b.require_absent(k(p, b"taken"));
    expect_eq(
        "insert of an existing key",
        kv.commit(b).await,
        Err(KvError::Conflict {
            key: k(p, b"taken"),
        }),
    )?;
    // A delete of the key earlier in the batch does not make it absent before the batch.
    let mut b = Batch::new();
    b.delete(k(p, b"taken")).put(k(p, b"taken"), b"t2".to_vec());
    b.require_absent(k(p, b"taken"));
    expect_eq(
        "delete then insert of an existing key",
        kv.commit(b).await,
        Err(KvError::Conflict {
            key: k(p, b"taken"),
        }),
    )?;
    // Two inserts, the second key taken: neither lands.
    let mut b = Batch::new();
    b.put(k(p, b"fresh"), b"f1".to_vec())
        .put(k(p, b"taken"), b"t3".to_vec());
    b.require_absent(k(p, b"fresh"));
    b.require_absent(k(p, b"taken"));
    expect_eq(
        "second insert taken",
        kv.commit(b).await,
        Err(KvError::Conflict {
            key: k(p, b"taken"),
        }),
    )?;
    // An insert beside a stale `Equals`: the conflict names the stale key, nothing lands.
    let mut b = Batch::new();
    b.put(k(p, b"fresh"), b"f2".to_vec())
        .put(k(p, b"taken"), b"t4".to_vec());
    b.require_absent(k(p, b"fresh"));
    b.require_equals(k(p, b"taken"), b"stale".to_vec());
    expect_eq(
        "insert beside a stale equals",
        kv.commit(b).await,
        Err(KvError::Conflict {
            key: k(p, b"taken"),
        }),
    )?;
    expect_eq(
        "keys under prefix",
        kv.scan(&KeyRange::prefix(p), 100, false)
            .await
            .map_err(show)?,
        vec![(k(p, b"taken"), b"t0".to_vec())],
    )?;
    // Both inserts free: both land.
    let mut b = Batch::new();
    b.put(k(p, b"fresh"), b"f5".to_vec())
        .put(k(p, b"more"), b"m5".to_vec());
    b.require_absent(k(p, b"fresh"));
    b.require_absent(k(p, b"more"));
    kv.commit(b).await.map_err(show)?;
    expect_eq(
        "inserted",
        kv.get_many(&[k(p, b"fresh"), k(p, b"more")])
            .await
            .map_err(show)?,
        vec![Some(b"f5".to_vec()), Some(b"m5".to_vec())],
    )
}

/// Deleting a key that does not exist succeeds and changes nothing else.
pub async fn delete_of_absent_key_is_not_an_error(kv: &dyn Kv, p: &[u8]) -> Check {
    let mut b = Batch::new();
    b.delete(k(p, b"ghost"));
    kv.commit(b).await.map_err(show)?;
    expect_eq(
        "nothing stored",
        kv.scan(&KeyRange::prefix(p), 10, false)
            .await
            .map_err(show)?
            .len(),
        0,
    )
}

/// Any bytes round-trip: NULs, 0xff, empty values and values of 100 KiB.
pub async fn binary_keys_and_values_round_trip(kv: &dyn Kv, p: &[u8]) -> Check {
    let big: Vec<u8> = (0..100 * 1024).map(|i| (i % 251) as u8).collect();
    let all_bytes: Vec<u8> = (0..=255u8).collect();
    let entries = vec![
        (k(p, &[0, 0, 0]), Vec::new()),
        (k(p, &all_bytes), big.clone()),
        (k(p, &[0xff]), all_bytes.clone()),
    ];
    put_all(kv, &entries).await?;
    for (key, v) in &entries {
        expect_eq(
            "round trip",
            kv.get(key).await.map_err(show)?.as_ref(),
            Some(v),
        )?;
    }
    let got = kv
        .scan(&KeyRange::prefix(p), 10, false)
        .await
        .map_err(show)?;
    expect_eq("scan round trip", got, entries)
}

/// `read_many` answers each read in position exactly as `get` and `scan` would.
pub async fn read_many_answers_like_get_and_scan(kv: &dyn Kv, p: &[u8]) -> Check {
    use super::{Read, ReadResult};
    let entries: Vec<_> = (0u8..6).map(|i| (k(p, &[i]), vec![i, i])).collect();
    put_all(kv, &entries).await?;
    let r = KeyRange::prefix(p);
    let bounded = KeyRange {
        start: k(p, &[1]),
        end: Some(k(p, &[4])),
    };
    let reads = [
        Read::Get(k(p, &[3])),
        Read::Scan {
            range: r.clone(),
            limit: 2,
            reverse: true,
        },
        Read::Get(k(p, b"missing")),
        Read::Scan {
            range: bounded.clone(),
            limit: 10,
            reverse: false,
        },
        Read::Scan {
            range: r.clone(),
            limit: 0,
            reverse: false,
        },
    ];
    let got = kv.read_many(&reads).await.map_err(show)?;
    let want = vec![
        ReadResult::Value(kv.get(&k(p, &[3])).await.map_err(show)?),
        ReadResult::Entries(kv.scan(&r, 2, true).await.map_err(show)?),
        ReadResult::Value(None),
        ReadResult::Entries(kv.scan(&bounded, 10, false).await.map_err(show)?),
        ReadResult::Entries(Vec::new()),
    ];
    expect_eq("read_many", got, want)?;
    // A dense scan: every value; the first two and the last keys as stored, the others as
    // stored or left empty.
    let dense = Read::ScanDense {
        range: r.clone(),
        limit: 10,
        reverse: true,
    };
    let full = kv.scan(&r, 10, true).await.map_err(show)?;
    let got = kv.read_many(&[dense]).await.map_err(show)?;
    let n = full.len();
    let fits = match got.as_slice() {
        [ReadResult::Entries(e)] => {
            e.len() == n
                && e.iter().zip(&full).enumerate().all(|(i, (d, f))| {
                    d.1 == f.1 && (d.0 == f.0 || (d.0.is_empty() && i > 1 && i + 1 < n))
                })
        }
        _ => false,
    };
    if !fits {
        return Err(format!("read_many ScanDense: got {got:?}, scan {full:?}"));
    }
    expect_eq(
        "no reads",
        kv.read_many(&[]).await.map_err(show)?,
        Vec::new(),
    )
}
