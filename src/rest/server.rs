//! [`Rest`]: the engine behind the three APIs. It picks the API from the path, acts for the
//! principal the host authenticated (each API in its own namespace of that principal), and
//! keeps a few engine handles per principal so their caches survive across requests.

use super::http::{Request, Response};
use super::route::{api_of, Api};
use super::{datarobot, memory_stores, memorylayer};
use crate::model::Principal;
use crate::Memspace;
use std::cell::RefCell;
use std::rc::Rc;

/// Engine handles kept per host (an object serving many principals keeps its recent ones).
const MAX_HANDLES: usize = 16;

/// What the host knows about a request besides the request itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// For DataRobot `POST memory/new/`: the wire id the new space gets (UUID-shaped, one the
    /// host made to name the shard that holds the space). `None`: the engine makes one.
    pub new_space_id: Option<String>,
}

/// The REST surface over one engine store.
#[derive(Clone)]
pub struct Rest {
    base: Memspace,
    handles: Rc<RefCell<Vec<(Principal, Memspace)>>>,
}

impl std::fmt::Debug for Rest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rest").finish_non_exhaustive()
    }
}

/// The engine principal an API acts as for a host principal: each API has its own namespace
/// (`datarobot:`, `memorylayer:`, `memory_stores:` before the tenant id), so a DataRobot memory
/// space, a MemoryLayer workspace and a memory store of one user never meet, also on a host
/// that keeps everything in one store. The prefixes make the mapping one-to-one.
pub fn engine_principal(api: Api, p: &Principal) -> Principal {
    let ns = match api {
        Api::DataRobot => "datarobot",
        Api::MemoryLayer => "memorylayer",
        Api::MemoryStores => "memory_stores",
    };
    Principal::new(p.user_id.clone(), format!("{ns}:{}", p.tenant_id))
}

impl Rest {
    /// The REST surface over `base`'s store, host and capabilities (embedder); the principal
    /// of `base` is not used.
    pub fn new(base: Memspace) -> Rest {
        Rest {
            base,
            handles: Default::default(),
        }
    }

    /// The engine handle acting for `p` (kept: its record and index caches are reused).
    pub(crate) fn engine(&self, p: Principal) -> crate::Result<Memspace> {
        let mut hs = self.handles.borrow_mut();
        if let Some((_, h)) = hs.iter().find(|(k, _)| *k == p) {
            return Ok(h.clone());
        }
        let h = self.base.for_principal(p.clone())?;
        if hs.len() >= MAX_HANDLES {
            hs.remove(0);
        }
        hs.push((p, h.clone()));
        Ok(h)
    }

    /// Serves one request for `principal` (`None`: the host found no valid credentials, and
    /// the answer is a 401 in the API's error shape).
    pub async fn handle(
        &self,
        principal: Option<&Principal>,
        req: &Request,
        opts: &Options,
    ) -> Response {
        match api_of(&req.path) {
            Some(Api::DataRobot) => datarobot::serve(self, principal, req, opts).await,
            Some(Api::MemoryStores) => memory_stores::serve(self, principal, req).await,
            Some(Api::MemoryLayer) => memorylayer::serve(self, principal, req).await,
            None => datarobot::not_found(principal.is_some()),
        }
    }
}
