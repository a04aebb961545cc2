//! Shared helpers of the REST surface's native tests: an engine over memory, the surface over
//! it, and one-line requests as principals alice, bob (same tenant) and carol (other tenant).
#![allow(dead_code)]

use memspace::host::ManualHost;
use memspace::kv::MemoryKv;
use memspace::model::Principal;
use memspace::rest::{Options, Request, Response, Rest};
use memspace::runtime::block_on;
use memspace::{Memspace, Timestamp};
use serde_json::Value;
use std::rc::Rc;

/// The surface, its host (clock) and its store.
pub struct World {
    pub rest: Rest,
    pub host: ManualHost,
    pub kv: Rc<MemoryKv>,
}

/// A fresh store at 2026-01-01.
pub fn world() -> World {
    let kv = Rc::new(MemoryKv::new());
    let host = ManualHost::new(Timestamp::from_secs(1_767_225_600), 42);
    let ms = Memspace::new(
        kv.clone(),
        Rc::new(host.clone()),
        Principal::new("system", "system"),
    )
    .unwrap();
    World {
        rest: Rest::new(ms),
        host,
        kv,
    }
}

pub fn alice() -> Principal {
    Principal::new("alice", "acme")
}
pub fn bob() -> Principal {
    Principal::new("bob", "acme")
}
pub fn carol() -> Principal {
    Principal::new("carol", "globex")
}

impl World {
    /// Serves `req` for `who` (`None`: unauthenticated).
    pub fn serve(&self, who: Option<&Principal>, req: Request) -> Response {
        self.serve_with(who, req, &Options::default())
    }

    pub fn serve_with(&self, who: Option<&Principal>, req: Request, opts: &Options) -> Response {
        block_on(self.rest.handle(who, &req, opts)).expect("the memory backend is synchronous")
    }

    /// A request as alice with an optional JSON body → (status, JSON body).
    pub fn as_(
        &self,
        who: &Principal,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = Request::new(method, path);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = self.serve(Some(who), req);
        (r.status, r.json_body())
    }

    pub fn a(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        self.as_(&alice(), method, path, body)
    }

    /// Advances the clock.
    pub fn advance_secs(&self, s: i64) {
        self.host.advance_micros(s * 1_000_000);
    }

    /// Every key-value pair in the store (to show a refused request changed nothing).
    pub fn snapshot(&self) -> std::collections::BTreeMap<Vec<u8>, Vec<u8>> {
        self.kv.snapshot()
    }
}
