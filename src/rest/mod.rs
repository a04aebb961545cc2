//! One REST surface for every edge: the DataRobot memory API (`/api/v2/`), the MemoryLayer API
//! (`/v1/`) and the memory-store API (`/v1/memory_stores`), served from the engine without an
//! HTTP framework or an async runtime. A host turns its HTTP request into a [`Request`]
//! (method, raw path, raw query, headers, body bytes), authenticates it to a
//! [`crate::model::Principal`] (or `None`), and sends back the [`Response`] that
//! [`Rest::handle`] returns. Hosts that spread the store over shards (one Durable Object per
//! space) ask [`route`] first where a request goes.
//!
//! Every refusal is answered in the API's own error shape: a body over [`MAX_BODY_BYTES`] is a
//! 413 before anything is parsed; malformed JSON, bad percent-escapes, unknown routes and
//! wrong methods get their 4xx; nothing a caller sends produces a 500.
//!
//! Each API acts in its own namespace of the principal ([`engine_principal`]): a DataRobot
//! memory space, a MemoryLayer workspace and a memory store never meet.

pub mod datarobot;
mod fault;
mod http;
pub mod memory_stores;
pub mod memorylayer;
mod route;
mod server;

pub use http::{percent_decode, Query, Request, Response, MAX_BODY_BYTES};
pub use route::{api_of, route, Api, Route, Target};
pub use server::{engine_principal, Options, Rest};

/// The 401 of an API (no or unknown credentials), before anything else is looked at.
pub fn unauthorized(api: Api) -> Response {
    let f = fault::Fault::Unauthorized;
    match api {
        Api::DataRobot => datarobot::not_found(false),
        Api::MemoryLayer => memorylayer::fault_response(&f),
        Api::MemoryStores => memory_stores::fault_response(&f),
    }
}

/// The 413 of an API (a body over [`MAX_BODY_BYTES`]).
pub fn too_large(api: Api) -> Response {
    let f = fault::Fault::TooLarge;
    match api {
        Api::DataRobot => datarobot::fault_response(&f),
        Api::MemoryLayer => memorylayer::fault_response(&f),
        Api::MemoryStores => memory_stores::fault_response(&f),
    }
}
