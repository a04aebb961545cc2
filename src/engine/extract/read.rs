//! What the extractor reads: the next chunk of a job's events (straight from storage, so a
//! session hidden for its extraction stays readable to it), the session's working context and
//! the space's known logical keys.

use super::jobs::JobRecord;
use super::limits;
use super::prompt::{Chunk, ChunkBuilder};
use crate::codec::envelope;
use crate::codec::keys::Key;
use crate::engine::event_delete::{decode_stored, StoredEvent};
use crate::engine::{kv_error, layout, Memspace};
use crate::error::{Error, Result};
use crate::kv::KeyRange;
use crate::model::ContextEntry;
use crate::tokens::estimate_tokens;

impl Memspace {
    /// Tokens of a transcript line: the host's counter, else the built-in estimate.
    pub(crate) fn line_tokens(&self, s: &str) -> u64 {
        self.host
            .count_tokens(s)
            .unwrap_or_else(|| estimate_tokens(s))
    }

    /// The next chunk of `job` (empty when its range is done), at most `budget` tokens.
    pub(crate) async fn next_chunk(&self, job: &JobRecord, budget: u64) -> Result<Chunk> {
        let j = &job.job;
        let head_key = layout::session(&j.memory_space_id, &j.session_id);
        let Some((rec, bytes)) = self.load_head(&head_key).await? else {
            return Err(Error::storage(format!(
                "the session {} of job {} is missing",
                j.session_id, j.id
            )));
        };
        if rec.pending_tx.is_some() {
            // A committed multi-event update not applied yet: apply it before reading.
            match self.roll_forward(&rec, &bytes).await {
                Ok(()) => {}
                Err(e) if e.is_lost_race() => {}
                Err(e) => return Err(e),
            }
        }
        let count = |s: &str| self.line_tokens(s);
        let mut builder = ChunkBuilder::new(j.cursor, budget, &count);
        let end = j.to_sequence_id.min(rec.session.event_count);
        let mut next = j.cursor.sequence_id;
        'read: while next < end {
            let range = layout::events_between(&j.memory_space_id, &j.session_id, next, end);
            let page = self
                .kv
                .scan(&range, limits::SCAN_CHUNK, false)
                .await
                .map_err(kv_error)?;
            if page.is_empty() {
                break;
            }
            for (k, v) in &page {
                let seq = crate::engine::event_delete::seq_of(k)?;
                let e = match decode_stored(&j.session_id, seq, v)? {
                    StoredEvent::Live(e) => e,
                    // A deleted event: nothing to extract, the chunk moves past it.
                    StoredEvent::Deleted(seq) if seq == next => {
                        next += 1;
                        builder.skip(seq);
                        continue;
                    }
                    StoredEvent::Deleted(_) => {
                        return Err(Error::storage(format!(
                            "event {next} of session {} is missing",
                            j.session_id
                        )))
                    }
                };
                if e.sequence_id != next {
                    return Err(Error::storage(format!(
                        "event {next} of session {} is missing",
                        j.session_id
                    )));
                }
                next += 1;
                if !builder.offer(&e) {
                    break 'read;
                }
            }
        }
        let chunk = builder.finish();
        if chunk.lines.is_empty() && chunk.next == j.cursor && j.cursor.sequence_id < end {
            return Err(Error::storage(format!(
                "event {} of session {} is missing",
                j.cursor.sequence_id, j.session_id
            )));
        }
        Ok(chunk)
    }

    /// The session's live working context as prompt lines (`key: compact JSON`, key order),
    /// read straight from storage: no touch (extraction is not activity) and readable while
    /// the session is hidden for its extraction. At most [`limits::WORKING_CONTEXT_TOKENS`];
    /// a long value is cut, keys past the budget are left out and counted in a last line.
    pub(crate) async fn working_lines(
        &self,
        space_id: &str,
        session_id: &str,
    ) -> Result<Vec<String>> {
        let now = self.host.now();
        let mut cursor = crate::engine::cursor::Cursor::new(
            layout::working_of(space_id, session_id),
            limits::SCAN_CHUNK,
        );
        let (mut lines, mut used, mut left_out) = (Vec::new(), 0u64, 0usize);
        loop {
            let page = cursor.next(self.kv.as_ref()).await?;
            if page.is_empty() {
                break;
            }
            for (_, v) in &page {
                let e: ContextEntry = envelope::decode(v)?;
                if e.expires_at.is_some_and(|t| now >= t) {
                    continue;
                }
                let full = format!("{}: {}", e.key, e.value);
                let line = if full.chars().count() > limits::WORKING_LINE_MAX_CHARS {
                    let cut: String = full.chars().take(limits::WORKING_LINE_MAX_CHARS).collect();
                    format!("{cut}…")
                } else {
                    full
                };
                let t = self.line_tokens(&line);
                if left_out > 0 || used + t > limits::WORKING_CONTEXT_TOKENS {
                    left_out += 1;
                    continue;
                }
                used += t;
                lines.push(line);
            }
        }
        if left_out > 0 {
            lines.push(format!("({left_out} more keys left out)"));
        }
        Ok(lines)
    }

    /// Up to [`limits::KNOWN_KEYS_IN_PROMPT`] logical keys held by active memories of the
    /// space, shown to the model so that it reuses them (and supersession can work).
    pub(crate) async fn known_keys(&self, space_id: &str) -> Result<Vec<String>> {
        let range: KeyRange = Key::table("mk").s(space_id).range();
        let rows = self
            .kv
            .scan(&range, limits::KNOWN_KEYS_IN_PROMPT, false)
            .await
            .map_err(kv_error)?;
        Ok(rows
            .into_iter()
            .filter_map(|(k, _)| crate::codec::keys::string_parts(&k)?.pop())
            .collect())
    }
}
