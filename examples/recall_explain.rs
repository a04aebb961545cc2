//! Prints a worked `explain` output (used in docs/recall.md): a few memories, one superseded
//! fact, the test embedder, and a recall with `explain`.

use memspace::host::{HashEmbedder, Host, ManualHost};
use memspace::kv::MemoryKv;
use memspace::model::*;
use memspace::runtime::block_on;
use memspace::Memspace;
use std::rc::Rc;

fn main() -> memspace::Result<()> {
    let host = ManualHost::default();
    let ms = Memspace::new(
        Rc::new(MemoryKv::new()),
        Rc::new(host.clone()),
        Principal::new("u1", "t1"),
    )?
    .with_embedder(Rc::new(HashEmbedder::new(384)));
    let space = block_on(ms.create_space(NewSpace::default()))??.id;
    let remember = |content: &str, key: Option<&str>, importance: f64| {
        let input = NewMemory {
            content: content.into(),
            logical_key: key.map(String::from),
            importance: Some(importance),
            ..Default::default()
        };
        block_on(ms.remember(&space, input)).and_then(|r| r)
    };
    remember("Alice lives in Lisbon", Some("alice.city"), 0.5)?;
    host.advance_secs(30 * 24 * 3600);
    remember("Alice moved to Porto in March", Some("alice.city"), 0.7)?;
    remember(
        "Alice works as a nurse at the Porto general hospital",
        None,
        0.5,
    )?;
    host.advance_secs(2 * 24 * 3600);
    remember("Bob likes the city at night", None, 0.3)?;
    let _ = host.now();
    let q = RecallQuery {
        query: "Which city does Alice live in?".into(),
        explain: true,
        include_associations: Some(false),
        ..Default::default()
    };
    let r = block_on(ms.recall(&space, q))??;
    let mut v = serde_json::to_value(&r).map_err(|e| memspace::Error::storage(e.to_string()))?;
    // Keep the example short: only the fields that explain the scores.
    if let Some(list) = v.get_mut("memories").and_then(|m| m.as_array_mut()) {
        for m in list {
            if let Some(o) = m.as_object_mut() {
                o.retain(|k, _| {
                    [
                        "content",
                        "importance",
                        "relevance_score",
                        "boosted_score",
                        "source",
                        "explain",
                    ]
                    .contains(&k.as_str())
                });
            }
        }
    }
    println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    Ok(())
}
