//! Where a request goes, for hosts that spread the store over shards (the Cloudflare Worker:
//! one Durable Object per DataRobot memory space, a directory per principal, one object per
//! principal for the `/v1` APIs). [`route`] answers what needs no engine (401, 404, 405, 413,
//! malformed paths, the version probe) and names the shard for everything else. A host with
//! one store skips it and calls [`super::Rest::handle`] directly.

use super::datarobot;
use super::http::{Request, Response};
use serde::Serialize;

/// Which API a path belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Api {
    /// The DataRobot memory API under `/api/v2/`.
    DataRobot,
    /// The MemoryLayer API under `/v1/` (except memory stores).
    MemoryLayer,
    /// The memory-store API under `/v1/memory_stores`.
    MemoryStores,
}

/// The API of a raw path (`None`: no API lives there).
pub fn api_of(path: &str) -> Option<Api> {
    if path.starts_with(datarobot::PREFIX) {
        Some(Api::DataRobot)
    } else if path == "/v1/memory_stores" || path.starts_with("/v1/memory_stores/") {
        Some(Api::MemoryStores)
    } else if path == "/v1" || path.starts_with("/v1/") {
        Some(Api::MemoryLayer)
    } else {
        None
    }
}

/// The shard that serves a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "target", rename_all = "snake_case")]
pub enum Target {
    /// DataRobot `GET memory/`: the principal's spaces (the directory's listing).
    #[serde(rename_all = "camelCase")]
    ListSpaces {
        /// Items to skip.
        offset: u64,
        /// Items to return (1–100).
        limit: u64,
        /// Only the space holding this deduplication key.
        deduplication_key: Option<String>,
    },
    /// DataRobot `POST memory/new/`: reserve in the directory, create in a new space's shard.
    #[serde(rename_all = "camelCase")]
    CreateSpace {
        /// The deduplication key of the body, if any (the directory holds the claims).
        deduplication_key: Option<String>,
    },
    /// DataRobot `POST memory/{s}/restore/`: the directory takes the space back.
    #[serde(rename_all = "camelCase")]
    RestoreSpace {
        /// The space id (its shard's name).
        space_id: String,
    },
    /// Any other route under DataRobot `memory/{s}/`.
    #[serde(rename_all = "camelCase")]
    Space {
        /// The space id (its shard's name).
        space_id: String,
        /// PATCH or DELETE of the space itself: the directory's copy changes too.
        changes_space: bool,
    },
    /// A `/v1` route: the principal's own shard.
    Principal {
        /// `memory_layer` or `memory_stores`.
        api: Api,
    },
}

/// Where to send a request, or the answer when no shard is needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Answer this without an engine.
    Respond(Response),
    /// Serve it in this shard.
    Forward(Target),
}

/// Routes a request; `authenticated` = the host found valid credentials (else 401 in the
/// API's shape, whatever the path).
pub fn route(req: &Request, authenticated: bool) -> Route {
    match api_of(&req.path) {
        Some(Api::DataRobot) => datarobot::route(req, authenticated),
        Some(api) => {
            if !authenticated {
                return Route::Respond(super::unauthorized(api));
            }
            if req.too_large() {
                return Route::Respond(super::too_large(api));
            }
            Route::Forward(Target::Principal { api })
        }
        None => Route::Respond(datarobot::not_found(authenticated)),
    }
}
