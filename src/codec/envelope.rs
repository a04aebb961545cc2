//! Value envelope: `[format version: u8 = 2][crc32 of payload: u32 LE][payload: JSON]`.
//!
//! JSON keeps records readable in browser devtools and lets user payloads (event bodies,
//! metadata) round-trip verbatim. The checksum turns a torn or corrupted value into a
//! `storage` error instead of a wrong answer.

use crate::error::{Error, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Current envelope format version.
pub const FORMAT_VERSION: u8 = 2;
/// The pre-release format (snake_case record fields), no longer read.
const LEGACY_VERSION: u8 = 1;
const HEADER: usize = 5;

/// Encodes a record.
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    Ok(enveloped(
        &serde_json::to_vec(value).map_err(Error::encode_failed)?,
    ))
}

/// `payload` in its envelope (not generic: one copy for every record type).
fn enveloped(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.push(FORMAT_VERSION);
    out.extend_from_slice(&crate::codec::crc32::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// The JSON payload of a value, its version and checksum checked (nothing is decoded).
pub fn payload(bytes: &[u8]) -> Result<&[u8]> {
    if bytes.len() < HEADER {
        return Err(Error::storage("value too short for its envelope"));
    }
    if bytes[0] != FORMAT_VERSION {
        return Err(Error::storage(format!(
            "unknown format version {}",
            bytes[0]
        )));
    }
    checksummed(bytes)
}

/// What follows the format byte and checksum of a value (any format), its checksum checked.
pub fn checksummed(bytes: &[u8]) -> Result<&[u8]> {
    if bytes.len() < HEADER {
        return Err(Error::storage("value too short for its envelope"));
    }
    let mut crc = [0u8; 4];
    crc.copy_from_slice(&bytes[1..HEADER]);
    let payload = &bytes[HEADER..];
    if crate::codec::crc32::hash(payload) != u32::from_le_bytes(crc) {
        return Err(Error::storage("checksum mismatch"));
    }
    Ok(payload)
}

/// Fills the checksum of `out`, laid out as format byte, 4 checksum bytes, payload.
pub fn seal(out: &mut [u8]) {
    if out.len() >= HEADER {
        let crc = crate::codec::crc32::hash(&out[HEADER..]);
        out[1..HEADER].copy_from_slice(&crc.to_le_bytes());
    }
}

/// Decodes a record, checking version and checksum.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(record_payload(bytes)?).map_err(Error::decode_failed)
}

/// The JSON payload of a record, version and checksum checked; a record of the pre-release
/// format is refused by name (not generic: one copy for every record type).
fn record_payload(bytes: &[u8]) -> Result<&[u8]> {
    if bytes.len() < HEADER {
        return Err(Error::storage("value too short for its envelope"));
    }
    if bytes[0] == LEGACY_VERSION {
        return Err(Error::storage(
            "value written by a pre-release memspace (format 1, snake_case fields); not readable by this version",
        ));
    }
    if bytes[0] != FORMAT_VERSION {
        return Err(Error::storage(format!(
            "unknown format version {}",
            bytes[0]
        )));
    }
    checksummed(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrupted_values_are_storage_errors_not_wrong_answers() {
        let mut v = encode(&serde_json::json!({"a": 1})).unwrap();
        assert_eq!(decode::<serde_json::Value>(&v).unwrap()["a"], 1);
        let last = v.len() - 2;
        v[last] ^= 1;
        assert_eq!(
            decode::<serde_json::Value>(&v).unwrap_err().code,
            crate::ErrorCode::Storage
        );
        assert!(decode::<serde_json::Value>(&[1, 2]).is_err());
        assert!(decode::<serde_json::Value>(&[9, 0, 0, 0, 0]).is_err());
    }
}
