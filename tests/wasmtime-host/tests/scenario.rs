//! One memspace scenario under wasmtime with a Rust host: the component built by
//! scripts/build-component.sh, a `kv` over a `BTreeMap` (byte-wise order, preconditions) and
//! a `host` with a manual clock. Set MEMSPACE_COMPONENT to test another file.

use std::collections::BTreeMap;
use std::ops::Bound;
use wasmtime::component::{bindgen, Component, HasSelf, Linker, ResourceAny};
use wasmtime::{Engine, Store};

bindgen!({ path: "../../wit", world: "memspace" });

use exports::memspace::memory::memory::GuestMemspace;
use memspace::memory::{embedding, host, kv, llm, types};

/// The host's state: the store, the clock, the id generator, an injectable commit failure.
struct State {
    map: BTreeMap<Vec<u8>, Vec<u8>>,
    now: i64,
    rng: u64,
    fail_next_commit: bool,
}

impl kv::Host for State {
    fn capabilities(&mut self) -> kv::KvCapabilities {
        kv::KvCapabilities {
            atomic_batches: true,
            max_key_bytes: None,
            max_value_bytes: None,
        }
    }

    fn get(&mut self, key: Vec<u8>) -> Result<Option<Vec<u8>>, kv::KvError> {
        Ok(self.map.get(&key).cloned())
    }

    fn get_many(&mut self, keys: Vec<Vec<u8>>) -> Result<Vec<Option<Vec<u8>>>, kv::KvError> {
        Ok(keys.iter().map(|k| self.map.get(k).cloned()).collect())
    }

    fn scan(
        &mut self,
        range: kv::KeyRange,
        limit: u32,
        reverse: bool,
    ) -> Result<Vec<kv::Entry>, kv::KvError> {
        let end = match range.end {
            Some(e) => Bound::Excluded(e),
            None => Bound::Unbounded,
        };
        if matches!(&end, Bound::Excluded(e) if *e <= range.start) {
            return Ok(Vec::new());
        }
        let items = self.map.range((Bound::Included(range.start), end));
        let entry = |(k, v): (&Vec<u8>, &Vec<u8>)| kv::Entry {
            key: k.clone(),
            value: v.clone(),
        };
        Ok(if reverse {
            items.rev().take(limit as usize).map(entry).collect()
        } else {
            items.take(limit as usize).map(entry).collect()
        })
    }

    fn commit(&mut self, batch: kv::Batch) -> Result<(), kv::KvError> {
        for p in &batch.preconditions {
            let (key, holds) = match p {
                kv::Precondition::Absent(k) => (k, !self.map.contains_key(k)),
                kv::Precondition::Equals(e) => (&e.key, self.map.get(&e.key) == Some(&e.value)),
            };
            if !holds {
                return Err(kv::KvError::Conflict(key.clone()));
            }
        }
        if std::mem::take(&mut self.fail_next_commit) {
            return Err(kv::KvError::Storage("injected failure".into()));
        }
        for op in batch.ops {
            match op {
                kv::Op::Put(e) => {
                    self.map.insert(e.key, e.value);
                }
                kv::Op::Delete(k) => {
                    self.map.remove(&k);
                }
            }
        }
        Ok(())
    }
}

impl host::Host for State {
    fn now(&mut self) -> i64 {
        self.now
    }

    fn random_bytes(&mut self, len: u32) -> Vec<u8> {
        (0..len)
            .map(|_| {
                self.rng ^= self.rng << 13;
                self.rng ^= self.rng >> 7;
                self.rng ^= self.rng << 17;
                self.rng as u8
            })
            .collect()
    }

    fn count_tokens(&mut self, _text: String) -> Option<u64> {
        None
    }
}

impl types::Host for State {}

/// No model here: the capability flag says so, and memspace keeps extraction jobs queued.
impl llm::Host for State {
    fn available(&mut self) -> bool {
        false
    }

    fn complete(&mut self, _request: llm::LlmRequest) -> Result<llm::LlmResponse, llm::LlmError> {
        Err(llm::LlmError {
            reason: "unavailable".into(),
            message: "no model in this host".into(),
        })
    }
}

/// No embedder: the capability flag says so, and `embed` is never called.
impl embedding::Host for State {
    fn model(&mut self) -> Option<embedding::EmbeddingModel> {
        None
    }

    fn embed(&mut self, _texts: Vec<String>) -> Result<Vec<Vec<f32>>, String> {
        Err("no embedder".into())
    }
}

fn message(text: &str) -> types::NewEvent {
    types::NewEvent {
        body: format!(r#"{{"content":"{text}"}}"#),
        emitter: types::Emitter {
            kind: "user".into(),
            id: Some("u1".into()),
        },
        event_type: Some("message".into()),
    }
}

fn tag(e: &types::Error) -> &'static str {
    match e {
        types::Error::Validation(_) => "validation",
        types::Error::NotFound(_) => "not-found",
        types::Error::Conflict(_) => "conflict",
        types::Error::Duplicate(_) => "duplicate",
        types::Error::Archived(_) => "archived",
        types::Error::Gone(_) => "gone",
        types::Error::Quota(_) => "quota",
        types::Error::Storage(_) => "storage",
        types::Error::Unsupported(_) => "unsupported",
        types::Error::Upstream(_) => "upstream",
    }
}

#[test]
fn a_session_lives_posts_reads_conflicts_and_expires_under_wasmtime() -> wasmtime::Result<()> {
    let path = std::env::var("MEMSPACE_COMPONENT").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../build/component/memspace.component.wasm"
        )
        .into()
    });
    let engine = Engine::default();
    let component = Component::from_file(&engine, &path)?;
    let mut linker = Linker::<State>::new(&engine);
    Memspace::add_to_linker::<State, HasSelf<State>>(&mut linker, |s| s)?;
    let state = State {
        map: BTreeMap::new(),
        now: 1_767_225_600_000_000,
        rng: 42,
        fail_next_commit: false,
    };
    let mut store = Store::new(&engine, state);
    let bindings = Memspace::instantiate(&mut store, &component, &linker)?;
    let ms: GuestMemspace = bindings.memspace_memory_memory().memspace();

    let principal = types::Principal {
        user_id: "u1".into(),
        tenant_id: "t1".into(),
    };
    let h: ResourceAny = ms.call_open(&mut store, &principal)?.expect("open");
    let space = ms
        .call_create_space(
            &mut store,
            h,
            &types::NewSpace {
                description: Some("wasmtime".into()),
                llm_model_name: None,
                llm_base_url: None,
                custom_instructions: None,
                deduplication_key: None,
                name: None,
                tags: None,
                settings: None,
            },
        )?
        .expect("create space");
    assert!(space.id.starts_with("spc_"));

    let new_session = types::NewSession {
        participants: vec!["u1".into()],
        lifecycle_strategies: vec![types::LifecycleStrategy {
            kind: types::StrategyType::SoftDelete,
            trigger: types::Trigger::Ttl(3600),
            opts: None,
        }],
        description: None,
        metadata: Some(r#"{"via":"wasmtime"}"#.into()),
        deduplication_key: Some("chat".into()),
    };
    let session = ms
        .call_create_session(&mut store, h, &space.id, &new_session)?
        .expect("create session");
    let dup = ms
        .call_create_session(&mut store, h, &space.id, &new_session)?
        .expect_err("duplicate");
    assert_eq!(tag(&dup), "duplicate");

    let events: Vec<_> = (0..5).map(|i| message(&format!("m{i}"))).collect();
    let posted = ms
        .call_post_events(&mut store, h, &space.id, &session.id, &events)?
        .expect("post");
    assert_eq!(
        posted.iter().map(|e| e.sequence_id).collect::<Vec<_>>(),
        vec![0, 1, 2, 3, 4]
    );

    // A failed host commit changes nothing.
    store.data_mut().fail_next_commit = true;
    let before = store.data().map.clone();
    let err = ms
        .call_post_event(&mut store, h, &space.id, &session.id, &message("lost"))?
        .expect_err("storage");
    assert_eq!(tag(&err), "storage");
    assert_eq!(store.data().map, before);

    let query = types::EventQuery {
        offset: None,
        limit: None,
        last_n: Some(2),
        event_type: None,
    };
    let last = ms
        .call_list_events(&mut store, h, &space.id, &session.id, &query)?
        .expect("list");
    assert_eq!(
        last.iter().map(|e| e.sequence_id).collect::<Vec<_>>(),
        vec![3, 4]
    );
    assert_eq!(last[1].body, r#"{"content":"m4"}"#);

    let stale = types::SessionUpdate {
        description: types::StringPatch::Set("x".into()),
        metadata: types::JsonPatch::Keep,
        lifecycle_strategies: None,
        if_match: Some(7),
    };
    let conflict = ms
        .call_update_session(&mut store, h, &space.id, &session.id, &stale)?
        .expect_err("conflict");
    assert_eq!(tag(&conflict), "conflict");

    // The host clock moves past the ttl: the next access finds the session gone.
    store.data_mut().now += 3601 * 1_000_000;
    let gone = ms
        .call_get_session(&mut store, h, &space.id, &session.id)?
        .expect_err("gone");
    assert_eq!(tag(&gone), "gone");

    h.resource_drop(&mut store)?;
    Ok(())
}
