//! The memory-store API under `/v1/memory_stores` (snake_case JSON; updates are `POST`;
//! cursor pages `{"data", "next_page"}`): the stores themselves — create, retrieve, update
//! (metadata as a merge patch), list (`created_at[gte]`/`[lte]`, `include_archived`, `limit`,
//! `page`), archive, delete — their memories ([`memories`]) and the memories' versions with
//! redaction ([`versions`]).
//!
//! A principal's stores live in one engine space of its own (in the `memory_stores` namespace,
//! see [`super::engine_principal`]), whose id is derived from the principal, so hosts with one
//! store for everyone and hosts with one shard per principal find the same space.

mod errors;
mod memories;
mod versions;

use super::fault::{self, invalid, segment, Fault, Served};
use super::http::{segments, Request, Response};
use super::route::Api;
use super::server::{engine_principal, Rest};
use crate::error::ErrorCode;
use crate::model::{
    MemoryStore, MetadataPatch, NewSpace, NewStore, Page, Principal, StoreStatus, StoreUpdate,
};
use crate::time::Timestamp;
use crate::Memspace;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// Where the API lives.
pub const PREFIX: &str = "/v1/memory_stores";

/// Default and largest page sizes of listings.
const DEFAULT_LIMIT: u64 = 20;
const MAX_LIMIT: u64 = 100;

/// A refusal in this API's shape.
pub fn fault_response(f: &Fault) -> Response {
    errors::fault(f)
}

/// The routes under `/v1/memory_stores`, with raw id segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ms<'a> {
    Stores,
    Store(&'a str),
    Archive(&'a str),
    Memories(&'a str),
    Memory(&'a str, &'a str),
    Versions(&'a str),
    Version(&'a str, &'a str),
    Redact(&'a str, &'a str),
}

impl Ms<'_> {
    /// The raw store id segment of the route, if any.
    fn store(&self) -> Option<&str> {
        match self {
            Ms::Stores => None,
            Ms::Store(s)
            | Ms::Archive(s)
            | Ms::Memories(s)
            | Ms::Memory(s, _)
            | Ms::Versions(s)
            | Ms::Version(s, _)
            | Ms::Redact(s, _) => Some(s),
        }
    }

    fn allowed(&self) -> &'static [&'static str] {
        match self {
            Ms::Stores => &["GET", "POST"],
            Ms::Store(_) => &["GET", "POST", "DELETE"],
            Ms::Archive(_) | Ms::Redact(..) => &["POST"],
            Ms::Memories(_) => &["GET", "POST"],
            Ms::Memory(..) => &["GET", "POST", "DELETE"],
            Ms::Versions(_) | Ms::Version(..) => &["GET"],
        }
    }
}

fn matches(path: &str) -> Option<Ms<'_>> {
    let rest = path.strip_prefix(PREFIX)?;
    let rest = rest.strip_prefix('/').unwrap_or(rest);
    let mut seg = segments(rest);
    if seg.last() == Some(&"") {
        seg.pop(); // a trailing slash is tolerated
    }
    Some(match seg.as_slice() {
        [] => Ms::Stores,
        [id] if !id.is_empty() => Ms::Store(id),
        [id, "archive"] if !id.is_empty() => Ms::Archive(id),
        [id, "memories"] if !id.is_empty() => Ms::Memories(id),
        [id, "memories", m] if !id.is_empty() && !m.is_empty() => Ms::Memory(id, m),
        [id, "memory_versions"] if !id.is_empty() => Ms::Versions(id),
        [id, "memory_versions", v] if !id.is_empty() && !v.is_empty() => Ms::Version(id, v),
        [id, "memory_versions", v, "redact"] if !id.is_empty() && !v.is_empty() => {
            Ms::Redact(id, v)
        }
        _ => return None,
    })
}

/// The engine space holding a principal's stores: its id is derived from the (namespaced)
/// principal. Only creating a store creates it ([`ensure_home`]); every other route reads
/// through it, and a principal who never made a store has none (its reads find nothing).
fn home_id(p: &Principal) -> String {
    let mut h = Sha256::new();
    h.update(p.tenant_id.as_bytes());
    h.update([0u8]);
    h.update(p.user_id.as_bytes());
    let d = h.finalize();
    let mut n = [0u8; 16];
    n.copy_from_slice(&d[..16]);
    // The top bits cleared: an id the engine could also have made (`ids::to_u128` reads it).
    crate::ids::from_u128("spc", u128::from_be_bytes(n) >> 2)
}

/// Creates the principal's home space unless it exists (a live one is returned unchanged).
async fn ensure_home(ms: &Memspace, id: &str) -> Served<()> {
    ms.create_space_as(
        NewSpace {
            description: Some("memory stores".into()),
            ..Default::default()
        },
        Some(id),
    )
    .await?;
    Ok(())
}

/// True for the `not_found` of a missing home space (a principal without stores).
fn no_home(f: &Fault) -> bool {
    matches!(f, Fault::Engine(e) if e.code == ErrorCode::NotFound
        && e.details.get("kind").and_then(Value::as_str) == Some("memory_space"))
}

fn ts(t: &Timestamp) -> Value {
    serde_json::to_value(t).unwrap_or(Value::Null)
}

/// Engine store → wire `memory_store`.
fn store_out(s: &MemoryStore) -> Value {
    json!({
        "type": "memory_store",
        "id": s.id,
        "name": s.name,
        "description": s.description,
        "metadata": s.metadata,
        "created_at": ts(&s.created_at),
        "updated_at": ts(&s.updated_at),
        "archived_at": s.archived_at.as_ref().map(ts),
    })
}

/// Only the documented keys of a body, else 400 naming the first unknown one.
fn only(body: &Map<String, Value>, keys: &[&str]) -> Served<()> {
    match body.keys().find(|k| !keys.contains(&k.as_str())) {
        Some(k) => Err(invalid(k, "unknown field")),
        None => Ok(()),
    }
}

fn opt_string(body: &Map<String, Value>, key: &str) -> Served<Option<String>> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(key, "must be a string")),
    }
}

async fn create(ms: &Memspace, home: &str, req: &Request) -> Served<Response> {
    let body = fault::object(req)?;
    only(&body, &["name", "description", "metadata"])?;
    let name = opt_string(&body, "name")?.ok_or_else(|| invalid("name", "is required"))?;
    let metadata = match body.get("metadata") {
        None | Some(Value::Null) => None,
        Some(v) => Some(fault::from_value("metadata", v.clone())?),
    };
    let input = NewStore {
        name,
        description: opt_string(&body, "description")?,
        metadata,
    };
    Ok(Response::json(
        200,
        &store_out(&ms.create_store(home, input).await?),
    ))
}

async fn update(ms: &Memspace, home: &str, id: &str, req: &Request) -> Served<Response> {
    let body = fault::object(req)?;
    only(&body, &["name", "description", "metadata"])?;
    let metadata: Option<MetadataPatch> = match body.get("metadata") {
        None | Some(Value::Null) => None,
        Some(v) => Some(fault::from_value("metadata", v.clone())?),
    };
    let u = StoreUpdate {
        name: opt_string(&body, "name")?,
        description: opt_string(&body, "description")?,
        metadata,
    };
    if u.name.is_none() && u.description.is_none() && u.metadata.is_none() {
        // Nothing to change: the store as it is (archived or not).
        return Ok(Response::json(
            200,
            &store_out(&ms.get_store(home, id).await?),
        ));
    }
    Ok(Response::json(
        200,
        &store_out(&ms.update_store(home, id, u).await?),
    ))
}

/// `?created_at[gte]=`/`[lte]=` (RFC 3339).
fn time_param(q: &super::http::Query, name: &str) -> Served<Option<Timestamp>> {
    match q.get(name) {
        None | Some("") => Ok(None),
        Some(v) => serde_json::from_value(json!(v))
            .map(Some)
            .map_err(|_| invalid(name, "must be an RFC 3339 time")),
    }
}

/// The opaque cursor of a listing: the offset of the next item (`p` + decimal).
fn page_param(q: &super::http::Query) -> Served<u64> {
    match q.get("page") {
        None | Some("") => Ok(0),
        Some(v) => v
            .strip_prefix('p')
            .filter(|d| (1..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|d| d.parse().ok())
            .ok_or_else(|| invalid("page", "is not a page cursor this API gave out")),
    }
}

async fn list(ms: &Memspace, home: &str, req: &Request) -> Served<Response> {
    let q = fault::query(req)?;
    let limit = fault::uint(&q, "limit")?.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(invalid("limit", "must be 1–100"));
    }
    let include_archived = match q
        .get("include_archived")
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("") | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(invalid("include_archived", "must be true or false")),
    };
    let gte = time_param(&q, "created_at[gte]")?;
    let lte = time_param(&q, "created_at[lte]")?;
    let start = page_param(&q)?;
    // Filters apply over the creation-ordered listing; the cursor counts filtered items.
    let mut seen = 0u64;
    let mut data = Vec::new();
    let mut more = false;
    let mut offset = 0u64;
    'scan: loop {
        let chunk = ms
            .list_stores(
                home,
                include_archived,
                Page {
                    offset: Some(offset),
                    limit: Some(MAX_LIMIT),
                },
            )
            .await?;
        let n = chunk.len() as u64;
        for s in chunk {
            let keep = gte.as_ref().is_none_or(|t| s.created_at >= *t)
                && lte.as_ref().is_none_or(|t| s.created_at <= *t)
                && (include_archived || s.status == StoreStatus::Active);
            if !keep {
                continue;
            }
            if seen >= start {
                if data.len() as u64 == limit {
                    more = true;
                    break 'scan;
                }
                data.push(store_out(&s));
            }
            seen += 1;
        }
        if n < MAX_LIMIT {
            break;
        }
        offset += n;
    }
    let next = more.then(|| format!("p{}", start + limit));
    Ok(Response::json(
        200,
        &json!({ "data": data, "next_page": next }),
    ))
}

/// Serves a memory-store request.
pub async fn serve(rest: &Rest, principal: Option<&Principal>, req: &Request) -> Response {
    let Some(principal) = principal else {
        return errors::fault(&Fault::Unauthorized);
    };
    match serve_as(rest, principal, req).await {
        Ok(r) => r,
        Err(f) => errors::fault(&f),
    }
}

async fn serve_as(rest: &Rest, principal: &Principal, req: &Request) -> Served<Response> {
    let route = matches(&req.path).ok_or(Fault::NoRoute)?;
    let m = req.method.as_str();
    if !route.allowed().contains(&m) {
        return Err(Fault::Method(route.allowed()));
    }
    if req.too_large() {
        return Err(Fault::TooLarge);
    }
    let p = engine_principal(Api::MemoryStores, principal);
    let ms = rest.engine(p.clone())?;
    let home = home_id(&p);
    let served = dispatch(&ms, &home, route, req).await;
    match served {
        Err(f) if no_home(&f) => match (route, m) {
            (Ms::Stores, "GET") => Ok(Response::json(
                200,
                &json!({ "data": [], "next_page": null }),
            )),
            _ => Err(Fault::Engine(crate::error::Error::not_found(
                "memory_store",
                route.store().unwrap_or_default(),
            ))),
        },
        other => other,
    }
}

async fn dispatch(ms: &Memspace, home: &str, route: Ms<'_>, req: &Request) -> Served<Response> {
    let (ms, home, m) = (ms.clone(), home.to_string(), req.method.as_str());
    match (route, m) {
        (Ms::Stores, "GET") => list(&ms, &home, req).await,
        (Ms::Stores, _) => {
            ensure_home(&ms, &home).await?;
            create(&ms, &home, req).await
        }
        (Ms::Store(id), "GET") => {
            let id = segment(id)?;
            Ok(Response::json(
                200,
                &store_out(&ms.get_store(&home, &id).await?),
            ))
        }
        (Ms::Store(id), "POST") => update(&ms, &home, &segment(id)?, req).await,
        (Ms::Store(id), _) => {
            let id = segment(id)?;
            ms.delete_store(&home, &id).await?;
            Ok(Response::json(
                200,
                &json!({ "id": id, "type": "memory_store_deleted" }),
            ))
        }
        (Ms::Archive(id), _) => {
            let id = segment(id)?;
            Ok(Response::json(
                200,
                &store_out(&ms.archive_store(&home, &id).await?),
            ))
        }
        (Ms::Memories(s), "GET") => memories::list(&ms, &home, &segment(s)?, req).await,
        (Ms::Memories(s), _) => memories::create(&ms, &home, &segment(s)?, req).await,
        (Ms::Memory(s, id), _) => {
            let (s, id) = (segment(s)?, segment(id)?);
            match m {
                "GET" => memories::retrieve(&ms, &home, &s, &id, req).await,
                "POST" => memories::update(&ms, &home, &s, &id, req).await,
                _ => memories::delete(&ms, &home, &s, &id, req).await,
            }
        }
        (Ms::Versions(s), _) => versions::list(&ms, &home, &segment(s)?, req).await,
        (Ms::Version(s, id), _) => {
            versions::retrieve(&ms, &home, &segment(s)?, &segment(id)?, req).await
        }
        (Ms::Redact(s, id), _) => versions::redact(&ms, &home, &segment(s)?, &segment(id)?).await,
    }
}
