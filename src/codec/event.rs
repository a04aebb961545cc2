//! The binary event value (format 3), what an `ev/{space}/{session}/{seq}` key holds:
//!
//! ```text
//! [3][crc32 of the rest: u32 LE]
//! [body form: varint 0 = JSON text, else the JSON text's length + 1 and the body is compressed]
//! (format 5 only: [the session's token count after this event: varint])
//! [created_at: zigzag varint, µs][updated_at − created_at: zigzag varint, µs]
//! [event_type: varint 0 = none, else len + 1, then UTF-8]
//! [emitter type: varint len, then UTF-8][emitter id: varint 0 = none, else len + 1, then UTF-8]
//! [body: the JSON text (or its compression, see [`super::lz`]), to the end]
//! ```
//!
//! The session id and sequence id are not stored: they are the key's. The body stays JSON text
//! (written once, copied verbatim into every answer), so key order and exact numbers are kept
//! and a listing renders an event without parsing its body. Values of format 2 (the whole
//! event as JSON, see [`super::envelope`]) are still read.
//!
//! Format 5 is format 3 with the session's running token count after the event: what a reader
//! folds into a session head that an append did not rewrite (docs/storage.md, "One-record
//! appends"). Appends write format 5; format 3 values are still read.

use super::varint::{put_opt_str, put_varint, unzigzag, zigzag, Reader};
use crate::error::{Error, Result};
use crate::model::{Emitter, Event};
use crate::time::Timestamp;

/// The format byte of a binary event value without the running token count.
pub const EVENT_FORMAT: u8 = 3;
/// The format byte of a binary event value with the running token count.
pub const EVENT_FORMAT_RUNNING: u8 = 5;
const HEADER: usize = 5;
/// Bodies shorter than this are stored as they are (compression would not pay).
const COMPRESS_FROM: usize = 48;
/// The longest body a value may claim to decompress to.
const MAX_BODY: usize = 16 << 20;

/// The parts of an event that go into its value besides the body.
pub struct Header<'a> {
    /// Creation time.
    pub created_at: Timestamp,
    /// Last modification time.
    pub updated_at: Timestamp,
    /// The event's label.
    pub event_type: Option<&'a str>,
    /// Who produced it.
    pub emitter: &'a Emitter,
    /// The session's token count after this event (format 5), if known.
    pub tokens_after: Option<u64>,
}

/// Encodes an event whose body is already JSON text (`body`, as [`body_json`] wrote it).
pub fn encode_parts(h: &Header<'_>, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER + 24 + body.len());
    let format = match h.tokens_after {
        Some(_) => EVENT_FORMAT_RUNNING,
        None => EVENT_FORMAT,
    };
    out.extend_from_slice(&[format, 0, 0, 0, 0]);
    let mut packed = Vec::new();
    if body.len() >= COMPRESS_FROM {
        super::lz::compress(body, &mut packed);
    }
    let compressed = !packed.is_empty() && packed.len() + 4 < body.len();
    put_varint(&mut out, if compressed { body.len() as u64 + 1 } else { 0 });
    if let Some(t) = h.tokens_after {
        put_varint(&mut out, t);
    }
    put_varint(&mut out, zigzag(h.created_at.0));
    put_varint(
        &mut out,
        zigzag(h.updated_at.0.wrapping_sub(h.created_at.0)),
    );
    put_opt_str(&mut out, h.event_type);
    put_varint(&mut out, h.emitter.kind.len() as u64);
    out.extend_from_slice(h.emitter.kind.as_bytes());
    put_opt_str(&mut out, h.emitter.id.as_deref());
    out.extend_from_slice(if compressed { &packed } else { body });
    crate::codec::envelope::seal(&mut out);
    out
}

/// A body as the JSON text an event value holds.
pub fn body_json(body: &serde_json::Value) -> Result<Vec<u8>> {
    serde_json::to_vec(body).map_err(Error::encode_failed)
}

/// Encodes an event (its session and sequence ids are the key's, not stored), with the
/// session's token count after it when known (format 5, else format 3).
pub fn encode(e: &Event, tokens_after: Option<u64>) -> Result<Vec<u8>> {
    let h = Header {
        created_at: e.created_at,
        updated_at: e.updated_at,
        event_type: e.event_type.as_deref(),
        emitter: &e.emitter,
        tokens_after,
    };
    Ok(encode_parts(&h, &body_json(&e.body)?))
}

/// A decoded binary value: its fields borrowed from the bytes.
pub struct Parts<'a> {
    /// Creation time.
    pub created_at: Timestamp,
    /// Last modification time.
    pub updated_at: Timestamp,
    /// The event's label.
    pub event_type: Option<&'a str>,
    /// The emitter's type.
    pub emitter_kind: &'a str,
    /// The emitter's id.
    pub emitter_id: Option<&'a str>,
    /// The body as stored: its JSON text, or that compressed.
    pub body: &'a [u8],
    /// The JSON text's length when `body` is compressed.
    pub compressed: Option<usize>,
    /// The session's token count after this event (format 5 only).
    pub tokens_after: Option<u64>,
}

impl Parts<'_> {
    /// The body's JSON text length, as far as it is worth reserving room for (a stored
    /// length is trusted up to 8× the compressed bytes; output past that just grows).
    pub fn body_len_hint(&self) -> usize {
        self.compressed.map_or(self.body.len(), |n| {
            n.min(self.body.len().saturating_mul(8))
        })
    }

    /// Appends the body's JSON text to `out`.
    pub fn body_to(&self, out: &mut Vec<u8>) -> Result<()> {
        match self.compressed {
            None => out.extend_from_slice(self.body),
            Some(len) => {
                let start = out.len();
                out.reserve(self.body_len_hint());
                super::lz::decompress(self.body, out, len)?;
                if out.len() - start != len {
                    return Err(Error::storage("compressed body of the wrong length"));
                }
            }
        }
        Ok(())
    }
}

/// True when a stored value is a binary event (format 3 or 5).
pub fn is_binary(bytes: &[u8]) -> bool {
    matches!(bytes.first(), Some(&EVENT_FORMAT | &EVENT_FORMAT_RUNNING))
}

/// Checks a binary value's checksum and splits it into its fields.
pub fn parts(bytes: &[u8]) -> Result<Parts<'_>> {
    if bytes.len() < HEADER || !is_binary(bytes) {
        return Err(Error::storage("not a binary event value"));
    }
    let rest = crate::codec::envelope::checksummed(bytes)?;
    let mut r = Reader(rest);
    let compressed = match r.varint()? {
        0 => None,
        n if n - 1 <= MAX_BODY as u64 => Some((n - 1) as usize),
        _ => return Err(Error::storage("malformed event value (body length)")),
    };
    let tokens_after = match bytes[0] {
        EVENT_FORMAT_RUNNING => Some(r.varint()?),
        _ => None,
    };
    let created_at = Timestamp(unzigzag(r.varint()?));
    let updated_at = Timestamp(created_at.0.wrapping_add(unzigzag(r.varint()?)));
    let event_type = r.opt_str()?;
    let kind_len = r.varint()?;
    let emitter_kind = r.str(kind_len)?;
    let emitter_id = r.opt_str()?;
    Ok(Parts {
        created_at,
        updated_at,
        event_type,
        emitter_kind,
        emitter_id,
        body: r.0,
        compressed,
        tokens_after,
    })
}

/// Decodes a binary value stored under session `session_id`, sequence id `seq`.
pub fn decode(session_id: &str, seq: u64, bytes: &[u8]) -> Result<Event> {
    let p = parts(bytes)?;
    let mut text = Vec::new();
    let json = match p.compressed {
        None => p.body,
        Some(_) => {
            p.body_to(&mut text)?;
            &text
        }
    };
    let body = serde_json::from_slice(json).map_err(Error::decode_failed)?;
    Ok(Event {
        session_id: session_id.to_string(),
        sequence_id: seq,
        event_type: p.event_type.map(str::to_string),
        body,
        emitter: Emitter {
            kind: p.emitter_kind.to_string(),
            id: p.emitter_id.map(str::to_string),
        },
        created_at: p.created_at,
        updated_at: p.updated_at,
    })
}

/// Writes `v` as JSON (serde_json's writer: the one the engine already has, no `fmt`).
fn json<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) -> Result<()> {
    serde_json::to_writer(&mut *out, v).map_err(Error::encode_failed)
}

/// `s` as a JSON string, as `serde_json` writes it: with nothing to escape (no control
/// character, quote or backslash: ids, types, times) the text between quotes as is.
fn json_str(out: &mut Vec<u8>, s: &str) -> Result<()> {
    if s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        return json(out, s);
    }
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
    Ok(())
}

fn json_opt_str(out: &mut Vec<u8>, s: Option<&str>) -> Result<()> {
    match s {
        Some(s) => json_str(out, s),
        None => {
            out.extend_from_slice(b"null");
            Ok(())
        }
    }
}

fn json_time(out: &mut Vec<u8>, t: Timestamp) -> Result<()> {
    match t.rfc3339(&mut [0; 27]) {
        Some(text) => json_str(out, text),
        None => json(out, &t),
    }
}

/// Appends the event's public JSON record (the same text `serde_json` writes for [`Event`])
/// for the binary value `p` stored under session `session_id`, sequence id `seq`.
pub fn write_json(out: &mut Vec<u8>, session_id: &str, seq: u64, p: &Parts<'_>) -> Result<()> {
    out.extend_from_slice(b"{\"sessionId\":");
    json_str(out, session_id)?;
    out.extend_from_slice(b",\"sequenceId\":");
    json(out, &seq)?;
    fields_json(out, p)?;
    out.extend_from_slice(b"},\"createdAt\":");
    json_time(out, p.created_at)?;
    out.extend_from_slice(b",\"updatedAt\":");
    json_time(out, p.updated_at)?;
    out.push(b'}');
    Ok(())
}

/// Appends the part of an event's public JSON record between its sequence id and its
/// emitter's closing brace: `,"eventType":…,"body":…,"emitter":{"type":…,"id":…`.
fn fields_json(out: &mut Vec<u8>, p: &Parts<'_>) -> Result<()> {
    out.extend_from_slice(b",\"eventType\":");
    json_opt_str(out, p.event_type)?;
    out.extend_from_slice(b",\"body\":");
    p.body_to(out)?;
    out.extend_from_slice(b",\"emitter\":{\"type\":");
    json_str(out, p.emitter_kind)?;
    out.extend_from_slice(b",\"id\":");
    json_opt_str(out, p.emitter_id)?;
    Ok(())
}

/// What the public JSON records of the events of one append share (the session id, and both
/// times: an append stores every event at one time), written once for all of them.
pub struct Appended {
    /// `{"sessionId":…,"sequenceId":`
    head: Vec<u8>,
    /// `},"createdAt":…,"updatedAt":…}`
    tail: Vec<u8>,
}

impl Appended {
    /// The shared parts of events appended to session `session_id` at `now`.
    pub fn new(session_id: &str, now: Timestamp) -> Result<Self> {
        let mut head = b"{\"sessionId\":".to_vec();
        json_str(&mut head, session_id)?;
        head.extend_from_slice(b",\"sequenceId\":");
        let mut tail = b"},\"createdAt\":".to_vec();
        json_time(&mut tail, now)?;
        let time = tail[b"},\"createdAt\":".len()..].to_vec();
        tail.extend_from_slice(b",\"updatedAt\":");
        tail.extend_from_slice(&time);
        tail.push(b'}');
        Ok(Appended { head, tail })
    }

    /// Appends the record [`write_json`] writes for an event of this append with the parts
    /// `p` (`p`'s times are this append's; `p.body` is its JSON text, not compressed).
    pub fn write(&self, out: &mut Vec<u8>, seq: u64, p: &Parts<'_>) -> Result<()> {
        out.extend_from_slice(&self.head);
        json(out, &seq)?;
        fields_json(out, p)?;
        out.extend_from_slice(&self.tail);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(event_type: Option<&str>, id: Option<&str>, body: serde_json::Value) -> Event {
        Event {
            session_id: "ses_x\"y".into(),
            sequence_id: 41,
            event_type: event_type.map(str::to_string),
            body,
            emitter: Emitter {
                kind: "agent".into(),
                id: id.map(str::to_string),
            },
            created_at: Timestamp(1_764_590_000_123_456),
            updated_at: Timestamp(1_764_590_000_123_999),
        }
    }

    #[test]
    fn strings_and_times_are_written_as_serde_json_writes_them() {
        for s in [
            "",
            "ses_abc",
            "q\"uote",
            "back\\slash",
            "tab\there",
            "\u{1}",
            "\u{1f}",
            "\u{7f}",
            "é ü 中 😀",
            "</script>",
        ] {
            let mut out = Vec::new();
            json_str(&mut out, s).unwrap();
            assert_eq!(out, serde_json::to_vec(s).unwrap(), "{s:?}");
        }
        for t in [
            0,
            -5,
            1_764_590_000_123_456,
            Timestamp::RFC3339_MAX.0,
            Timestamp::RFC3339_MAX.0 + 1,
            Timestamp::RFC3339_MIN.0 - 1,
            1_700_000_000_000_000_000,
            -100_000_000_000_000_000,
        ] {
            let mut out = Vec::new();
            json_time(&mut out, Timestamp(t)).unwrap();
            assert_eq!(out, serde_json::to_vec(&Timestamp(t)).unwrap(), "{t}");
        }
    }

    #[test]
    fn binary_events_decode_to_the_event_and_render_the_json_serde_writes() {
        let cases = [
            event(
                Some("message"),
                Some("u1"),
                json!({"z": 1, "a": [1.5, "é\n"]}),
            ),
            event(None, None, json!(null)),
            event(Some(""), Some(""), json!("text")),
            event(
                Some("m"),
                Some("u1"),
                json!({"content": "lorem ipsum ".repeat(40)}),
            ),
            Event {
                created_at: Timestamp(-5),
                updated_at: Timestamp(-9),
                ..event(Some("t"), None, json!({}))
            },
        ];
        for e in cases {
            let v = encode(&e, None).unwrap();
            assert_eq!(decode(&e.session_id, 41, &v).unwrap(), e);
            let mut out = Vec::new();
            write_json(&mut out, &e.session_id, 41, &parts(&v).unwrap()).unwrap();
            assert_eq!(out, serde_json::to_vec(&e).unwrap());
        }
    }

    #[test]
    fn an_appended_event_renders_the_record_write_json_renders() {
        for e in [
            event(
                Some("message"),
                Some("u1"),
                json!({"z": 1, "a": [1.5, "é\n"]}),
            ),
            event(None, None, json!(null)),
            event(Some("\"q\""), Some("\u{1}"), json!("text")),
        ] {
            let e = Event {
                updated_at: e.created_at,
                ..e
            };
            let v = encode(&e, None).unwrap();
            let p = parts(&v).unwrap();
            let mut out = b"[".to_vec();
            Appended::new(&e.session_id, e.created_at)
                .unwrap()
                .write(&mut out, 41, &p)
                .unwrap();
            let mut want = b"[".to_vec();
            write_json(&mut want, &e.session_id, 41, &p).unwrap();
            assert_eq!(String::from_utf8(out), String::from_utf8(want));
        }
    }

    #[test]
    fn events_with_the_running_token_count_decode_like_the_others_and_carry_it() {
        let e = event(
            Some("message"),
            Some("u1"),
            json!({"content": "hi ".repeat(30)}),
        );
        for run in [0, 1, 127, 128, u64::MAX] {
            let v = encode(&e, Some(run)).unwrap();
            assert_eq!(v[0], EVENT_FORMAT_RUNNING);
            assert_eq!(decode(&e.session_id, 41, &v).unwrap(), e);
            let p = parts(&v).unwrap();
            assert_eq!(p.tokens_after, Some(run));
            let mut out = Vec::new();
            write_json(&mut out, &e.session_id, 41, &p).unwrap();
            assert_eq!(out, serde_json::to_vec(&e).unwrap());
        }
        let old = encode(&e, None).unwrap();
        assert_eq!(old[0], EVENT_FORMAT);
        assert_eq!(parts(&old).unwrap().tokens_after, None);
    }

    #[test]
    fn the_binary_value_is_smaller_than_the_json_record() {
        let e = event(Some("message"), Some("u1"), json!({"content": "hello"}));
        let json = super::super::envelope::encode(&e).unwrap();
        let bin = encode(&e, None).unwrap();
        assert!(
            bin.len() + 150 < json.len(),
            "{} vs {}",
            bin.len(),
            json.len()
        );
    }

    #[test]
    fn corrupted_or_truncated_binary_values_are_storage_errors() {
        let v = encode(&event(Some("m"), Some("u1"), json!({"a": 1})), Some(300)).unwrap();
        for i in 1..v.len() {
            let mut bad = v.clone();
            bad[i] ^= 0x41;
            assert_eq!(
                decode("s", 0, &bad).unwrap_err().code,
                crate::ErrorCode::Storage
            );
        }
        for n in 0..v.len() {
            assert!(decode("s", 0, &v[..n]).is_err());
        }
        // A checksum-valid value whose lengths run past its end is refused, not read past.
        let mut forged = vec![EVENT_FORMAT, 0, 0, 0, 0, 0, 0, 0, 0x7f];
        let crc = crate::codec::crc32::hash(&forged[HEADER..]);
        forged[1..HEADER].copy_from_slice(&crc.to_le_bytes());
        assert!(decode("s", 0, &forged).is_err());
        // So is a compressed body that decompresses to another length than its value says.
        let mut forged = vec![EVENT_FORMAT, 0, 0, 0, 0];
        forged.extend_from_slice(b"\x09\0\0\0\x01x\0\x06\"a\"");
        let crc = crate::codec::crc32::hash(&forged[HEADER..]);
        forged[1..HEADER].copy_from_slice(&crc.to_le_bytes());
        assert!(decode("s", 0, &forged).is_err());
    }

    #[test]
    fn long_bodies_are_stored_compressed_and_read_back_exactly() {
        let body = json!({"content": "lorem ipsum dolor sit amet ".repeat(10)});
        let e = event(Some("message"), Some("u1"), body.clone());
        let v = encode(&e, None).unwrap();
        let p = parts(&v).unwrap();
        assert!(p.compressed.is_some());
        assert!(v.len() < 100, "{}", v.len());
        assert_eq!(decode(&e.session_id, 41, &v).unwrap().body, body);
    }

    #[test]
    fn a_compressed_body_declaring_a_length_it_does_not_have_is_a_storage_error() {
        let body = json!({"content": "lorem ipsum dolor sit amet ".repeat(10)});
        let v = encode(&event(None, None, body), None).unwrap();
        let p = parts(&v).unwrap();
        for declared in [
            0,
            1,
            p.compressed.unwrap() - 1,
            p.compressed.unwrap() + 1,
            usize::MAX,
        ] {
            let forged = Parts {
                compressed: Some(declared),
                ..p
            };
            let err = forged.body_to(&mut Vec::new()).unwrap_err();
            assert_eq!(err.code, crate::ErrorCode::Storage, "{declared}");
        }
    }
}
