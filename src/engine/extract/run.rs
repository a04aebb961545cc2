//! `run_extraction`: claims due jobs from the queue and runs them, chunk by chunk.
//!
//! A job is claimed by rewriting its record (status running, attempts + 1, leased until a
//! time, guarded by the bytes read): one key, the job's commit point. The LLM is called with
//! no lock held; each chunk then commits its memories with the job's progress, guarded by the
//! bytes of the claim, so a runner whose lease expired and was taken over commits nothing.
//! A failed attempt goes back to `pending` after a backoff, or to `failed` after
//! `max_attempts`.

use super::jobs::{counted, job_batch, JobRecord, JOB};
use super::limits;
use super::output::{parse_answer, raw_for_debugging};
use super::prompt::{request, system_message};
use super::write::{is_lease_lost, Held};
use crate::codec::envelope;
use crate::engine::cursor::Cursor;
use crate::engine::{layout, Memspace};
use crate::error::{Error, ErrorCode, Result};
use crate::host::Llm;
use crate::kv::Batch;
use crate::model::{ExtractionJob, JobError, JobOutcome, JobStatus, RunOptions, RunReport, Space};
use crate::time::Timestamp;
use std::rc::Rc;

/// Checked run settings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings {
    /// Most jobs to run.
    pub limit: u32,
    /// Lease length.
    pub lease_secs: u64,
    /// Transcript tokens per call (for jobs that have not started yet).
    pub chunk_tokens: u32,
}

impl Settings {
    /// Validates `opts`.
    pub(crate) fn from(opts: &RunOptions) -> Result<Self> {
        let limit = opts.limit.unwrap_or(limits::DEFAULT_RUN_LIMIT);
        if !(1..=limits::MAX_RUN_LIMIT).contains(&limit) {
            return Err(Error::validation(
                "limit",
                format!("must be 1–{}", limits::MAX_RUN_LIMIT),
            ));
        }
        let lease_secs = opts.lease_secs.unwrap_or(limits::DEFAULT_LEASE_SECS);
        if !limits::LEASE_SECS.contains(&lease_secs) {
            return Err(Error::validation(
                "lease_secs",
                format!(
                    "must be {}–{} seconds",
                    limits::LEASE_SECS.start(),
                    limits::LEASE_SECS.end()
                ),
            ));
        }
        let chunk_tokens = opts.chunk_tokens.unwrap_or(limits::DEFAULT_CHUNK_TOKENS);
        if !limits::CHUNK_TOKENS.contains(&chunk_tokens) {
            return Err(Error::validation(
                "chunk_tokens",
                format!(
                    "must be {}–{}",
                    limits::CHUNK_TOKENS.start(),
                    limits::CHUNK_TOKENS.end()
                ),
            ));
        }
        Ok(Settings {
            limit,
            lease_secs,
            chunk_tokens,
        })
    }
}

/// The `unsupported` error of an LLM operation on a handle without an LLM.
pub(crate) fn no_llm() -> Error {
    Error::new(
        ErrorCode::Unsupported,
        "no LLM is configured for this handle (Memspace::with_llm, the `llm` option of open(), \
         the WIT `llm` import); extraction jobs stay queued until one is",
    )
}

/// What happened to a queue entry.
enum Entry {
    /// Stale or not ours: nothing run.
    Skipped,
    /// A done job's session was soft-deleted.
    Finalized,
    /// A job was claimed and run.
    Ran(JobOutcome),
}

impl Memspace {
    /// Claims and runs up to `limit` due extraction jobs (of one of the caller's spaces with
    /// `space_id`; of every space in the store without: a host-level operation, like `sweep`).
    /// Also finishes the soft delete of sessions whose job is done. Without an LLM the jobs
    /// stay queued and this answers `unsupported`.
    pub async fn run_extraction(&self, opts: RunOptions) -> Result<RunReport> {
        let settings = Settings::from(&opts)?;
        let llm = self.llm.clone().ok_or_else(no_llm)?;
        let only = match &opts.space_id {
            Some(id) => Some(self.owned_space(id).await?.0.id),
            None => None,
        };
        let now = self.host.now();
        let mut report = RunReport::default();
        let mut cursor = Cursor::new(layout::job_queue_until(now), limits::SCAN_CHUNK);
        let mut examined = 0usize;
        'scan: loop {
            let chunk = cursor.next(self.kv.as_ref()).await?;
            if chunk.is_empty() {
                break;
            }
            for (key, _) in chunk {
                examined += 1;
                if examined > limits::MAX_EXAMINED || report.claimed >= settings.limit as u64 {
                    break 'scan;
                }
                let Some((at, space_id, job_id)) = layout::parse_job_queue(&key) else {
                    self.drop_entry(key).await?;
                    continue;
                };
                if only.as_ref().is_some_and(|s| *s != space_id) {
                    continue;
                }
                match self
                    .run_entry(&llm, key, at, &space_id, &job_id, settings, false)
                    .await?
                {
                    Entry::Skipped => {}
                    Entry::Finalized => report.sessions_deleted += 1,
                    Entry::Ran(outcome) => tally(&mut report, outcome),
                }
            }
        }
        Ok(report)
    }

    /// Deletes a stale queue entry.
    async fn drop_entry(&self, key: Vec<u8>) -> Result<()> {
        let mut b = Batch::new();
        b.delete(key);
        self.commit(b).await
    }

    /// Looks at one queue entry and runs its job if it is due (or `force`d by commit_session).
    #[allow(clippy::too_many_arguments)]
    async fn run_entry(
        &self,
        llm: &Rc<dyn Llm>,
        key: Vec<u8>,
        at: Timestamp,
        space_id: &str,
        job_id: &str,
        settings: Settings,
        force: bool,
    ) -> Result<Entry> {
        self.settle_jobs(space_id).await?;
        let Some((rec, bytes)) = self
            .load::<JobRecord>(&layout::job(space_id, job_id))
            .await?
        else {
            self.drop_entry(key).await?;
            return Ok(Entry::Skipped);
        };
        if rec.job.next_run_at != Some(at) {
            self.drop_entry(key).await?;
            return Ok(Entry::Skipped);
        }
        let head = self
            .load_head(&layout::session(space_id, &rec.job.session_id))
            .await?;
        if !head.is_some_and(|(h, _)| counted(&rec.job, &h)) {
            // Written before a session-head commit that never landed: not a job.
            self.drop_entry(key).await?;
            return Ok(Entry::Skipped);
        }
        self.run_job(llm, rec, bytes, settings, force).await
    }

    /// Runs a counted job: finishes a pending soft delete, or claims and runs it when due.
    async fn run_job(
        &self,
        llm: &Rc<dyn Llm>,
        rec: JobRecord,
        bytes: Vec<u8>,
        settings: Settings,
        force: bool,
    ) -> Result<Entry> {
        let now = self.host.now();
        let space = self
            .load::<Space>(&layout::space(&rec.job.memory_space_id))
            .await?
            .map(|(s, _)| s);
        let j = &rec.job;
        match j.status {
            JobStatus::Done if j.soft_delete_after && !j.session_deleted => {
                let Some(space) = space else {
                    return Ok(Entry::Skipped);
                };
                self.finish_soft_delete(&space, rec, bytes).await?;
                return Ok(Entry::Finalized);
            }
            JobStatus::Done | JobStatus::Failed => {
                // Nothing left to do: take it out of the queue if it is still in it.
                if j.next_run_at.is_some() {
                    let mut new = rec.clone();
                    new.job.next_run_at = None;
                    let b = job_batch(Batch::new(), &rec, &bytes, &new)?;
                    self.commit(b).await?;
                }
                return Ok(Entry::Skipped);
            }
            JobStatus::Pending if !force && j.next_run_at.is_some_and(|t| t > now) => {
                return Ok(Entry::Skipped)
            }
            JobStatus::Running if j.lease_until.is_some_and(|t| t > now) => {
                return Ok(Entry::Skipped)
            }
            _ => {}
        }
        let space = match space {
            Some(s) if s.deleted_at.is_none() => s,
            _ => {
                let e = Error::gone("memory_space", &rec.job.memory_space_id);
                return self.fail_for_good(rec, bytes, e).await.map(Entry::Ran);
            }
        };
        if rec.job.attempts >= rec.job.max_attempts {
            // Its last attempt's runner stopped without reporting (its lease expired).
            let e = Error::new(
                ErrorCode::Upstream,
                format!(
                    "no attempts left: the last of {} attempts ended without finishing (a runner \
                     stopped or its lease of the job expired)",
                    rec.job.max_attempts
                ),
            )
            .with("reason", "lease_expired");
            return self.fail_for_good(rec, bytes, e).await.map(Entry::Ran);
        }
        let Some((rec, bytes)) = self.claim(rec, bytes, settings).await? else {
            return Ok(Entry::Skipped);
        };
        self.execute(llm, &space, rec, bytes, settings)
            .await
            .map(Entry::Ran)
    }

    /// Claims a job: running, leased, one more attempt. `None` when another runner won.
    async fn claim(
        &self,
        old: JobRecord,
        bytes: Vec<u8>,
        settings: Settings,
    ) -> Result<Option<(JobRecord, Vec<u8>)>> {
        let _write = self.write_lock.acquire().await;
        let now = self.host.now();
        let mut new = old.clone();
        let j = &mut new.job;
        j.status = JobStatus::Running;
        j.attempts += 1;
        let until = now.plus_secs(settings.lease_secs as i64);
        j.lease_until = Some(until);
        j.next_run_at = Some(until);
        j.started_at.get_or_insert(now);
        j.updated_at = now.max(j.updated_at);
        new.chunk_tokens.get_or_insert(settings.chunk_tokens);
        let batch = job_batch(Batch::new(), &old, &bytes, &new)?;
        match self.commit(batch).await {
            Ok(()) => {
                let b = envelope::encode(&new)?;
                Ok(Some((new, b)))
            }
            Err(e) if e.is_lost_race() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Runs a claimed job's chunks to the end of its range.
    async fn execute(
        &self,
        llm: &Rc<dyn Llm>,
        space: &Space,
        mut rec: JobRecord,
        mut bytes: Vec<u8>,
        settings: Settings,
    ) -> Result<JobOutcome> {
        let budget = rec.chunk_tokens.unwrap_or(settings.chunk_tokens) as u64;
        let mut created = 0u64;
        let known = self.known_keys(&space.id).await?;
        let working = self.working_lines(&space.id, &rec.job.session_id).await?;
        let system = system_message(
            space.custom_instructions.as_deref(),
            &known,
            &rec.job.options.categories,
        );
        loop {
            let chunk = match self.next_chunk(&rec, budget).await {
                Ok(c) => c,
                Err(e) => return self.fail_attempt(rec, bytes, e, None, created).await,
            };
            let last = chunk.next.sequence_id >= rec.job.to_sequence_id;
            let (answer, usage) = if chunk.lines.is_empty() {
                (Default::default(), Default::default())
            } else {
                let req = request(
                    space,
                    system.clone(),
                    &rec.job.session_id,
                    &working,
                    &chunk,
                    limits::ANSWER_MAX_TOKENS,
                );
                let resp = match llm.complete(&req).await {
                    Ok(r) => r,
                    Err(e) => return self.fail_attempt(rec, bytes, e, None, created).await,
                };
                match parse_answer(&resp, chunk.first_seq, chunk.last_seq) {
                    Ok(a) => (a, resp.usage.unwrap_or_default()),
                    Err(e) => {
                        let raw = Some(raw_for_debugging(&resp));
                        return self.fail_attempt(rec, bytes, e, raw, created).await;
                    }
                }
            };
            let held = Held {
                job: &rec,
                bytes: &bytes,
            };
            match self
                .commit_chunk(
                    space,
                    held,
                    &chunk,
                    &answer,
                    usage,
                    last,
                    settings.lease_secs,
                )
                .await
            {
                Ok((r, b, res)) => {
                    created += res.created;
                    rec = r;
                    bytes = b;
                }
                Err(e) if is_lease_lost(&e) => return Ok(outcome(&rec.job, created, Some(&e))),
                Err(e) => return self.fail_attempt(rec, bytes, e, None, created).await,
            }
            if rec.job.status == JobStatus::Done {
                break;
            }
        }
        let mut deleted = false;
        if rec.job.soft_delete_after && !rec.job.session_deleted {
            let (r, _) = self.finish_soft_delete(space, rec, bytes).await?;
            rec = r;
            deleted = true;
        }
        let mut o = outcome(&rec.job, created, None);
        o.session_deleted = deleted;
        Ok(o)
    }

    /// Records a failed attempt: pending after a backoff, or failed when no attempts are left.
    async fn fail_attempt(
        &self,
        old: JobRecord,
        bytes: Vec<u8>,
        e: Error,
        raw: Option<String>,
        created: u64,
    ) -> Result<JobOutcome> {
        let _write = self.write_lock.acquire().await;
        let now = self.host.now();
        let mut new = old.clone();
        let j = &mut new.job;
        j.last_error = Some(job_error(&e, j.attempts, now, raw));
        j.lease_until = None;
        j.updated_at = now.max(j.updated_at);
        if j.attempts >= j.max_attempts {
            j.status = JobStatus::Failed;
            j.finished_at = Some(now);
            j.next_run_at = None;
        } else {
            j.status = JobStatus::Pending;
            j.next_run_at = Some(now.plus_secs(limits::backoff_secs(j.attempts)));
        }
        let batch = job_batch(Batch::new(), &old, &bytes, &new)?;
        match self.commit(batch).await {
            Ok(()) => Ok(outcome(&new.job, created, Some(&e))),
            // Taken over meanwhile: the other runner reports.
            Err(c) if c.is_lost_race() => Ok(outcome(&old.job, created, Some(&e))),
            Err(c) => Err(c),
        }
    }

    /// Fails a job that cannot run (its space is gone) or has no attempts left.
    async fn fail_for_good(&self, old: JobRecord, bytes: Vec<u8>, e: Error) -> Result<JobOutcome> {
        let mut forced = old.clone();
        forced.job.attempts = forced.job.max_attempts.max(forced.job.attempts);
        let _write = self.write_lock.acquire().await;
        let now = self.host.now();
        let j = &mut forced.job;
        j.last_error = Some(job_error(&e, j.attempts, now, None));
        j.status = JobStatus::Failed;
        j.finished_at = Some(now);
        j.next_run_at = None;
        j.lease_until = None;
        j.updated_at = now.max(j.updated_at);
        let batch = job_batch(Batch::new(), &old, &bytes, &forced)?;
        match self.commit(batch).await {
            Ok(()) => Ok(outcome(&forced.job, 0, Some(&e))),
            Err(c) if c.is_lost_race() => Ok(outcome(&old.job, 0, Some(&e))),
            Err(c) => Err(c),
        }
    }

    /// Soft-deletes the session a done job hid, then records it on the job (which leaves the
    /// queue). Either commit may be cut off: the job stays queued until both have landed.
    pub(crate) async fn finish_soft_delete(
        &self,
        space: &Space,
        old: JobRecord,
        bytes: Vec<u8>,
    ) -> Result<(JobRecord, Vec<u8>)> {
        let _write = self.write_lock.acquire().await;
        self.delete_hidden_session(space, &old.job).await?;
        let now = self.host.now();
        let mut new = old.clone();
        new.job.session_deleted = true;
        new.job.next_run_at = None;
        new.job.updated_at = now.max(new.job.updated_at);
        let batch = job_batch(Batch::new(), &old, &bytes, &new)?;
        self.commit(batch).await?;
        let b = envelope::encode(&new)?;
        Ok((new, b))
    }

    /// Runs the given job of the caller now (commit_session): `force` ignores a backoff.
    pub(crate) async fn run_now(
        &self,
        llm: &Rc<dyn Llm>,
        space_id: &str,
        job_id: &str,
        settings: Settings,
    ) -> Result<Option<JobOutcome>> {
        self.settle_jobs(space_id).await?;
        let Some((rec, bytes)) = self.load_job(space_id, job_id).await? else {
            return Err(Error::not_found(JOB, job_id));
        };
        match self.run_job(llm, rec, bytes, settings, true).await? {
            Entry::Ran(o) => Ok(Some(o)),
            _ => Ok(None),
        }
    }
}

fn job_error(e: &Error, attempt: u32, at: Timestamp, raw: Option<String>) -> JobError {
    JobError {
        code: e.code.as_str().to_string(),
        reason: e
            .details
            .get("reason")
            .and_then(|r| r.as_str())
            .map(str::to_string),
        message: e.message.clone(),
        attempt,
        at,
        raw_output: raw,
    }
}

fn outcome(j: &ExtractionJob, created: u64, e: Option<&Error>) -> JobOutcome {
    JobOutcome {
        job_id: j.id.clone(),
        memory_space_id: j.memory_space_id.clone(),
        session_id: j.session_id.clone(),
        status: j.status,
        attempts: j.attempts,
        memories_created: created,
        session_deleted: false,
        error: e.map(|e| job_error(e, j.attempts, j.updated_at, None)),
    }
}

fn tally(r: &mut RunReport, o: JobOutcome) {
    r.claimed += 1;
    r.memories_created += o.memories_created;
    r.sessions_deleted += o.session_deleted as u64;
    match o.status {
        JobStatus::Done => r.done += 1,
        JobStatus::Pending => r.retrying += 1,
        JobStatus::Failed => r.failed += 1,
        JobStatus::Running => {}
    }
    r.jobs.push(o);
}
