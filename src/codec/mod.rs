//! How records become ordered keys and bytes.

pub mod envelope;
pub mod keys;
