//! The memories of a store (the engine's entries): create, retrieve, update (content and/or
//! path, with an optional `content_sha256` precondition), list under a `/`-ended prefix with
//! `depth` roll-ups into `memory_prefix` items, delete (optional `expected_content_sha256`).
//!
//! Wire paths are absolute (`/notes/a.md`); the engine's are relative (`notes/a.md`): the
//! leading `/` is the only difference, added and removed here.

use super::super::fault::{self, invalid, Fault, Served};
use super::super::http::{Query, Request, Response};
use super::{only, page_param, ts, MAX_LIMIT};
use crate::engine::stores::EntryRecord;
use crate::model::{EntryPrecondition, EntryUpdate, Metadata, NewEntry};
use crate::Memspace;
use serde_json::{json, Map, Value};

/// Most segments a wire path may have.
const MAX_SEGMENTS: usize = 20;
/// Longest wire path in UTF-8 bytes (leading `/` included).
const MAX_PATH_BYTES: usize = 1024;
/// Most items of a page with `view=full`.
const FULL_VIEW_LIMIT: u64 = 20;
/// Default page size.
const DEFAULT_LIMIT: u64 = 20;

/// Whether a response carries content (`full`) or not (`basic`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum View {
    Basic,
    Full,
}

/// `?view=basic|full`, `default` when absent.
pub(super) fn view(q: &Query, default: View) -> Served<View> {
    match q.get("view") {
        None | Some("") => Ok(default),
        Some("basic") => Ok(View::Basic),
        Some("full") => Ok(View::Full),
        Some(_) => Err(invalid("view", "must be basic or full")),
    }
}

/// Unicode format characters (general category Cf) and the line/paragraph separators, which
/// a wire path must not hold.
fn is_format(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x0600..=0x0605 | 0x061C | 0x06DD | 0x070F | 0x0890..=0x0891 | 0x08E2
        | 0x180E | 0x200B..=0x200F | 0x2028..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F
        | 0xFEFF | 0xFFF9..=0xFFFB | 0x110BD | 0x110CD | 0x13430..=0x1343F | 0x1BCA0..=0x1BCA3
        | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F)
}

/// A wire path (`/a/b.md`) → the engine's relative path (`a/b.md`); the engine checks the
/// rest (empty, `.` and `..` segments, control characters).
pub(super) fn path_in(field: &str, raw: &str) -> Served<String> {
    let Some(rel) = raw.strip_prefix('/') else {
        return Err(invalid(field, "must start with /"));
    };
    if raw.len() > MAX_PATH_BYTES {
        return Err(invalid(
            field,
            format!("must be at most {MAX_PATH_BYTES} bytes"),
        ));
    }
    if rel.split('/').count() > MAX_SEGMENTS {
        return Err(invalid(
            field,
            format!("must have at most {MAX_SEGMENTS} segments"),
        ));
    }
    if raw.chars().any(is_format) {
        return Err(invalid(
            field,
            "must not contain format characters or line/paragraph separators",
        ));
    }
    crate::engine::stores::paths::check(field, rel)?;
    Ok(rel.to_string())
}

/// The engine's relative path → the wire path.
pub(super) fn path_out(rel: &str) -> String {
    format!("/{rel}")
}

/// Engine entry record → wire `memory`.
fn memory_out(rec: &EntryRecord, v: View) -> Value {
    let e = &rec.entry;
    json!({
        "type": "memory",
        "id": e.id,
        "memory_store_id": e.store_id,
        "path": path_out(&e.path),
        "content": if v == View::Full { e.content.as_deref() } else { None },
        "content_sha256": e.content_sha256,
        "content_size_bytes": e.size,
        "memory_version_id": rec.head_version_id,
        "created_at": ts(&e.created_at),
        "updated_at": ts(&e.updated_at),
    })
}

fn content_field(body: &Map<String, Value>) -> Served<Option<String>> {
    match body.get("content") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid("content", "must be a string")),
    }
}

fn path_field(body: &Map<String, Value>) -> Served<Option<String>> {
    match body.get("path") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(path_in("path", s)?)),
        Some(_) => Err(invalid("path", "must be a string")),
    }
}

/// `POST …/{store}/memories?view=` (default basic).
pub(super) async fn create(
    ms: &Memspace,
    home: &str,
    store: &str,
    req: &Request,
) -> Served<Response> {
    let v = view(&fault::query(req)?, View::Basic)?;
    let body = fault::object(req)?;
    only(&body, &["path", "content"])?;
    let path = path_field(&body)?.ok_or_else(|| invalid("path", "is required"))?;
    let content = content_field(&body)?.ok_or_else(|| invalid("content", "is required"))?;
    crate::engine::stores::limits::content(&content)?;
    let input = NewEntry {
        path,
        content,
        metadata: None,
    };
    let rec = ms
        .create_entry_record(home, store, &input, &Metadata::new())
        .await?;
    Ok(Response::json(200, &memory_out(&rec, v)))
}

/// `GET …/{store}/memories/{id}?view=` (default full).
pub(super) async fn retrieve(
    ms: &Memspace,
    home: &str,
    store: &str,
    id: &str,
    req: &Request,
) -> Served<Response> {
    let v = view(&fault::query(req)?, View::Full)?;
    let loaded = ms.load_store(home, store).await?;
    let rec = ms.load_entry(&loaded, id).await?;
    Ok(Response::json(200, &memory_out(&rec, v)))
}

/// `POST …/{store}/memories/{id}?view=` (default basic): content and/or path (a rename keeps
/// the id), `precondition: {"type": "content_sha256", "content_sha256"}`.
pub(super) async fn update(
    ms: &Memspace,
    home: &str,
    store: &str,
    id: &str,
    req: &Request,
) -> Served<Response> {
    let v = view(&fault::query(req)?, View::Basic)?;
    let body = fault::object(req)?;
    only(&body, &["path", "content", "precondition"])?;
    let content = content_field(&body)?;
    if let Some(c) = &content {
        crate::engine::stores::limits::content(c)?;
    }
    let path = path_field(&body)?;
    let expected_sha256 = match body.get("precondition") {
        None | Some(Value::Null) => None,
        Some(Value::Object(p)) => {
            only(p, &["type", "content_sha256"])?;
            if p.get("type").and_then(Value::as_str) != Some("content_sha256") {
                return Err(invalid("precondition.type", "must be content_sha256"));
            }
            match p.get("content_sha256") {
                Some(Value::String(h)) => Some(crate::engine::stores::limits::sha256(
                    "precondition.content_sha256",
                    h,
                )?),
                _ => {
                    return Err(invalid(
                        "precondition.content_sha256",
                        "must be 64 hexadecimal digits",
                    ))
                }
            }
        }
        Some(_) => return Err(invalid("precondition", "must be an object")),
    };
    let loaded_rec = if content.is_none() && path.is_none() {
        // Nothing to change (a precondition alone): the memory as it is, once the
        // precondition holds.
        let loaded = ms.load_store(home, store).await?;
        let rec = ms.load_entry(&loaded, id).await?;
        if let Some(h) = &expected_sha256 {
            if *h != rec.entry.content_sha256 {
                return Err(Fault::Engine(
                    crate::error::Error::conflict(format!(
                        "the content of memory {id} has changed (sha256 {})",
                        rec.entry.content_sha256
                    ))
                    .with("precondition", "expected_sha256"),
                ));
            }
        }
        rec
    } else {
        let u = EntryUpdate {
            content,
            path,
            metadata: None,
            expected_version: None,
            expected_sha256,
        };
        ms.update_entry_record(home, store, id, &u).await?
    };
    Ok(Response::json(200, &memory_out(&loaded_rec, v)))
}

/// `DELETE …/{store}/memories/{id}?expected_content_sha256=`.
pub(super) async fn delete(
    ms: &Memspace,
    home: &str,
    store: &str,
    id: &str,
    req: &Request,
) -> Served<Response> {
    let q = fault::query(req)?;
    let pre = EntryPrecondition {
        expected_version: None,
        expected_sha256: match q.get("expected_content_sha256") {
            None | Some("") => None,
            Some(h) => Some(crate::engine::stores::limits::sha256(
                "expected_content_sha256",
                h,
            )?),
        },
    };
    ms.delete_entry(home, store, id, pre).await?;
    Ok(Response::json(
        200,
        &json!({ "id": id, "type": "memory_deleted" }),
    ))
}

/// The `memory_prefix` a path rolls up into below `prefix` (relative, `""` or ending in `/`)
/// at `depth` (0: none), or `None` when the memory itself is listed.
fn rollup(prefix: &str, path: &str, depth: u64) -> Option<String> {
    if depth == 0 {
        return None;
    }
    let below = path.get(prefix.len()..)?;
    let mut end = 0usize;
    for (n, (i, _)) in below.match_indices('/').enumerate() {
        if n as u64 + 1 == depth {
            end = i;
            break;
        }
    }
    (end > 0).then(|| format!("{prefix}{}/", &below[..end]))
}

/// `GET …/{store}/memories?path_prefix&depth&limit&page&view` (default basic): path order;
/// the cursor is the number of memories of the prefix already walked (`p` + decimal).
pub(super) async fn list(
    ms: &Memspace,
    home: &str,
    store: &str,
    req: &Request,
) -> Served<Response> {
    let q = fault::query(req)?;
    let v = view(&q, View::Basic)?;
    let mut limit = fault::uint(&q, "limit")?.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(invalid("limit", "must be 1–100"));
    }
    if v == View::Full {
        limit = limit.min(FULL_VIEW_LIMIT);
    }
    let depth = fault::uint(&q, "depth")?.unwrap_or(0);
    let prefix = match q.get("path_prefix") {
        None | Some("") | Some("/") => String::new(),
        Some(p) => {
            let Some(dir) = p.strip_suffix('/') else {
                return Err(invalid("path_prefix", "must end with /"));
            };
            format!("{}/", path_in("path_prefix", dir)?)
        }
    };
    let start = page_param(&q)?;
    let loaded = ms.load_store(home, store).await?;
    let mut items: Vec<Value> = Vec::new();
    let mut last_prefix: Option<String> = None;
    let mut full: Vec<(usize, EntryRecord)> = Vec::new();
    let mut next = None;
    let mut at = start;
    'walk: loop {
        let chunk = ms.entries_under(&loaded, &prefix, at, MAX_LIMIT).await?;
        let n = chunk.len() as u64;
        for rec in chunk {
            match rollup(&prefix, &rec.entry.path, depth) {
                Some(p) if last_prefix.as_deref() == Some(p.as_str()) => {}
                item => {
                    if items.len() as u64 == limit {
                        next = Some(at);
                        break 'walk;
                    }
                    match item {
                        Some(p) => {
                            items.push(json!({ "type": "memory_prefix", "path": path_out(&p) }));
                            last_prefix = Some(p);
                        }
                        None => {
                            if v == View::Full {
                                full.push((items.len(), rec.clone()));
                            }
                            items.push(memory_out(&rec, v));
                        }
                    }
                }
            }
            at += 1;
        }
        if n < MAX_LIMIT {
            break;
        }
    }
    if !full.is_empty() {
        let mut recs: Vec<EntryRecord> = full.iter().map(|(_, r)| r.clone()).collect();
        ms.fill_content(&loaded, &mut recs).await?;
        for ((i, _), rec) in full.iter().zip(&recs) {
            items[*i] = memory_out(rec, View::Full);
        }
    }
    Ok(Response::json(
        200,
        &json!({ "data": items, "next_page": next.map(|o| format!("p{o}")) }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wire_path_loses_its_leading_slash_and_keeps_everything_else() {
        assert_eq!(
            path_in("path", "/notes/a.md").ok().as_deref(),
            Some("notes/a.md")
        );
        assert!(path_in("path", "notes/a.md").is_err());
        assert!(path_in("path", "/a//b").is_err());
        assert!(path_in("path", "/a/../b").is_err());
        assert!(path_in("path", "/a\u{200B}b").is_err());
        assert!(path_in("path", "/a\u{2028}b").is_err());
        let deep = format!("/{}", ["x"; 21].join("/"));
        assert!(path_in("path", &deep).is_err());
        let ok = format!("/{}", ["x"; 20].join("/"));
        assert!(path_in("path", &ok).is_ok());
    }

    #[test]
    fn paths_deeper_than_depth_roll_up_into_their_prefix() {
        assert_eq!(rollup("", "a/b/c.md", 1).as_deref(), Some("a/"));
        assert_eq!(rollup("", "a/b/c.md", 2).as_deref(), Some("a/b/"));
        assert_eq!(rollup("", "a/b/c.md", 3), None);
        assert_eq!(rollup("", "top.md", 1), None);
        assert_eq!(
            rollup("notes/", "notes/x/y.md", 1).as_deref(),
            Some("notes/x/")
        );
        assert_eq!(rollup("notes/", "notes/y.md", 1), None);
        assert_eq!(rollup("", "a/b/c.md", 0), None);
    }
}
