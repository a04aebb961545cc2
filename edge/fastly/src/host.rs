//! The engine's host on Fastly Compute: the core's system host, whose wall clock and
//! randomness come from WASI there.

/// System clock + SipHash keyed from WASI's random source.
pub type FastlyHost = memspace::host::SystemHost;
