//! The engine: spaces, sessions, events, lazy lifecycle and memory stores over the [`Kv`] seam.
//!
//! A [`Memspace`] is a handle for one principal over one store. Handles are cheap; several
//! handles (two tabs, two requests) may share a store, and optimistic preconditions on the
//! commit point keep them consistent.

mod archival;
mod blocks;
mod briefing;
mod cache;
mod context;
mod cursor;
mod event_delete;
mod events;
mod extract;
pub(crate) mod head;
mod journal;
pub(crate) mod layout;
mod lifecycle;
mod lock;
mod memories;
mod memory_tool;
mod recall;
mod sessions;
mod spaces;
pub(crate) mod stores;
mod sweep;
pub(crate) mod validate;
mod verify;
mod working;
mod workspaces;

pub use sweep::SweepReport;

use crate::codec::envelope;
use crate::error::{Error, ErrorCode, Result};
use crate::host::{Embedder, Host, Llm};
use crate::ids;
use crate::kv::{Batch, Kv, KvError};
use crate::model::Principal;
use serde::de::DeserializeOwned;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// How often an operation without a caller precondition retries after losing a race.
const MAX_RETRIES: usize = 16;

/// A memspace handle: storage, host and the calling principal. Clones share the handle's
/// write lock, record cache and id sequence (they are the same tab or request).
#[derive(Clone)]
pub struct Memspace {
    kv: Rc<dyn Kv>,
    host: Rc<dyn Host>,
    principal: Principal,
    cache: cache::RecordCache,
    write_lock: lock::WriteLock,
    last_ids: Rc<RefCell<HashMap<&'static str, String>>>,
    embedder: Option<Rc<dyn Embedder>>,
    llm: Option<Rc<dyn Llm>>,
    index: recall::IndexCache,
    snapshots: context::SnapshotCache,
}

impl std::fmt::Debug for Memspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Memspace")
            .field("principal", &self.principal)
            .finish_non_exhaustive()
    }
}

impl Memspace {
    /// Opens a handle for `principal` over `kv`, with `host` for time, ids and tokens.
    pub fn new(kv: Rc<dyn Kv>, host: Rc<dyn Host>, principal: Principal) -> Result<Self> {
        validate::ident("principal.user_id", &principal.user_id)?;
        validate::ident("principal.tenant_id", &principal.tenant_id)?;
        Ok(Memspace {
            kv,
            host,
            principal,
            cache: Default::default(),
            write_lock: Default::default(),
            last_ids: Default::default(),
            embedder: None,
            llm: None,
            index: Default::default(),
            snapshots: Default::default(),
        })
    }

    /// The same handle with an embedding capability: memories are then indexed with vectors
    /// and queries embedded, for the vector channel of recall.
    pub fn with_embedder(mut self, embedder: Rc<dyn Embedder>) -> Self {
        self.embedder = Some(embedder);
        self
    }

    /// The same handle with an LLM capability: extraction jobs run (`run_extraction`,
    /// `commit_session`) and LLM-assisted operations become available.
    pub fn with_llm(mut self, llm: Rc<dyn Llm>) -> Self {
        self.llm = Some(llm);
        self
    }

    /// True when the handle has an LLM capability.
    pub fn has_llm(&self) -> bool {
        self.llm.is_some()
    }

    /// The calling principal.
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// The storage backend.
    pub fn kv(&self) -> &Rc<dyn Kv> {
        &self.kv
    }

    /// The same store and host, acting for another principal.
    pub fn for_principal(&self, principal: Principal) -> Result<Self> {
        let mut ms = Memspace::new(self.kv.clone(), self.host.clone(), principal)?;
        ms.embedder = self.embedder.clone();
        ms.llm = self.llm.clone();
        Ok(ms)
    }

    /// Reads and decodes one record with its raw bytes (for `Equals` preconditions).
    async fn load<T: DeserializeOwned>(&self, key: &[u8]) -> Result<Option<(T, Vec<u8>)>> {
        match self.kv.get(key).await.map_err(kv_error)? {
            Some(bytes) => Ok(Some((envelope::decode(&bytes)?, bytes))),
            None => Ok(None),
        }
    }

    /// Reads a session head (either stored format) and its bytes.
    async fn load_head(&self, key: &[u8]) -> Result<Option<(lifecycle::SessionRecord, Vec<u8>)>> {
        match self.kv.get(key).await.map_err(kv_error)? {
            Some(bytes) => Ok(Some((head::decode(&bytes)?, bytes))),
            None => Ok(None),
        }
    }

    /// Commits a batch, mapping backend errors and keeping the record cache in step. Nothing
    /// is written while the host clock reads outside years 0000–9999: every time the batch
    /// holds came from that clock, and such a clock is broken (nanoseconds or milliseconds
    /// given as microseconds), so the write is refused with `unsupported` instead of dating
    /// records in year 55,970.
    async fn commit(&self, batch: Batch) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let now = self.host.now();
        if !now.is_rfc3339() {
            return Err(Error::new(
                ErrorCode::Unsupported,
                format!("the host clock reads {now}, outside years 0000–9999; it must give microseconds since 1970 (nanoseconds or milliseconds?)"),
            )
            .with("host_clock", now.micros()));
        }
        check_limits(&self.kv, &batch)?;
        let changes = self.cache.pending(&batch);
        match self.kv.commit(batch).await {
            Ok(()) => {
                self.cache.committed(changes);
                Ok(())
            }
            Err(e) => {
                self.cache.clear();
                Err(kv_error(e))
            }
        }
    }

    /// Tokens of a text: the host's counter, else the built-in estimate (0 for no text).
    pub(crate) fn text_tokens(&self, text: &str) -> u64 {
        if text.is_empty() {
            return 0;
        }
        self.host
            .count_tokens(text)
            .unwrap_or_else(|| crate::tokens::estimate_tokens(text))
    }

    /// A fresh id with `prefix` from the host's clock and randomness (for REST facades that
    /// name records of their own, e.g. a MemoryLayer workspace created without an id).
    #[cfg(feature = "rest")]
    pub(crate) fn fresh_id(&self, prefix: &'static str) -> String {
        self.next_id(prefix)
    }

    /// The host's clock (REST facades report how long a call took).
    #[cfg(feature = "rest")]
    pub(crate) fn clock(&self) -> crate::time::Timestamp {
        self.host.now()
    }

    /// A new id with `prefix` that sorts after every id this handle made with it before,
    /// even within one millisecond or when the clock steps back.
    fn next_id(&self, prefix: &'static str) -> String {
        let mut last = self.last_ids.borrow_mut();
        let id = ids::new_id_after(
            prefix,
            last.get(prefix).map(String::as_str),
            self.host.as_ref(),
        )
        .unwrap_or_else(|| ids::new_id(prefix, self.host.as_ref()));
        last.insert(prefix, id.clone());
        id
    }
}

/// Refuses a batch holding a key or value over the backend's limits, before anything is
/// written: a `validation` error (what made the record too large is the caller's input: a long
/// path, id or principal, a large body, a directory rename of many large files).
fn check_limits(kv: &impl Kv, batch: &Batch) -> Result<()> {
    let limits = kv.limits();
    for op in &batch.ops {
        let crate::kv::Op::Put(k, v) = op else {
            continue;
        };
        let len = match limits.max_key_bytes {
            Some(_) => kv.stored_key_len(k),
            None => 0,
        };
        if let Some(max) = limits.max_key_bytes.filter(|m| len > *m) {
            return Err(Error::validation(
                "key",
                format!("a key of {len} bytes exceeds this storage backend's limit of {max} bytes (a path, id or principal is too long for it)"),
            )
            .with("limit", "key_bytes")
            .with("max", max as u64)
            .with("got", len as u64));
        }
        if let Some(max) = limits.max_value_bytes.filter(|m| v.len() > *m) {
            return Err(Error::validation(
                "value",
                format!("a record of {} bytes exceeds this storage backend's limit of {max} bytes per value (store less at once)", v.len()),
            )
            .with("limit", "value_bytes")
            .with("max", max as u64)
            .with("got", v.len() as u64));
        }
    }
    Ok(())
}

/// Maps a backend error to an engine error.
pub(crate) fn kv_error(e: KvError) -> Error {
    match e {
        KvError::Conflict { .. } => {
            Error::lost_race("the record changed concurrently; reload and retry")
        }
        KvError::Quota(m) => Error::new(ErrorCode::Quota, format!("storage quota exceeded: {m}")),
        KvError::Storage(m) => Error::storage(m),
    }
}

/// True when an error is a lost race worth retrying. Caller-facing conflicts (stale
/// `if_match`, a used path, …) are never marked as races, so they are never retried.
fn is_race(e: &Error) -> bool {
    e.is_lost_race()
}
