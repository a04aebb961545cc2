//! How records become ordered keys and bytes.

pub mod base64;
pub mod crc32;
pub mod envelope;
pub mod event;
pub mod keys;
pub mod lz;
pub mod varint;
