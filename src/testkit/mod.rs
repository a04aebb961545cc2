//! Test and benchmark support: seeded generators of memory-like data (no downloads), shared
//! by the native tests, `bench/` and the browser benchmark. Not part of the engine's API
//! promises.

pub mod corpus;
pub mod heads;
pub mod quality;
pub mod rng;
