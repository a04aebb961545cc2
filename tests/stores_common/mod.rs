//! Helpers shared by the memory-store test suites: handles over memory or faulty storage,
//! a logical snapshot of a store, and the consistency invariants checked after every crash.
#![allow(dead_code)]

use memspace::codec::keys::Key;
use memspace::host::ManualHost;
use memspace::kv::{Kv, MemoryKv};
use memspace::model::*;
use memspace::runtime::block_on;
use memspace::{Memspace, Result};
use std::collections::BTreeMap;
use std::rc::Rc;

/// Runs a future to completion, unwrapping the executor's own result.
pub fn run<T>(f: impl std::future::Future<Output = T>) -> T {
    block_on(f).expect("storage answers synchronously")
}

/// A handle for principal u1/t1 over `kv`.
pub fn handle(kv: Rc<dyn Kv>, host: &ManualHost) -> Memspace {
    Memspace::new(kv, Rc::new(host.clone()), Principal::new("u1", "t1")).unwrap()
}

/// A fresh memory store, a handle, its host and one space.
pub fn setup() -> (Memspace, MemoryKv, ManualHost, String) {
    let kv = MemoryKv::new();
    let host = ManualHost::default();
    let ms = handle(Rc::new(kv.clone()), &host);
    let space = run(ms.create_space(NewSpace::default())).unwrap();
    (ms, kv, host, space.id)
}

/// A store named `name` in `space`.
pub fn store(ms: &Memspace, space: &str, name: &str) -> MemoryStore {
    run(ms.create_store(
        space,
        NewStore {
            name: name.into(),
            ..Default::default()
        },
    ))
    .unwrap()
}

/// An entry input.
pub fn new_entry(path: &str, content: &str) -> NewEntry {
    NewEntry {
        path: path.into(),
        content: content.into(),
        metadata: None,
    }
}

/// Pages of 100.
pub fn page(offset: u64) -> Page {
    Page {
        offset: Some(offset),
        limit: Some(100),
    }
}

/// Every entry of a store (with content), in path order.
pub fn all_entries(ms: &Memspace, space: &str, store: &str) -> Result<Vec<MemoryEntry>> {
    let mut out = Vec::new();
    loop {
        let chunk = run(ms.list_entries(space, store, "", page(out.len() as u64)))?;
        let n = chunk.len();
        for e in chunk {
            out.push(run(ms.get_entry(space, store, &e.id))?);
        }
        if n < 100 {
            return Ok(out);
        }
    }
}

/// Every version of a store or entry, newest first, with content as `get_version` gives it.
pub fn all_versions(
    ms: &Memspace,
    space: &str,
    store: &str,
    entry: Option<&str>,
) -> Result<Vec<MemoryVersion>> {
    let mut out = Vec::new();
    loop {
        let chunk = run(ms.list_versions(space, store, entry, page(out.len() as u64)))?;
        let n = chunk.len();
        for v in chunk {
            out.push(run(ms.get_version(space, store, &v.id))?);
        }
        if n < 100 {
            return Ok(out);
        }
    }
}

/// What a reader can observe of one store.
#[derive(Debug, Clone, PartialEq)]
pub struct Snap {
    /// The store, or `None` when it is not found.
    pub store: Option<MemoryStore>,
    /// Entries with content, in path order.
    pub entries: Vec<MemoryEntry>,
    /// Versions with content, newest first.
    pub versions: Vec<MemoryVersion>,
}

/// Reads everything observable of a store.
pub fn snap(ms: &Memspace, space: &str, store: &str) -> Snap {
    match run(ms.get_store(space, store)) {
        Ok(s) => Snap {
            store: Some(s),
            entries: all_entries(ms, space, store).unwrap(),
            versions: all_versions(ms, space, store, None).unwrap(),
        },
        Err(e) => {
            assert_eq!(e.code, memspace::ErrorCode::NotFound, "{e}");
            Snap {
                store: None,
                entries: Vec::new(),
                versions: Vec::new(),
            }
        }
    }
}

fn keys_in(data: &BTreeMap<Vec<u8>, Vec<u8>>, tag: &str, space: &str, store: &str) -> usize {
    let range = Key::table(tag).s(space).s(store).range();
    data.keys().filter(|k| range.contains(k)).count()
}

/// Checks that counts, entries, paths and versions of a store agree, through the API and in
/// the raw keys. Call it through a fresh handle after a crash (reads roll journals forward).
pub fn check_invariants(ms: &Memspace, raw: &MemoryKv, space: &str, store: &str) {
    let s = snap(ms, space, store);
    let data = raw.snapshot();
    let Some(st) = &s.store else {
        // A deleted store: nothing of it may be readable; leftovers only under a tombstone.
        if keys_in(&data, "ms", space, store) == 0 {
            for tag in ["me", "mec", "mp", "mv", "mve", "mtx"] {
                assert_eq!(
                    keys_in(&data, tag, space, store),
                    0,
                    "{tag} keys outlive a purged store"
                );
            }
        }
        return;
    };
    assert_eq!(
        st.entry_count,
        s.entries.len() as u64,
        "entry_count disagrees with the entries"
    );
    assert_eq!(
        st.total_size,
        s.entries.iter().map(|e| e.size).sum::<u64>(),
        "total_size disagrees with the entries"
    );
    let mut histories = 0usize;
    for e in &s.entries {
        let content = e.content.as_deref().expect("get returns content");
        assert_eq!(e.size, content.len() as u64);
        assert_eq!(e.content_sha256, sha_hex(content.as_bytes()));
        assert_eq!(
            run(ms.get_entry_by_path(space, store, &e.path)).unwrap().id,
            e.id,
            "path index disagrees"
        );
        let hist = all_versions(ms, space, store, Some(&e.id)).unwrap();
        assert_eq!(
            hist.len() as u64,
            e.version,
            "an entry at version n has n versions"
        );
        let head = &hist[0];
        assert_ne!(head.action, VersionAction::Deleted);
        assert_eq!(
            (
                head.entry_version,
                &head.entry_path,
                head.size,
                &head.content_sha256
            ),
            (e.version, &e.path, e.size, &e.content_sha256)
        );
        assert_eq!(
            head.content.as_deref(),
            Some(content),
            "the current version holds the entry's content"
        );
        for w in hist.windows(2) {
            assert!(
                w[0].id > w[1].id && w[0].entry_version == w[1].entry_version + 1,
                "versions newest first, numbered"
            );
        }
    }
    // Versions of deleted entries end with a `deleted` record.
    let live: std::collections::BTreeSet<&str> = s.entries.iter().map(|e| e.id.as_str()).collect();
    let mut by_entry: BTreeMap<&str, Vec<&MemoryVersion>> = BTreeMap::new();
    for v in &s.versions {
        by_entry.entry(v.entry_id.as_str()).or_default().push(v);
    }
    for (entry, vs) in &by_entry {
        histories += vs.len();
        if !live.contains(entry) {
            assert_eq!(
                vs[0].action,
                VersionAction::Deleted,
                "a vanished entry's last version is `deleted`"
            );
        }
        for v in vs {
            assert!(v.content.is_none() || !v.redacted);
        }
    }
    assert_eq!(histories, s.versions.len());
    for w in s.versions.windows(2) {
        assert!(w[0].id > w[1].id, "store versions newest first");
    }
    // Raw keys: one entry record and one path key per entry, one index key per version.
    assert_eq!(
        keys_in(&data, "me", space, store),
        s.entries.len(),
        "entry records"
    );
    assert_eq!(
        keys_in(&data, "mec", space, store),
        s.entries.len(),
        "entry content records"
    );
    assert_eq!(
        keys_in(&data, "mp", space, store),
        s.entries.len(),
        "path keys"
    );
    assert_eq!(
        keys_in(&data, "mv", space, store),
        s.versions.len(),
        "version records"
    );
    assert_eq!(
        keys_in(&data, "mve", space, store),
        s.versions.len(),
        "version index keys"
    );
}

/// Lowercase hex SHA-256.
pub fn sha_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
