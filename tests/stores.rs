//! Memory stores, entries and versions: one test per rule of seed 002 (issue 3).

mod stores_common;

use memspace::model::*;
use memspace::{ErrorCode, Result};
use std::collections::BTreeMap;
use stores_common::*;

fn code<T: std::fmt::Debug>(r: Result<T>) -> ErrorCode {
    r.expect_err("expected an error").code
}

fn named(name: &str) -> NewStore {
    NewStore {
        name: name.into(),
        ..Default::default()
    }
}

fn meta(pairs: &[(&str, &str)]) -> Metadata {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

// ---- stores -----------------------------------------------------------------------------

#[test]
fn a_new_store_has_a_memstore_id_and_empty_defaults() {
    let (ms, _, _, space) = setup();
    let s = store(&ms, &space, "prefs");
    assert!(s.id.starts_with("memstore_"));
    assert_eq!(
        (s.status, s.entry_count, s.total_size),
        (StoreStatus::Active, 0, 0)
    );
    assert_eq!(
        (s.description.as_str(), s.metadata.len(), s.archived_at),
        ("", 0, None)
    );
    assert_eq!(s.created_at, s.updated_at);
    let json = serde_json::to_value(&s).unwrap();
    assert!(
        json.get("archived_at").is_none(),
        "archived_at only on archived stores"
    );
    assert_eq!(run(ms.get_store(&space, &s.id)).unwrap(), s);
}

#[test]
fn store_names_need_not_be_unique() {
    let (ms, _, _, space) = setup();
    let a = store(&ms, &space, "same");
    let b = store(&ms, &space, "same");
    assert_ne!(a.id, b.id);
}

#[test]
fn store_name_and_description_are_trimmed() {
    let (ms, _, _, space) = setup();
    let s = run(ms.create_store(
        &space,
        NewStore {
            name: "  notes \n".into(),
            description: Some("\t about food  ".into()),
            metadata: None,
        },
    ))
    .unwrap();
    assert_eq!(
        (s.name.as_str(), s.description.as_str()),
        ("notes", "about food")
    );
}

#[test]
fn store_name_of_64_characters_is_accepted_and_65_rejected() {
    let (ms, _, _, space) = setup();
    let n64 = "é".repeat(64); // characters, not bytes
    assert_eq!(
        run(ms.create_store(&space, named(&format!("  {n64}  "))))
            .unwrap()
            .name,
        n64
    );
    assert_eq!(
        code(run(ms.create_store(&space, named(&"a".repeat(65))))),
        ErrorCode::Validation
    );
}

#[test]
fn store_name_empty_after_trimming_is_rejected() {
    let (ms, _, _, space) = setup();
    for name in ["", "   ", "\n\t"] {
        assert_eq!(
            code(run(ms.create_store(&space, named(name)))),
            ErrorCode::Validation,
            "{name:?}"
        );
    }
    assert_eq!(
        code(run(ms.create_store(&space, named("a\u{7}b")))),
        ErrorCode::Validation
    );
}

#[test]
fn store_description_of_1024_characters_is_accepted_and_1025_rejected() {
    let (ms, _, _, space) = setup();
    let mk = |n: usize| NewStore {
        name: "s".into(),
        description: Some(format!(" {} ", "d".repeat(n))),
        metadata: None,
    };
    assert_eq!(
        run(ms.create_store(&space, mk(1024)))
            .unwrap()
            .description
            .len(),
        1024
    );
    assert_eq!(
        code(run(ms.create_store(&space, mk(1025)))),
        ErrorCode::Validation
    );
}

#[test]
fn metadata_of_16_pairs_is_accepted_and_17_rejected() {
    let (ms, _, _, space) = setup();
    let mk = |n: usize| NewStore {
        name: "s".into(),
        description: None,
        metadata: Some((0..n).map(|i| (format!("k{i}"), "v".to_string())).collect()),
    };
    assert_eq!(
        run(ms.create_store(&space, mk(16))).unwrap().metadata.len(),
        16
    );
    assert_eq!(
        code(run(ms.create_store(&space, mk(17)))),
        ErrorCode::Validation
    );
}

#[test]
fn metadata_keys_of_64_characters_are_accepted_and_65_or_empty_rejected() {
    let (ms, _, _, space) = setup();
    let mk = |k: String| NewStore {
        name: "s".into(),
        description: None,
        metadata: Some(BTreeMap::from([(k, "v".to_string())])),
    };
    assert!(run(ms.create_store(&space, mk("k".repeat(64)))).is_ok());
    assert_eq!(
        code(run(ms.create_store(&space, mk("k".repeat(65))))),
        ErrorCode::Validation
    );
    assert_eq!(
        code(run(ms.create_store(&space, mk(String::new())))),
        ErrorCode::Validation
    );
}

#[test]
fn metadata_values_of_512_characters_are_accepted_and_513_rejected() {
    let (ms, _, _, space) = setup();
    let mk = |n: usize| NewStore {
        name: "s".into(),
        description: None,
        metadata: Some(meta(&[("k", &"v".repeat(n))])),
    };
    assert!(run(ms.create_store(&space, mk(512))).is_ok());
    assert_eq!(
        code(run(ms.create_store(&space, mk(513)))),
        ErrorCode::Validation
    );
}

#[test]
fn stores_of_other_principals_and_spaces_are_not_found() {
    let (ms, _, _, space) = setup();
    let s = store(&ms, &space, "mine");
    let other = ms.for_principal(Principal::new("u2", "t1")).unwrap();
    assert_eq!(
        code(run(other.get_store(&space, &s.id))),
        ErrorCode::NotFound
    );
    let space2 = run(ms.create_space(NewSpace::default())).unwrap().id;
    assert_eq!(code(run(ms.get_store(&space2, &s.id))), ErrorCode::NotFound);
    assert_eq!(
        code(run(ms.get_store(&space, "memstore_nope"))),
        ErrorCode::NotFound
    );
    assert_eq!(
        code(run(ms.get_store(&space, "../../sp"))),
        ErrorCode::NotFound
    );
}

#[test]
fn stores_of_a_deleted_space_are_gone() {
    let (ms, _, _, space) = setup();
    let s = store(&ms, &space, "x");
    run(ms.delete_space(&space)).unwrap();
    assert_eq!(code(run(ms.get_store(&space, &s.id))), ErrorCode::Gone);
}

/// Stores created within one millisecond (the clock does not move here) still list in the
/// order they were created: their ids sort after every id the handle made before.
#[test]
fn stores_created_in_one_millisecond_list_in_creation_order() {
    let (ms, _, _, space) = setup();
    let ids: Vec<String> = (0..20)
        .map(|i| store(&ms, &space, &format!("s{i}")).id)
        .collect();
    let listed: Vec<String> = run(ms.list_stores(&space, true, Page::default()))
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(listed, ids);
}

#[test]
fn list_stores_leaves_out_archived_ones_unless_asked_and_pages() {
    let (ms, _, host, space) = setup();
    let mut ids = Vec::new();
    for i in 0..5 {
        host.advance_micros(1000);
        ids.push(store(&ms, &space, &format!("s{i}")).id);
    }
    run(ms.archive_store(&space, &ids[1])).unwrap();
    let active: Vec<String> = run(ms.list_stores(&space, false, Page::default()))
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(
        active,
        [&ids[0], &ids[2], &ids[3], &ids[4]].map(String::clone)
    );
    let all: Vec<String> = run(ms.list_stores(&space, true, Page::default()))
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(all, ids);
    let p = run(ms.list_stores(
        &space,
        true,
        Page {
            offset: Some(1),
            limit: Some(2),
        },
    ))
    .unwrap();
    assert_eq!(
        p.iter().map(|s| s.id.clone()).collect::<Vec<_>>(),
        ids[1..3].to_vec()
    );
    assert_eq!(
        code(run(ms.list_stores(
            &space,
            true,
            Page {
                offset: None,
                limit: Some(0)
            }
        ))),
        ErrorCode::Validation
    );
}

#[test]
fn update_store_sets_name_description_and_merges_metadata() {
    let (ms, _, host, space) = setup();
    let s = run(ms.create_store(
        &space,
        NewStore {
            name: "a".into(),
            description: Some("d".into()),
            metadata: Some(meta(&[("keep", "1"), ("drop", "2")])),
        },
    ))
    .unwrap();
    host.advance_secs(5);
    let u = run(ms.update_store(
        &space,
        &s.id,
        StoreUpdate {
            name: Some(" b ".into()),
            description: Some("".into()),
            metadata: Some(BTreeMap::from([
                ("drop".to_string(), None),
                ("new".to_string(), Some("3".to_string())),
            ])),
        },
    ))
    .unwrap();
    assert_eq!((u.name.as_str(), u.description.as_str()), ("b", ""));
    assert_eq!(u.metadata, meta(&[("keep", "1"), ("new", "3")]));
    assert!(u.updated_at > s.updated_at);
    assert_eq!(run(ms.get_store(&space, &s.id)).unwrap(), u);
    let too_many: MetadataPatch = (0..16)
        .map(|i| (format!("x{i}"), Some("v".to_string())))
        .collect();
    let e = run(ms.update_store(
        &space,
        &s.id,
        StoreUpdate {
            metadata: Some(too_many),
            ..Default::default()
        },
    ));
    assert_eq!(
        code(e),
        ErrorCode::Validation,
        "the merged result would hold 18 pairs"
    );
}

#[test]
fn an_archived_store_cannot_be_updated() {
    let (ms, _, _, space) = setup();
    let s = store(&ms, &space, "a");
    run(ms.archive_store(&space, &s.id)).unwrap();
    let e = run(ms.update_store(
        &space,
        &s.id,
        StoreUpdate {
            name: Some("b".into()),
            ..Default::default()
        },
    ));
    assert_eq!(code(e), ErrorCode::Archived);
}

#[test]
fn archiving_is_irreversible_and_idempotent() {
    let (ms, _, host, space) = setup();
    let s = store(&ms, &space, "a");
    host.advance_secs(1);
    let a = run(ms.archive_store(&space, &s.id)).unwrap();
    assert_eq!(a.status, StoreStatus::Archived);
    assert!(a.archived_at.is_some() && a.updated_at == a.archived_at.unwrap());
    host.advance_secs(1);
    assert_eq!(
        run(ms.archive_store(&space, &s.id)).unwrap(),
        a,
        "archiving again changes nothing"
    );
    assert_eq!(
        run(ms.get_store(&space, &s.id)).unwrap().status,
        StoreStatus::Archived
    );
}

#[test]
fn an_archived_store_keeps_entries_and_versions_readable() {
    let (ms, _, _, space) = setup();
    let s = store(&ms, &space, "a");
    let e = run(ms.create_entry(&space, &s.id, new_entry("a.md", "hello"))).unwrap();
    run(ms.archive_store(&space, &s.id)).unwrap();
    assert_eq!(
        run(ms.get_entry(&space, &s.id, &e.id))
            .unwrap()
            .content
            .as_deref(),
        Some("hello")
    );
    assert_eq!(
        run(ms.get_entry_by_path(&space, &s.id, "a.md")).unwrap().id,
        e.id
    );
    assert_eq!(
        run(ms.list_entries(&space, &s.id, "", Page::default()))
            .unwrap()
            .len(),
        1
    );
    let v = run(ms.list_versions(&space, &s.id, None, Page::default())).unwrap();
    assert_eq!(
        run(ms.get_version(&space, &s.id, &v[0].id))
            .unwrap()
            .content
            .as_deref(),
        Some("hello")
    );
}

#[test]
fn an_archived_store_refuses_entry_creation_and_update_with_archived() {
    let (ms, _, _, space) = setup();
    let s = store(&ms, &space, "a");
    let e = run(ms.create_entry(&space, &s.id, new_entry("a.md", "hello"))).unwrap();
    run(ms.archive_store(&space, &s.id)).unwrap();
    assert_eq!(
        code(run(ms.create_entry(&space, &s.id, new_entry("b.md", "x")))),
        ErrorCode::Archived
    );
    let u = EntryUpdate {
        content: Some("changed".into()),
        ..Default::default()
    };
    assert_eq!(
        code(run(ms.update_entry(&space, &s.id, &e.id, u))),
        ErrorCode::Archived
    );
    assert_eq!(run(ms.get_store(&space, &s.id)).unwrap().entry_count, 1);
}

#[test]
fn an_archived_store_still_allows_entry_deletion_and_redaction() {
    let (ms, kv, _, space) = setup();
    let s = store(&ms, &space, "a");
    let e = run(ms.create_entry(&space, &s.id, new_entry("a.md", "first words"))).unwrap();
    run(ms.update_entry(
        &space,
        &s.id,
        &e.id,
        EntryUpdate {
            content: Some("second".into()),
            ..Default::default()
        },
    ))
    .unwrap();
    run(ms.archive_store(&space, &s.id)).unwrap();
    let first = all_versions(&ms, &space, &s.id, Some(&e.id))
        .unwrap()
        .pop()
        .unwrap();
    assert!(
        run(ms.redact_version(&space, &s.id, &first.id))
            .unwrap()
            .redacted
    );
    run(ms.delete_entry(&space, &s.id, &e.id, EntryPrecondition::default())).unwrap();
    let st = run(ms.get_store(&space, &s.id)).unwrap();
    assert_eq!((st.entry_count, st.total_size), (0, 0));
    check_invariants(&ms, &kv, &space, &s.id);
}

#[test]
fn deleting_a_store_deletes_its_entries_and_versions_from_storage() {
    let (ms, kv, _, space) = setup();
    let keep = store(&ms, &space, "keep");
    run(ms.create_entry(&space, &keep.id, new_entry("k.md", "kept"))).unwrap();
    let s = store(&ms, &space, "gone");
    for i in 0..300 {
        run(ms.create_entry(
            &space,
            &s.id,
            new_entry(&format!("d/{i}.md"), "unique-doomed-bytes"),
        ))
        .unwrap();
    }
    run(ms.delete_store(&space, &s.id)).unwrap();
    assert_eq!(code(run(ms.get_store(&space, &s.id))), ErrorCode::NotFound);
    assert_eq!(
        code(run(ms.delete_store(&space, &s.id))),
        ErrorCode::NotFound
    );
    assert!(kv
        .snapshot()
        .iter()
        .all(|(k, v)| !contains(k, s.id.as_bytes()) && !contains(v, b"unique-doomed-bytes")));
    assert_eq!(
        run(ms.list_stores(&space, true, Page::default()))
            .unwrap()
            .len(),
        1
    );
    check_invariants(&ms, &kv, &space, &keep.id);
}

// ---- entries ----------------------------------------------------------------------------

#[test]
fn a_new_entry_has_a_mem_id_version_1_its_size_and_sha256() {
    let (ms, _, _, space) = setup();
    let s = store(&ms, &space, "a");
    let e = run(ms.create_entry(
        &space,
        &s.id,
        new_entry("preferences/food.md", "likes: ramen\n"),
    ))
    .unwrap();
    assert!(e.id.starts_with("mem_") && !e.id.starts_with("memstore_"));
    assert_eq!(
        (e.version, e.size, e.store_id.as_str()),
        (1, 13, s.id.as_str())
    );
    assert_eq!(e.content_sha256, sha_hex(b"likes: ramen\n"));
    assert_eq!(e.content.as_deref(), Some("likes: ramen\n"));
    assert!(e.metadata.is_empty());
    let st = run(ms.get_store(&space, &s.id)).unwrap();
    assert_eq!((st.entry_count, st.total_size), (1, 13));
    assert_eq!(
        st.updated_at, s.updated_at,
        "entry writes do not touch the store's updated_at"
    );
}

#[test]
fn entry_path_of_1024_bytes_is_accepted_and_1025_rejected() {
    let (ms, _, _, space) = setup();
    let s = store(&ms, &space, "a");
    let p1024 = format!("d/{}", "é".repeat(511)); // 2 + 1022 bytes
    assert_eq!(p1024.len(), 1024);
    assert!(run(ms.create_entry(&space, &s.id, new_entry(&p1024, "x"))).is_ok());
    let p1025 = format!("{p1024}x");
    assert_eq!(
        code(run(ms.create_entry(&space, &s.id, new_entry(&p1025, "x")))),
        ErrorCode::Validation
    );
}

#[test]
fn entry_path_starting_with_a_slash_is_rejected() {
    let (ms, _, _, space) = setup();
    let s = store(&ms, &space, "a");
    assert_eq!(
        code(run(ms.create_entry(&space, &s.id, new_entry("/a.md", "x")))),
        ErrorCode::Validation
    );
}

#[test]
fn entry_path_with_a_dotdot_segment_is_rejected_but_dots_inside_names_are_fine() {
    let (ms, _, _, space) = setup();
    let s = store(&ms, &space, "a");
    for p in ["..", "../a", "a/..", "a/../b", ".", "a/./b"] {
        assert_eq!(
            code(run(ms.create_entry(&space, &s.id, new_entry(p, "x")))),
            ErrorCode::Validation,
            "{p}"
        );
    }
    for p in ["a..b", "..a", "v1.2/..notes", ".hidden"] {
        assert!(
            run(ms.create_entry(&space, &s.id, new_entry(p, "x"))).is_ok(),
            "{p}"
        );
    }
}

#[test]
fn entry_path_with_an_empty_segment_is_rejected() {
    let (ms, _, _, space) = setup();
    let s = store(&ms, &space, "a");
    for p in ["", "a//b", "a/", "/"] {
        assert_eq!(
            code(run(ms.create_entry(&space, &s.id, new_entry(p, "x")))),
            ErrorCode::Validation,
            "{p:?}"
        );
    }
}

#[test]
fn entry_path_with_control_characters_is_rejected() {
    let (ms, _, _, space) = setup();
    let s = store(&ms, &space, "a");
    for p in ["a\nb", "a\u{0}b", "tab\there", "del\u{7f}", "c1\u{85}"] {
        assert_eq!(
            code(run(ms.create_entry(&space, &s.id, new_entry(p, "x")))),
            ErrorCode::Validation,
            "{p:?}"
        );
    }
}

#[test]
fn entry_content_empty_after_trimming_is_rejected() {
    let (ms, _, _, space) = setup();
    let s = store(&ms, &space, "a");
    for c in ["", " ", "\n\t \r\n"] {
        assert_eq!(
            code(run(ms.create_entry(&space, &s.id, new_entry("a", c)))),
            ErrorCode::Validation,
            "{c:?}"
        );
    }
    let e = run(ms.create_entry(&space, &s.id, new_entry("a", "x"))).unwrap();
    let u = EntryUpdate {
        content: Some("   ".into()),
        ..Default::default()
    };
    assert_eq!(
        code(run(ms.update_entry(&space, &s.id, &e.id, u))),
        ErrorCode::Validation
    );
}

#[test]
fn entry_content_of_102400_bytes_is_accepted_and_102401_rejected() {
    let (ms, _, _, space) = setup();
    let s = store(&ms, &space, "a");
    let max = "é".repeat(51_200); // 102,400 bytes, 51,200 characters
    let e = run(ms.create_entry(&space, &s.id, new_entry("a", &max))).unwrap();
    assert_eq!(e.size, 102_400);
    assert_eq!(
        code(run(ms.create_entry(
            &space,
            &s.id,
            new_entry("b", &format!("{max}x"))
        ))),
        ErrorCode::Validation
    );
    let u = EntryUpdate {
        content: Some(format!("{max}!")),
        ..Default::default()
    };
    assert_eq!(
        code(run(ms.update_entry(&space, &s.id, &e.id, u))),
        ErrorCode::Validation
    );
}

#[test]
fn entry_content_is_stored_exactly_not_trimmed() {
    let (ms, _, _, space) = setup();
    let s = store(&ms, &space, "a");
    let c = "  indented\r\n\ttrailing  \n\n";
    let e = run(ms.create_entry(&space, &s.id, new_entry("a", c))).unwrap();
    let got = run(ms.get_entry(&space, &s.id, &e.id)).unwrap();
    assert_eq!(got.content.as_deref(), Some(c));
    assert_eq!(
        (got.size, got.content_sha256),
        (c.len() as u64, sha_hex(c.as_bytes()))
    );
}

#[test]
fn creating_an_entry_at_a_path_in_use_is_a_conflict() {
    let (ms, _, _, space) = setup();
    let s = store(&ms, &space, "a");
    let e = run(ms.create_entry(&space, &s.id, new_entry("a.md", "x"))).unwrap();
    let err = run(ms.create_entry(&space, &s.id, new_entry("a.md", "y"))).unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
    assert_eq!(err.details["conflicting_entry_id"], e.id.as_str());
    assert!(
        run(ms.create_entry(&space, &s.id, new_entry("A.md", "y"))).is_ok(),
        "paths are case-sensitive"
    );
    assert_eq!(run(ms.get_store(&space, &s.id)).unwrap().entry_count, 2);
}

#[test]
fn entries_are_found_by_id_and_by_path() {
    let (ms, _, _, space) = setup();
    let s = store(&ms, &space, "a");
    let e =
        run(ms.create_entry(&space, &s.id, new_entry("projects/acme/status.md", "green"))).unwrap();
    assert_eq!(run(ms.get_entry(&space, &s.id, &e.id)).unwrap(), e);
    assert_eq!(
        run(ms.get_entry_by_path(&space, &s.id, "projects/acme/status.md")).unwrap(),
        e
    );
    assert_eq!(
        code(run(ms.get_entry_by_path(&space, &s.id, "projects/acme"))),
        ErrorCode::NotFound
    );
    assert_eq!(
        code(run(ms.get_entry_by_path(&space, &s.id, "/projects"))),
        ErrorCode::Validation
    );
    assert_eq!(
        code(run(ms.get_entry(
            &space,
            &s.id,
            "mem_00000000000000000000000000"
        ))),
        ErrorCode::NotFound
    );
    assert_eq!(
        code(run(ms.get_entry(&space, &s.id, &s.id))),
        ErrorCode::NotFound
    );
    let other = store(&ms, &space, "b");
    assert_eq!(
        code(run(ms.get_entry(&space, &other.id, &e.id))),
        ErrorCode::NotFound,
        "entries belong to one store"
    );
}

#[test]
fn entries_list_by_directory_prefix_in_path_order_without_content() {
    let (ms, _, _, space) = setup();
    let s = store(&ms, &space, "a");
    for p in [
        "projects/b.md",
        "projects-old/x.md",
        "projects/a/deep.md",
        "projects/a.md",
        "top.md",
    ] {
        run(ms.create_entry(&space, &s.id, new_entry(p, "c"))).unwrap();
    }
    let paths = |prefix: &str, page: Page| -> Vec<String> {
        run(ms.list_entries(&space, &s.id, prefix, page))
            .unwrap()
            .into_iter()
            .map(|e| e.path)
            .collect()
    };
    assert_eq!(
        paths("projects", Page::default()),
        ["projects/a.md", "projects/a/deep.md", "projects/b.md"]
    );
    assert_eq!(
        paths("projects/", Page::default()),
        paths("projects", Page::default())
    );
    assert_eq!(paths("", Page::default()).len(), 5);
    assert_eq!(
        paths(
            "projects",
            Page {
                offset: Some(1),
                limit: Some(1)
            }
        ),
        ["projects/a/deep.md"]
    );
    assert!(paths("nothing", Page::default()).is_empty());
    let listed = run(ms.list_entries(&space, &s.id, "", Page::default())).unwrap();
    assert!(
        listed.iter().all(|e| e.content.is_none() && e.size == 1),
        "content omitted in lists"
    );
    assert!(serde_json::to_value(&listed[0])
        .unwrap()
        .get("content")
        .is_none());
    assert_eq!(
        code(run(ms.list_entries(&space, &s.id, "../x", Page::default()))),
        ErrorCode::Validation
    );
    assert_eq!(
        code(run(ms.list_entries(
            &space,
            &s.id,
            "/projects",
            Page::default()
        ))),
        ErrorCode::Validation
    );
}

#[test]
fn updating_content_increments_the_version_and_records_an_updated_version() {
    let (ms, _, host, space) = setup();
    let s = store(&ms, &space, "a");
    let e = run(ms.create_entry(&space, &s.id, new_entry("a.md", "one"))).unwrap();
    host.advance_secs(1);
    let u = run(ms.update_entry(
        &space,
        &s.id,
        &e.id,
        EntryUpdate {
            content: Some("two!".into()),
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!(
        (u.version, u.size, u.content.as_deref()),
        (2, 4, Some("two!"))
    );
    assert_eq!(u.content_sha256, sha_hex(b"two!"));
    assert!(u.updated_at > e.updated_at && u.created_at == e.created_at);
    let vs = all_versions(&ms, &space, &s.id, Some(&e.id)).unwrap();
    assert_eq!(
        vs.iter().map(|v| v.action).collect::<Vec<_>>(),
        [VersionAction::Updated, VersionAction::Created]
    );
    assert_eq!(
        (vs[0].content.as_deref(), vs[1].content.as_deref()),
        (Some("two!"), Some("one"))
    );
    assert!(vs[0].id.starts_with("memver_"));
    let st = run(ms.get_store(&space, &s.id)).unwrap();
    assert_eq!((st.entry_count, st.total_size), (1, 4));
}

#[test]
fn renaming_keeps_the_id_and_frees_the_old_path() {
    let (ms, kv, _, space) = setup();
    let s = store(&ms, &space, "a");
    let e = run(ms.create_entry(&space, &s.id, new_entry("old/name.md", "body"))).unwrap();
    let u = run(ms.update_entry(
        &space,
        &s.id,
        &e.id,
        EntryUpdate {
            path: Some("new/name.md".into()),
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!(
        (u.id.as_str(), u.path.as_str(), u.version),
        (e.id.as_str(), "new/name.md", 2)
    );
    assert_eq!(
        run(ms.get_entry_by_path(&space, &s.id, "new/name.md"))
            .unwrap()
            .id,
        e.id
    );
    assert_eq!(
        code(run(ms.get_entry_by_path(&space, &s.id, "old/name.md"))),
        ErrorCode::NotFound
    );
    assert!(run(ms.create_entry(&space, &s.id, new_entry("old/name.md", "reuse"))).is_ok());
    let vs = all_versions(&ms, &space, &s.id, Some(&e.id)).unwrap();
    assert_eq!(
        (vs[0].entry_path.as_str(), vs[1].entry_path.as_str()),
        ("new/name.md", "old/name.md"),
        "versions keep the path of their time"
    );
    check_invariants(&ms, &kv, &space, &s.id);
}

#[test]
fn renaming_onto_a_path_in_use_is_a_conflict() {
    let (ms, _, _, space) = setup();
    let s = store(&ms, &space, "a");
    let a = run(ms.create_entry(&space, &s.id, new_entry("a", "x"))).unwrap();
    let b = run(ms.create_entry(&space, &s.id, new_entry("b", "y"))).unwrap();
    let err = run(ms.update_entry(
        &space,
        &s.id,
        &a.id,
        EntryUpdate {
            path: Some("b".into()),
            ..Default::default()
        },
    ))
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
    assert_eq!(err.details["conflicting_entry_id"], b.id.as_str());
    assert_eq!(run(ms.get_entry(&space, &s.id, &a.id)).unwrap().path, "a");
}

#[test]
fn a_stale_expected_version_is_a_conflict_and_changes_nothing() {
    let (ms, _, _, space) = setup();
    let s = store(&ms, &space, "a");
    let e = run(ms.create_entry(&space, &s.id, new_entry("a", "v1"))).unwrap();
    run(ms.update_entry(
        &space,
        &s.id,
        &e.id,
        EntryUpdate {
            content: Some("v2".into()),
            ..Default::default()
        },
    ))
    .unwrap();
    let stale = EntryUpdate {
        content: Some("v3".into()),
        expected_version: Some(1),
        ..Default::default()
    };
    let err = run(ms.update_entry(&space, &s.id, &e.id, stale)).unwrap_err();
    assert_eq!(
        (err.code, err.details["precondition"].as_str()),
        (ErrorCode::Conflict, Some("expected_version"))
    );
    assert_eq!(err.details["current_version"], 2);
    let ok = EntryUpdate {
        content: Some("v3".into()),
        expected_version: Some(2),
        ..Default::default()
    };
    assert_eq!(
        run(ms.update_entry(&space, &s.id, &e.id, ok))
            .unwrap()
            .version,
        3
    );
    let zero = EntryUpdate {
        content: Some("v4".into()),
        expected_version: Some(0),
        ..Default::default()
    };
    assert_eq!(
        code(run(ms.update_entry(&space, &s.id, &e.id, zero))),
        ErrorCode::Validation
    );
}

#[test]
fn a_stale_expected_sha256_is_a_conflict() {
    let (ms, _, _, space) = setup();
    let s = store(&ms, &space, "a");
    let e = run(ms.create_entry(&space, &s.id, new_entry("a", "v1"))).unwrap();
    let stale = EntryUpdate {
        content: Some("v2".into()),
        expected_sha256: Some(sha_hex(b"something else")),
        ..Default::default()
    };
    let err = run(ms.update_entry(&space, &s.id, &e.id, stale)).unwrap_err();
    assert_eq!(
        (err.code, err.details["precondition"].as_str()),
        (ErrorCode::Conflict, Some("expected_sha256"))
    );
    let good = EntryUpdate {
        content: Some("v2".into()),
        expected_sha256: Some(e.content_sha256.to_uppercase()),
        ..Default::default()
    };
    assert_eq!(
        run(ms.update_entry(&space, &s.id, &e.id, good))
            .unwrap()
            .version,
        2
    );
    let bad = EntryUpdate {
        content: Some("v3".into()),
        expected_sha256: Some("abc".into()),
        ..Default::default()
    };
    assert_eq!(
        code(run(ms.update_entry(&space, &s.id, &e.id, bad))),
        ErrorCode::Validation
    );
}

#[test]
fn a_retried_update_that_already_happened_succeeds_without_a_new_version() {
    let (ms, _, _, space) = setup();
    let s = store(&ms, &space, "a");
    let e = run(ms.create_entry(&space, &s.id, new_entry("a", "v1"))).unwrap();
    let u = EntryUpdate {
        content: Some("v2".into()),
        expected_sha256: Some(e.content_sha256.clone()),
        ..Default::default()
    };
    let first = run(ms.update_entry(&space, &s.id, &e.id, u.clone())).unwrap();
    let again = run(ms.update_entry(&space, &s.id, &e.id, u)).unwrap();
    assert_eq!(first, again);
    assert_eq!(
        all_versions(&ms, &space, &s.id, Some(&e.id)).unwrap().len(),
        2
    );
}

#[test]
fn an_update_must_change_something() {
    let (ms, _, _, space) = setup();
    let s = store(&ms, &space, "a");
    let e = run(ms.create_entry(&space, &s.id, new_entry("a", "v1"))).unwrap();
    assert_eq!(
        code(run(ms.update_entry(
            &space,
            &s.id,
            &e.id,
            EntryUpdate::default()
        ))),
        ErrorCode::Validation
    );
}

#[test]
fn entry_metadata_updates_merge_and_record_a_version() {
    let (ms, _, _, space) = setup();
    let s = store(&ms, &space, "a");
    let e = run(ms.create_entry(
        &space,
        &s.id,
        NewEntry {
            path: "a".into(),
            content: "x".into(),
            metadata: Some(meta(&[("topic", "food"), ("tmp", "1")])),
        },
    ))
    .unwrap();
    let patch = BTreeMap::from([
        ("tmp".to_string(), None),
        ("lang".to_string(), Some("en".to_string())),
    ]);
    let u = run(ms.update_entry(
        &space,
        &s.id,
        &e.id,
        EntryUpdate {
            metadata: Some(patch),
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!(
        (u.metadata, u.version),
        (meta(&[("lang", "en"), ("topic", "food")]), 2)
    );
    let too_long = BTreeMap::from([("k".to_string(), Some("v".repeat(513)))]);
    assert_eq!(
        code(run(ms.update_entry(
            &space,
            &s.id,
            &e.id,
            EntryUpdate {
                metadata: Some(too_long),
                ..Default::default()
            }
        ))),
        ErrorCode::Validation
    );
}

#[test]
fn deleting_with_a_stale_precondition_is_a_conflict_and_deletes_nothing() {
    let (ms, _, _, space) = setup();
    let s = store(&ms, &space, "a");
    let e = run(ms.create_entry(&space, &s.id, new_entry("a", "v1"))).unwrap();
    let stale = EntryPrecondition {
        expected_sha256: Some(sha_hex(b"v0")),
        expected_version: None,
    };
    assert_eq!(
        code(run(ms.delete_entry(&space, &s.id, &e.id, stale))),
        ErrorCode::Conflict
    );
    let stale = EntryPrecondition {
        expected_version: Some(2),
        expected_sha256: None,
    };
    assert_eq!(
        code(run(ms.delete_entry(&space, &s.id, &e.id, stale))),
        ErrorCode::Conflict
    );
    assert_eq!(run(ms.get_store(&space, &s.id)).unwrap().entry_count, 1);
    let ok = EntryPrecondition {
        expected_version: Some(1),
        expected_sha256: Some(e.content_sha256.clone()),
    };
    run(ms.delete_entry(&space, &s.id, &e.id, ok)).unwrap();
    assert_eq!(
        code(run(ms.get_entry(&space, &s.id, &e.id))),
        ErrorCode::NotFound
    );
}

#[test]
fn deleting_an_entry_frees_its_path_lowers_the_counts_and_keeps_its_versions() {
    let (ms, kv, _, space) = setup();
    let s = store(&ms, &space, "a");
    let e = run(ms.create_entry(&space, &s.id, new_entry("a.md", "12345"))).unwrap();
    run(ms.create_entry(&space, &s.id, new_entry("b.md", "123"))).unwrap();
    run(ms.delete_entry(&space, &s.id, &e.id, EntryPrecondition::default())).unwrap();
    let st = run(ms.get_store(&space, &s.id)).unwrap();
    assert_eq!((st.entry_count, st.total_size), (1, 3));
    assert_eq!(
        code(run(ms.get_entry_by_path(&space, &s.id, "a.md"))),
        ErrorCode::NotFound
    );
    let vs = all_versions(&ms, &space, &s.id, Some(&e.id)).unwrap();
    assert_eq!(
        vs.iter().map(|v| v.action).collect::<Vec<_>>(),
        [VersionAction::Deleted, VersionAction::Created]
    );
    assert_eq!(
        (vs[0].entry_path.as_str(), vs[0].size, vs[0].entry_version),
        ("a.md", 5, 2)
    );
    assert!(vs[0].content.is_none(), "a deleted version has no content");
    assert_eq!(vs[1].content.as_deref(), Some("12345"));
    assert_eq!(
        code(run(ms.delete_entry(
            &space,
            &s.id,
            &e.id,
            EntryPrecondition::default()
        ))),
        ErrorCode::NotFound
    );
    let again = run(ms.create_entry(&space, &s.id, new_entry("a.md", "new"))).unwrap();
    assert_ne!(again.id, e.id);
    check_invariants(&ms, &kv, &space, &s.id);
}

#[test]
fn counts_are_the_number_and_total_size_of_live_entries() {
    let (ms, _, _, space) = setup();
    let s = store(&ms, &space, "a");
    let a = run(ms.create_entry(&space, &s.id, new_entry("a", "aaaa"))).unwrap();
    run(ms.create_entry(&space, &s.id, new_entry("b", "bb"))).unwrap();
    run(ms.update_entry(
        &space,
        &s.id,
        &a.id,
        EntryUpdate {
            content: Some("a".repeat(10)),
            ..Default::default()
        },
    ))
    .unwrap();
    let st = run(ms.get_store(&space, &s.id)).unwrap();
    assert_eq!((st.entry_count, st.total_size), (2, 12));
    run(ms.update_entry(
        &space,
        &s.id,
        &a.id,
        EntryUpdate {
            path: Some("c".into()),
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!(
        run(ms.get_store(&space, &s.id)).unwrap().total_size,
        12,
        "a rename keeps the size"
    );
    run(ms.delete_entry(&space, &s.id, &a.id, EntryPrecondition::default())).unwrap();
    let st = run(ms.get_store(&space, &s.id)).unwrap();
    assert_eq!((st.entry_count, st.total_size), (1, 2));
}

// ---- versions ---------------------------------------------------------------------------

#[test]
fn versions_list_newest_first_per_entry_and_per_store_and_page() {
    let (ms, _, _, space) = setup();
    let s = store(&ms, &space, "a");
    // The clock stands still: ids must still come out in recording order.
    let a = run(ms.create_entry(&space, &s.id, new_entry("a", "a1"))).unwrap();
    let b = run(ms.create_entry(&space, &s.id, new_entry("b", "b1"))).unwrap();
    for i in 2..=4 {
        run(ms.update_entry(
            &space,
            &s.id,
            &a.id,
            EntryUpdate {
                content: Some(format!("a{i}")),
                ..Default::default()
            },
        ))
        .unwrap();
    }
    let store_vs = run(ms.list_versions(&space, &s.id, None, Page::default())).unwrap();
    let order: Vec<(String, u64)> = store_vs
        .iter()
        .map(|v| (v.entry_id.clone(), v.entry_version))
        .collect();
    assert_eq!(
        order,
        vec![
            (a.id.clone(), 4),
            (a.id.clone(), 3),
            (a.id.clone(), 2),
            (b.id.clone(), 1),
            (a.id.clone(), 1)
        ]
    );
    assert!(
        store_vs.iter().all(|v| v.content.is_none()),
        "lists omit content"
    );
    let a_vs = run(ms.list_versions(
        &space,
        &s.id,
        Some(&a.id),
        Page {
            offset: Some(1),
            limit: Some(2),
        },
    ))
    .unwrap();
    assert_eq!(
        a_vs.iter().map(|v| v.entry_version).collect::<Vec<_>>(),
        [3, 2]
    );
    assert_eq!(
        code(run(ms.list_versions(
            &space,
            &s.id,
            Some("x"),
            Page::default()
        ))),
        ErrorCode::Validation
    );
    assert!(run(ms.list_versions(
        &space,
        &s.id,
        Some("mem_00000000000000000000000000"),
        Page::default()
    ))
    .unwrap()
    .is_empty());
}

#[test]
fn a_version_is_fetched_with_its_content() {
    let (ms, _, _, space) = setup();
    let s = store(&ms, &space, "a");
    run(ms.create_entry(&space, &s.id, new_entry("a", "content of v1"))).unwrap();
    let id = run(ms.list_versions(&space, &s.id, None, Page::default())).unwrap()[0]
        .id
        .clone();
    let v = run(ms.get_version(&space, &s.id, &id)).unwrap();
    assert_eq!(
        (v.content.as_deref(), v.action, v.redacted, v.redacted_at),
        (Some("content of v1"), VersionAction::Created, false, None)
    );
    assert_eq!(
        code(run(ms.get_version(
            &space,
            &s.id,
            "memver_00000000000000000000000000"
        ))),
        ErrorCode::NotFound
    );
}

#[test]
fn redaction_erases_the_content_bytes_from_storage() {
    let (ms, kv, host, space) = setup();
    let s = store(&ms, &space, "a");
    let secret = "card number 4111-1111-1111-1111";
    let e = run(ms.create_entry(&space, &s.id, new_entry("pay.md", secret))).unwrap();
    run(ms.update_entry(
        &space,
        &s.id,
        &e.id,
        EntryUpdate {
            content: Some("card on file".into()),
            ..Default::default()
        },
    ))
    .unwrap();
    assert!(
        kv.snapshot()
            .values()
            .any(|v| contains(v, secret.as_bytes())),
        "the secret is stored before redaction"
    );
    let first = all_versions(&ms, &space, &s.id, Some(&e.id))
        .unwrap()
        .pop()
        .unwrap();
    host.advance_secs(3);
    let r = run(ms.redact_version(&space, &s.id, &first.id)).unwrap();
    assert!(r.redacted && r.redacted_at == Some(host_now(&host)) && r.content.is_none());
    for (k, v) in kv.snapshot() {
        assert!(
            !contains(&v, secret.as_bytes()) && !contains(&k, secret.as_bytes()),
            "secret bytes survive redaction"
        );
        assert!(!contains(&v, b"4111"), "no fragment survives");
    }
    let got = run(ms.get_version(&space, &s.id, &first.id)).unwrap();
    assert_eq!((got.redacted, got.content), (true, None));
    assert_eq!(
        (got.size, got.content_sha256, got.entry_path.as_str()),
        (secret.len() as u64, sha_hex(secret.as_bytes()), "pay.md"),
        "the audit record stays"
    );
    assert_eq!(
        run(ms.get_entry(&space, &s.id, &e.id))
            .unwrap()
            .content
            .as_deref(),
        Some("card on file")
    );
}

fn host_now(host: &memspace::host::ManualHost) -> memspace::Timestamp {
    use memspace::host::Host;
    host.now()
}

#[test]
fn redaction_is_idempotent_and_the_record_stays_listed() {
    let (ms, _, host, space) = setup();
    let s = store(&ms, &space, "a");
    let e = run(ms.create_entry(&space, &s.id, new_entry("a", "one"))).unwrap();
    run(ms.update_entry(
        &space,
        &s.id,
        &e.id,
        EntryUpdate {
            content: Some("two".into()),
            ..Default::default()
        },
    ))
    .unwrap();
    let v1 = all_versions(&ms, &space, &s.id, Some(&e.id))
        .unwrap()
        .pop()
        .unwrap();
    let r1 = run(ms.redact_version(&space, &s.id, &v1.id)).unwrap();
    host.advance_secs(10);
    assert_eq!(run(ms.redact_version(&space, &s.id, &v1.id)).unwrap(), r1);
    let listed = run(ms.list_versions(&space, &s.id, Some(&e.id), Page::default())).unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed[1].redacted);
    let json = serde_json::to_value(&listed[0]).unwrap();
    assert!(
        json.get("redacted_at").is_none(),
        "redacted_at only when redacted"
    );
}

#[test]
fn the_current_version_of_a_live_entry_cannot_be_redacted() {
    let (ms, _, _, space) = setup();
    let s = store(&ms, &space, "a");
    let e = run(ms.create_entry(&space, &s.id, new_entry("a", "live"))).unwrap();
    let v = run(ms.list_versions(&space, &s.id, None, Page::default())).unwrap()[0]
        .id
        .clone();
    let err = run(ms.redact_version(&space, &s.id, &v)).unwrap_err();
    assert_eq!(
        (err.code, err.details["precondition"].as_str()),
        (ErrorCode::Conflict, Some("not_current_version"))
    );
    run(ms.delete_entry(&space, &s.id, &e.id, EntryPrecondition::default())).unwrap();
    assert!(
        run(ms.redact_version(&space, &s.id, &v)).unwrap().redacted,
        "after deletion it can be"
    );
}

#[test]
fn versions_survive_the_deletion_of_their_entry() {
    let (ms, _, _, space) = setup();
    let s = store(&ms, &space, "a");
    let e = run(ms.create_entry(&space, &s.id, new_entry("a", "one"))).unwrap();
    run(ms.update_entry(
        &space,
        &s.id,
        &e.id,
        EntryUpdate {
            content: Some("two".into()),
            ..Default::default()
        },
    ))
    .unwrap();
    run(ms.delete_entry(&space, &s.id, &e.id, EntryPrecondition::default())).unwrap();
    let vs = all_versions(&ms, &space, &s.id, Some(&e.id)).unwrap();
    assert_eq!(vs.len(), 3);
    assert_eq!(vs[1].content.as_deref(), Some("two"));
    assert_eq!(vs[2].content.as_deref(), Some("one"));
}
