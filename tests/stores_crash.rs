//! Crash tests for every store write: the write is cut off after each possible single-key
//! write, on an atomic and on a non-atomic (key-by-key) backend; the data is reopened and a
//! fresh handle must see exactly the state before or after the write (after it when the write
//! was acknowledged), with counts, entries, paths and versions agreeing.

mod stores_common;

use memspace::codec::keys::{string_parts, Key};
use memspace::host::ManualHost;
use memspace::kv::faulty::FaultyKv;
use memspace::kv::MemoryKv;
use memspace::model::*;
use memspace::{ErrorCode, Memspace, Result};
use std::rc::Rc;
use stores_common::*;

/// What a test prepared before the write under test.
struct Ctx {
    space: String,
    store: String,
    entries: Vec<String>,
    versions: Vec<String>,
}

type Op = fn(&Memspace, &Ctx) -> Result<()>;

/// A store with three entries (one updated twice, one under `dir/`) and their versions.
fn prepare(ms: &Memspace) -> Ctx {
    let space = run(ms.create_space(NewSpace::default())).unwrap().id;
    let store = run(ms.create_store(
        &space,
        NewStore {
            name: "crash".into(),
            description: Some("d".into()),
            metadata: Some(Metadata::from([("k".to_string(), "v".to_string())])),
        },
    ))
    .unwrap()
    .id;
    let mut entries = Vec::new();
    for (p, c) in [
        ("notes.md", "line one\nline two\n"),
        ("dir/a.md", "alpha\n"),
        ("dir/sub/b.md", "beta\n"),
    ] {
        entries.push(
            run(ms.create_entry(&space, &store, new_entry(p, c)))
                .unwrap()
                .id,
        );
    }
    for c in ["line one\nline 2\n", "line one\nline two again\n"] {
        run(ms.update_entry(
            &space,
            &store,
            &entries[0],
            EntryUpdate {
                content: Some(c.into()),
                ..Default::default()
            },
        ))
        .unwrap();
    }
    let versions = all_versions(ms, &space, &store, Some(&entries[0]))
        .unwrap()
        .into_iter()
        .map(|v| v.id)
        .collect();
    Ctx {
        space,
        store,
        entries,
        versions,
    }
}

/// Everything observable in the space: each store's snapshot, in id order.
fn observe(ms: &Memspace, ctx: &Ctx) -> Vec<Snap> {
    let stores = run(ms.list_stores(&ctx.space, true, Page::default())).unwrap();
    let mut out: Vec<Snap> = stores.iter().map(|s| snap(ms, &ctx.space, &s.id)).collect();
    if stores.iter().all(|s| s.id != ctx.store) {
        out.push(snap(ms, &ctx.space, &ctx.store)); // not found: an empty snapshot
    }
    out
}

/// Store ids with a record (live or tombstone) in the raw data of a space.
fn raw_store_ids(raw: &MemoryKv, space: &str) -> Vec<String> {
    let range = Key::table("ms").s(space).range();
    raw.snapshot()
        .keys()
        .filter(|k| range.contains(k))
        .filter_map(|k| string_parts(k)?.pop())
        .collect()
}

/// Runs `op` with a crash after every possible number of key writes; returns crash points.
fn crash_everywhere(name: &str, op: Op, atomic: bool) -> u64 {
    let fresh = || {
        let data = MemoryKv::new();
        let host = ManualHost::default();
        let ctx = prepare(&handle(Rc::new(data.clone()), &host));
        (data, host, ctx)
    };
    // Reference states: before and after an uninterrupted write.
    let (data, host, ctx) = fresh();
    let before = observe(&handle(Rc::new(data.clone()), &host), &ctx);
    let faulty = Rc::new(FaultyKv::new(data.clone(), atomic));
    op(&handle(faulty.clone(), &host), &ctx)
        .unwrap_or_else(|e| panic!("{name}: the write itself fails: {e}"));
    let after = observe(&handle(Rc::new(data.clone()), &ManualHost::default()), &ctx);
    assert_ne!(
        before, after,
        "{name}: the write changes nothing observable"
    );
    let mut points = 0;
    for n in 0.. {
        let (data, host, ctx) = fresh();
        let faulty = Rc::new(FaultyKv::new(data, atomic));
        faulty.crash_after(n);
        let result = op(&handle(faulty.clone(), &host), &ctx);
        if !faulty.crashed() {
            result.unwrap_or_else(|e| panic!("{name}: fails without a crash: {e}"));
            break;
        }
        points += 1;
        // Reopen what reached the disk, with a new process (handle and host).
        let disk = faulty.data();
        let reopened = handle(
            Rc::new(FaultyKv::new(disk.clone(), atomic)),
            &ManualHost::new(memspace::Timestamp::from_secs(1_900_000_000), 7),
        );
        let seen = observe(&reopened, &ctx);
        match &result {
            Ok(()) => assert_eq!(
                seen, after,
                "{name}: an acknowledged write is lost (crash after {n} writes, atomic={atomic})"
            ),
            Err(e) => {
                assert_eq!(e.code, ErrorCode::Storage, "{name}: {e}");
                assert!(seen == before || seen == after, "{name}: a crash after {n} writes (atomic={atomic}) leaves a state that is neither before nor after:\n{seen:#?}");
            }
        }
        for store in raw_store_ids(&disk, &ctx.space) {
            check_invariants(&reopened, &disk, &ctx.space, &store);
        }
        // The store keeps working: an interrupted delete can be finished, writes succeed.
        match run(reopened.get_store(&ctx.space, &ctx.store)) {
            Ok(s) if s.status == StoreStatus::Active => {
                run(reopened.create_entry(
                    &ctx.space,
                    &ctx.store,
                    new_entry("after/crash.md", "still writable"),
                ))
                .unwrap();
            }
            Ok(_) => {}
            Err(_) => {
                let r = run(reopened.delete_store(&ctx.space, &ctx.store));
                assert!(r.is_ok() || r.unwrap_err().code == ErrorCode::NotFound);
                assert!(
                    raw_store_ids(&disk, &ctx.space).is_empty()
                        || raw_store_ids(&disk, &ctx.space) != vec![ctx.store.clone()]
                );
            }
        }
        for store in raw_store_ids(&disk, &ctx.space) {
            check_invariants(&reopened, &disk, &ctx.space, &store);
        }
    }
    points
}

fn tool(ms: &Memspace, c: &Ctx, cmd: serde_json::Value) -> Result<()> {
    run(ms.memory_tool(&c.space, &c.store, &cmd.to_string())).map(|_| ())
}

const OPS: &[(&str, Op)] = &[
    ("create_store", |ms, c| {
        run(ms.create_store(
            &c.space,
            NewStore {
                name: "second".into(),
                ..Default::default()
            },
        ))
        .map(|_| ())
    }),
    ("update_store", |ms, c| {
        run(ms.update_store(
            &c.space,
            &c.store,
            StoreUpdate {
                name: Some("renamed".into()),
                ..Default::default()
            },
        ))
        .map(|_| ())
    }),
    ("archive_store", |ms, c| {
        run(ms.archive_store(&c.space, &c.store)).map(|_| ())
    }),
    ("delete_store", |ms, c| {
        run(ms.delete_store(&c.space, &c.store))
    }),
    ("create_entry", |ms, c| {
        run(ms.create_entry(
            &c.space,
            &c.store,
            new_entry("new/entry.md", "fresh content"),
        ))
        .map(|_| ())
    }),
    ("update_entry content", |ms, c| {
        let u = EntryUpdate {
            content: Some("replaced".into()),
            expected_version: Some(3),
            ..Default::default()
        };
        run(ms.update_entry(&c.space, &c.store, &c.entries[0], u)).map(|_| ())
    }),
    ("update_entry rename", |ms, c| {
        run(ms.update_entry(
            &c.space,
            &c.store,
            &c.entries[1],
            EntryUpdate {
                path: Some("moved/a.md".into()),
                ..Default::default()
            },
        ))
        .map(|_| ())
    }),
    ("update_entry content+path+metadata", |ms, c| {
        let u = EntryUpdate {
            content: Some("all at once".into()),
            path: Some("elsewhere.md".into()),
            metadata: Some(MetadataPatch::from([(
                "m".to_string(),
                Some("1".to_string()),
            )])),
            ..Default::default()
        };
        run(ms.update_entry(&c.space, &c.store, &c.entries[2], u)).map(|_| ())
    }),
    ("delete_entry", |ms, c| {
        run(ms.delete_entry(
            &c.space,
            &c.store,
            &c.entries[0],
            EntryPrecondition::default(),
        ))
    }),
    ("redact_version", |ms, c| {
        run(ms.redact_version(&c.space, &c.store, &c.versions[2])).map(|_| ())
    }),
    ("memory_tool create", |ms, c| {
        tool(
            ms,
            c,
            serde_json::json!({"command": "create", "path": "/memories/t/new.md", "file_text": "hello\n"}),
        )
    }),
    ("memory_tool str_replace", |ms, c| {
        tool(
            ms,
            c,
            serde_json::json!({"command": "str_replace", "path": "/memories/notes.md", "old_str": "two again", "new_str": "2"}),
        )
    }),
    ("memory_tool insert", |ms, c| {
        tool(
            ms,
            c,
            serde_json::json!({"command": "insert", "path": "/memories/dir/a.md", "insert_line": 0, "insert_text": "first"}),
        )
    }),
    ("memory_tool delete file", |ms, c| {
        tool(
            ms,
            c,
            serde_json::json!({"command": "delete", "path": "/memories/notes.md"}),
        )
    }),
    ("memory_tool delete directory", |ms, c| {
        tool(
            ms,
            c,
            serde_json::json!({"command": "delete", "path": "/memories/dir"}),
        )
    }),
    ("memory_tool rename file", |ms, c| {
        tool(
            ms,
            c,
            serde_json::json!({"command": "rename", "old_path": "/memories/notes.md", "new_path": "/memories/archive/notes.md"}),
        )
    }),
    ("memory_tool rename directory", |ms, c| {
        tool(
            ms,
            c,
            serde_json::json!({"command": "rename", "old_path": "/memories/dir", "new_path": "/memories/folder"}),
        )
    }),
];

#[test]
fn every_store_write_survives_a_crash_at_every_key_write() {
    let mut total = 0;
    for (name, op) in OPS {
        for atomic in [true, false] {
            let points = crash_everywhere(name, *op, atomic);
            assert!(points >= 1, "{name}: no crash point exercised");
            println!("{name:<36} atomic={atomic:<5} crash points: {points}");
            total += points;
        }
    }
    println!("crash points exercised in total: {total}");
}

#[test]
fn a_crash_after_a_roll_forward_started_still_completes_the_write() {
    // Crash the write after its commit point, then crash the first reader's roll-forward
    // after each of its key writes: a third reader must still see the whole write.
    let mut points = 0;
    let mut n = 0;
    loop {
        let data = MemoryKv::new();
        let host = ManualHost::default();
        let ctx = prepare(&handle(Rc::new(data.clone()), &host));
        let faulty = Rc::new(FaultyKv::new(data, false));
        faulty.crash_after(2); // journal and pending store record landed: committed
        let ms = handle(faulty.clone(), &host);
        assert!(run(ms.update_entry(
            &ctx.space,
            &ctx.store,
            &ctx.entries[1],
            EntryUpdate {
                path: Some("moved.md".into()),
                ..Default::default()
            }
        ))
        .is_err());
        let reader = Rc::new(FaultyKv::new(faulty.data(), false));
        reader.crash_after(n);
        let r = run(
            handle(reader.clone(), &host).get_entry_by_path(&ctx.space, &ctx.store, "moved.md")
        );
        if !reader.crashed() {
            assert_eq!(r.unwrap().id, ctx.entries[1]);
            break;
        }
        points += 1;
        let disk = reader.data();
        let third = handle(Rc::new(FaultyKv::new(disk.clone(), false)), &host);
        assert_eq!(
            run(third.get_entry_by_path(&ctx.space, &ctx.store, "moved.md"))
                .unwrap()
                .id,
            ctx.entries[1]
        );
        check_invariants(&third, &disk, &ctx.space, &ctx.store);
        n += 1;
    }
    println!("roll-forward crash points: {points}");
    assert!(points >= 3);
}
