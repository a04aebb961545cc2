//! Committing one chunk: its memories through the memory write path (ADD-only: remember, with
//! supersession by logical key and replay of repeated content) and the job's progress in the
//! same commit, guarded by the job bytes the runner holds. So a chunk's memories exist iff the
//! job's cursor is past the chunk, and a runner that lost its lease cannot commit.

use super::jobs::{job_batch, JobRecord};
use super::output::{Answer, Item};
use super::prompt::Chunk;
use crate::codec::envelope;
use crate::engine::memories::limits as mem_limits;
use crate::engine::{layout, Memspace, MAX_RETRIES};
use crate::error::{Error, Result};
use crate::host::LlmUsage;
use crate::kv::Batch;
use crate::model::{JobStatus, MemorySubtype, MemoryType, NewMemory, Provenance, Space};
use crate::time::Timestamp;

/// What one chunk commit did.
#[derive(Debug, Clone, Default)]
pub(crate) struct ChunkResult {
    /// Memories created.
    pub created: u64,
}

/// The id of the memory made from item `index` of the chunk starting at the chunk's cursor:
/// derived from the job and the item (time part: when the job was queued), so a chunk
/// extracted again after a crash can only replay, never duplicate.
fn memory_id(job: &crate::model::ExtractionJob, chunk: &Chunk, index: usize) -> String {
    let material = format!(
        "{}/{}.{}/{index}",
        job.id, chunk.start.sequence_id, chunk.start.part
    );
    crate::ids::derived_id("mry", job.created_at, material.as_bytes())
}

/// How the runner holds a job while committing.
pub(crate) struct Held<'a> {
    /// The job as the runner last committed it.
    pub job: &'a JobRecord,
    /// Its stored bytes (the lease token).
    pub bytes: &'a [u8],
}

/// The error a runner gets when another runner took its job over (its lease expired).
pub(crate) fn lease_lost(job_id: &str) -> Error {
    Error::conflict(format!(
        "job {job_id} was taken over by another runner after its lease expired; this runner's \
         work on it is discarded"
    ))
    .with("precondition", "job_lease")
    .with("job_id", job_id)
}

/// True for [`lease_lost`].
pub(crate) fn is_lease_lost(e: &Error) -> bool {
    e.details.get("precondition").and_then(|v| v.as_str()) == Some("job_lease")
}

/// The items of an answer to store, after the job's filters: categories, minimum importance,
/// duplicates (with `deduplicate`) and the `max_memories` cap (highest importance first).
/// Returns (items to remember, filtered, deduplicated).
fn select(job: &JobRecord, answer: &Answer) -> (Vec<(usize, Item)>, u64, u64) {
    let o = &job.job.options;
    let (mut filtered, mut dedup) = (0u64, 0u64);
    let mut seen: Vec<String> = job.seen.clone();
    let mut kept: Vec<(usize, Item)> = Vec::new();
    for (i, item) in answer.items.iter().enumerate() {
        if !item.matches(&o.categories) || item.importance < o.min_importance {
            filtered += 1;
            continue;
        }
        if o.deduplicate {
            let f = item.fingerprint();
            if seen.contains(&f) {
                dedup += 1;
                continue;
            }
            seen.push(f);
        }
        kept.push((i, item.clone()));
    }
    let room = (o.max_memories as u64).saturating_sub(job.job.stats.created) as usize;
    if kept.len() > room {
        let mut by_importance: Vec<usize> = (0..kept.len()).collect();
        by_importance.sort_by(|a, b| kept[*b].1.importance.total_cmp(&kept[*a].1.importance));
        let keep: std::collections::BTreeSet<usize> =
            by_importance.into_iter().take(room).collect();
        filtered += (kept.len() - keep.len()) as u64;
        kept = kept
            .into_iter()
            .enumerate()
            .filter(|(pos, _)| keep.contains(pos))
            .map(|(_, x)| x)
            .collect();
    }
    (kept, filtered, dedup)
}

impl Memspace {
    /// Commits the memories of `answer` for `chunk` with the job's progress past the chunk
    /// (done when `last`, else leased for `lease_secs` more). Returns the job as committed.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn commit_chunk(
        &self,
        space: &Space,
        held: Held<'_>,
        chunk: &Chunk,
        answer: &Answer,
        usage: LlmUsage,
        last: bool,
        lease_secs: u64,
    ) -> Result<(JobRecord, Vec<u8>, ChunkResult)> {
        let job_key = layout::job(&space.id, &held.job.job.id);
        for _ in 0..MAX_RETRIES {
            let _write = self.write_lock.acquire().await;
            let mut tx = self.begin_memories_in(space.clone()).await?;
            let now = tx.now;
            let mut new = held.job.clone();
            let (items, filtered, dedup) = select(held.job, answer);
            let j = &mut new.job;
            j.stats.extracted += answer.items.len() as u64;
            j.stats.corrected += answer.corrected;
            j.stats.filtered += filtered;
            j.stats.deduplicated += dedup;
            let mut result = ChunkResult::default();
            for (index, item) in &items {
                let input = self.memory_input(j, chunk, item);
                let Ok(input) = mem_limits::new_memory(input, now) else {
                    j.stats.corrected += 1; // a value the memory limits refuse: item dropped
                    continue;
                };
                let id = memory_id(j, chunk, *index);
                let out = self.plan_remember_as(&mut tx, &input, Some(&id)).await?;
                if out.replayed {
                    j.stats.deduplicated += 1;
                } else {
                    j.stats.created += 1;
                    result.created += 1;
                    j.memory_ids.push(out.memory.id.clone());
                    let label = out
                        .memory
                        .subtype
                        .map(|s| s.as_str())
                        .unwrap_or(out.memory.memory_type.as_str());
                    *j.breakdown.entry(label.to_string()).or_default() += 1;
                    if out.superseded_id.is_some() {
                        j.stats.superseded += 1;
                    }
                }
                if j.options.deduplicate {
                    new.seen.push(item.fingerprint());
                }
            }
            let j = &mut new.job;
            j.cursor = chunk.next;
            j.chunks_done += 1;
            j.usage = j.usage.plus(usage);
            j.updated_at = now.max(j.updated_at);
            if last {
                j.status = JobStatus::Done;
                j.finished_at = Some(now);
                j.lease_until = None;
                // A hidden session still has to be soft-deleted: stay queued for that.
                j.next_run_at = (j.soft_delete_after && !j.session_deleted).then_some(now);
            } else {
                let until = now.plus_secs(lease_secs as i64);
                j.lease_until = Some(until);
                j.next_run_at = Some(until);
            }
            let batch = job_batch(Batch::new(), held.job, held.bytes, &new)?;
            tx.add_ops(batch.ops, batch.preconditions);
            match self.commit_tx(tx).await {
                Ok(()) => {
                    let bytes = envelope::encode(&new)?;
                    return Ok((new, bytes, result));
                }
                Err(e) if e.is_lost_race() => {
                    // Another memory write of the space, or another runner: only the second
                    // is final.
                    let now_stored = self
                        .kv
                        .get(&job_key)
                        .await
                        .map_err(super::super::kv_error)?;
                    if now_stored.as_deref() != Some(held.bytes) {
                        return Err(lease_lost(&held.job.job.id));
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Err(Error::conflict("too much contention on the memory space"))
    }

    /// The `remember` input of one item: provenance pointing at the session, the events it
    /// came from and the job; the job's agent id and metadata; valid from the time its last
    /// event was posted.
    #[allow(clippy::needless_update)]
    fn memory_input(
        &self,
        job: &crate::model::ExtractionJob,
        chunk: &Chunk,
        item: &Item,
    ) -> NewMemory {
        let (from, to) = item.source.unwrap_or((chunk.first_seq, chunk.last_seq));
        let valid_at: Option<Timestamp> = chunk.event_times.get(&to).copied();
        NewMemory {
            content: item.content.clone(),
            memory_type: MemoryType::parse(item.memory_type),
            subtype: item.subtype.and_then(MemorySubtype::parse),
            importance: Some(item.importance),
            tags: item.tags.clone(),
            metadata: job.options.metadata.clone(),
            logical_key: item.logical_key.clone(),
            valid_at,
            provenance: Some(Provenance {
                source: Some("extraction".into()),
                session_id: Some(job.session_id.clone()),
                event_from: Some(from),
                event_to: Some(to),
                job_id: Some(job.id.clone()),
                agent_id: job.options.agent_id.clone(),
            }),
            // Fields the memory input gains later (a caller vector, …) keep their defaults.
            ..Default::default()
        }
    }
}
