//! Helpers shared by the memory test suites: handles, inputs, a logical snapshot of a space's
//! memories and links, and the invariants (counts, index keys, links) checked after crashes.
#![allow(dead_code)]

use memspace::codec::envelope;
use memspace::codec::keys::{string_parts, Key};
use memspace::host::ManualHost;
use memspace::kv::{Kv, MemoryKv};
use memspace::model::*;
use memspace::{ErrorCode, Memspace, Result};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

#[path = "../common/basics.rs"]
mod basics;
pub use basics::*;

/// A handle for principal u1/t1 over `kv`.
pub fn handle(kv: Rc<dyn Kv>, host: &ManualHost) -> Memspace {
    Memspace::new(kv, Rc::new(host.clone()), Principal::new("u1", "t1")).unwrap()
}

/// A memory store, a handle, its host and one space.
pub fn setup() -> (Memspace, MemoryKv, ManualHost, String) {
    let kv = MemoryKv::new();
    let host = ManualHost::default();
    let ms = handle(Rc::new(kv.clone()), &host);
    let space = run(ms.create_space(NewSpace::default())).unwrap();
    (ms, kv, host, space.id)
}

/// A remember input with just content.
pub fn text(content: &str) -> NewMemory {
    NewMemory {
        content: content.into(),
        ..Default::default()
    }
}

/// A remember input with a logical key.
pub fn keyed(content: &str, key: &str) -> NewMemory {
    NewMemory {
        content: content.into(),
        logical_key: Some(key.into()),
        ..Default::default()
    }
}

/// Remembers and returns the memory.
#[track_caller]
pub fn remember(ms: &Memspace, space: &str, input: NewMemory) -> Memory {
    run(ms.remember(space, input)).unwrap().memory
}

/// Links two memories.
#[track_caller]
pub fn link(
    ms: &Memspace,
    space: &str,
    from: &str,
    to: &str,
    rel: &str,
    strength: f64,
) -> Association {
    run(ms.associate(
        space,
        from,
        NewAssociation {
            target_id: to.into(),
            relationship: rel.into(),
            strength: Some(strength),
            metadata: None,
        },
    ))
    .unwrap()
}

/// Every memory of the given statuses, newest first (all pages).
pub fn all_memories(ms: &Memspace, space: &str, statuses: &[MemoryStatus]) -> Result<Vec<Memory>> {
    let mut out = Vec::new();
    loop {
        let filter = MemoryFilter {
            statuses: statuses.to_vec(),
            ..Default::default()
        };
        let page = Page {
            offset: Some(out.len() as u64),
            limit: Some(100),
        };
        let chunk = run(ms.list_memories(space, filter, page))?;
        let n = chunk.len();
        out.extend(chunk);
        if n < 100 {
            return Ok(out);
        }
    }
}

/// Every visible association of a memory (both directions, superseded ends included).
pub fn all_links(ms: &Memspace, space: &str, memory: &str) -> Result<Vec<Association>> {
    let q = AssociationQuery {
        include_superseded: true,
        ..Default::default()
    };
    let mut out = Vec::new();
    loop {
        let page = Page {
            offset: Some(out.len() as u64),
            limit: Some(100),
        };
        let chunk = run(ms.get_associations(space, memory, q.clone(), page))?;
        let n = chunk.len();
        out.extend(chunk);
        if n < 100 {
            return Ok(out);
        }
    }
}

/// Everything a caller can observe of a space's memories.
#[derive(Debug, Clone, PartialEq)]
pub struct MemSnap {
    /// Counts.
    pub stats: MemoryStats,
    /// Every memory in any status, newest first, with its trace history.
    pub memories: Vec<(Memory, Vec<Memory>)>,
    /// Visible links of readable memories, by memory.
    pub links: BTreeMap<String, Vec<Association>>,
}

/// Reads everything observable.
pub fn mem_snap(ms: &Memspace, space: &str) -> MemSnap {
    let stats = run(ms.memory_stats(space)).unwrap();
    let mut memories = Vec::new();
    let mut links = BTreeMap::new();
    for m in all_memories(ms, space, &MemoryStatus::ALL).unwrap() {
        let trace = run(ms.trace_memory(space, &m.id, Some(0))).unwrap();
        assert_eq!(trace.memory, m, "trace and list agree");
        if m.status.is_readable() {
            assert_eq!(
                run(ms.get_memory(space, &m.id)).unwrap(),
                m,
                "get and list agree"
            );
            links.insert(m.id.clone(), all_links(ms, space, &m.id).unwrap());
        } else {
            expect_code(run(ms.get_memory(space, &m.id)), ErrorCode::Gone);
        }
        memories.push((m, trace.history));
    }
    MemSnap {
        stats,
        memories,
        links,
    }
}

/// Raw keys of a table for one space (keys whose second part is `space`).
fn raw_keys(data: &BTreeMap<Vec<u8>, Vec<u8>>, tag: &str, space: &str) -> BTreeSet<Vec<u8>> {
    let range = Key::table(tag).s(space).range();
    data.keys().filter(|k| range.contains(k)).cloned().collect()
}

fn opt_str<'a>(v: &'a Value, field: &str) -> Option<&'a str> {
    v.get(field).and_then(Value::as_str)
}

/// Checks that counts, records, index keys and links of a space agree in the raw data, and
/// with what the API says. Call it through a fresh handle after reads rolled journals forward.
pub fn check_memory_invariants(ms: &Memspace, raw: &MemoryKv, space: &str) {
    let snap = mem_snap(ms, space); // rolls a committed journal forward first
    let data = raw.snapshot();
    // After a read, no committed journal is pending (an orphan journal from a write cut
    // before its commit point may stay: nothing names it, the next write overwrites it).
    if let Some(head) = data.get(&Key::table("mh").s(space).build()) {
        let head: Value = envelope::decode(head).unwrap();
        assert!(
            head.get("pendingTx").is_none(),
            "a committed journal is still pending"
        );
    }
    let records: Vec<Value> = raw_keys(&data, "mr", space)
        .iter()
        .map(|k| envelope::decode::<Value>(&data[k]).unwrap())
        .collect();
    // Counts by stored status, and of edges.
    let mut counts = MemoryStats::default();
    for r in &records {
        match opt_str(r, "status").unwrap() {
            "active" => counts.active += 1,
            "superseded" => counts.superseded += 1,
            "forgotten" => counts.forgotten += 1,
            "expired" => counts.expired += 1,
            "deleted" => counts.deleted += 1,
            s => panic!("unknown status {s}"),
        }
    }
    counts.associations = raw_keys(&data, "ma", space).len() as u64;
    assert_eq!(snap.stats, counts, "head counts disagree with the records");
    assert_eq!(
        snap.memories.len() as u64,
        counts.active + counts.superseded + counts.forgotten + counts.expired + counts.deleted
    );
    // Index keys are exactly those the records imply.
    let mut want: BTreeMap<&str, BTreeSet<Vec<u8>>> = BTreeMap::new();
    let mut holders: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in &records {
        let id = opt_str(r, "id").unwrap();
        let status = opt_str(r, "status").unwrap();
        let mi = |dim: &str, v: &str| Key::table("mi").s(space).s(dim).s(v).s(id).build();
        let idx = want.entry("mi").or_default();
        idx.insert(mi("s", status));
        if status == "deleted" {
            assert_eq!(
                opt_str(r, "content"),
                Some(""),
                "a tombstone holds no content"
            );
            assert_eq!(r["tags"], Value::Array(vec![]));
            assert_eq!(r["metadata"], Value::Object(Default::default()));
            assert!(r.get("logicalKey").is_none() && r.get("idempotencyKey").is_none());
            if r.get("purgePending").is_none() {
                assert!(
                    raw_keys(&data, "mrv", space)
                        .iter()
                        .all(|k| string_parts(&k[..k.len() - 8])
                            .is_none_or(|p| p.get(2).map(String::as_str) != Some(id))),
                    "a purged tombstone keeps version snapshots"
                );
            }
            continue;
        }
        idx.insert(mi("t", opt_str(r, "type").unwrap()));
        if let Some(s) = opt_str(r, "subtype") {
            idx.insert(mi("u", s));
        }
        for t in r["tags"].as_array().unwrap() {
            idx.insert(mi("g", t.as_str().unwrap()));
        }
        if let Some(c) = opt_str(r, "contextId") {
            idx.insert(mi("c", c));
        }
        if let Some(k) = opt_str(r, "logicalKey") {
            idx.insert(mi("k", k));
            if status == "active" {
                want.entry("mk")
                    .or_default()
                    .insert(Key::table("mk").s(space).s(k).build());
                holders
                    .entry(k.to_string())
                    .or_default()
                    .push(id.to_string());
            }
        }
        if status == "active" {
            want.entry("mch").or_default().insert(
                Key::table("mch")
                    .s(space)
                    .s(opt_str(r, "contextId").unwrap_or(""))
                    .s(opt_str(r, "contentHash").unwrap())
                    .s(id)
                    .build(),
            );
        }
        if let Some(k) = opt_str(r, "idempotencyKey") {
            want.entry("mik")
                .or_default()
                .insert(Key::table("mik").s(space).s(k).build());
        }
        if let (Some(at), true) = (
            opt_str(r, "expiresAt"),
            status == "active" || status == "superseded",
        ) {
            let at = memspace::Timestamp::parse(at).unwrap();
            want.entry("mx")
                .or_default()
                .insert(Key::table("mx").t(at).s(space).s(id).build());
        }
    }
    for (key, ids) in &holders {
        assert_eq!(ids.len(), 1, "logical key {key} has several active holders");
    }
    for tag in ["mi", "mk", "mch", "mik"] {
        assert_eq!(
            raw_keys(&data, tag, space),
            want.remove(tag).unwrap_or_default(),
            "{tag} keys disagree with the records"
        );
    }
    let mx_range = Key::table("mx").range();
    let mx: BTreeSet<Vec<u8>> = data
        .keys()
        .filter(|k| mx_range.contains(k))
        .filter(|k| {
            let Some(parts) = string_parts(&k[Key::table("mx").build().len() + 8..]) else {
                return false;
            };
            parts.first().map(String::as_str) == Some(space)
        })
        .cloned()
        .collect();
    assert_eq!(mx, want.remove("mx").unwrap_or_default(), "expiry schedule");
    // Links: one by-id key, one out-edge and one in-edge each, between existing memories.
    let ids: BTreeSet<String> = records
        .iter()
        .map(|r| opt_str(r, "id").unwrap().to_string())
        .collect();
    for k in raw_keys(&data, "ma", space) {
        let a: Association = envelope::decode(&data[&k]).unwrap();
        let out = Key::table("mao")
            .s(space)
            .s(&a.source_id)
            .s(&a.target_id)
            .s(&a.relationship)
            .build();
        let inn = Key::table("mai")
            .s(space)
            .s(&a.target_id)
            .s(&a.source_id)
            .s(&a.relationship)
            .build();
        assert_eq!(data.get(&out), Some(&data[&k]), "out-edge of {}", a.id);
        assert_eq!(data.get(&inn), Some(&data[&k]), "in-edge of {}", a.id);
        assert!(ids.contains(&a.source_id) && ids.contains(&a.target_id));
    }
    assert_eq!(
        raw_keys(&data, "mao", space).len() as u64,
        counts.associations
    );
    assert_eq!(
        raw_keys(&data, "mai", space).len() as u64,
        counts.associations
    );
    // Version snapshots belong to existing memories.
    for k in raw_keys(&data, "mrv", space) {
        let parts = string_parts(&k[..k.len() - 8]).unwrap();
        assert!(ids.contains(&parts[2]), "a snapshot of an unknown memory");
    }
}

/// True when some stored key or value contains `needle`.
pub fn raw_contains(raw: &MemoryKv, needle: &str) -> bool {
    raw.snapshot()
        .values()
        .any(|v| v.windows(needle.len()).any(|w| w == needle.as_bytes()))
        || raw
            .snapshot()
            .keys()
            .any(|k| k.windows(needle.len()).any(|w| w == needle.as_bytes()))
}
