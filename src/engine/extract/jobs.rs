//! The job outbox: creating jobs with the session head that queues them, reading them back
//! (a job counts only when its session head has counted it), the run queue beside them, and
//! the caller-facing list, get, retry and prune.
//!
//! A job record `job/{space}/{job}` is the commit point of every change to a job after its
//! creation; its queue entry `jq/{next_run_at}/{space}/{job}` is advisory (written before the
//! record that names its time, deleted after the record that stops naming it).

use super::limits;
use crate::codec::envelope;
use crate::engine::cursor::{Cursor, Pager};
use crate::engine::lifecycle::SessionRecord;
use crate::engine::{layout, validate, Memspace};
use crate::error::{Error, Result};
use crate::host::LlmUsage;
use crate::ids;
use crate::kv::Batch;
use crate::model::{
    ExtractionJob, ExtractionOptions, ExtractionStats, JobCursor, JobFilter, JobKind, JobStatus,
    LlmSettings, PruneOptions, Space,
};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// Kind of a job in errors.
pub(crate) const JOB: &str = "extraction_job";

/// The stored job: the public record plus bookkeeping only the extractor reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct JobRecord {
    /// The public record.
    #[serde(flatten)]
    pub job: ExtractionJob,
    /// Normalised-content fingerprints of the items the job stored or skipped so far (for
    /// `deduplicate` across chunks; at most `max_memories` + the items of one chunk).
    #[serde(default)]
    pub seen: Vec<String>,
    /// The transcript budget per call, fixed at the first claim (a split event's parts, and so
    /// the cursor, depend on it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunk_tokens: Option<u32>,
}

/// A job to queue with a session-head write.
pub(crate) struct NewJob {
    /// What queued it.
    pub kind: JobKind,
    /// The strategy (strategy jobs).
    pub strategy_index: Option<usize>,
    /// The strategy as it fired.
    pub strategy: Option<crate::model::LifecycleStrategy>,
    /// How it extracts.
    pub options: ExtractionOptions,
    /// Hide the session until done, then soft-delete it.
    pub soft_delete_after: bool,
    /// When it became due.
    pub due_at: Timestamp,
}

/// Makes the session's next job (covering events not yet covered) and advances the head's
/// job count and coverage. `None` when the session has made 2^30 jobs (never in practice).
pub(crate) fn queue_job(
    rec: &mut SessionRecord,
    space: &Space,
    now: Timestamp,
    new: NewJob,
) -> Option<JobRecord> {
    let seq = rec.job_seq;
    let id = ids::job_id(&rec.session.id, seq)?;
    let job = ExtractionJob {
        id,
        memory_space_id: space.id.clone(),
        session_id: rec.session.id.clone(),
        seq,
        kind: new.kind,
        strategy_index: new.strategy_index,
        strategy: new.strategy,
        options: new.options,
        soft_delete_after: new.soft_delete_after,
        from_sequence_id: rec.extracted_through.min(rec.session.event_count),
        to_sequence_id: rec.session.event_count,
        due_at: new.due_at,
        created_at: now,
        updated_at: now,
        llm: LlmSettings {
            llm_model_name: space.llm_model_name.clone(),
            llm_base_url: space.llm_base_url.clone(),
            custom_instructions: space.custom_instructions.clone(),
        },
        status: JobStatus::Pending,
        attempts: 0,
        max_attempts: limits::MAX_ATTEMPTS,
        next_run_at: Some(new.due_at),
        lease_until: None,
        started_at: None,
        finished_at: None,
        cursor: JobCursor {
            sequence_id: rec.extracted_through.min(rec.session.event_count),
            part: 0,
        },
        chunks_done: 0,
        stats: ExtractionStats::default(),
        breakdown: Default::default(),
        memory_ids: Vec::new(),
        usage: LlmUsage::default(),
        last_error: None,
        session_deleted: false,
    };
    rec.job_seq = seq + 1;
    rec.extracted_through = rec.session.event_count;
    Some(JobRecord {
        job,
        seen: Vec::new(),
        chunk_tokens: None,
    })
}

/// The options of a strategy job: the strategy's `agentId` and `metadata`, no filters.
pub(crate) fn strategy_options(s: &crate::model::LifecycleStrategy) -> ExtractionOptions {
    let opts = s.opts.clone().unwrap_or_default();
    ExtractionOptions {
        agent_id: opts.agent_id,
        metadata: opts.metadata,
        min_importance: 0.0,
        deduplicate: true,
        categories: Vec::new(),
        max_memories: limits::STRATEGY_MAX_MEMORIES,
    }
}

/// Adds a new job's writes to a session-head batch (before the head: step 1 of its protocol).
pub(crate) fn put_new_job(batch: &mut Batch, job: &JobRecord) -> Result<()> {
    let j = &job.job;
    if let Some(at) = j.next_run_at {
        batch.put(layout::job_queue(at, &j.memory_space_id, &j.id), Vec::new());
    }
    batch.put(
        layout::job(&j.memory_space_id, &j.id),
        envelope::encode(job)?,
    );
    Ok(())
}

/// A batch that changes job `old` (stored as `old_bytes`) into `new`: the new queue entry, the
/// record guarded by its old bytes (the commit point), then the old entry's deletion.
pub(crate) fn job_batch(
    mut batch: Batch,
    old: &JobRecord,
    old_bytes: &[u8],
    new: &JobRecord,
) -> Result<Batch> {
    let (o, n) = (&old.job, &new.job);
    let sp = &n.memory_space_id;
    if let Some(at) = n.next_run_at.filter(|t| Some(*t) != o.next_run_at) {
        batch.put(layout::job_queue(at, sp, &n.id), Vec::new());
    }
    let key = layout::job(sp, &n.id);
    batch.require_equals(key.clone(), old_bytes.to_vec());
    batch.put(key, envelope::encode(new)?); // commit point
    if let Some(at) = o.next_run_at.filter(|t| Some(*t) != n.next_run_at) {
        batch.delete(layout::job_queue(at, sp, &o.id));
    }
    Ok(batch)
}

impl Memspace {
    /// Loads a job that its session head has counted (a job written before a head commit
    /// that never landed is not a job). `None` for a missing or uncounted job.
    pub(crate) async fn load_job(
        &self,
        space_id: &str,
        job_id: &str,
    ) -> Result<Option<(JobRecord, Vec<u8>)>> {
        if !ids::is_valid("job", job_id) {
            return Ok(None);
        }
        let Some((rec, bytes)) = self
            .load::<JobRecord>(&layout::job(space_id, job_id))
            .await?
        else {
            return Ok(None);
        };
        let head = self
            .load_head(&layout::session(space_id, &rec.job.session_id))
            .await?;
        Ok(head
            .filter(|(h, _)| counted(&rec.job, h))
            .map(|_| (rec, bytes)))
    }

    /// Gets one extraction job of one of the caller's spaces.
    pub async fn get_extraction_job(&self, space_id: &str, job_id: &str) -> Result<ExtractionJob> {
        let (space, _) = self.owned_space(space_id).await?;
        self.settle_jobs(&space.id).await?;
        match self.load_job(&space.id, job_id).await? {
            Some((rec, _)) => Ok(rec.job),
            None => Err(Error::not_found(JOB, job_id)),
        }
    }

    /// Extraction jobs of a space, in id order (by session, then the session's n-th job),
    /// filtered by status or session and paged.
    pub async fn list_extraction_jobs(
        &self,
        space_id: &str,
        filter: JobFilter,
    ) -> Result<Vec<ExtractionJob>> {
        let (offset, limit) = validate::page(crate::model::Page {
            offset: filter.offset,
            limit: filter.limit,
        })?;
        let (space, _) = self.owned_space(space_id).await?;
        self.settle_jobs(&space.id).await?;
        let range = match &filter.session_id {
            Some(s) => match session_jobs_range(&space.id, s) {
                Some(r) => r,
                None => return Ok(Vec::new()),
            },
            None => layout::jobs_of(&space.id),
        };
        let mut cursor = Cursor::new(range, limits::SCAN_CHUNK);
        let mut heads: std::collections::HashMap<String, Option<SessionRecord>> =
            Default::default();
        let mut page = Pager::new(offset, limit);
        loop {
            let chunk = cursor.next(self.kv.as_ref()).await?;
            if chunk.is_empty() {
                return Ok(page.into_items());
            }
            for (_, bytes) in &chunk {
                let rec: JobRecord = envelope::decode(bytes)?;
                let j = rec.job;
                if filter.status.is_some_and(|s| s != j.status)
                    || filter
                        .session_id
                        .as_ref()
                        .is_some_and(|s| *s != j.session_id)
                {
                    continue;
                }
                if !heads.contains_key(&j.session_id) {
                    let head = self
                        .load_head(&layout::session(&space.id, &j.session_id))
                        .await?;
                    heads.insert(j.session_id.clone(), head.map(|(r, _)| r));
                }
                let ok = heads
                    .get(&j.session_id)
                    .and_then(|h| h.as_ref())
                    .is_some_and(|h| counted(&j, h));
                if ok && page.offer(j) {
                    return Ok(page.into_items());
                }
            }
        }
    }

    /// Puts a failed job back in the queue (attempts start over, due now).
    pub async fn retry_extraction_job(
        &self,
        space_id: &str,
        job_id: &str,
    ) -> Result<ExtractionJob> {
        let _write = self.write_lock.acquire().await;
        let (space, _) = self.owned_space(space_id).await?;
        self.settle_jobs(&space.id).await?;
        let Some((old, bytes)) = self.load_job(&space.id, job_id).await? else {
            return Err(Error::not_found(JOB, job_id));
        };
        if old.job.status != JobStatus::Failed {
            return Err(Error::conflict(format!(
                "job {job_id} is {}; only a failed job can be retried",
                old.job.status.as_str()
            ))
            .with("precondition", "job_status")
            .with("status", old.job.status.as_str()));
        }
        let now = self.host.now();
        let mut new = old.clone();
        let j = &mut new.job;
        j.status = JobStatus::Pending;
        j.attempts = 0;
        j.next_run_at = Some(now);
        j.finished_at = None;
        j.updated_at = now.max(j.updated_at);
        let batch = job_batch(Batch::new(), &old, &bytes, &new)?;
        self.commit(batch).await?;
        Ok(new.job)
    }

    /// Removes finished jobs (done, and failed ones with `include_failed`) of a space, oldest
    /// id first; returns how many were removed. A failed job's hidden session is soft-deleted
    /// first (giving up on its extraction); a done job whose session's soft delete is still
    /// pending is kept until `run_extraction` has applied it.
    pub async fn prune_extraction_jobs(&self, space_id: &str, opts: PruneOptions) -> Result<u64> {
        let limit = match opts.limit {
            None => limits::DEFAULT_PRUNE,
            Some(n) if (1..=limits::MAX_PRUNE).contains(&n) => n,
            Some(_) => {
                return Err(Error::validation(
                    "limit",
                    format!("must be 1–{}", limits::MAX_PRUNE),
                ))
            }
        } as u64;
        let _write = self.write_lock.acquire().await;
        let (space, _) = self.owned_space(space_id).await?;
        self.settle_jobs(&space.id).await?;
        let mut cursor = Cursor::new(layout::jobs_of(&space.id), limits::SCAN_CHUNK);
        let mut pruned = 0u64;
        loop {
            let chunk = cursor.next(self.kv.as_ref()).await?;
            if chunk.is_empty() {
                return Ok(pruned);
            }
            for (key, bytes) in chunk {
                let rec: JobRecord = envelope::decode(&bytes)?;
                let j = &rec.job;
                let finished_in_time = j
                    .finished_at
                    .is_some_and(|f| opts.finished_before.is_none_or(|b| f < b));
                let prunable = match j.status {
                    JobStatus::Done => !j.soft_delete_after || j.session_deleted,
                    JobStatus::Failed => opts.include_failed,
                    _ => false,
                };
                if !(prunable && finished_in_time) {
                    continue;
                }
                if j.status == JobStatus::Failed && j.soft_delete_after {
                    self.delete_hidden_session(&space, j).await?;
                }
                let mut batch = Batch::new();
                batch.require_equals(key.clone(), bytes.clone());
                batch.delete(key);
                if let Some(at) = j.next_run_at {
                    batch.delete(layout::job_queue(at, &space.id, &j.id));
                }
                self.commit(batch).await?;
                pruned += 1;
                if pruned >= limit {
                    return Ok(pruned);
                }
            }
        }
    }

    /// Rolls a committed memory journal of the space forward: a chunk's job progress commits
    /// with its memories, so job records are current only after it.
    pub(crate) async fn settle_jobs(&self, space_id: &str) -> Result<()> {
        self.settle_memories(space_id).await
    }
}

/// True when the session head has counted job `j` (it was created by a head commit).
pub(crate) fn counted(j: &ExtractionJob, head: &SessionRecord) -> bool {
    j.seq < head.job_seq && ids::job_id(&head.session.id, j.seq).as_deref() == Some(j.id.as_str())
}

/// The keys of a session's jobs: their ids share the first 20 characters (the session's time
/// and hash). `None` for a session id `new_id` did not make.
fn session_jobs_range(space_id: &str, session_id: &str) -> Option<crate::kv::KeyRange> {
    let id = ids::job_id(session_id, 0)?;
    let mut k = layout::jobs_of(space_id).start;
    k.extend_from_slice(id.get(..24)?.as_bytes());
    Some(crate::kv::KeyRange::prefix(&k))
}

impl Memspace {
    /// Every counted job of a session, in seq order, with its stored bytes.
    pub(crate) async fn jobs_of_session(
        &self,
        space_id: &str,
        session_id: &str,
    ) -> Result<Vec<(JobRecord, Vec<u8>)>> {
        let Some(range) = session_jobs_range(space_id, session_id) else {
            return Ok(Vec::new());
        };
        let Some((head, _)) = self
            .load_head(&layout::session(space_id, session_id))
            .await?
        else {
            return Ok(Vec::new());
        };
        let mut cursor = Cursor::new(range, limits::SCAN_CHUNK);
        let mut out = Vec::new();
        loop {
            let chunk = cursor.next(self.kv.as_ref()).await?;
            if chunk.is_empty() {
                return Ok(out);
            }
            for (_, bytes) in chunk {
                let rec: JobRecord = envelope::decode(&bytes)?;
                if rec.job.session_id == session_id && counted(&rec.job, &head) {
                    out.push((rec, bytes));
                }
            }
        }
    }
}
