//! The session head value, what `se/{space}/{session}` and its copy hold (format 4):
//!
//! ```text
//! [4][crc32 of the rest: u32 LE]
//! [flags: varint; bit 0 last_event_at, 1 deleted_at, 2 touched_at, 3 expires_at, 4 next_due,
//!  5 type_index, 6 type_pages, 7 awaiting_extraction]
//! [id][memory_space_id][participants: varint count, then each]        strings: varint len, UTF-8
//! [description][metadata: JSON text][deduplication_key]               varint 0 = none, else len + 1
//! [lifecycle_strategies: JSON text][executed_strategies: JSON text, varint 0 = empty list]
//! [version][event_count][token_count][extracted_through][deleted_events][job_seq]: varints
//! [created_at: zigzag varint, µs][updated_at − created_at: zigzag varint, µs]
//! [each flagged time, in flag order: its distance from created_at, zigzag varint, µs]
//! [pending_tx: varint 0 = none, else len + 1, UTF-8]
//! [type_marks: varint count, then each type (string) and page (varint)]
//! [awaiting_extraction, when flagged: job id (string), since − created_at (zigzag varint)]
//! ```
//!
//! Times are integers and absent fields cost a bit, so a head is about a quarter of its JSON
//! (it is written twice per append on backends with atomic batches). JSON text stays only where
//! the value is the user's JSON (metadata) or the strategies' own JSON shape. Heads of format 2
//! (the record as JSON, see [`crate::codec::envelope`]) are still read; the next write of a
//! head rewrites it in this format.

use super::lifecycle::{AwaitingExtraction, SessionRecord};
use crate::codec::envelope;
use crate::codec::varint::{put_opt_str, put_str, put_varint, unzigzag, zigzag, Reader};
use crate::error::{Error, Result};
use crate::model::Session;
use crate::time::Timestamp;

/// The format byte of a compact session head.
pub(crate) const HEAD_FORMAT: u8 = 4;
const HEADER: usize = 5;

// Flag bits 0–4 say which optional times follow, in the order `encode`'s `times` lists them.
const TYPE_INDEX: u64 = 1 << 5;
const TYPE_PAGES: u64 = 1 << 6;
const AWAITING: u64 = 1 << 7;

fn json<T: serde::Serialize + ?Sized>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::storage(format!("encode: {e}")))
}

fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| Error::storage(format!("decode: {e}")))
}

fn put_time(out: &mut Vec<u8>, t: Timestamp, base: Timestamp) {
    put_varint(out, zigzag(t.0.wrapping_sub(base.0)));
}

fn flag(on: bool, bit: u64) -> u64 {
    if on {
        bit
    } else {
        0
    }
}

/// Encodes a session head.
pub(crate) fn encode(rec: &SessionRecord) -> Result<Vec<u8>> {
    // Every field is named (no `..`): a field added to either struct fails to compile here.
    let SessionRecord {
        session:
            Session {
                id,
                memory_space_id,
                participants,
                description,
                metadata,
                lifecycle_strategies,
                version,
                deduplication_key,
                created_at,
                updated_at,
                event_count,
                token_count,
                last_event_at,
                executed_strategies,
                deleted_at,
                touched_at,
                expires_at,
            },
        next_due,
        extracted_through,
        pending_tx,
        type_index,
        type_pages,
        type_marks,
        deleted_events,
        job_seq,
        awaiting_extraction,
    } = rec;
    let times = [*last_event_at, *deleted_at, *touched_at, *expires_at, *next_due];
    let mut flags = flag(*type_index, TYPE_INDEX)
        | flag(*type_pages, TYPE_PAGES)
        | flag(awaiting_extraction.is_some(), AWAITING);
    for (i, t) in times.iter().enumerate() {
        flags |= flag(t.is_some(), 1 << i);
    }
    let mut out = Vec::with_capacity(192);
    out.extend_from_slice(&[HEAD_FORMAT, 0, 0, 0, 0]);
    put_varint(&mut out, flags);
    put_str(&mut out, id);
    put_str(&mut out, memory_space_id);
    put_varint(&mut out, participants.len() as u64);
    for p in participants {
        put_str(&mut out, p);
    }
    put_opt_str(&mut out, description.as_deref());
    put_opt_str(&mut out, metadata.as_ref().map(json).transpose()?.as_deref());
    put_opt_str(&mut out, deduplication_key.as_deref());
    put_str(&mut out, &json(lifecycle_strategies)?);
    let executed = match executed_strategies.is_empty() {
        true => None,
        false => Some(json(executed_strategies)?),
    };
    put_opt_str(&mut out, executed.as_deref());
    for n in [
        *version,
        *event_count,
        *token_count,
        *extracted_through,
        *deleted_events,
        *job_seq,
    ] {
        put_varint(&mut out, n);
    }
    put_varint(&mut out, zigzag(created_at.0));
    put_time(&mut out, *updated_at, *created_at);
    for t in times.iter().flatten() {
        put_time(&mut out, *t, *created_at);
    }
    put_opt_str(&mut out, pending_tx.as_deref());
    put_varint(&mut out, type_marks.len() as u64);
    for (t, page) in type_marks {
        put_str(&mut out, t);
        put_varint(&mut out, *page);
    }
    if let Some(a) = awaiting_extraction {
        put_str(&mut out, &a.job_id);
        put_time(&mut out, a.since, *created_at);
    }
    let crc = crate::codec::crc32::hash(&out[HEADER..]);
    out[1..HEADER].copy_from_slice(&crc.to_le_bytes());
    Ok(out)
}

/// Decodes a session head: compact (format 4) or JSON (format 2), checksum checked.
pub(crate) fn decode(bytes: &[u8]) -> Result<SessionRecord> {
    if bytes.first() != Some(&HEAD_FORMAT) {
        return envelope::decode::<super::lifecycle::StoredHead>(bytes).map(SessionRecord::from);
    }
    if bytes.len() < HEADER {
        return Err(Error::storage("value too short for its envelope"));
    }
    let mut crc = [0u8; 4];
    crc.copy_from_slice(&bytes[1..HEADER]);
    let rest = &bytes[HEADER..];
    if crate::codec::crc32::hash(rest) != u32::from_le_bytes(crc) {
        return Err(Error::storage("checksum mismatch"));
    }
    let mut r = Reader(rest);
    let flags = r.varint()?;
    let id = r.string()?.to_string();
    let memory_space_id = r.string()?.to_string();
    let count = r.varint()?;
    // Each participant takes at least one byte: a count past the bytes left is corrupt.
    if count > r.0.len() as u64 {
        return Err(Error::storage("malformed session head (participants)"));
    }
    let mut participants = Vec::with_capacity(count as usize);
    for _ in 0..count {
        participants.push(r.string()?.to_string());
    }
    let description = r.opt_str()?.map(str::to_string);
    let metadata = r.opt_str()?.map(from_json).transpose()?;
    let deduplication_key = r.opt_str()?.map(str::to_string);
    let lifecycle_strategies = from_json(r.string()?)?;
    let executed_strategies = r.opt_str()?.map(from_json).transpose()?.unwrap_or_default();
    let version = r.varint()?;
    let event_count = r.varint()?;
    let token_count = r.varint()?;
    let extracted_through = r.varint()?;
    let deleted_events = r.varint()?;
    let job_seq = r.varint()?;
    let created_at = Timestamp(unzigzag(r.varint()?));
    let time = |r: &mut Reader<'_>| -> Result<Timestamp> {
        Ok(Timestamp(created_at.0.wrapping_add(unzigzag(r.varint()?))))
    };
    let updated_at = time(&mut r)?;
    let mut times = [None; 5];
    for (i, t) in times.iter_mut().enumerate() {
        if flags & (1 << i) != 0 {
            *t = Some(time(&mut r)?);
        }
    }
    let [last_event_at, deleted_at, touched_at, expires_at, next_due] = times;
    let pending_tx = r.opt_str()?.map(str::to_string);
    let marks = r.varint()?;
    if marks > r.0.len() as u64 {
        return Err(Error::storage("malformed session head (type marks)"));
    }
    let mut type_marks = Vec::with_capacity(marks as usize);
    for _ in 0..marks {
        let t = r.string()?.to_string();
        type_marks.push((t, r.varint()?));
    }
    let awaiting_extraction = match flags & AWAITING {
        0 => None,
        _ => Some(AwaitingExtraction {
            job_id: r.string()?.to_string(),
            since: time(&mut r)?,
        }),
    };
    if !r.0.is_empty() || flags >= AWAITING << 1 {
        return Err(Error::storage("malformed session head (trailing bytes or flags)"));
    }
    Ok(SessionRecord {
        session: Session {
            id,
            memory_space_id,
            participants,
            description,
            metadata,
            lifecycle_strategies,
            version,
            deduplication_key,
            created_at,
            updated_at,
            event_count,
            token_count,
            last_event_at,
            executed_strategies,
            deleted_at,
            touched_at,
            expires_at,
        },
        next_due,
        extracted_through,
        pending_tx,
        type_index: flags & TYPE_INDEX != 0,
        type_pages: flags & TYPE_PAGES != 0,
        type_marks,
        deleted_events,
        job_seq,
        awaiting_extraction,
    })
}
