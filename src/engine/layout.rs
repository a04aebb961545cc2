//! The key layout (see docs/storage.md). Every key starts with a short table tag.

use crate::codec::keys::Key;
use crate::kv::KeyRange;
use crate::model::Principal;
use crate::time::Timestamp;

/// `sp/{space}` → space record (commit point of space operations).
pub fn space(space_id: &str) -> Vec<u8> {
    Key::table("sp").s(space_id).build()
}

/// `spo/{tenant}/{user}/{space}` → empty: a principal's spaces, in creation order.
pub fn space_owner(p: &Principal, space_id: &str) -> Vec<u8> {
    Key::table("spo")
        .s(&p.tenant_id)
        .s(&p.user_id)
        .s(space_id)
        .build()
}

/// All of a principal's owner-index entries.
pub fn space_owner_range(p: &Principal) -> KeyRange {
    Key::table("spo").s(&p.tenant_id).s(&p.user_id).range()
}

/// `spd/{tenant}/{user}/{key}` → space id holding a deduplication key.
pub fn space_dedup(p: &Principal, key: &str) -> Vec<u8> {
    Key::table("spd")
        .s(&p.tenant_id)
        .s(&p.user_id)
        .s(key)
        .build()
}

/// `se/{space}/{session}` → session head (commit point of session and event operations).
pub fn session(space_id: &str, session_id: &str) -> Vec<u8> {
    Key::table("se").s(space_id).s(session_id).build()
}

/// All session heads of a space.
pub fn sessions_of(space_id: &str) -> KeyRange {
    Key::table("se").s(space_id).range()
}

/// `sed/{space}/{key}` → session id holding a deduplication key.
pub fn session_dedup(space_id: &str, key: &str) -> Vec<u8> {
    Key::table("sed").s(space_id).s(key).build()
}

/// `ev/{space}/{session}/{seq:u64be}` → event.
pub fn event(space_id: &str, session_id: &str, seq: u64) -> Vec<u8> {
    Key::table("ev").s(space_id).s(session_id).n(seq).build()
}

/// Events `[from, to)` of a session.
pub fn events_between(space_id: &str, session_id: &str, from: u64, to: u64) -> KeyRange {
    KeyRange {
        start: event(space_id, session_id, from),
        end: Some(event(space_id, session_id, to)),
    }
}

/// `tx/{space}/{session}` → redo journal of a multi-event update on a non-atomic backend.
pub fn journal(space_id: &str, session_id: &str) -> Vec<u8> {
    Key::table("tx").s(space_id).s(session_id).build()
}

/// `job/{space}/{job}` → extraction job (the outbox).
pub fn job(space_id: &str, job_id: &str) -> Vec<u8> {
    Key::table("job").s(space_id).s(job_id).build()
}

/// All jobs of a space.
pub fn jobs_of(space_id: &str) -> KeyRange {
    Key::table("job").s(space_id).range()
}

/// `due/{time}/{space}/{session}` → empty: advisory schedule of time triggers for `sweep`.
pub fn due(at: Timestamp, space_id: &str, session_id: &str) -> Vec<u8> {
    Key::table("due").t(at).s(space_id).s(session_id).build()
}

/// Schedule entries due at or before `now`.
pub fn due_until(now: Timestamp) -> KeyRange {
    KeyRange {
        start: Key::table("due").build(),
        end: Some(
            Key::table("due")
                .t(Timestamp(now.0.saturating_add(1)))
                .build(),
        ),
    }
}

/// Splits a schedule key into (time, space id, session id).
pub fn parse_due(key: &[u8]) -> Option<(Timestamp, String, String)> {
    let prefix = Key::table("due").build();
    let rest = key.strip_prefix(prefix.as_slice())?;
    let t: [u8; 8] = rest.get(..8)?.try_into().ok()?;
    let at = Timestamp((u64::from_be_bytes(t) ^ (1 << 63)) as i64);
    let mut parts = crate::codec::keys::string_parts(rest.get(8..)?)?;
    if parts.len() != 2 {
        return None;
    }
    let session = parts.pop()?;
    let space = parts.pop()?;
    Some((at, space, session))
}
