//! The key layout (see docs/storage.md). Every key starts with a short table tag.

use crate::codec::keys::{last_u64, Key};
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

/// `ev/{space}/{session}/{u64::MAX}` → a copy of the session head (the bytes of
/// `se/{space}/{session}`), written in the same batch as every head write on backends with
/// atomic batches: the last key of the session's event range, so one reverse scan of
/// [`events_and_head_copy`] returns the head with the newest events. Never an event
/// (`event_count` never reaches `u64::MAX`).
pub fn head_copy(space_id: &str, session_id: &str) -> Vec<u8> {
    event(space_id, session_id, u64::MAX)
}

/// A session's events and, last, its head copy.
pub fn events_and_head_copy(space_id: &str, session_id: &str) -> KeyRange {
    let mut end = head_copy(space_id, session_id);
    end.push(0);
    KeyRange {
        start: event(space_id, session_id, 0),
        end: Some(end),
    }
}

/// Events `[from, to)` of a session.
pub fn events_between(space_id: &str, session_id: &str, from: u64, to: u64) -> KeyRange {
    KeyRange {
        start: event(space_id, session_id, from),
        end: Some(event(space_id, session_id, to)),
    }
}

/// `evd/{space}/{session}/{seq:u64be}` → empty: the sequence ids of a session's deleted events
/// (each holds a tombstone under `ev/…`), read to turn a live-event offset into a sequence id.
/// Written in the same commit as the tombstone.
pub fn event_deleted(space_id: &str, session_id: &str, seq: u64) -> Vec<u8> {
    Key::table("evd").s(space_id).s(session_id).n(seq).build()
}

/// Deleted-event marks with `seq` in `[from, to)`.
pub fn events_deleted_between(space_id: &str, session_id: &str, from: u64, to: u64) -> KeyRange {
    KeyRange {
        start: event_deleted(space_id, session_id, from),
        end: Some(event_deleted(space_id, session_id, to)),
    }
}

/// `evt/{space}/{session}/{type}/{seq:u64be}` → empty: the event-type index. Valid only for
/// `seq < head.event_count` and when the event at `seq` still has that type (readers check).
pub fn event_type(space_id: &str, session_id: &str, event_type: &str, seq: u64) -> Vec<u8> {
    Key::table("evt")
        .s(space_id)
        .s(session_id)
        .s(event_type)
        .n(seq)
        .build()
}

/// Index keys of events of one type with `seq` in `[0, to)`.
pub fn events_of_type_below(
    space_id: &str,
    session_id: &str,
    event_type: &str,
    to: u64,
) -> KeyRange {
    KeyRange {
        start: Key::table("evt")
            .s(space_id)
            .s(session_id)
            .s(event_type)
            .build(),
        end: Some(self::event_type(space_id, session_id, event_type, to)),
    }
}

/// Events per page of the event-type page marks.
pub const TYPE_PAGE: u64 = 16;

/// `etp/{space}/{session}/{type}/{page:u64be}` → empty: events `[page·16, page·16+16)` may
/// hold events of that type (sessions whose head has `type_pages`). A mark over-lists, never
/// under-lists: readers scan the marked pages below the committed count and check each
/// event's type, so a mark left by a torn append or an event retyped since costs one page read.
pub fn event_type_page(space_id: &str, session_id: &str, event_type: &str, page: u64) -> Vec<u8> {
    Key::table("etp")
        .s(space_id)
        .s(session_id)
        .s(event_type)
        .n(page)
        .build()
}

/// How far a run mark reaches back: `last − first` of a run is at most this (a batch of
/// `MAX_BATCH` = 200 events spans at most 14 pages; appends split longer stretches). Readers
/// rely on it to order pages (forward scans) and refuse a run mark that claims more.
pub const RUN_SPAN: u64 = 13;

/// The mark of one type over pages `[first, last]` (`first <= last`): the page mark
/// `etp/…/{type}/{page}` of one page, else the **run mark**
/// `etp/{space}/{session}/{type}/{last:u64be}/{first:u64be}` → empty, keyed by its last page
/// so that a reverse scan meets every mark in the order of the pages it ends at.
pub fn event_type_mark(sp: &str, se: &str, event_type: &str, first: u64, last: u64) -> Vec<u8> {
    let mut key = event_type_page(sp, se, event_type, last);
    if first < last {
        key.extend_from_slice(&first.to_be_bytes());
    }
    key
}

/// The pages `(first, last)` a mark key under `prefix` (`type_pages_below`'s start) names:
/// `None` for a key of neither form or a run longer than [`RUN_SPAN`] (corrupt).
pub fn type_mark_pages(prefix: &[u8], key: &[u8]) -> Option<(u64, u64)> {
    let tail = key.strip_prefix(prefix)?;
    let (last, first) = match tail.len() {
        8 => (last_u64(tail)?, last_u64(tail)?),
        16 => (last_u64(&tail[..8])?, last_u64(tail)?),
        _ => return None,
    };
    (first <= last && last - first <= RUN_SPAN).then_some((first, last))
}

/// Page marks and run marks of one type whose last page is in `[0, to)`.
pub fn type_pages_below(space_id: &str, session_id: &str, event_type: &str, to: u64) -> KeyRange {
    KeyRange {
        start: Key::table("etp")
            .s(space_id)
            .s(session_id)
            .s(event_type)
            .build(),
        end: Some(event_type_page(space_id, session_id, event_type, to)),
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
        end: Some(
            Key::table("jq")
                .t(Timestamp(now.0.saturating_add(1)))
                .build(),
        ),
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

// ---- working context (see docs/storage.md, "Working context") -------------------------------------

/// `wc/{space}/{session}/{key}` → working-context entry of a session.
pub fn working(space_id: &str, session_id: &str, key: &str) -> Vec<u8> {
    Key::table("wc").s(space_id).s(session_id).s(key).build()
}

/// Every working-context entry of a session, in key order.
pub fn working_of(space_id: &str, session_id: &str) -> KeyRange {
    Key::table("wc").s(space_id).s(session_id).range()
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

/// `me/{space}/{store}/{entry}` → entry record (its content is under `mec`; records written
/// before the split hold it inline).
pub fn entry(space_id: &str, store_id: &str, entry_id: &str) -> Vec<u8> {
    Key::table("me").s(space_id).s(store_id).s(entry_id).build()
}

/// `mec/{space}/{store}/{entry}` → the entry's current content (split from the entry record so
/// listings and directory views read no content).
pub fn entry_content(space_id: &str, store_id: &str, entry_id: &str) -> Vec<u8> {
    Key::table("mec")
        .s(space_id)
        .s(store_id)
        .s(entry_id)
        .build()
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
pub fn store_owned_ranges(space_id: &str, store_id: &str) -> [KeyRange; 5] {
    [
        Key::table("mve").s(space_id).s(store_id).range(),
        Key::table("mv").s(space_id).s(store_id).range(),
        Key::table("mp").s(space_id).s(store_id).range(),
        Key::table("me").s(space_id).s(store_id).range(),
        Key::table("mec").s(space_id).s(store_id).range(),
    ]
}

// ---- memories and associations (see docs/storage.md, "Memories and associations") ------------
// Every key but the expiry schedule starts with (tag, space). The memory head is the commit
// point of every memory and association write of its space.

/// `mh/{space}` → memory head: exact counts, write sequence, pending journal.
pub fn memory_head(space_id: &str) -> Vec<u8> {
    Key::table("mh").s(space_id).build()
}

/// `mj/{space}` → redo journal of a memory write on a non-atomic backend.
pub fn memory_journal(space_id: &str) -> Vec<u8> {
    Key::table("mj").s(space_id).build()
}

/// `mr/{space}/{memory}` → memory record (current version; a tombstone after hard forget).
pub fn memory(space_id: &str, memory_id: &str) -> Vec<u8> {
    Key::table("mr").s(space_id).s(memory_id).build()
}

/// All memory records of a space, in id (= creation) order.
pub fn memories_of(space_id: &str) -> KeyRange {
    Key::table("mr").s(space_id).range()
}

/// `mrv/{space}/{memory}/{version:u64}` → the memory as it was at that version.
pub fn memory_version(space_id: &str, memory_id: &str, version: u64) -> Vec<u8> {
    Key::table("mrv")
        .s(space_id)
        .s(memory_id)
        .n(version)
        .build()
}

/// All version snapshots of one memory, oldest first.
pub fn memory_versions(space_id: &str, memory_id: &str) -> KeyRange {
    Key::table("mrv").s(space_id).s(memory_id).range()
}

/// `mi/{space}/{dim}/{value}/{memory}` → empty: list index of one dimension (`s` status,
/// `t` type, `u` subtype, `g` tag, `c` context, `k` logical key).
pub fn memory_index(space_id: &str, dim: &str, value: &str, memory_id: &str) -> Vec<u8> {
    Key::table("mi")
        .s(space_id)
        .s(dim)
        .s(value)
        .s(memory_id)
        .build()
}

/// All list-index keys of one dimension value, in memory id order.
pub fn memory_index_range(space_id: &str, dim: &str, value: &str) -> KeyRange {
    Key::table("mi").s(space_id).s(dim).s(value).range()
}

/// `mk/{space}/{logical_key}` → id of the active memory holding the key.
pub fn logical_key(space_id: &str, key: &str) -> Vec<u8> {
    Key::table("mk").s(space_id).s(key).build()
}

/// `mch/{space}/{context}/{hash}/{memory}` → empty: active memories by content hash.
pub fn content_hash(space_id: &str, context: &str, hash: &str, memory_id: &str) -> Vec<u8> {
    Key::table("mch")
        .s(space_id)
        .s(context)
        .s(hash)
        .s(memory_id)
        .build()
}

/// Active memories of a context with a content hash.
pub fn content_hash_range(space_id: &str, context: &str, hash: &str) -> KeyRange {
    Key::table("mch").s(space_id).s(context).s(hash).range()
}

/// `mik/{space}/{idempotency_key}` → id of the memory remembered with that key.
pub fn idempotency_key(space_id: &str, key: &str) -> Vec<u8> {
    Key::table("mik").s(space_id).s(key).build()
}

/// `mx/{time}/{space}/{memory}` → empty: advisory expiry schedule for `sweep`.
pub fn memory_expiry(at: Timestamp, space_id: &str, memory_id: &str) -> Vec<u8> {
    Key::table("mx").t(at).s(space_id).s(memory_id).build()
}

/// Expiry schedule entries due at or before `now`.
pub fn memory_expiry_until(now: Timestamp) -> KeyRange {
    KeyRange {
        start: Key::table("mx").build(),
        end: Some(
            Key::table("mx")
                .t(Timestamp(now.0.saturating_add(1)))
                .build(),
        ),
    }
}

/// Splits an expiry schedule key into (time, space id, memory id).
pub fn parse_memory_expiry(key: &[u8]) -> Option<(Timestamp, String, String)> {
    let prefix = Key::table("mx").build();
    let rest = key.strip_prefix(prefix.as_slice())?;
    let t: [u8; 8] = rest.get(..8)?.try_into().ok()?;
    let at = Timestamp((u64::from_be_bytes(t) ^ (1 << 63)) as i64);
    let mut parts = crate::codec::keys::string_parts(rest.get(8..)?)?;
    if parts.len() != 2 {
        return None;
    }
    let memory = parts.pop()?;
    let space = parts.pop()?;
    Some((at, space, memory))
}

/// `ma/{space}/{association}` → association.
pub fn association(space_id: &str, association_id: &str) -> Vec<u8> {
    Key::table("ma").s(space_id).s(association_id).build()
}

/// `mao/{space}/{source}/{target}/{relationship}` → association: edges leaving `source`.
pub fn association_out(space_id: &str, source: &str, target: &str, rel: &str) -> Vec<u8> {
    Key::table("mao")
        .s(space_id)
        .s(source)
        .s(target)
        .s(rel)
        .build()
}

/// `mai/{space}/{target}/{source}/{relationship}` → association: edges entering `target`.
pub fn association_in(space_id: &str, target: &str, source: &str, rel: &str) -> Vec<u8> {
    Key::table("mai")
        .s(space_id)
        .s(target)
        .s(source)
        .s(rel)
        .build()
}

/// Edges leaving `memory` (`out`) or entering it (`!out`).
pub fn associations_of(space_id: &str, memory_id: &str, out: bool) -> KeyRange {
    Key::table(if out { "mao" } else { "mai" })
        .s(space_id)
        .s(memory_id)
        .range()
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

/// `rx/{space}/{generation:u64be}` → delta record: the index entries of the memories the
/// write of that generation added, not yet folded into the pages.
pub fn index_delta(space_id: &str, generation: u64) -> Vec<u8> {
    Key::table("rx").s(space_id).n(generation).build()
}

/// Every delta record of a space, oldest first.
pub fn index_deltas_of(space_id: &str) -> KeyRange {
    Key::table("rx").s(space_id).range()
}

/// `rm/{space}/{memory}` → the memory's index ordinal (u32 LE).
pub fn index_ord(space_id: &str, memory_id: &str) -> Vec<u8> {
    Key::table("rm").s(space_id).s(memory_id).build()
}

/// Every posting page of a space.
pub fn postings_of(space_id: &str) -> KeyRange {
    Key::table("rp").s(space_id).range()
}

/// Every memory-to-ordinal key of a space.
pub fn index_ords_of(space_id: &str) -> KeyRange {
    Key::table("rm").s(space_id).range()
}

/// Every key of a space's recall index, by tag (what a full rebuild clears).
#[allow(dead_code)]
pub fn index_ranges(space_id: &str) -> [KeyRange; 6] {
    [
        Key::table("rp").s(space_id).range(),
        Key::table("rx").s(space_id).range(),
        Key::table("rv").s(space_id).range(),
        Key::table("rd").s(space_id).range(),
        Key::table("rm").s(space_id).range(),
        Key::table("rh").s(space_id).range(),
    ]
}
