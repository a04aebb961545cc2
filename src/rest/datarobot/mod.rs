//! The DataRobot memory API under `/api/v2/`: the routes, bodies and errors the unmodified
//! `datarobot` Python SDK (models and async ORM) speaks. Every route ends with `/` (the
//! service runs `redirect_slashes=False`: without it, 404). JSON is camelCase; user payloads
//! are kept verbatim.

mod errors;
mod events;
mod sessions;
mod spaces;
mod wire;

pub use wire::{space_engine_id, space_wire_id};

use super::fault::{self, segment, Fault, Served};
use super::http::{segments, Request, Response};
use super::route::{Api, Route, Target};
use super::server::{engine_principal, Options, Rest};
use crate::model::Principal;
use crate::Memspace;
use errors::Ctx;
pub use errors::Dup;
use serde_json::json;

/// Where the API lives.
pub const PREFIX: &str = "/api/v2/";

/// The version the DataRobot SDK 3.20 expects (`dr.Client()` checks it).
pub const SERVER_VERSION: &str = "2.49.0";

/// The routes under `/api/v2/`, with their raw id segments.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Dr<'a> {
    Version,
    Spaces,
    NewSpace,
    Space(&'a str),
    Jobs(&'a str),
    Restore(&'a str),
    Sessions(&'a str),
    Session(&'a str, &'a str),
    Events(&'a str, &'a str),
    EventsBatch(&'a str, &'a str),
    Event(&'a str, &'a str, u64),
}

impl Dr<'_> {
    fn allowed(&self) -> &'static [&'static str] {
        match self {
            Dr::Version | Dr::Spaces | Dr::Jobs(_) => &["GET"],
            Dr::NewSpace | Dr::Restore(_) => &["POST"],
            Dr::Space(_) | Dr::Session(..) => &["GET", "PATCH", "DELETE"],
            Dr::Sessions(_) | Dr::Events(..) => &["GET", "POST"],
            Dr::EventsBatch(..) => &["POST", "PATCH"],
            Dr::Event(..) => &["PATCH", "DELETE"],
        }
    }

    fn session(&self) -> Option<&str> {
        match self {
            Dr::Session(_, id)
            | Dr::Events(_, id)
            | Dr::EventsBatch(_, id)
            | Dr::Event(_, id, _) => Some(id),
            _ => None,
        }
    }

    fn space(&self) -> Option<&'_ str> {
        match self {
            Dr::Space(s)
            | Dr::Jobs(s)
            | Dr::Restore(s)
            | Dr::Sessions(s)
            | Dr::Session(s, _)
            | Dr::Events(s, _)
            | Dr::EventsBatch(s, _)
            | Dr::Event(s, _, _) => Some(s),
            _ => None,
        }
    }
}

/// Matches the path below `/api/v2/`; a space id must be a wire space id (UUID-shaped, see
/// [`wire::space_wire_id`]; anything else is no route: 404 before any shard is touched).
fn matches(rest: &str) -> Option<Dr<'_>> {
    let seg = segments(rest);
    let space = |s: &str| wire::space_engine_id(s).is_some();
    let seq = |s: &str| (1..=15).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    Some(match seg.as_slice() {
        ["version", ""] => Dr::Version,
        ["memory", ""] => Dr::Spaces,
        ["memory", "new", ""] => Dr::NewSpace,
        ["memory", s, ""] if space(s) => Dr::Space(s),
        ["memory", s, "extraction-jobs", ""] if space(s) => Dr::Jobs(s),
        ["memory", s, "restore", ""] if space(s) => Dr::Restore(s),
        ["memory", s, "sessions", ""] if space(s) => Dr::Sessions(s),
        ["memory", s, "sessions", id, ""] if space(s) && !id.is_empty() => Dr::Session(s, id),
        ["memory", s, "sessions", id, "events", ""] if space(s) && !id.is_empty() => {
            Dr::Events(s, id)
        }
        ["memory", s, "sessions", id, "events", "batch", ""] if space(s) && !id.is_empty() => {
            Dr::EventsBatch(s, id)
        }
        ["memory", s, "sessions", id, "events", n, ""] if space(s) && !id.is_empty() && seq(n) => {
            Dr::Event(s, id, n.parse().ok()?)
        }
        _ => return None,
    })
}

/// Matches and checks the method; a body over the cap is refused here (before parsing).
fn checked<'a>(req: &'a Request) -> Served<Dr<'a>> {
    let rest = req.path.strip_prefix(PREFIX).unwrap_or("");
    let dr = matches(rest).ok_or(Fault::NoRoute)?;
    if !dr.allowed().contains(&req.method.as_str()) {
        return Err(Fault::Method(dr.allowed()));
    }
    if matches!(req.method.as_str(), "POST" | "PATCH") && req.too_large() {
        return Err(Fault::TooLarge);
    }
    Ok(dr)
}

/// 404 (or 401 without credentials: authentication comes first).
pub fn not_found(authenticated: bool) -> Response {
    if authenticated {
        errors::not_found()
    } else {
        errors::unauthorized()
    }
}

fn ctx<'a>(dr: &'a Dr<'a>) -> Ctx<'a> {
    Ctx {
        space_id: dr.space(),
        dup: if *dr == Dr::NewSpace {
            Dup::Space
        } else {
            Dup::Session
        },
    }
}

/// Where a DataRobot request goes (see [`super::route`]).
pub fn route(req: &Request, authenticated: bool) -> Route {
    if !authenticated {
        return Route::Respond(errors::unauthorized());
    }
    let dr = match checked(req) {
        Ok(dr) => dr,
        Err(f) => {
            return Route::Respond(errors::fault(
                &f,
                &Ctx {
                    space_id: None,
                    dup: Dup::Session,
                },
            ))
        }
    };
    let c = ctx(&dr);
    match target(req, &dr) {
        Ok(Some(t)) => Route::Forward(t),
        Ok(None) => Route::Respond(Response::json(
            200,
            &json!({ "versionString": SERVER_VERSION }),
        )),
        Err(f) => Route::Respond(errors::fault(&f, &c)),
    }
}

fn target(req: &Request, dr: &Dr) -> Served<Option<Target>> {
    Ok(Some(match dr {
        Dr::Version => return Ok(None),
        Dr::Spaces => {
            let (offset, limit, key) = spaces::list_params(req)?;
            Target::ListSpaces {
                offset,
                limit,
                deduplication_key: key,
            }
        }
        Dr::NewSpace => {
            let body = fault::object(req)?;
            wire::new_space_in(&body)?;
            Target::CreateSpace {
                deduplication_key: wire::new_space_key(&body)?,
            }
        }
        Dr::Restore(s) => Target::RestoreSpace {
            space_id: s.to_string(),
        },
        other => {
            if let Some(id) = other.session() {
                segment(id)?; // a malformed escape is a 400 here, before any shard
            }
            Target::Space {
                space_id: other.space().unwrap_or_default().to_string(),
                changes_space: matches!(other, Dr::Space(_))
                    && matches!(req.method.as_str(), "PATCH" | "DELETE"),
            }
        }
    }))
}

/// One request for the engine behind a route.
struct Call<'a> {
    ms: Memspace,
    principal: &'a Principal,
    req: &'a Request,
    opts: &'a Options,
}

/// Serves a DataRobot request.
pub async fn serve(
    rest: &Rest,
    principal: Option<&Principal>,
    req: &Request,
    opts: &Options,
) -> Response {
    let Some(principal) = principal else {
        return errors::unauthorized();
    };
    let dr = match checked(req) {
        Ok(dr) => dr,
        Err(f) => {
            return errors::fault(
                &f,
                &Ctx {
                    space_id: None,
                    dup: Dup::Session,
                },
            )
        }
    };
    let c = ctx(&dr);
    let ms = match rest.engine(engine_principal(Api::DataRobot, principal)) {
        Ok(ms) => ms,
        Err(e) => return errors::engine(&e, &c),
    };
    let call = Call {
        ms,
        principal,
        req,
        opts,
    };
    match dispatch(&call, &dr).await {
        Ok(r) => r,
        Err(f) => errors::fault(&f, &c),
    }
}

async fn dispatch(c: &Call<'_>, dr: &Dr<'_>) -> Served<Response> {
    let m = c.req.method.as_str();
    // `matches` let only wire ids that convert through.
    let sp = dr
        .space()
        .and_then(wire::space_engine_id)
        .unwrap_or_default();
    match (dr, m) {
        (Dr::Version, _) => Ok(Response::json(
            200,
            &json!({ "versionString": SERVER_VERSION }),
        )),
        (Dr::Spaces, _) => spaces::list(c).await,
        (Dr::NewSpace, _) => spaces::create(c).await,
        (Dr::Space(_), "GET") => spaces::get(c, &sp).await,
        (Dr::Space(_), "PATCH") => spaces::update(c, &sp).await,
        (Dr::Space(_), _) => spaces::delete(c, &sp).await,
        (Dr::Restore(_), _) => spaces::restore(c, &sp).await,
        (Dr::Jobs(_), _) => spaces::jobs(c, &sp).await,
        (Dr::Sessions(_), "GET") => sessions::list(c, &sp).await,
        (Dr::Sessions(_), _) => sessions::create(c, &sp).await,
        (Dr::Session(_, id), _) => {
            let id = segment(id)?;
            match m {
                "GET" => sessions::get(c, &sp, &id).await,
                "PATCH" => sessions::update(c, &sp, &id).await,
                _ => sessions::delete(c, &sp, &id).await,
            }
        }
        (Dr::Events(_, id), _) => {
            let id = segment(id)?;
            match m {
                "GET" => events::list(c, &sp, &id).await,
                _ => events::post(c, &sp, &id).await,
            }
        }
        (Dr::EventsBatch(_, id), _) => {
            let id = segment(id)?;
            match m {
                "POST" => events::post_batch(c, &sp, &id).await,
                _ => events::update_batch(c, &sp, &id).await,
            }
        }
        (Dr::Event(_, id, n), _) => {
            let id = segment(id)?;
            match m {
                "PATCH" => events::update(c, &sp, &id, *n).await,
                _ => events::delete(c, &sp, &id, *n).await,
            }
        }
    }
}

/// The 409 of a space deduplication key held by `existing` (a wire id; `None`: no winner
/// resolved), for sharded hosts whose directory holds the keys.
pub fn space_conflict(key: &str, existing: Option<&str>) -> Response {
    errors::space_conflict(key, existing)
}

/// A refusal in this API's shape (for hosts answering before the engine).
pub fn fault_response(f: &Fault) -> Response {
    errors::fault(
        f,
        &Ctx {
            space_id: None,
            dup: Dup::Session,
        },
    )
}
