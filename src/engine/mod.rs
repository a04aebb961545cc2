//! The engine: spaces, sessions, events, lazy lifecycle and memory stores over the [`Kv`] seam.
//!
//! A [`Memspace`] is a handle for one principal over one store. Handles are cheap; several
//! handles (two tabs, two requests) may share a store, and optimistic preconditions on the
//! commit point keep them consistent.

mod cursor;
mod events;
mod journal;
pub(crate) mod layout;
mod lifecycle;
mod memory_tool;
mod sessions;
mod spaces;
mod stores;
mod sweep;
pub(crate) mod validate;

pub use sweep::SweepReport;

use crate::codec::envelope;
use crate::error::{Error, ErrorCode, Result};
use crate::host::Host;
use crate::kv::{Batch, Kv, KvError};
use crate::model::Principal;
use serde::de::DeserializeOwned;
use std::rc::Rc;

/// How often an operation without a caller precondition retries after losing a race.
const MAX_RETRIES: usize = 16;

/// A memspace handle: storage, host and the calling principal.
#[derive(Clone)]
pub struct Memspace {
    kv: Rc<dyn Kv>,
    host: Rc<dyn Host>,
    principal: Principal,
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
        })
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
        Memspace::new(self.kv.clone(), self.host.clone(), principal)
    }

    /// Reads and decodes one record with its raw bytes (for `Equals` preconditions).
    async fn load<T: DeserializeOwned>(&self, key: &[u8]) -> Result<Option<(T, Vec<u8>)>> {
        match self.kv.get(key).await.map_err(kv_error)? {
            Some(bytes) => Ok(Some((envelope::decode(&bytes)?, bytes))),
            None => Ok(None),
        }
    }

    /// Commits a batch, mapping backend errors.
    async fn commit(&self, batch: Batch) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        self.kv.commit(batch).await.map_err(kv_error)
    }
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
