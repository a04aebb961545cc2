//! The session head value, what `se/{space}/{session}` and its copy hold (format 4):
//!
//! ```text
//! [4][crc32 of the rest: u32 LE]
//! [flags: varint; bit 0 last_event_at, 1 deleted_at, 2 touched_at, 3 expires_at, 4 next_due,
//!  5 type_index, 6 type_pages, 7 awaiting_extraction, 8 type_runs]
//! [id][memory_space_id][participants: varint count, then each]        strings: varint len, UTF-8
//! [description][metadata: JSON text][deduplication_key]               varint 0 = none, else len + 1
//! [lifecycle_strategies: varint count, then each: one byte type · 4 + trigger (0 ttl, 1 idle,
//!  2 eventCount, 3 tokenCount; type 0 soft_delete, 1 extract_memories), the trigger's value
//!  (varint), opts (JSON text, varint 0 = none)]
//! [executed_strategies: JSON text, varint 0 = empty list]
//! [version][event_count][token_count][extracted_through][deleted_events][job_seq]: varints
//! [created_at: zigzag varint, µs][updated_at − created_at: zigzag varint, µs]
//! [each flagged time, in flag order: its distance from created_at, zigzag varint, µs]
//! [pending_tx: varint 0 = none, else len + 1, UTF-8]
//! [type_marks: varint count, then each type (string) and page (varint)]
//! [awaiting_extraction, when flagged: job id (string), since − created_at (zigzag varint)]
//! ```
//!
//! Times are integers and absent fields cost a bit, so a head is about a fifth of its JSON
//! (127 B for 634 B with two participants and the default strategy; it is written twice per
//! append on backends with atomic batches). JSON text stays only where the value is the user's
//! JSON (metadata, a strategy's options) or rarely written (the executed strategies). Heads of
//! format 2 (the record as JSON, see [`crate::codec::envelope`]) are still read; the next write
//! of a head rewrites it in this format.

use super::lifecycle::{AwaitingExtraction, Counters, ReadState, SessionRecord};
use crate::codec::envelope;
use crate::codec::varint::{put_opt_str, put_str, put_varint, unzigzag, zigzag, Reader};
use crate::error::{Error, Result};
use crate::model::{LifecycleStrategy, Session, StrategyType, Trigger};
use crate::time::Timestamp;

/// The format byte of a compact session head.
pub(crate) const HEAD_FORMAT: u8 = 4;

// Flag bits 0–4 say which optional times follow, in the order `encode`'s `times` lists them.
const TYPE_INDEX: u64 = 1 << 5;
const TYPE_PAGES: u64 = 1 << 6;
const AWAITING: u64 = 1 << 7;
const TYPE_RUNS: u64 = 1 << 8;

// JSON goes through serde_json's byte-slice reader and writer, the ones the JSON envelope
// already instantiates for these types (`from_str` would add a second copy of each
// deserializer to the wasm module).
fn json<T: serde::Serialize + ?Sized>(v: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(v).map_err(Error::encode_failed)
}

fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_slice(s.as_bytes()).map_err(Error::decode_failed)
}

fn put_opt_json(out: &mut Vec<u8>, text: Option<Vec<u8>>) {
    match text {
        None => out.push(0),
        Some(t) => {
            put_varint(out, t.len() as u64 + 1);
            out.extend_from_slice(&t);
        }
    }
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

fn put_strategy(out: &mut Vec<u8>, s: &LifecycleStrategy) -> Result<()> {
    let LifecycleStrategy {
        kind,
        trigger,
        opts,
    } = s;
    let kind = match kind {
        StrategyType::SoftDelete => 0,
        StrategyType::ExtractMemories => 1,
    };
    let (tag, n) = match *trigger {
        Trigger::Ttl(n) => (0, n),
        Trigger::Idle(n) => (1, n),
        Trigger::EventCount(n) => (2, n),
        Trigger::TokenCount(n) => (3, n),
    };
    out.push(kind * 4 + tag);
    put_varint(out, n);
    put_opt_json(out, opts.as_ref().map(json).transpose()?);
    Ok(())
}

fn strategy(r: &mut Reader<'_>) -> Result<LifecycleStrategy> {
    let code = r.varint()?;
    let kind = match code / 4 {
        0 => StrategyType::SoftDelete,
        1 => StrategyType::ExtractMemories,
        _ => return Err(Error::storage("malformed session head (strategy type)")),
    };
    let n = r.varint()?;
    let trigger = match code % 4 {
        0 => Trigger::Ttl(n),
        1 => Trigger::Idle(n),
        2 => Trigger::EventCount(n),
        _ => Trigger::TokenCount(n),
    };
    let opts = r.opt_str()?.map(from_json).transpose()?;
    Ok(LifecycleStrategy {
        kind,
        trigger,
        opts,
    })
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
        type_runs,
        type_marks,
        deleted_events,
        job_seq,
        awaiting_extraction,
        read: _, // learnt by reading, never stored
    } = rec;
    let times = [
        *last_event_at,
        *deleted_at,
        *touched_at,
        *expires_at,
        *next_due,
    ];
    let mut flags = flag(*type_index, TYPE_INDEX)
        | flag(*type_pages, TYPE_PAGES)
        | flag(*type_runs, TYPE_RUNS)
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
    put_opt_json(&mut out, metadata.as_ref().map(json).transpose()?);
    put_opt_str(&mut out, deduplication_key.as_deref());
    put_varint(&mut out, lifecycle_strategies.len() as u64);
    for s in lifecycle_strategies {
        put_strategy(&mut out, s)?;
    }
    let executed = match executed_strategies.is_empty() {
        true => None,
        false => Some(json(executed_strategies)?),
    };
    put_opt_json(&mut out, executed);
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
    envelope::seal(&mut out);
    Ok(out)
}

/// Decodes a session head: compact (format 4) or JSON (format 2), checksum checked.
pub(crate) fn decode(bytes: &[u8]) -> Result<SessionRecord> {
    let mut rec = decode_value(bytes)?;
    rec.read.stored = Counters::of(&rec.session);
    Ok(rec)
}

/// [`decode`] without what reading learnt.
fn decode_value(bytes: &[u8]) -> Result<SessionRecord> {
    if bytes.first() != Some(&HEAD_FORMAT) {
        return envelope::decode::<super::lifecycle::StoredHead>(bytes).map(SessionRecord::from);
    }
    let rest = envelope::checksummed(bytes)?;
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
    let count = r.varint()?;
    // Each strategy takes at least three bytes: a count past the bytes left is corrupt.
    if count > r.0.len() as u64 {
        return Err(Error::storage("malformed session head (strategies)"));
    }
    let mut lifecycle_strategies = Vec::with_capacity(count as usize);
    for _ in 0..count {
        lifecycle_strategies.push(strategy(&mut r)?);
    }
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
    if !r.0.is_empty() || flags >= TYPE_RUNS << 1 {
        return Err(Error::storage(
            "malformed session head (trailing bytes or flags)",
        ));
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
        type_runs: flags & TYPE_RUNS != 0,
        type_marks,
        deleted_events,
        job_seq,
        awaiting_extraction,
        read: ReadState::default(),
    })
}

/// A head as the JSON record format 2 stored (the session's fields beside the bookkeeping),
/// for tests that read a stored head directly.
#[cfg(any(test, feature = "test-support"))]
pub(crate) fn to_json(rec: &SessionRecord) -> Result<serde_json::Value> {
    let enc = |e: serde_json::Error| Error::storage(format!("encode: {e}"));
    let mut v = serde_json::to_value(&rec.session).map_err(enc)?;
    let Some(o) = v.as_object_mut() else {
        return Err(Error::storage("a session is not a JSON object"));
    };
    let mut put = |k: &str, x: serde_json::Value| o.insert(k.to_string(), x);
    put("nextDue", serde_json::to_value(rec.next_due).map_err(enc)?);
    put("extractedThrough", rec.extracted_through.into());
    put("pendingTx", rec.pending_tx.clone().into());
    if rec.type_index {
        put("typeIndex", true.into());
    }
    if rec.type_pages {
        put("typePages", true.into());
    }
    if rec.type_runs {
        put("typeRuns", true.into());
    }
    if !rec.type_marks.is_empty() {
        put(
            "typeMarks",
            serde_json::to_value(&rec.type_marks).map_err(enc)?,
        );
    }
    if rec.deleted_events != 0 {
        put("deletedEvents", rec.deleted_events.into());
    }
    put("jobSeq", rec.job_seq.into());
    if let Some(a) = &rec.awaiting_extraction {
        put("awaitingExtraction", serde_json::to_value(a).map_err(enc)?);
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{StrategyExecution, StrategyOpts};
    use crate::ErrorCode;
    use serde_json::json;

    fn t(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    /// A head with every optional field set and every list non-empty.
    fn full() -> SessionRecord {
        let metadata = json!({"z": 1, "a": [1.25, null, "é\u{0}"], "nested": {"k": "v"}});
        SessionRecord {
            session: Session {
                id: "ses_01HZZZZZZZZZZZZZZZZZZZZZZZ".into(),
                memory_space_id: "spc_01HYYYYYYYYYYYYYYYYYYYYYYY".into(),
                participants: vec!["user-1".into(), "agent-é".into(), String::new()],
                description: Some("a description".into()),
                metadata: metadata.as_object().cloned(),
                lifecycle_strategies: vec![
                    LifecycleStrategy::soft_delete(Trigger::Ttl(86_400)),
                    LifecycleStrategy::soft_delete(Trigger::Idle(3_600)),
                    LifecycleStrategy {
                        kind: StrategyType::ExtractMemories,
                        trigger: Trigger::TokenCount(100_000_000),
                        opts: None,
                    },
                    LifecycleStrategy {
                        kind: StrategyType::ExtractMemories,
                        trigger: Trigger::EventCount(3),
                        opts: Some(StrategyOpts {
                            soft_delete: Some(false),
                            agent_id: Some("agent".into()),
                            metadata: json!({"x": true}).as_object().cloned(),
                        }),
                    },
                ],
                version: 7,
                deduplication_key: Some("dedup".into()),
                created_at: t("2026-12-01T17:00:00.123456Z"),
                updated_at: t("2026-12-01T17:05:00Z"),
                event_count: 300,
                token_count: 1 << 40,
                last_event_at: Some(t("2026-12-01T17:04:59.999999Z")),
                executed_strategies: vec![StrategyExecution {
                    index: 1,
                    kind: StrategyType::ExtractMemories,
                    due_at: t("2026-12-01T17:04:00Z"),
                    fired_at: t("2026-12-01T17:05:00Z"),
                    job_id: Some("job_1".into()),
                }],
                deleted_at: Some(t("2026-12-02T00:00:00Z")),
                touched_at: Some(t("2026-12-01T17:03:00Z")),
                // Before creation: distances from created_at are signed.
                expires_at: Some(t("1969-12-31T23:59:59Z")),
            },
            next_due: Some(t("9999-12-31T23:59:59.999999Z")),
            extracted_through: 299,
            pending_tx: Some("tx_1".into()),
            type_index: true,
            type_pages: true,
            type_runs: true,
            type_marks: vec![("msg".into(), 0), ("tool".into(), u64::MAX)],
            deleted_events: 2,
            job_seq: 1,
            awaiting_extraction: Some(AwaitingExtraction {
                job_id: "job_1".into(),
                since: t("2026-12-01T17:04:00Z"),
            }),
            read: ReadState::default(),
        }
    }

    /// A head with every optional field absent and every list empty.
    fn bare() -> SessionRecord {
        SessionRecord {
            session: Session {
                id: "ses_1".into(),
                memory_space_id: "spc_1".into(),
                participants: vec!["u".into()],
                description: None,
                metadata: None,
                lifecycle_strategies: vec![],
                version: 1,
                deduplication_key: None,
                created_at: Timestamp(0),
                updated_at: Timestamp(0),
                event_count: 0,
                token_count: 0,
                last_event_at: None,
                executed_strategies: vec![],
                deleted_at: None,
                touched_at: None,
                expires_at: None,
            },
            next_due: None,
            extracted_through: 0,
            pending_tx: None,
            type_index: false,
            type_pages: false,
            type_runs: false,
            type_marks: vec![],
            deleted_events: 0,
            job_seq: 0,
            awaiting_extraction: None,
            read: ReadState::default(),
        }
    }

    #[test]
    fn every_head_field_round_trips_through_the_compact_format() {
        for rec in [full(), bare()] {
            let bytes = encode(&rec).unwrap();
            assert_eq!(bytes[0], HEAD_FORMAT);
            assert_eq!(decode(&bytes).unwrap(), rec);
        }
        // Each optional field alone, so no flag bit leans on another.
        let f = full();
        let mut one = bare();
        one.session.last_event_at = f.session.last_event_at;
        one.next_due = f.next_due;
        one.awaiting_extraction = f.awaiting_extraction.clone();
        assert_eq!(decode(&encode(&one).unwrap()).unwrap(), one);
        let mut other = bare();
        other.session.deleted_at = f.session.deleted_at;
        other.session.expires_at = f.session.expires_at;
        other.type_pages = true;
        other.pending_tx = f.pending_tx.clone();
        assert_eq!(decode(&encode(&other).unwrap()).unwrap(), other);
    }

    #[test]
    fn encoding_is_deterministic_so_equal_heads_are_equal_bytes() {
        // Writers compare head bytes (`require_equals`): one record must have one encoding.
        assert_eq!(encode(&full()).unwrap(), encode(&full()).unwrap());
    }

    /// A head as format 2 stored it: the record as camelCase JSON, the session's fields flat.
    const JSON_HEAD: &str = r#"{"id":"ses_01HZZZZZZZZZZZZZZZZZZZZZZZ","memorySpaceId":"spc_01HYYYYYYYYYYYYYYYYYYYYYYY","participants":["user-1"],"description":null,"metadata":{"team":"a","n":[1,2.5]},"lifecycleStrategies":[{"type":"soft_delete","trigger":{"ttl":15552000},"opts":null}],"version":3,"deduplicationKey":null,"createdAt":"2026-12-01T17:00:00.123456Z","updatedAt":"2026-12-01T17:05:00.000000Z","eventCount":12,"tokenCount":345,"lastEventAt":"2026-12-01T17:04:59.000000Z","executedStrategies":[],"touchedAt":"2026-12-01T17:01:00.000000Z","expiresAt":"2027-05-30T17:00:00.123456Z","nextDue":"2027-05-30T17:00:00.123456Z","extractedThrough":4,"pendingTx":null,"typePages":true,"typeMarks":[["msg",0]],"deletedEvents":1,"jobSeq":2,"awaitingExtraction":{"jobId":"job_9","since":"2026-12-01T17:02:00.000000Z"}}"#;

    #[test]
    fn heads_stored_as_json_are_still_read() {
        let value: serde_json::Value = serde_json::from_str(JSON_HEAD).unwrap();
        let stored = envelope::encode(&value).unwrap();
        assert_eq!(stored[0], envelope::FORMAT_VERSION);
        let rec = decode(&stored).unwrap();
        let s = &rec.session;
        assert_eq!(s.id, "ses_01HZZZZZZZZZZZZZZZZZZZZZZZ");
        assert_eq!(s.participants, ["user-1"]);
        assert_eq!(s.metadata.as_ref().unwrap()["n"], json!([1, 2.5]));
        assert_eq!(
            s.lifecycle_strategies,
            [LifecycleStrategy::soft_delete(Trigger::Ttl(15_552_000))]
        );
        assert_eq!((s.version, s.event_count, s.token_count), (3, 12, 345));
        assert_eq!(s.created_at, t("2026-12-01T17:00:00.123456Z"));
        assert_eq!(s.touched_at, Some(t("2026-12-01T17:01:00Z")));
        assert_eq!(s.deleted_at, None);
        assert_eq!(rec.next_due, s.expires_at);
        assert_eq!(
            (rec.extracted_through, rec.deleted_events, rec.job_seq),
            (4, 1, 2)
        );
        assert!(rec.type_pages && !rec.type_index);
        assert_eq!(rec.type_marks, [("msg".to_string(), 0)]);
        assert_eq!(rec.awaiting_extraction.as_ref().unwrap().job_id, "job_9");
        // Rendered back as JSON, it is the record format 2 stored.
        assert_eq!(to_json(&rec).unwrap(), value);
        // Rewritten compact, it reads back the same record.
        let compact = encode(&rec).unwrap();
        assert!(
            compact.len() * 2 < stored.len(),
            "{} vs {}",
            compact.len(),
            stored.len()
        );
        assert_eq!(decode(&compact).unwrap(), rec);
    }

    #[test]
    fn corrupted_or_truncated_compact_heads_are_storage_errors() {
        let bytes = encode(&full()).unwrap();
        for len in 0..bytes.len() {
            let err = decode(&bytes[..len]).unwrap_err();
            assert_eq!(err.code, ErrorCode::Storage, "truncated to {len}");
        }
        for i in 0..bytes.len() {
            for bit in [0x01, 0x80] {
                let mut b = bytes.clone();
                b[i] ^= bit;
                if b[0] != HEAD_FORMAT {
                    // Another format byte: read (and refused) as that format.
                    assert!(decode(&b).is_err());
                    continue;
                }
                let err = decode(&b).unwrap_err();
                assert_eq!(err.code, ErrorCode::Storage, "byte {i} bit {bit:#x}");
            }
        }
    }

    #[test]
    fn well_checksummed_garbage_is_a_storage_error_not_a_panic() {
        // The checksum only catches accidents: bytes that pass it still go through checked reads.
        let cases: [&[u8]; 6] = [
            &[0], // flags only
            &[
                0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
            ], // varint overflow
            &[0, 1, b'a', 1, b'b', 0xff, 0xff, 0xff, 0xff, 0x0f], // huge count
            &[
                0, 1, b'a', 1, b'b', 1, 1, b'c', 0, 0, 0, 2, b'[', b']', 0, 0, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 9,
            ], // trailing
            &[0x80, 0x02, 1, b'a'], // unknown flag bit
            &[0, 1, 0xff], // id not UTF-8
        ];
        for rest in cases {
            let mut b = vec![HEAD_FORMAT];
            b.extend_from_slice(&crate::codec::crc32::hash(rest).to_le_bytes());
            b.extend_from_slice(rest);
            assert_eq!(decode(&b).unwrap_err().code, ErrorCode::Storage, "{rest:?}");
        }
    }
}
