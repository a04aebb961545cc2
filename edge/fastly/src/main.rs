//! memspace on Fastly Compute: the DataRobot, MemoryLayer and memory-store REST APIs over a
//! Fastly KV store, authenticated with tokens from a Fastly secret store.
//!
//! Names the service expects (README "Deploy to Fastly Compute"): the KV store `memspace`
//! and the secret store `memspace` holding the secret `tokens` (the token table, see
//! `memspace_fastly::auth`). One store serves every principal; the engine keeps principals apart.

use fastly::http::StatusCode;
use fastly::secret_store::SecretStore;
use fastly::{ConfigStore, Request, Response};
use memspace::model::Principal;
use memspace::rest::{self, Options, Rest, MAX_BODY_BYTES};
use memspace::Memspace;
use memspace_fastly::{auth, host, kv};
use std::io::Read;
use std::rc::Rc;

/// The KV store holding memspace's data.
const KV_STORE: &str = "memspace";
/// The secret store and the secret holding the token table.
const SECRET_STORE: &str = "memspace";
const TOKENS_SECRET: &str = "tokens";
/// The optional config store with `sweep_interval_seconds` (default [`SWEEP_DEFAULT`]; `0`
/// turns the periodic sweep off).
const CONFIG_STORE: &str = "memspace_config";
const SWEEP_DEFAULT: u64 = 60;
/// Sessions evaluated per sweep pass, and passes per request at most.
const SWEEP_LIMIT: usize = 100;
const SWEEP_PASSES: usize = 10;

/// Seconds between sweeps (Fastly has no scheduler: a request past the interval runs one
/// after its response has been sent).
fn sweep_interval() -> u64 {
    ConfigStore::try_open(CONFIG_STORE)
        .ok()
        .and_then(|c| c.try_get("sweep_interval_seconds").ok().flatten())
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(SWEEP_DEFAULT)
}

fn plain(status: StatusCode, message: &str) -> Response {
    Response::from_status(status)
        .with_header("content-type", "application/json")
        .with_body(serde_json::json!({ "message": message, "code": "storage" }).to_string())
}

fn tokens() -> Result<auth::Tokens, String> {
    let store = SecretStore::open(SECRET_STORE).map_err(|e| format!("secret store: {e}"))?;
    let secret = store
        .try_get(TOKENS_SECRET)
        .map_err(|e| format!("secret store: {e}"))?
        .ok_or_else(|| format!("secret {TOKENS_SECRET:?} missing from secret store"))?;
    auth::Tokens::parse(&secret.plaintext())
}

/// The host request as the REST surface's request (body read up to one byte over the cap).
fn to_rest(req: &mut Request) -> rest::Request {
    // Header values may hold any bytes: read lossily (the `_str` getters panic on non-UTF-8).
    let headers = req
        .get_header_names()
        .flat_map(|n| {
            req.get_header_all(n).map(move |v| {
                let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
                (n.as_str().to_string(), v)
            })
        })
        .collect();
    let mut body = Vec::new();
    if req.has_body() {
        let _ = req
            .take_body()
            .take(MAX_BODY_BYTES as u64 + 1)
            .read_to_end(&mut body);
    }
    rest::Request {
        method: req.get_method_str().to_string(),
        path: req.get_path().to_string(),
        query: req.get_query_str().unwrap_or("").to_string(),
        headers,
        body,
    }
}

/// The response, and the engine to sweep with once it is sent (when this request won the
/// interval's sweep).
fn serve(mut req: Request) -> (Response, Option<Memspace>) {
    let tokens = match tokens() {
        Ok(t) => t,
        Err(e) => return (plain(StatusCode::INTERNAL_SERVER_ERROR, &e), None),
    };
    let r = to_rest(&mut req);
    let principal: Option<Principal> = tokens.authenticate(r.header_value("authorization"));
    let kv = match kv::FastlyKv::open(KV_STORE) {
        Ok(kv) => kv,
        Err(e) => {
            return (
                plain(StatusCode::INTERNAL_SERVER_ERROR, &format!("{e:?}")),
                None,
            )
        }
    };
    let interval = sweep_interval();
    let sweep = interval > 0 && kv.claim_sweep(std::time::Duration::from_secs(interval));
    let base = match Memspace::new(
        Rc::new(kv),
        Rc::new(host::FastlyHost::default()),
        Principal::new("system", "system"),
    ) {
        Ok(m) => m,
        Err(e) => {
            return (
                plain(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
                None,
            )
        }
    };
    let rest = Rest::new(base.clone());
    // Fastly's KV calls block inside the host, so every future is ready when polled.
    let out =
        match memspace::runtime::block_on(rest.handle(principal.as_ref(), &r, &Options::default()))
        {
            Ok(out) => out,
            Err(e) => {
                return (
                    plain(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
                    None,
                )
            }
        };
    let mut resp = Response::from_status(out.status);
    for (k, v) in &out.headers {
        resp.append_header(k.as_str(), v.as_str());
    }
    if !out.body.is_empty() {
        resp.set_body(out.body);
    }
    (resp, sweep.then_some(base))
}

fn main() {
    let (resp, sweep) = serve(Request::from_client());
    resp.send_to_client();
    // Due time triggers fire here, after the client has its answer (what the Cloudflare
    // Worker's alarm does); a failed pass is retried by a later interval.
    if let Some(ms) = sweep {
        for _ in 0..SWEEP_PASSES {
            match memspace::runtime::block_on(ms.sweep(SWEEP_LIMIT)) {
                Ok(Ok(report)) if report.examined as usize == SWEEP_LIMIT => continue,
                _ => break,
            }
        }
    }
}
