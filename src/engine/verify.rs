//! `verify_space`: a walk over every record of a space that reports what is damaged — values
//! that fail their checksum or do not decode, references to records that do not exist, and
//! counters that disagree with what they count — without stopping at the first problem.
//!
//! It reads every key of the space once, a chunk at a time (memory stays bounded by a chunk and
//! the report, which lists at most [`MAX_PROBLEMS`]). Advisory keys (schedule entries,
//! deduplication claims, owner-index entries) are hints that readers check anyway and are not
//! reported; neither are records a torn write left above a commit point (events at
//! `seq ≥ event_count`), which no reader trusts. On a backend with atomic batches the count is
//! the effective head's (the stored head folded with the events one-record appends wrote).

use super::cursor::Cursor;
use super::event_delete::{decode_stored, StoredEvent};
use super::journal::Journal;
use super::lifecycle::SessionRecord;
use super::stores::commit::StoreJournal;
use super::stores::{sha256_hex, EntryRecord, StoreRecord};
use super::{kv_error, layout, Memspace};
use crate::codec::{envelope, keys};
use crate::error::Result;
use crate::model::{ExtractionJob, MemoryVersion, Problem, ProblemKind, Space, VerifyReport};
use serde::de::DeserializeOwned;

/// Most problems a report lists.
pub const MAX_PROBLEMS: usize = 1000;
const CHUNK: usize = 128;

#[derive(Default)]
struct Walk {
    report: VerifyReport,
}

impl Walk {
    fn problem(&mut self, kind: ProblemKind, key: String, message: impl Into<String>) {
        if self.report.problems.len() >= MAX_PROBLEMS {
            self.report.truncated = true;
            return;
        }
        self.report.problems.push(Problem {
            kind,
            key,
            message: message.into(),
        });
    }

    /// Decodes an `ev/…` value (an event or a tombstone), recording a `corrupt` problem when
    /// it does not.
    fn decode_event(&mut self, key: &str, ids: (&str, u64), bytes: &[u8]) -> Option<StoredEvent> {
        self.report.records_checked += 1;
        match decode_stored(ids.0, ids.1, bytes) {
            Ok(v) => Some(v),
            Err(e) => {
                self.problem(ProblemKind::Corrupt, key.to_string(), e.message);
                None
            }
        }
    }

    /// Decodes a value, recording a `corrupt` problem when it does not.
    fn decode<T: DeserializeOwned>(&mut self, key: &str, bytes: &[u8]) -> Option<T> {
        self.checked(key, envelope::decode(bytes))
    }

    /// Decodes a session head (either stored format), recording a `corrupt` problem when it
    /// does not.
    fn decode_head(&mut self, key: &str, bytes: &[u8]) -> Option<SessionRecord> {
        self.checked(key, super::head::decode(bytes))
    }

    /// Counts a decoded record, recording a `corrupt` problem when it did not decode.
    fn checked<T>(&mut self, key: &str, decoded: crate::Result<T>) -> Option<T> {
        self.report.records_checked += 1;
        match decoded {
            Ok(v) => Some(v),
            Err(e) => {
                self.problem(ProblemKind::Corrupt, key.to_string(), e.message);
                None
            }
        }
    }
}

/// A key's string parts after its tag, joined with `/` (`?` when they are not all strings).
fn named(key: &[u8]) -> String {
    keys::string_parts(key)
        .map(|p| p.join("/"))
        .unwrap_or_else(|| "?".into())
}

impl Memspace {
    /// Walks every record of one of the caller's spaces (sessions, events, the event-type
    /// index, extraction jobs, journals, memory stores with their entries, contents, paths and
    /// versions) and reports every problem found.
    pub async fn verify_space(&self, space_id: &str) -> Result<VerifyReport> {
        let (space, _) = self.owned_space(space_id).await?;
        let mut w = Walk::default();
        w.report.records_checked += 1; // the space record, read by owned_space
        self.verify_sessions(&space, &mut w).await?;
        self.verify_stores(&space, &mut w).await?;
        Ok(w.report)
    }

    async fn verify_sessions(&self, space: &Space, w: &mut Walk) -> Result<()> {
        let mut heads = Cursor::new(layout::sessions_of(&space.id), CHUNK);
        loop {
            let chunk = heads.next(self.kv.as_ref()).await?;
            if chunk.is_empty() {
                return Ok(());
            }
            for (key, bytes) in chunk {
                let name = named(&key);
                let Some(mut head) = w.decode_head(&name, &bytes) else {
                    continue;
                };
                // The effective head: events a one-record append wrote are counted.
                if self.kv.capabilities().atomic_batches {
                    let s = &head.session;
                    let range = layout::events_between(&space.id, &s.id, 0, u64::MAX);
                    let newest = self.kv.scan(&range, 1, true).await.map_err(kv_error)?;
                    let newest = newest.first().map(|(k, v)| (k.as_slice(), v.as_slice()));
                    if let Err(e) = super::fold::fold(&mut head, newest) {
                        w.problem(ProblemKind::Corrupt, name.clone(), e.message);
                    }
                }
                self.verify_session(space, &head, &name, w).await?;
            }
        }
    }

    /// The pages the marks of type `t` ending below `count`'s last page name, sorted; a key
    /// of no known form is reported.
    async fn type_marks(
        &self,
        space: &Space,
        session_id: &str,
        t: &str,
        count: u64,
        w: &mut Walk,
    ) -> Result<Vec<u64>> {
        let range =
            layout::type_pages_below(&space.id, session_id, t, count.div_ceil(layout::TYPE_PAGE));
        let prefix = range.start.clone();
        let mut cursor = Cursor::new(range, CHUNK);
        let mut out = Vec::new();
        loop {
            let chunk = cursor.next(self.kv.as_ref()).await?;
            if chunk.is_empty() {
                out.sort_unstable();
                out.dedup();
                return Ok(out);
            }
            for (key, _) in chunk {
                match layout::type_mark_pages(&prefix, &key) {
                    Some((first, last)) => out.extend(first..=last),
                    None => w.problem(
                        ProblemKind::Corrupt,
                        format!("etp/{}/{session_id}/{t}", space.id),
                        "holds an event-type mark of no known form",
                    ),
                }
            }
        }
    }

    async fn verify_session(
        &self,
        space: &Space,
        head: &SessionRecord,
        name: &str,
        w: &mut Walk,
    ) -> Result<()> {
        let s = &head.session;
        if let Some(tx) = &head.pending_tx {
            let key = layout::journal(&space.id, &s.id);
            let found = self.kv.get(&key).await.map_err(kv_error)?;
            match found.and_then(|b| w.decode::<Journal>(&named(&key), &b)) {
                Some(j) if &j.id == tx => {}
                _ => w.problem(
                    ProblemKind::Dangling,
                    name.to_string(),
                    format!("the head names journal {tx}, which is missing"),
                ),
            }
        }
        // Jobs are prunable (`prune_extraction_jobs`): a fired strategy may name a job that is
        // gone on purpose, so only the jobs still there are checked (they must decode).
        for job_id in s
            .executed_strategies
            .iter()
            .filter_map(|e| e.job_id.as_ref())
        {
            let key = layout::job(&space.id, job_id);
            if let Some(b) = self.kv.get(&key).await.map_err(kv_error)? {
                w.decode::<ExtractionJob>(&named(&key), &b);
            }
        }
        let count = s.event_count;
        let mut events = Cursor::new(layout::events_between(&space.id, &s.id, 0, count), CHUNK);
        let mut expected = 0u64;
        let mut tombstones = 0u64;
        let ev_name = |seq: u64| format!("ev/{}/{}/#{seq}", space.id, s.id);
        let mut paged = Vec::new();
        let mut marks: Vec<(String, Vec<u64>)> = Vec::new();
        loop {
            let chunk = events.next(self.kv.as_ref()).await?;
            if chunk.is_empty() {
                break;
            }
            let mut typed = Vec::new();
            let mut deleted = Vec::new();
            for (key, bytes) in chunk {
                let Some(seq) = keys::last_u64(&key) else {
                    continue;
                };
                if seq > expected {
                    w.problem(
                        ProblemKind::Dangling,
                        name.to_string(),
                        format!(
                            "the head counts {count} events; events {expected}–{} are missing",
                            seq - 1
                        ),
                    );
                }
                expected = seq + 1;
                let e = match w.decode_event(&ev_name(seq), (&s.id, seq), &bytes) {
                    Some(StoredEvent::Live(e)) => e,
                    Some(StoredEvent::Deleted(d)) => {
                        if d != seq {
                            w.problem(
                                ProblemKind::Corrupt,
                                ev_name(seq),
                                format!("holds the tombstone of event {d}"),
                            );
                        }
                        tombstones += 1;
                        deleted.push((seq, layout::event_deleted(&space.id, &s.id, seq)));
                        continue;
                    }
                    None => continue,
                };
                if e.sequence_id != seq {
                    w.problem(
                        ProblemKind::Corrupt,
                        ev_name(seq),
                        format!("holds sequence id {}", e.sequence_id),
                    );
                }
                match (head.type_index, head.type_pages, e.event_type) {
                    (true, _, Some(t)) => {
                        typed.push((seq, layout::event_type(&space.id, &s.id, &t, seq), t))
                    }
                    (_, true, Some(t)) => paged.push((seq, t)),
                    _ => {}
                }
            }
            let index_keys: Vec<Vec<u8>> = typed.iter().map(|(_, k, _)| k.clone()).collect();
            let mut found: Vec<bool> = self
                .kv
                .get_many(&index_keys)
                .await
                .map_err(kv_error)?
                .iter()
                .map(Option::is_some)
                .collect();
            // Page marks: the event's page must lie in a mark of its type (a page mark or a
            // run mark ending at or after it); the type's marks are read once per session.
            for (seq, t) in paged.drain(..) {
                if !marks.iter().any(|(m, _)| *m == t) {
                    let pages = self.type_marks(space, &s.id, &t, count, w).await?;
                    marks.push((t.clone(), pages));
                }
                let page = seq / layout::TYPE_PAGE;
                let covered = marks
                    .iter()
                    .filter(|(m, _)| *m == t)
                    .any(|(_, pages)| pages.binary_search(&page).is_ok());
                found.push(covered);
                typed.push((seq, Vec::new(), t));
            }
            for ((seq, _, t), got) in typed.into_iter().zip(found) {
                if !got {
                    w.problem(
                        ProblemKind::Dangling,
                        ev_name(seq),
                        format!("has type {t:?} but the event-type index does not list it"),
                    );
                }
            }
            let mark_keys: Vec<Vec<u8>> = deleted.iter().map(|(_, k)| k.clone()).collect();
            let found = self.kv.get_many(&mark_keys).await.map_err(kv_error)?;
            for ((seq, _), got) in deleted.into_iter().zip(found) {
                if got.is_none() {
                    w.problem(
                        ProblemKind::Dangling,
                        ev_name(seq),
                        "is deleted but has no deleted-event mark",
                    );
                }
            }
        }
        if tombstones != head.deleted_events {
            w.problem(
                ProblemKind::CountMismatch,
                name.to_string(),
                format!(
                    "the head counts {} deleted events; {tombstones} tombstones found",
                    head.deleted_events
                ),
            );
        }
        if expected < count {
            w.problem(
                ProblemKind::Dangling,
                name.to_string(),
                format!(
                    "the head counts {count} events; events {expected}–{} are missing",
                    count - 1
                ),
            );
        }
        Ok(())
    }

    async fn verify_stores(&self, space: &Space, w: &mut Walk) -> Result<()> {
        let mut stores = Cursor::new(layout::stores_of(&space.id), CHUNK);
        loop {
            let chunk = stores.next(self.kv.as_ref()).await?;
            if chunk.is_empty() {
                return Ok(());
            }
            for (key, bytes) in chunk {
                let name = named(&key);
                let Some(rec) = w.decode::<StoreRecord>(&name, &bytes) else {
                    continue;
                };
                if rec.deleted_at.is_none() {
                    self.verify_store(&rec, &name, w).await?;
                }
            }
        }
    }

    async fn verify_store(&self, rec: &StoreRecord, name: &str, w: &mut Walk) -> Result<()> {
        let (space_id, store_id) = (&rec.store.memory_space_id, &rec.store.id);
        if let Some(tx) = &rec.pending_tx {
            let key = layout::store_journal(space_id, store_id);
            let found = self.kv.get(&key).await.map_err(kv_error)?;
            match found.and_then(|b| w.decode::<StoreJournal>(&named(&key), &b)) {
                Some(j) if &j.id == tx => {}
                _ => w.problem(
                    ProblemKind::Dangling,
                    name.to_string(),
                    format!("the store record names journal {tx}, which is missing"),
                ),
            }
            // Counters include the journal's changes, which are not applied yet: a reader rolls
            // the journal forward first, so only the journal itself is checked here.
            return Ok(());
        }
        let [mve, mv, mp, me, _mec] = layout::store_owned_ranges(space_id, store_id);
        // Entries: content, path and current version of each; the store's counters.
        let (mut count, mut total) = (0u64, 0u64);
        let mut cursor = Cursor::new(me, CHUNK);
        loop {
            let chunk = cursor.next(self.kv.as_ref()).await?;
            if chunk.is_empty() {
                break;
            }
            let mut recs = Vec::new();
            for (key, bytes) in chunk {
                if let Some(r) = w.decode::<EntryRecord>(&named(&key), &bytes) {
                    count += 1;
                    total = total.saturating_add(r.entry.size);
                    recs.push(r);
                }
            }
            let mut wanted = Vec::with_capacity(recs.len() * 3);
            for r in &recs {
                wanted.push(layout::entry_content(space_id, store_id, &r.entry.id));
                wanted.push(layout::entry_path(space_id, store_id, &r.entry.path));
                wanted.push(layout::version(space_id, store_id, &r.head_version_id));
            }
            let mut got = self
                .kv
                .get_many(&wanted)
                .await
                .map_err(kv_error)?
                .into_iter();
            for (r, keys3) in recs.iter().zip(wanted.chunks(3)) {
                let (content, path, head) = (
                    got.next().flatten(),
                    got.next().flatten(),
                    got.next().flatten(),
                );
                let ename = format!("me/{space_id}/{store_id}/{}", r.entry.id);
                let content = match content {
                    Some(b) => w.decode::<String>(&named(&keys3[0]), &b),
                    None if r.entry.content.is_some() => r.entry.content.clone(),
                    None => {
                        w.problem(
                            ProblemKind::Dangling,
                            ename.clone(),
                            "its content record is missing",
                        );
                        None
                    }
                };
                if let Some(c) = content {
                    if c.len() as u64 != r.entry.size
                        || sha256_hex(c.as_bytes()) != r.entry.content_sha256
                    {
                        w.problem(
                            ProblemKind::Corrupt,
                            named(&keys3[0]),
                            "the content does not match the entry's size and sha256",
                        );
                    }
                }
                match path.and_then(|b| w.decode::<String>(&named(&keys3[1]), &b)) {
                    Some(id) if id == r.entry.id => {}
                    _ => w.problem(
                        ProblemKind::Dangling,
                        ename.clone(),
                        format!("the path index does not point {:?} at it", r.entry.path),
                    ),
                }
                match head {
                    Some(b) => {
                        w.decode::<MemoryVersion>(&named(&keys3[2]), &b);
                    }
                    None => w.problem(
                        ProblemKind::Dangling,
                        ename,
                        format!("its current version {} is missing", r.head_version_id),
                    ),
                }
            }
        }
        if count != rec.store.entry_count || total != rec.store.total_size {
            w.problem(
                ProblemKind::CountMismatch,
                name.to_string(),
                format!(
                    "the store counts {} entries of {} bytes; its entry records are {count} of {total} bytes",
                    rec.store.entry_count, rec.store.total_size
                ),
            );
        }
        // Path index → entries.
        let mut cursor = Cursor::new(mp, CHUNK);
        loop {
            let chunk = cursor.next(self.kv.as_ref()).await?;
            if chunk.is_empty() {
                break;
            }
            let mut named_ids = Vec::new();
            for (key, bytes) in chunk {
                let n = named(&key);
                if let Some(id) = w.decode::<String>(&n, &bytes) {
                    named_ids.push((n, layout::entry(space_id, store_id, &id)));
                }
            }
            let keys: Vec<Vec<u8>> = named_ids.iter().map(|(_, k)| k.clone()).collect();
            for ((n, _), got) in named_ids
                .into_iter()
                .zip(self.kv.get_many(&keys).await.map_err(kv_error)?)
            {
                if got.is_none() {
                    w.problem(
                        ProblemKind::Dangling,
                        n,
                        "names an entry that does not exist",
                    );
                }
            }
        }
        // Versions, and the per-entry version index → versions.
        let mut cursor = Cursor::new(mv, CHUNK);
        loop {
            let chunk = cursor.next(self.kv.as_ref()).await?;
            if chunk.is_empty() {
                break;
            }
            for (key, bytes) in chunk {
                w.decode::<MemoryVersion>(&named(&key), &bytes);
            }
        }
        let mut cursor = Cursor::new(mve, CHUNK);
        loop {
            let chunk = cursor.next(self.kv.as_ref()).await?;
            if chunk.is_empty() {
                break;
            }
            let targets: Vec<(String, Vec<u8>)> = chunk
                .iter()
                .filter_map(|(k, _)| {
                    let vid = keys::string_parts(k)?.pop()?;
                    Some((named(k), layout::version(space_id, store_id, &vid)))
                })
                .collect();
            let keys: Vec<Vec<u8>> = targets.iter().map(|(_, k)| k.clone()).collect();
            for ((n, _), got) in targets
                .into_iter()
                .zip(self.kv.get_many(&keys).await.map_err(kv_error)?)
            {
                w.report.records_checked += 1;
                if got.is_none() {
                    w.problem(
                        ProblemKind::Dangling,
                        n,
                        "names a version that does not exist",
                    );
                }
            }
        }
        Ok(())
    }
}
