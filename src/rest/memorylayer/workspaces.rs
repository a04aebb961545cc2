//! Workspaces: a workspace is one of the principal's memory spaces (in the `memorylayer`
//! namespace) whose deduplication key is the workspace id. Which workspace a request means:
//! the `workspace_id` it names, else the workspace of the session in `X-Session-ID`, else
//! `_default`. Writes create a missing workspace (as the API's server does); reads of a
//! missing one see an empty workspace.

use super::body::{only_params, qstr, Body};
use super::wire::{self, both, ok};
use super::Ctx;
use crate::error::ErrorCode;
use crate::model::{NewSpace, Page, Patch, Space, SpaceQuery, SpaceUpdate, TagMatch};
use crate::rest::fault::{self, invalid, Fault, Served};
use crate::rest::http::Response;
use serde_json::json;

/// The workspace a request names nothing else.
pub(crate) const DEFAULT: &str = "_default";

/// Longest workspace id, in characters (a space's deduplication key).
const ID_MAX: usize = 72;

/// Checks a workspace id's shape (1–72 characters, no control characters).
pub(crate) fn check_id(id: &str) -> Served<()> {
    let n = id.chars().count();
    if n == 0 || n > ID_MAX || id.chars().any(char::is_control) {
        return Err(invalid(
            "workspace_id",
            format!("must be 1–{ID_MAX} characters without control characters"),
        ));
    }
    Ok(())
}

/// The workspace `id`, if it exists.
pub(crate) async fn find(cx: &Ctx<'_>, id: &str) -> Served<Option<Space>> {
    check_id(id)?;
    Ok(cx.ms.space_by_key(id).await?)
}

/// The workspace `id`, created (named after its id) when missing.
pub(crate) async fn ensure(cx: &Ctx<'_>, id: &str) -> Served<Space> {
    if let Some(s) = find(cx, id).await? {
        return Ok(s);
    }
    let input = NewSpace {
        deduplication_key: Some(id.to_string()),
        name: Some(id.to_string()),
        ..Default::default()
    };
    match cx.ms.create_space(input).await {
        Ok(s) => Ok(s),
        // A concurrent request created it first: use theirs.
        Err(e) if e.code == ErrorCode::Duplicate => {
            find(cx, id).await?.ok_or_else(|| Fault::Engine(e))
        }
        Err(e) => Err(e.into()),
    }
}

/// Every workspace of the principal, in creation order.
pub(crate) async fn all(cx: &Ctx<'_>) -> Served<Vec<Space>> {
    let mut out = Vec::new();
    loop {
        let page = cx
            .ms
            .find_spaces(SpaceQuery {
                offset: Some(out.len() as u64),
                limit: Some(100),
                ..Default::default()
            })
            .await?;
        let n = page.len();
        out.extend(page);
        if n < 100 {
            return Ok(out);
        }
    }
}

/// The workspace id a request means: `explicit`, else the `X-Session-ID` session's, else
/// `_default`.
pub(crate) async fn resolve(cx: &Ctx<'_>, explicit: Option<String>) -> Served<String> {
    if let Some(id) = explicit {
        check_id(&id)?;
        return Ok(id);
    }
    if let Some(sid) = cx.req.header_value("x-session-id").map(str::trim) {
        if !sid.is_empty() {
            if let Some((space, _)) = super::sessions::locate(cx, sid).await? {
                return Ok(wire::workspace_id(&space));
            }
        }
    }
    Ok(DEFAULT.to_string())
}

/// The workspaces to search for a record named by id only: the one the query names
/// (`?workspace_id=`) first, then the others in creation order.
pub(crate) async fn search_order(cx: &Ctx<'_>) -> Served<Vec<Space>> {
    let mut spaces = all(cx).await?;
    if let Some(w) = qstr(&fault::query(cx.req)?, "workspace_id") {
        if let Some(i) = spaces.iter().position(|s| wire::workspace_id(s) == w) {
            let s = spaces.remove(i);
            spaces.insert(0, s);
        }
    }
    Ok(spaces)
}

fn out(cx: &Ctx<'_>, s: &Space) -> serde_json::Value {
    both("workspace", wire::workspace(s, &cx.principal.tenant_id))
}

/// `POST /v1/workspaces` `{"name", "id"?, "tags"?, "settings"?}`.
pub(crate) async fn create(cx: &Ctx<'_>) -> Served<Response> {
    let b = Body::parse(cx.req, &["name", "id", "tags", "settings"])?;
    let name = b
        .str("name")?
        .ok_or_else(|| invalid("name", "is required"))?;
    let id = match b.str("id")? {
        Some(id) => {
            check_id(&id).map_err(|_| invalid("id", "must be 1–72 characters"))?;
            id
        }
        None => cx.ms.fresh_id("ws"),
    };
    let input = NewSpace {
        deduplication_key: Some(id.clone()),
        name: Some(name),
        tags: b.strings("tags")?,
        settings: b.object("settings")?,
        ..Default::default()
    };
    match cx.ms.create_space(input).await {
        Ok(s) => Ok(ok(201, out(cx, &s))),
        Err(e) if e.code == ErrorCode::Duplicate => Err(Fault::Engine(
            crate::Error::new(
                ErrorCode::Duplicate,
                format!("Workspace {id} already exists"),
            )
            .with("workspace_id", id.as_str()),
        )),
        Err(e) => Err(e.into()),
    }
}

/// A workspace or 404.
async fn existing(cx: &Ctx<'_>, id: &str) -> Served<Space> {
    find(cx, id).await?.ok_or_else(|| {
        Fault::Engine(crate::Error::new(
            ErrorCode::NotFound,
            "Workspace not found",
        ))
    })
}

/// `GET /v1/workspaces/{id}`.
pub(crate) async fn get(cx: &Ctx<'_>, id: &str) -> Served<Response> {
    let s = existing(cx, id).await?;
    Ok(ok(200, out(cx, &s)))
}

/// `PUT /v1/workspaces/{id}` `{"name"?, "settings"?, "tags"?}` (given fields replace).
pub(crate) async fn update(cx: &Ctx<'_>, id: &str) -> Served<Response> {
    let b = Body::parse(cx.req, &["name", "settings", "tags"])?;
    let s = existing(cx, id).await?;
    let u = SpaceUpdate {
        name: match b.str("name")? {
            Some(n) => Patch::Set(n),
            None => Patch::Keep,
        },
        tags: b.strings("tags")?,
        settings: b.object("settings")?,
        ..Default::default()
    };
    let s = if u.name == Patch::Keep && u.tags.is_none() && u.settings.is_none() {
        s
    } else {
        cx.ms.update_space(&s.id, u).await?
    };
    Ok(ok(200, out(cx, &s)))
}

/// `GET /v1/workspaces?tags=a&tags=b&match=all|any`.
pub(crate) async fn list(cx: &Ctx<'_>) -> Served<Response> {
    let q = fault::query(cx.req)?;
    only_params(&q, &["tags", "match", "offset", "limit"])?;
    let match_mode = match qstr(&q, "match").as_deref() {
        None | Some("all") => TagMatch::All,
        Some("any") => TagMatch::Any,
        Some(_) => return Err(invalid("match", "must be all or any")),
    };
    let tags: Vec<String> = q.all("tags").into_iter().map(str::to_string).collect();
    let page = Page {
        offset: fault::uint(&q, "offset")?,
        limit: fault::uint(&q, "limit")?,
    };
    let spaces = cx
        .ms
        .find_spaces(SpaceQuery {
            tags,
            match_mode,
            offset: page.offset,
            limit: page.limit,
        })
        .await?;
    let ws: Vec<_> = spaces
        .iter()
        .map(|s| wire::workspace(s, &cx.principal.tenant_id))
        .collect();
    Ok(ok(
        200,
        json!({ "workspaces": ws, "total_count": ws.len() }),
    ))
}

/// `GET /v1/workspaces/{id}/schema`: relationship types, memory types and subtypes.
pub(crate) async fn schema(cx: &Ctx<'_>, id: &str) -> Served<Response> {
    let s = existing(cx, id).await?;
    let schema = cx.ms.workspace_schema(&s.id).await?;
    Ok(ok(
        200,
        json!({
            "workspace_id": id,
            "relationship_types": schema.relationship_types.iter().map(|r| json!({
                "name": r.name,
                "category": r.category,
                "description": r.description,
                "inverse": r.inverse,
            })).collect::<Vec<_>>(),
            "memory_types": schema.memory_types.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
            "memory_subtypes": schema.memory_subtypes.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
            "can_customize": schema.can_customize,
        }),
    ))
}
