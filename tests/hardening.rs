//! Hardening (issue 10): inputs at the edges of size, time and encoding. Each test is named
//! after a row of the "Found" table or one of its "Also" items, and failed before the
//! fix it names.

mod common;
use common::*;
use memspace::model::*;
use memspace::{ErrorCode, Timestamp};
use serde_json::{json, Value};

// ---- host clock outside years 0–9999 ---------------------------------------------------------

#[test]
fn host_clock_outside_years_0_to_9999_is_refused_and_nothing_is_written() {
    let w = World::new();
    let space = w.space();
    let session = w.session(&space);
    let keys_before = w.kv.snapshot();
    // A WIT host that hands out nanoseconds: 2025-12-01 in ns read as µs is year 55,970.
    w.host.set_now(Timestamp(1_764_547_200_000_000_000));
    let e = expect_code(
        run(w.ms.create_space(NewSpace::default())),
        ErrorCode::Unsupported,
    );
    assert!(e.message.contains("host clock"), "{e}");
    expect_code(w.post(&space, &session, "x"), ErrorCode::Unsupported);
    assert_eq!(
        w.kv.snapshot(),
        keys_before,
        "a refused write changed storage"
    );
    // Milliseconds read as µs (1970-01-21) are a valid, if wrong, time: not refusable.
    w.host.set_now(Timestamp(-62_167_219_200_000_001)); // one µs before year 0
    expect_code(w.post(&space, &session, "x"), ErrorCode::Unsupported);
    w.host.set_now(Timestamp(1_764_547_200_000_000));
    w.post(&space, &session, "x").unwrap();
    assert_eq!(run(w.ms.get_space(&space.id)).unwrap().id, space.id);
}

#[test]
fn records_dated_at_the_end_of_the_clock_range_read_back() {
    // At 9999-12-31 a 180-day ttl falls due in year 10000: the head must still decode.
    let w = World::new();
    w.host.set_now(Timestamp::RFC3339_MAX.plus_secs(-10));
    let space = w.space();
    let session = w.session(&space);
    w.post(&space, &session, "last words").unwrap();
    let got = run(w.ms.get_session(&space.id, &session.id)).unwrap();
    assert_eq!(got.event_count, 1);
    let events = w.events(&space, &session, EventQuery::default()).unwrap();
    assert_eq!(events.len(), 1);
    let listed = run(w.ms.list_sessions(&space.id, SessionFilter::default())).unwrap();
    assert_eq!(listed.len(), 1);
}

// ---- misleading messages ---------------------------------------------------------------------

#[test]
fn a_deduplication_key_over_256_characters_says_the_limit_is_72() {
    let w = World::new();
    for len in [73, 300] {
        let e = expect_code(
            run(w.ms.create_space(NewSpace {
                deduplication_key: Some("k".repeat(len)),
                ..Default::default()
            })),
            ErrorCode::Validation,
        );
        assert!(e.message.contains("1–72"), "{len}: {e}");
    }
}

// ---- body nesting depth ------------------------------------------------------------------------

fn nested(depth: usize) -> Value {
    let mut v = json!("leaf");
    for _ in 0..depth {
        v = json!([v]);
    }
    v
}

#[test]
fn an_event_body_nested_deeper_than_the_limit_is_refused_naming_the_depth_limit() {
    let w = World::new();
    let space = w.space();
    let session = w.session(&space);
    for depth in [memspace::json::MAX_DEPTH + 1, 200] {
        let mut ev = msg("x");
        ev.body = nested(depth);
        let e = expect_code(
            run(w.ms.post_event(&space.id, &session.id, ev)),
            ErrorCode::Validation,
        );
        assert!(e.message.contains("nested deeper than 64"), "{e}");
        assert_eq!(e.details["max_depth"], 64);
    }
    // At the limit the body is stored and every record holding it decodes again.
    let mut ev = msg("x");
    ev.body = nested(memspace::json::MAX_DEPTH);
    w.post(&space, &session, "before").unwrap();
    run(w.ms.post_event(&space.id, &session.id, ev.clone())).unwrap();
    let events = w.events(&space, &session, EventQuery::default()).unwrap();
    assert_eq!(events[1].body, ev.body);
    let meta = nested(memspace::json::MAX_DEPTH - 1);
    let mut m = serde_json::Map::new();
    m.insert("deep".into(), meta);
    let s = run(w.ms.create_session(
        &space.id,
        NewSession {
            participants: vec!["u1".into()],
            metadata: Some(m.clone()),
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!(
        run(w.ms.get_session(&space.id, &s.id)).unwrap().metadata,
        Some(m)
    );
}

// ---- memory stores: a file is not a directory ------------------------------------------------

mod stores_common;
use memspace::host::ManualHost;
use memspace::kv::{Batch, Capabilities, Entry, KeyRange, Kv, KvFuture, MemoryKv};
use std::cell::Cell;
use std::rc::Rc;

fn store_world() -> (memspace::Memspace, MemoryKv, String, String) {
    let (ms, kv, _host, space) = stores_common::setup();
    let store = stores_common::store(&ms, &space, "notes").id;
    (ms, kv, space, store)
}

#[test]
fn create_entry_below_a_file_is_a_conflict_because_a_file_is_not_a_directory() {
    let (ms, _kv, space, store) = store_world();
    let a = run(ms.create_entry(&space, &store, stores_common::new_entry("a.md", "A"))).unwrap();
    let e = expect_code(
        run(ms.create_entry(&space, &store, stores_common::new_entry("a.md/b.md", "B"))),
        ErrorCode::Conflict,
    );
    assert!(e.message.contains("a.md is a file"), "{e}");
    assert_eq!(e.details["conflicting_path"], "a.md");
    assert_eq!(e.details["conflicting_entry_id"], a.id.as_str());
    expect_code(
        run(ms.create_entry(
            &space,
            &store,
            stores_common::new_entry("a.md/x/y/z.md", "B"),
        )),
        ErrorCode::Conflict,
    );
    // The converse: a path that is a directory of other entries cannot become a file.
    run(ms.create_entry(
        &space,
        &store,
        stores_common::new_entry("dir/inner.md", "I"),
    ))
    .unwrap();
    let e = expect_code(
        run(ms.create_entry(&space, &store, stores_common::new_entry("dir", "D"))),
        ErrorCode::Conflict,
    );
    assert!(e.message.contains("dir is a directory"), "{e}");
    // Renames obey the same rule; moving a file below its own old path is fine.
    let b = run(ms.create_entry(&space, &store, stores_common::new_entry("b.md", "B"))).unwrap();
    let to = |p: &str| EntryUpdate {
        path: Some(p.into()),
        ..Default::default()
    };
    expect_code(
        run(ms.update_entry(&space, &store, &b.id, to("a.md/b.md"))),
        ErrorCode::Conflict,
    );
    expect_code(
        run(ms.update_entry(&space, &store, &b.id, to("dir"))),
        ErrorCode::Conflict,
    );
    run(ms.update_entry(&space, &store, &a.id, to("a.md/moved.md"))).unwrap();
    let listed = stores_common::all_entries(&ms, &space, &store).unwrap();
    let paths: Vec<&str> = listed.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["a.md/moved.md", "b.md", "dir/inner.md"]);
}

// ---- memory tool: bounded work for every input ----------------------------------------------

fn tool(ms: &memspace::Memspace, space: &str, store: &str, cmd: Value) -> memspace::Result<String> {
    run(ms.memory_tool(space, store, &cmd.to_string()))
}

#[test]
fn str_replace_of_a_newline_in_100_kb_of_newlines_fails_with_a_bounded_message() {
    let (ms, _kv, space, store) = store_world();
    let file = "x".to_string() + &"\n".repeat(100 * 1024 - 1);
    tool(
        &ms,
        &space,
        &store,
        json!({"command": "create", "path": "/memories/nl.md", "file_text": file}),
    )
    .unwrap();
    let e = tool(&ms, &space, &store, json!({"command": "str_replace", "path": "/memories/nl.md", "old_str": "\n", "new_str": ""})).unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    assert!(
        e.message.len() < 1024,
        "{} bytes of message",
        e.message.len()
    );
    assert!(
        e.message
            .contains("in lines: 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 102389 more occurrences"),
        "{}",
        e.message
    );
    assert_eq!(e.details["occurrences"], 102_399);
    // The worst case of a naive overlapping search: 50 K of `a` inside 100 K of `a`.
    let a = "a".repeat(100 * 1024);
    tool(
        &ms,
        &space,
        &store,
        json!({"command": "create", "path": "/memories/a.md", "file_text": a}),
    )
    .unwrap();
    let old = "a".repeat(50 * 1024);
    let e = tool(
        &ms,
        &space,
        &store,
        json!({"command": "str_replace", "path": "/memories/a.md", "old_str": old, "new_str": "b"}),
    )
    .unwrap_err();
    assert!(
        e.message.len() < 1024,
        "{} bytes of message",
        e.message.len()
    );
    assert_eq!(e.details["occurrences"], 50 * 1024 + 1);
}

/// A backend that counts the bytes its reads return.
struct CountingKv {
    inner: MemoryKv,
    read_bytes: Cell<usize>,
}

impl CountingKv {
    fn count(&self, entries: impl Iterator<Item = usize>) {
        self.read_bytes
            .set(self.read_bytes.get() + entries.sum::<usize>());
    }
}

impl Kv for CountingKv {
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
    fn get<'a>(&'a self, key: &'a [u8]) -> KvFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move {
            let v = self.inner.get(key).await?;
            self.count(v.iter().map(Vec::len));
            Ok(v)
        })
    }
    fn get_many<'a>(&'a self, keys: &'a [Vec<u8>]) -> KvFuture<'a, Vec<Option<Vec<u8>>>> {
        Box::pin(async move {
            let v = self.inner.get_many(keys).await?;
            self.count(v.iter().flatten().map(Vec::len));
            Ok(v)
        })
    }
    fn scan<'a>(
        &'a self,
        range: &'a KeyRange,
        limit: usize,
        reverse: bool,
    ) -> KvFuture<'a, Vec<Entry>> {
        Box::pin(async move {
            let v = self.inner.scan(range, limit, reverse).await?;
            self.count(v.iter().map(|(_, v)| v.len()));
            Ok(v)
        })
    }
    fn commit<'a>(&'a self, batch: Batch) -> KvFuture<'a, ()> {
        self.inner.commit(batch)
    }
}

#[test]
fn view_of_a_directory_of_1000_entries_of_100_kb_reads_metadata_without_contents() {
    let counting = Rc::new(CountingKv {
        inner: MemoryKv::new(),
        read_bytes: Cell::new(0),
    });
    let host = ManualHost::default();
    let ms = stores_common::handle(counting.clone(), &host);
    let space = run(ms.create_space(NewSpace::default())).unwrap().id;
    let store = stores_common::store(&ms, &space, "big").id;
    let content = "z".repeat(100 * 1024);
    for i in 0..1000 {
        let path = format!("dir/f{i:04}.md");
        run(ms.create_entry(&space, &store, stores_common::new_entry(&path, &content))).unwrap();
    }
    counting.read_bytes.set(0);
    let text = tool(
        &ms,
        &space,
        &store,
        json!({"command": "view", "path": "/memories/dir"}),
    )
    .unwrap();
    assert!(
        text.contains("100M\t/memories/dir") || text.contains("97.7M\t/memories/dir"),
        "{}",
        &text[..300]
    );
    assert!(text.contains("100K\t/memories/dir/f0999.md"));
    let read = counting.read_bytes.get();
    // 1,000 entry records of a few hundred bytes, not 100 MB of content.
    assert!(read < 1_000 * 1_024, "view read {read} bytes");
    counting.read_bytes.set(0);
    let listed = run(ms.list_entries(
        &space,
        &store,
        "dir",
        Page {
            offset: None,
            limit: Some(100),
        },
    ))
    .unwrap();
    assert_eq!(listed.len(), 100);
    assert!(
        counting.read_bytes.get() < 100 * 1_024,
        "a listing page read {} bytes",
        counting.read_bytes.get()
    );
    // Content is still there for reads that need it.
    let one = run(ms.get_entry_by_path(&space, &store, "dir/f0500.md")).unwrap();
    assert_eq!(one.content.as_deref(), Some(content.as_str()));
}

// ---- redaction -----------------------------------------------------------------------------------

#[test]
fn redaction_never_skips_the_current_version_guard_on_a_storage_error() {
    let (ms, kv, space, store) = store_world();
    let e = run(ms.create_entry(
        &space,
        &store,
        stores_common::new_entry("secret.md", "the secret"),
    ))
    .unwrap();
    let versions = stores_common::all_versions(&ms, &space, &store, Some(&e.id)).unwrap();
    let current = versions[0].id.clone();
    // Corrupt the entry record: the guard cannot read which version is current.
    let key = memspace::codec::keys::Key::table("me")
        .s(&space)
        .s(&store)
        .s(&e.id)
        .build();
    let mut bytes = kv.snapshot()[&key].clone();
    let last = bytes.len() - 3;
    bytes[last] ^= 0x20;
    let mut b = Batch::new();
    b.put(key, bytes);
    memspace::runtime::block_on(kv.commit(b)).unwrap().unwrap();
    let err = expect_code(
        run(ms.redact_version(&space, &store, &current)),
        ErrorCode::Storage,
    );
    assert!(err.message.contains("checksum"), "{err}");
    let v = run(ms.get_version(&space, &store, &current)).unwrap();
    assert!(!v.redacted && v.content.as_deref() == Some("the secret"));
}

// ---- listEvents({lastN, eventType}) for a rare type ----------------------------------------------

#[test]
fn list_events_last_n_of_a_rare_type_in_100k_events_reads_the_index_not_the_session() {
    let counting = Rc::new(CountingKv {
        inner: MemoryKv::new(),
        read_bytes: Cell::new(0),
    });
    let host = ManualHost::default();
    let ms = stores_common::handle(counting.clone(), &host);
    let space = run(ms.create_space(NewSpace::default())).unwrap();
    let session = run(ms.create_session(
        &space.id,
        NewSession {
            participants: vec!["u1".into()],
            ..Default::default()
        },
    ))
    .unwrap();
    for batch in 0..500u64 {
        let events: Vec<NewEvent> = (0..200u64)
            .map(|i| {
                let n = batch * 200 + i;
                let kind = if n == 777 || n == 50_001 {
                    "rare"
                } else {
                    "message"
                };
                agent(&format!("event {n}"), kind)
            })
            .collect();
        run(ms.post_events(&space.id, &session.id, events)).unwrap();
    }
    counting.read_bytes.set(0);
    let last = |n: u64, t: &str| {
        run(ms.list_events(
            &space.id,
            &session.id,
            EventQuery {
                last_n: Some(n),
                event_type: Some(t.into()),
                ..Default::default()
            },
        ))
        .unwrap()
    };
    assert_eq!(seqs(&last(1, "rare")), [50_001]);
    let read = counting.read_bytes.get();
    assert!(read < 8 * 1024, "lastN=1 of a rare type read {read} bytes");
    assert_eq!(seqs(&last(5, "rare")), [777, 50_001]);
    assert!(last(3, "never").is_empty());
    let paged = run(ms.list_events(
        &space.id,
        &session.id,
        EventQuery {
            offset: Some(1),
            limit: Some(10),
            event_type: Some("rare".into()),
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!(seqs(&paged), [50_001]);
    assert_eq!(seqs(&last(2, "message")), [99_998, 99_999]);
}

#[test]
fn the_event_type_index_follows_type_changes_and_ignores_torn_appends() {
    use memspace::kv::faulty::FaultyKv;
    let host = ManualHost::default();
    let faulty = Rc::new(FaultyKv::new(MemoryKv::new(), false));
    let ms = stores_common::handle(faulty.clone(), &host);
    let space = run(ms.create_space(NewSpace::default())).unwrap();
    let session = run(ms.create_session(
        &space.id,
        NewSession {
            participants: vec!["u1".into()],
            ..Default::default()
        },
    ))
    .unwrap();
    let of = |ms: &memspace::Memspace, t: &str| {
        seqs(
            &run(ms.list_events(
                &space.id,
                &session.id,
                EventQuery {
                    event_type: Some(t.into()),
                    ..Default::default()
                },
            ))
            .unwrap(),
        )
    };
    run(ms.post_events(
        &space.id,
        &session.id,
        vec![agent("a", "x"), agent("b", "y"), agent("c", "x")],
    ))
    .unwrap();
    // A type change moves the event between types; a batch of two goes through the journal.
    let retype = |seq, t: Option<&str>| EventUpdate {
        sequence_id: seq,
        event_type: match t {
            Some(t) => Patch::Set(t.into()),
            None => Patch::Clear,
        },
        ..Default::default()
    };
    run(ms.update_events(
        &space.id,
        &session.id,
        vec![retype(0, Some("y")), retype(2, None)],
    ))
    .unwrap();
    assert_eq!(of(&ms, "x"), Vec::<u64>::new());
    assert_eq!(of(&ms, "y"), [0, 1]);
    // A torn append: its event and its page mark land (type "z" at seq 3), the head never
    // does. The store is reopened as it is, still key by key (such a backend never folds).
    faulty.crash_after(2);
    assert!(run(ms.post_event(&space.id, &session.id, agent("lost", "z"))).is_err());
    let reopened = stores_common::handle(Rc::new(FaultyKv::new(faulty.data(), false)), &host);
    assert!(of(&reopened, "z").is_empty());
    // Seq 3 is reused by an event of another type: the old index key must not list it.
    run(reopened.post_event(&space.id, &session.id, agent("kept", "y"))).unwrap();
    assert!(of(&reopened, "z").is_empty());
    assert_eq!(of(&reopened, "y"), [0, 1, 3]);
}

// ---- verify(space) -------------------------------------------------------------------------------

fn raw_put(kv: &MemoryKv, key: Vec<u8>, value: Option<Vec<u8>>) {
    let mut b = Batch::new();
    match value {
        Some(v) => b.put(key, v),
        None => b.delete(key),
    };
    memspace::runtime::block_on(kv.commit(b)).unwrap().unwrap();
}

#[test]
fn verify_reports_a_flipped_byte_and_every_other_problem_and_the_other_records_stay_readable() {
    use memspace::codec::{envelope, keys::Key};
    let w = World::new();
    let space = w.space();
    let session = w.session(&space);
    for i in 0..5 {
        w.post(&space, &session, &format!("event {i}")).unwrap();
    }
    let ms = &w.ms;
    let store = stores_common::store(ms, &space.id, "notes").id;
    let mut entries = Vec::new();
    for p in ["a.md", "b.md", "c.md"] {
        entries
            .push(run(ms.create_entry(&space.id, &store, stores_common::new_entry(p, p))).unwrap());
    }
    let clean = run(ms.verify_space(&space.id)).unwrap();
    assert!(clean.is_clean(), "{clean:?}");
    assert!(clean.records_checked > 15);

    // 1. flip a byte in a stored event, 2. and in an entry's content,
    let flip = |key: Vec<u8>| {
        let mut v = w.kv.snapshot()[&key].clone();
        let at = v.len() - 2;
        v[at] ^= 0x01;
        raw_put(&w.kv, key, Some(v));
    };
    flip(Key::table("ev").s(&space.id).s(&session.id).n(2).build());
    flip(
        Key::table("mec")
            .s(&space.id)
            .s(&store)
            .s(&entries[1].id)
            .build(),
    );
    // 3. lose a path-index key, 4. and make the store's counter disagree.
    raw_put(
        &w.kv,
        Key::table("mp").s(&space.id).s(&store).s("c.md").build(),
        None,
    );
    let store_key = Key::table("ms").s(&space.id).s(&store).build();
    let mut rec: Value = envelope::decode(&w.kv.snapshot()[&store_key]).unwrap();
    rec["entryCount"] = json!(7);
    raw_put(&w.kv, store_key, Some(envelope::encode(&rec).unwrap()));

    // The flipped records read as typed storage errors ...
    let page = |offset, limit| EventQuery {
        offset: Some(offset),
        limit: Some(limit),
        ..Default::default()
    };
    let e = expect_code(w.events(&space, &session, page(2, 1)), ErrorCode::Storage);
    assert!(e.message.contains("checksum"), "{e}");
    expect_code(
        run(ms.get_entry(&space.id, &store, &entries[1].id)),
        ErrorCode::Storage,
    );
    // ... and the others stay readable.
    assert_eq!(
        seqs(&w.events(&space, &session, page(0, 2)).unwrap()),
        [0, 1]
    );
    assert_eq!(
        seqs(&w.events(&space, &session, page(3, 2)).unwrap()),
        [3, 4]
    );
    assert_eq!(
        run(ms.get_entry(&space.id, &store, &entries[0].id))
            .unwrap()
            .content
            .as_deref(),
        Some("a.md")
    );
    run(ms.get_session(&space.id, &session.id)).unwrap();

    let report = run(ms.verify_space(&space.id)).unwrap();
    let mut found: Vec<(ProblemKind, &str)> = report
        .problems
        .iter()
        .map(|p| (p.kind, p.key.as_str()))
        .collect();
    let ev_key = format!("ev/{}/{}/#2", space.id, session.id);
    let mec_key = format!("mec/{}/{}/{}", space.id, store, entries[1].id);
    let me_key = format!("me/{}/{}/{}", space.id, store, entries[2].id);
    let ms_key = format!("ms/{}/{}", space.id, store);
    found.sort_by_key(|(_, k)| k.to_string());
    assert_eq!(
        found,
        [
            (ProblemKind::Corrupt, ev_key.as_str()),
            (ProblemKind::Dangling, me_key.as_str()),
            (ProblemKind::Corrupt, mec_key.as_str()),
            (ProblemKind::CountMismatch, ms_key.as_str()),
        ],
        "{report:#?}"
    );
    assert!(!report.truncated);
}

// ---- a deleted space can be restored (the defence behind the Worker's dot-segment routes) -------

#[test]
fn a_deleted_space_is_restored_with_its_sessions_events_and_key() {
    let w = World::new();
    let space = run(w.ms.create_space(NewSpace {
        deduplication_key: Some("k".into()),
        ..Default::default()
    }))
    .unwrap();
    let session = w.session(&space);
    w.post(&space, &session, "kept").unwrap();
    run(w.ms.delete_space(&space.id)).unwrap();
    expect_code(run(w.ms.get_space(&space.id)), ErrorCode::Gone);
    let back = run(w.ms.restore_space(&space.id)).unwrap();
    assert_eq!(back.deleted_at, None);
    assert_eq!(run(w.ms.get_space(&space.id)).unwrap().id, space.id);
    assert_eq!(
        w.events(&space, &session, EventQuery::default())
            .unwrap()
            .len(),
        1
    );
    let listed = run(w.ms.list_spaces(Page::default())).unwrap();
    assert_eq!(listed.len(), 1);
    // The key is held again; restoring a live space changes nothing.
    expect_code(
        run(w.ms.create_space(NewSpace {
            deduplication_key: Some("k".into()),
            ..Default::default()
        })),
        ErrorCode::Duplicate,
    );
    assert_eq!(run(w.ms.restore_space(&space.id)).unwrap(), back);
    // A key taken meanwhile blocks the restore; another principal's space is not_found.
    run(w.ms.delete_space(&space.id)).unwrap();
    let taker = run(w.ms.create_space(NewSpace {
        deduplication_key: Some("k".into()),
        ..Default::default()
    }))
    .unwrap();
    let e = expect_code(run(w.ms.restore_space(&space.id)), ErrorCode::Conflict);
    assert_eq!(e.details["existing_id"], taker.id.as_str());
    let other = w.ms.for_principal(Principal::new("u2", "t1")).unwrap();
    expect_code(run(other.restore_space(&space.id)), ErrorCode::NotFound);
}

#[test]
fn restore_space_cut_after_every_key_write_leaves_deleted_or_restored() {
    use memspace::kv::faulty::FaultyKv;
    let host = ManualHost::default();
    let base = MemoryKv::new();
    let ms = stores_common::handle(Rc::new(base.clone()), &host);
    let space = run(ms.create_space(NewSpace {
        deduplication_key: Some("k".into()),
        ..Default::default()
    }))
    .unwrap();
    run(ms.delete_space(&space.id)).unwrap();
    let deleted = base.snapshot();
    let mut points = 0;
    for atomic in [true, false] {
        for cut in 0.. {
            let faulty = Rc::new(FaultyKv::new(MemoryKv::from_map(deleted.clone()), atomic));
            faulty.crash_after(cut);
            let out = run(stores_common::handle(faulty.clone(), &host).restore_space(&space.id));
            let reopened = stores_common::handle(Rc::new(faulty.data()), &host);
            let listed = run(reopened.list_spaces(Page::default())).unwrap().len();
            match run(reopened.get_space(&space.id)) {
                Ok(_) => assert_eq!(listed, 1, "restored but not listed (cut {cut})"),
                Err(e) => {
                    assert!(out.is_err(), "acknowledged but not restored (cut {cut})");
                    assert_eq!(e.code, ErrorCode::Gone);
                    assert_eq!(listed, 0);
                }
            }
            // Whatever landed, restoring again works and the key is held again.
            run(reopened.restore_space(&space.id)).unwrap();
            expect_code(
                run(reopened.create_space(NewSpace {
                    deduplication_key: Some("k".into()),
                    ..Default::default()
                })),
                ErrorCode::Duplicate,
            );
            points += 1;
            if !faulty.crashed() {
                break;
            }
        }
    }
    assert!(points >= 5, "{points}");
}

// ---- key and value limits of each backend -------------------------------------------------------

#[test]
fn keys_and_values_over_a_backends_limits_are_typed_errors_that_write_nothing() {
    use memspace::kv::faulty::FaultyKv;
    use memspace::kv::Limits;
    let host = ManualHost::default();
    // Workers KV: 512-byte keys, 25 MiB values.
    let faulty = Rc::new(FaultyKv::new(MemoryKv::new(), false));
    faulty.set_limits(Limits {
        max_key_bytes: Some(512),
        max_value_bytes: Some(25 << 20),
    });
    let ms = stores_common::handle(faulty.clone(), &host);
    let space = run(ms.create_space(NewSpace::default())).unwrap();
    let store = stores_common::store(&ms, &space.id, "s").id;
    let before = faulty.data().snapshot();
    let long_path = format!("{}/x.md", "d".repeat(600));
    let e = expect_code(
        run(ms.create_entry(&space.id, &store, stores_common::new_entry(&long_path, "x"))),
        ErrorCode::Validation,
    );
    assert_eq!(e.details["limit"], "key_bytes");
    assert_eq!(e.details["max"], 512);
    assert!(e.message.contains("limit of 512 bytes"), "{e}");
    assert_eq!(
        faulty.data().snapshot(),
        before,
        "a refused write changed storage"
    );
    // A principal whose ids make keys longer than the backend takes.
    let long = ms
        .for_principal(Principal::new("u".repeat(256), "t".repeat(256)))
        .unwrap();
    let e = expect_code(
        run(long.create_space(NewSpace::default())),
        ErrorCode::Validation,
    );
    assert_eq!(e.details["limit"], "key_bytes");
    // Durable Object (as its adapter states it): values up to ~1.97 MB. A batch whose journal
    // (a directory rename of 30 files of 100 KB, on a key-by-key backend) exceeds it is refused.
    let faulty = Rc::new(FaultyKv::new(MemoryKv::new(), false));
    faulty.set_limits(Limits {
        max_key_bytes: Some(16_383),
        max_value_bytes: Some(2_000_000 - 32_768),
    });
    let ms = stores_common::handle(faulty.clone(), &host);
    let space = run(ms.create_space(NewSpace::default())).unwrap();
    let store = stores_common::store(&ms, &space.id, "s").id;
    let content = "c".repeat(100 * 1024);
    for i in 0..30 {
        let p = format!("dir/f{i}.md");
        run(ms.create_entry(&space.id, &store, stores_common::new_entry(&p, &content))).unwrap();
    }
    let before = faulty.data().snapshot();
    let e = tool(
        &ms,
        &space.id,
        &store,
        json!({"command": "rename", "old_path": "/memories/dir", "new_path": "/memories/moved"}),
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::Validation);
    assert_eq!(e.details["limit"], "value_bytes");
    assert_eq!(faulty.data().snapshot(), before);
    let listed = run(ms.list_entries(&space.id, &store, "dir", Page::default())).unwrap();
    assert_eq!(listed.len(), 30);
}

// ---- storage "memory" filled to the 4 GiB wasm limit -------------------------------------------

#[test]
fn an_in_memory_store_filled_to_its_quota_refuses_the_whole_batch_with_quota_and_commits_nothing() {
    let w = World::new();
    let space = w.space();
    let session = w.session(&space);
    let quota = w.kv.bytes() + 64 * 1024;
    w.kv.set_quota(Some(quota));
    // Text that does not compress: each event stores its full size.
    let big = noise(5_000);
    let mut posted = 0u64;
    let err = loop {
        let batch = vec![msg(&big), msg(&big)];
        match run(w.ms.post_events(&space.id, &session.id, batch)) {
            Ok(evs) => posted += evs.len() as u64,
            Err(e) => break e,
        }
        assert!(posted < 100, "the quota was never reached");
    };
    assert_eq!(err.code, ErrorCode::Quota, "{err}");
    assert!(w.kv.bytes() <= quota);
    let before = w.kv.snapshot();
    let events = w.events(&space, &session, EventQuery::default()).unwrap();
    assert_eq!(
        seqs(&events),
        (0..posted).collect::<Vec<_>>(),
        "dense, nothing of the refused batch"
    );
    assert_eq!(w.kv.snapshot(), before);
    // The store is not poisoned: with the quota lifted the next write goes through.
    w.kv.set_quota(None);
    run(w.ms.post_events(&space.id, &session.id, vec![msg(&big)])).unwrap();
}
