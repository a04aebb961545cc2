//! The MemoryLayer API under `/v1/` (snake_case JSON, FastAPI-style `{"detail": …}` errors):
//! memories (remember, recall, reflect, get, update, forget, decay, batch, list), associations
//! (associate, list, update, delete, traverse), sessions (create with a TTL, get, list,
//! delete, working memory, touch, commit), the briefing, workspaces and their schema. The
//! server-side code sandbox (`/v1/context/…`), workspace contexts as records and session
//! checkpoints/context packs answer 501 with a JSON error: they are not part of memspace.
//!
//! A workspace is a memory space of the principal's `memorylayer` namespace whose
//! deduplication key is the workspace id (see docs/workspaces.md). Routes that name a memory
//! or a session by id only (the SDK sends no workspace with them) look in the request's
//! workspace first, then in the principal's other workspaces; another principal's ids are
//! never found (404).

mod body;
mod errors;
mod memories;
mod sessions;
mod wire;
mod workspaces;

use super::fault::{segment, Fault, Served};
use super::http::{segments, Request, Response};
use super::route::Api;
use super::server::{engine_principal, Rest};
use crate::model::Principal;
use crate::Memspace;

/// A refusal in this API's shape.
pub fn fault_response(f: &Fault) -> Response {
    errors::fault(f)
}

/// What a handler knows about its request.
pub(crate) struct Ctx<'a> {
    /// The engine acting for the principal in the `memorylayer` namespace.
    pub ms: Memspace,
    /// The request.
    pub req: &'a Request,
    /// The principal the host authenticated (its tenant is the wire `tenant_id`).
    pub principal: &'a Principal,
}

/// The routes under `/v1`, with raw id segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ml<'a> {
    Memories,
    Recall,
    Reflect,
    Batch,
    Memory(&'a str),
    Decay(&'a str),
    Associate(&'a str),
    Associations(&'a str),
    Association(&'a str, &'a str),
    Traverse(&'a str),
    Sessions,
    Briefing,
    Session(&'a str),
    WorkingMemory(&'a str),
    Touch(&'a str),
    Commit(&'a str),
    Workspaces,
    Workspace(&'a str),
    Schema(&'a str),
    /// Known MemoryLayer routes memspace does not serve (501).
    Unserved(&'static str),
}

impl Ml<'_> {
    fn allowed(&self) -> &'static [&'static str] {
        match self {
            Ml::Memories | Ml::Sessions | Ml::Workspaces => &["GET", "POST"],
            Ml::Recall
            | Ml::Reflect
            | Ml::Batch
            | Ml::Decay(_)
            | Ml::Associate(_)
            | Ml::Traverse(_)
            | Ml::Touch(_)
            | Ml::Commit(_) => &["POST"],
            Ml::Memory(_) => &["GET", "PUT", "PATCH", "DELETE"],
            Ml::Associations(_) | Ml::Briefing | Ml::Schema(_) => &["GET"],
            Ml::Association(..) => &["PATCH", "DELETE"],
            Ml::Session(_) => &["GET", "DELETE"],
            Ml::WorkingMemory(_) => &["GET", "POST"],
            Ml::Workspace(_) => &["GET", "PUT", "PATCH"],
            Ml::Unserved(_) => &["GET", "POST", "PUT", "PATCH", "DELETE"],
        }
    }
}

const SANDBOX: &str = "the server-side code sandbox (context_* calls) is not part of memspace: \
     run code in your agent and keep session state with set_context/get_context";
const CONTEXTS: &str = "workspace contexts are not records in memspace: a context is the \
     context_id label of memories and sessions (filter by it in list_memories and recall)";
const PACKS: &str = "session checkpoints, context packs and context deltas are not served by \
     memspace: use set_context/get_context, the briefing and recall";

fn matches(path: &str) -> Option<Ml<'_>> {
    let rest = path.strip_prefix("/v1")?;
    let rest = rest.strip_prefix('/').unwrap_or(rest);
    let mut seg = segments(rest);
    if seg.last() == Some(&"") {
        seg.pop(); // a trailing slash is tolerated
    }
    let id = |s: &&str| !s.is_empty();
    Some(match seg.as_slice() {
        ["memories"] => Ml::Memories,
        ["memories", "recall"] => Ml::Recall,
        ["memories", "reflect"] => Ml::Reflect,
        ["memories", "batch"] => Ml::Batch,
        ["memories", m] if id(m) => Ml::Memory(m),
        ["memories", m, "decay"] if id(m) => Ml::Decay(m),
        ["memories", m, "associate"] if id(m) => Ml::Associate(m),
        ["memories", m, "associations"] if id(m) => Ml::Associations(m),
        ["memories", m, "associations", a] if id(m) && id(a) => Ml::Association(m, a),
        ["memories", m, "traverse"] if id(m) => Ml::Traverse(m),
        ["sessions"] => Ml::Sessions,
        ["sessions", "briefing"] => Ml::Briefing,
        ["sessions", s] if id(s) => Ml::Session(s),
        ["sessions", s, "memory"] if id(s) => Ml::WorkingMemory(s),
        ["sessions", s, "touch"] if id(s) => Ml::Touch(s),
        ["sessions", s, "commit"] if id(s) => Ml::Commit(s),
        ["sessions", s, "checkpoints" | "context-pack" | "context-delta", ..] if id(s) => {
            Ml::Unserved(PACKS)
        }
        ["workspaces"] => Ml::Workspaces,
        ["workspaces", w] if id(w) => Ml::Workspace(w),
        ["workspaces", w, "schema"] if id(w) => Ml::Schema(w),
        ["workspaces", w, "contexts", ..] if id(w) => Ml::Unserved(CONTEXTS),
        ["context", ..] => Ml::Unserved(SANDBOX),
        _ => return None,
    })
}

/// Serves a MemoryLayer request.
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
    if let Ml::Unserved(why) = route {
        return Err(Fault::Unsupported(why.to_string()));
    }
    let ms = rest.engine(engine_principal(Api::MemoryLayer, principal))?;
    let cx = Ctx { ms, req, principal };
    match (route, m) {
        (Ml::Memories, "GET") => memories::list(&cx).await,
        (Ml::Memories, _) => memories::remember(&cx).await,
        (Ml::Recall, _) => memories::recall(&cx).await,
        (Ml::Reflect, _) => memories::reflect(&cx).await,
        (Ml::Batch, _) => memories::batch(&cx).await,
        (Ml::Memory(id), "GET") => memories::get(&cx, &segment(id)?).await,
        (Ml::Memory(id), "DELETE") => memories::forget(&cx, &segment(id)?).await,
        (Ml::Memory(id), _) => memories::update(&cx, &segment(id)?).await,
        (Ml::Decay(id), _) => memories::decay(&cx, &segment(id)?).await,
        (Ml::Associate(id), _) => memories::associate(&cx, &segment(id)?).await,
        (Ml::Associations(id), _) => memories::associations(&cx, &segment(id)?).await,
        (Ml::Association(id, a), "PATCH") => {
            memories::update_association(&cx, &segment(id)?, &segment(a)?).await
        }
        (Ml::Association(id, a), _) => {
            memories::delete_association(&cx, &segment(id)?, &segment(a)?).await
        }
        (Ml::Traverse(id), _) => memories::traverse(&cx, &segment(id)?).await,
        (Ml::Sessions, "GET") => sessions::list(&cx).await,
        (Ml::Sessions, _) => sessions::create(&cx).await,
        (Ml::Briefing, _) => sessions::briefing(&cx).await,
        (Ml::Session(id), "GET") => sessions::get(&cx, &segment(id)?).await,
        (Ml::Session(id), _) => sessions::delete(&cx, &segment(id)?).await,
        (Ml::WorkingMemory(id), "GET") => sessions::get_memory(&cx, &segment(id)?).await,
        (Ml::WorkingMemory(id), _) => sessions::set_memory(&cx, &segment(id)?).await,
        (Ml::Touch(id), _) => sessions::touch(&cx, &segment(id)?).await,
        (Ml::Commit(id), _) => sessions::commit(&cx, &segment(id)?).await,
        (Ml::Workspaces, "GET") => workspaces::list(&cx).await,
        (Ml::Workspaces, _) => workspaces::create(&cx).await,
        (Ml::Workspace(id), "GET") => workspaces::get(&cx, &segment(id)?).await,
        (Ml::Workspace(id), _) => workspaces::update(&cx, &segment(id)?).await,
        (Ml::Schema(id), _) => workspaces::schema(&cx, &segment(id)?).await,
        (Ml::Unserved(_), _) => Err(Fault::NoRoute),
    }
}
