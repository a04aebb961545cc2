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

/// `jq/{time}/{space}/{job}` → empty: advisory queue of `run_extraction` (valid only when the
/// job's `next_run_at` is `time`).
pub fn job_queue(at: Timestamp, space_id: &str, job_id: &str) -> Vec<u8> {
    Key::table("jq").t(at).s(space_id).s(job_id).build()
}

/// Queue entries due at or before `now`.
pub fn job_queue_until(now: Timestamp) -> KeyRange {
    KeyRange {
        start: Key::table("jq").build(),
        end: Some(Key::table("jq").t(Timestamp(now.0.saturating_add(1))).build()),
    }
}

/// Splits a queue key into (time, space id, job id).
pub fn parse_job_queue(key: &[u8]) -> Option<(Timestamp, String, String)> {
    parse_timed("jq", key)
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
    parse_timed("due", key)
}

/// Splits `{tag}/{time}/{a}/{b}` into (time, a, b).
fn parse_timed(tag: &str, key: &[u8]) -> Option<(Timestamp, String, String)> {
    let prefix = Key::table(tag).build();
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

// ---- memory stores (see docs/storage.md, "Memory stores") --------------------------------------------
// Every store key starts with (tag, space, store), so one prefix scan per tag finds all of a
// store's keys (how `delete_store` purges them).

/// `ms/{space}/{store}` → store record (commit point of every store and entry write).
pub fn store(space_id: &str, store_id: &str) -> Vec<u8> {
    Key::table("ms").s(space_id).s(store_id).build()
}

/// All store records of a space, in id (≈ creation) order.
pub fn stores_of(space_id: &str) -> KeyRange {
    Key::table("ms").s(space_id).range()
}

/// `mtx/{space}/{store}` → redo journal of a multi-key store write on a non-atomic backend.
pub fn store_journal(space_id: &str, store_id: &str) -> Vec<u8> {
    Key::table("mtx").s(space_id).s(store_id).build()
}

/// `me/{space}/{store}/{entry}` → entry record (current content included).
pub fn entry(space_id: &str, store_id: &str, entry_id: &str) -> Vec<u8> {
    Key::table("me").s(space_id).s(store_id).s(entry_id).build()
}

/// `mp/{space}/{store}/{path}` → id of the live entry at that path.
pub fn entry_path(space_id: &str, store_id: &str, path: &str) -> Vec<u8> {
    Key::table("mp").s(space_id).s(store_id).s(path).build()
}

/// Path-index keys whose path starts with `prefix` (raw byte prefix, in path order).
pub fn entry_paths_with_prefix(space_id: &str, store_id: &str, prefix: &str) -> KeyRange {
    let mut start = Key::table("mp").s(space_id).s(store_id).build();
    // A path part without its terminator: paths hold no NUL byte, so no escaping happens and
    // the encoded bytes of every path starting with `prefix` start with these bytes.
    start.extend_from_slice(prefix.as_bytes());
    KeyRange::prefix(&start)
}

/// `mv/{space}/{store}/{version}` → version record; version ids of a store only grow.
pub fn version(space_id: &str, store_id: &str, version_id: &str) -> Vec<u8> {
    Key::table("mv")
        .s(space_id)
        .s(store_id)
        .s(version_id)
        .build()
}

/// `mve/{space}/{store}/{entry}/{version}` → empty: an entry's versions, in recording order.
pub fn entry_version(space_id: &str, store_id: &str, entry_id: &str, version_id: &str) -> Vec<u8> {
    Key::table("mve")
        .s(space_id)
        .s(store_id)
        .s(entry_id)
        .s(version_id)
        .build()
}

/// All version records of a store.
pub fn versions_of_store(space_id: &str, store_id: &str) -> KeyRange {
    Key::table("mv").s(space_id).s(store_id).range()
}

/// All version-index keys of one entry.
pub fn versions_of_entry(space_id: &str, store_id: &str, entry_id: &str) -> KeyRange {
    Key::table("mve")
        .s(space_id)
        .s(store_id)
        .s(entry_id)
        .range()
}

/// Every key range a store owns besides its record and journal (purged by `delete_store`).
pub fn store_owned_ranges(space_id: &str, store_id: &str) -> [KeyRange; 4] {
    [
        Key::table("mve").s(space_id).s(store_id).range(),
        Key::table("mv").s(space_id).s(store_id).range(),
        Key::table("mp").s(space_id).s(store_id).range(),
        Key::table("me").s(space_id).s(store_id).range(),
    ]
}

// ---- recall index (see docs/storage.md, "Recall index") ---------------------------------------------

/// `rh/{space}` → index head (BM25 statistics, embedding model, generation).
pub fn index_head(space_id: &str) -> Vec<u8> {
    Key::table("rh").s(space_id).build()
}

/// `rp/{space}/{term}/{bucket:u64be}` → posting page of one term in one ordinal bucket.
pub fn postings(space_id: &str, term: &str, bucket: u32) -> Vec<u8> {
    Key::table("rp")
        .s(space_id)
        .s(term)
        .n(bucket as u64)
        .build()
}

/// Every posting page of one term.
pub fn postings_of_term(space_id: &str, term: &str) -> KeyRange {
    Key::table("rp").s(space_id).s(term).range()
}

/// `rv/{space}/{bucket:u64be}` → vector page.
pub fn vectors(space_id: &str, bucket: u32) -> Vec<u8> {
    Key::table("rv").s(space_id).n(bucket as u64).build()
}

/// Every vector page of a space.
pub fn vectors_of(space_id: &str) -> KeyRange {
    Key::table("rv").s(space_id).range()
}

/// `rd/{space}/{bucket:u64be}` → doc-table page.
pub fn doc_page(space_id: &str, bucket: u32) -> Vec<u8> {
    Key::table("rd").s(space_id).n(bucket as u64).build()
}

/// Every doc-table page of a space.
pub fn doc_pages_of(space_id: &str) -> KeyRange {
    Key::table("rd").s(space_id).range()
}

/// `rm/{space}/{memory}` → the memory's index ordinal (u32 LE).
pub fn index_ord(space_id: &str, memory_id: &str) -> Vec<u8> {
    Key::table("rm").s(space_id).s(memory_id).build()
}

/// Every key of a space's recall index, by tag (what a full rebuild clears).
#[allow(dead_code)]
pub fn index_ranges(space_id: &str) -> [KeyRange; 5] {
    [
        Key::table("rp").s(space_id).range(),
        Key::table("rv").s(space_id).range(),
        Key::table("rd").s(space_id).range(),
        Key::table("rm").s(space_id).range(),
        Key::table("rh").s(space_id).range(),
    ]
}
