//! Helpers shared by the recall suites.
#![allow(dead_code)]

use memspace::host::{HashEmbedder, ManualHost};
use memspace::kv::{Kv, MemoryKv};
use memspace::model::*;
use memspace::Memspace;
use std::rc::Rc;

#[path = "../common/basics.rs"]
mod basics;
pub use basics::*;

/// A handle for u1/t1 over `kv` with `host`, optionally with the 64-dimension test embedder.
pub fn handle(kv: Rc<dyn Kv>, host: &ManualHost, embed: bool) -> Memspace {
    let ms = Memspace::new(kv, Rc::new(host.clone()), Principal::new("u1", "t1")).unwrap();
    if embed {
        ms.with_embedder(Rc::new(HashEmbedder::new(64)))
    } else {
        ms
    }
}

/// A fresh store, handle (with or without an embedder), host and space.
pub fn setup(embed: bool) -> (Memspace, MemoryKv, ManualHost, String) {
    let kv = MemoryKv::new();
    let host = ManualHost::default();
    let ms = handle(Rc::new(kv.clone()), &host, embed);
    let space = run(ms.create_space(NewSpace::default())).unwrap();
    (ms, kv, host, space.id)
}

/// Remembers `content` and returns its id.
pub fn remember(ms: &Memspace, space: &str, content: &str) -> String {
    remember_with(
        ms,
        space,
        NewMemory {
            content: content.into(),
            ..Default::default()
        },
    )
}

/// Remembers `input` and returns its id.
pub fn remember_with(ms: &Memspace, space: &str, input: NewMemory) -> String {
    run(ms.remember(space, input)).unwrap().memory.id
}

/// A query with thresholds bypassed (ranking only) and no association expansion.
pub fn q(text: &str) -> RecallQuery {
    RecallQuery {
        query: text.into(),
        min_relevance: Some(0.0),
        include_associations: Some(false),
        ..Default::default()
    }
}

/// Recalls and returns the ids, best first.
pub fn ids(ms: &Memspace, space: &str, query: RecallQuery) -> Vec<String> {
    run(ms.recall(space, query))
        .unwrap()
        .memories
        .into_iter()
        .map(|m| m.memory.id)
        .collect()
}

/// Asserts that index and records agree.
#[track_caller]
pub fn assert_index_consistent(ms: &Memspace, space: &str) {
    let c = run(ms.check_index(space)).unwrap();
    assert!(c.is_consistent(), "index and records disagree: {c:?}");
}
