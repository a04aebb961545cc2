//! A test service: the engine's session and event operations over [`FastlyKv`], one engine per
//! request, so that `viceroy serve` runs many requests at once against one KV store
//! (`test/test_concurrency.py`, `bench/engine_bench.py`). Not for deployment: it has no
//! authentication and acts as one fixed principal.
//!
//! * `POST /probe/sessions` → a new space and session: `{"space", "session"}`
//! * `POST /probe/{space}/{session}/events` (body: a `NewEvent`) → the stored event (201)
//! * `GET /probe/{space}/{session}/events?offset=&limit=` → `{"items": [events]}`
//! * `GET /probe/{space}/{session}/events?lastN=` → the last n events
//! * `POST /probe/race/{name}?mode=match|blind&hold_ms=` (body: a value) → `{"won", "read"}`:
//!   one writer of a raw race on the Fastly key `race/{name}` (`test/test_consistency.py`)
//! * `GET /probe/race/{name}` → `{"value", "generation"}` of that key
//!
//! Engine errors answer with their status and `{"code", "message"}`.

use fastly::kv_store::{InsertMode, KVStore, KVStoreError};
use fastly::{Request, Response};
use memspace::model::{EventQuery, NewEvent, NewSession, NewSpace, Principal};
use memspace::runtime::block_on;
use memspace::{Error, Memspace};
use memspace_fastly::{host::FastlyHost, kv::FastlyKv};
use serde_json::{json, Value};
use std::rc::Rc;
use std::time::Duration;

fn reply(status: u16, body: &Value) -> Response {
    Response::from_status(status)
        .with_header("content-type", "application/json")
        .with_body(body.to_string())
}

fn fail(e: &Error) -> Response {
    reply(
        e.status(),
        &json!({ "code": e.code.as_str(), "message": e.message }),
    )
}

fn parse<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    serde_json::from_slice(bytes).map_err(|e| Error::validation("body", e.to_string()))
}

fn raw_store() -> Result<KVStore, Error> {
    match KVStore::open("memspace") {
        Ok(Some(store)) => Ok(store),
        Ok(None) => Err(Error::storage("no KV store named \"memspace\"")),
        Err(e) => Err(Error::storage(e.to_string())),
    }
}

/// One writer of a raw race on `race/{name}`, below FastlyKv (no locks): look the key up, wait
/// `hold_ms` so that concurrent writers all read before any writes, then write — `match`: on
/// the generation read (add-only when the key was absent), `blind`: a plain overwrite.
fn race(name: &str, query: &str, body: Vec<u8>) -> Result<Response, Error> {
    let (mut blind, mut hold) = (false, 0u64);
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("mode", "match")) => blind = false,
            Some(("mode", "blind")) => blind = true,
            Some(("hold_ms", v)) => {
                hold = v
                    .parse()
                    .map_err(|_| Error::validation("hold_ms", "must be a number"))?
            }
            _ => return Err(Error::validation("query", "unknown parameter")),
        }
    }
    let store = raw_store()?;
    let key = format!("race/{name}");
    let read = match store.lookup(&key) {
        Ok(found) => Some(found.current_generation()),
        Err(KVStoreError::ItemNotFound) => None,
        Err(e) => return Err(Error::storage(e.to_string())),
    };
    std::thread::sleep(Duration::from_millis(hold.min(5_000)));
    let insert = store.build_insert();
    let insert = match (blind, read) {
        (true, _) => insert,
        (false, Some(generation)) => insert.if_generation_match(generation),
        (false, None) => insert.mode(InsertMode::Add),
    };
    let won = match insert.execute(&key, body) {
        Ok(()) => true,
        Err(KVStoreError::ItemPreconditionFailed) => false,
        Err(e) => return Err(Error::storage(e.to_string())),
    };
    Ok(reply(200, &json!({ "won": won, "read": read })))
}

fn read_raw(name: &str) -> Result<Response, Error> {
    match raw_store()?.lookup(&format!("race/{name}")) {
        Ok(mut found) => {
            let generation = found.current_generation();
            let value = String::from_utf8_lossy(&found.take_body_bytes()).into_owned();
            Ok(reply(
                200,
                &json!({ "value": value, "generation": generation }),
            ))
        }
        Err(KVStoreError::ItemNotFound) => Err(Error::not_found("race key", name)),
        Err(e) => Err(Error::storage(e.to_string())),
    }
}

fn serve(mut req: Request) -> Result<Response, Error> {
    let method = req.get_method_str().to_string();
    let path = req.get_path().to_string();
    let query = req.get_query_str().unwrap_or("").to_string();
    let body = req.take_body_bytes();
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (method.as_str(), parts.as_slice()) {
        ("POST", ["probe", "race", name]) => return race(name, &query, body),
        ("GET", ["probe", "race", name]) => return read_raw(name),
        _ => {}
    }
    let kv = FastlyKv::open("memspace").map_err(|e| Error::storage(format!("{e:?}")))?;
    let ms = Memspace::new(
        Rc::new(kv),
        Rc::new(FastlyHost::default()),
        Principal::new("probe", "probe"),
    )?;
    match (method.as_str(), parts.as_slice()) {
        ("POST", ["probe", "sessions"]) => {
            let space = block_on(ms.create_space(NewSpace::default()))??;
            let session = NewSession {
                participants: vec!["u1".into()],
                ..Default::default()
            };
            let s = block_on(ms.create_session(&space.id, session))??;
            Ok(reply(201, &json!({ "space": space.id, "session": s.id })))
        }
        ("POST", ["probe", space, session, "events"]) => {
            let ev: NewEvent = parse(&body)?;
            let e = block_on(ms.post_event(space, session, ev))??;
            Ok(reply(201, &json!(e)))
        }
        ("GET", ["probe", space, session, "events"]) => {
            let mut q = EventQuery::default();
            for pair in query.split('&').filter(|p| !p.is_empty()) {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                let n: u64 = v
                    .parse()
                    .map_err(|_| Error::validation(k, "must be a number"))?;
                match k {
                    "offset" => q.offset = Some(n),
                    "limit" => q.limit = Some(n),
                    "lastN" => q.last_n = Some(n),
                    _ => return Err(Error::validation(k, "unknown parameter")),
                }
            }
            let items = block_on(ms.list_events(space, session, q))??;
            Ok(reply(200, &json!({ "items": items })))
        }
        _ => Ok(reply(
            404,
            &json!({ "code": "not_found", "message": "no such route" }),
        )),
    }
}

fn main() {
    let resp = serve(Request::from_client()).unwrap_or_else(|e| fail(&e));
    resp.send_to_client();
}
