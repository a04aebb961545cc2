//! memspace on Fastly Compute (`wasm32-wasip1`, the `fastly` crate): the engine's storage seam
//! over a Fastly KV store ([`kv::FastlyKv`]), the engine's host on WASI ([`host::FastlyHost`])
//! and the token table a service reads from a Fastly secret store ([`auth::Tokens`]). The
//! service itself (`src/main.rs`) serves the REST surface over these.

pub mod auth;
pub mod host;
pub mod keys;
pub mod kv;
