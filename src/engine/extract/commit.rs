//! `commit_session` (MemoryLayer's `commit_session`): the same extractor, on demand, for one
//! session. It queues a job for the session's events not yet covered by an earlier job (in a
//! session-head commit, like a strategy firing), runs that job and any unfinished earlier job
//! of the session at once, and reports what they extracted, deduplicated and created. An
//! attempt that fails leaves its job queued with a backoff for `run_extraction`: nothing is
//! lost, and calling again retries at once.

use super::jobs::{queue_job, JobRecord, NewJob};
use super::limits;
use super::output::is_category_name;
use super::run::{no_llm, Settings};
use crate::engine::memories::limits as mem_limits;
use crate::engine::sessions::retry;
use crate::engine::{is_race, validate, Memspace, MAX_RETRIES};
use crate::error::{Error, Result};
use crate::kv::Batch;
use crate::model::{
    CommitOptions, CommitReport, ExtractionOptions, JobKind, JobStatus, RunOptions, Space,
};

/// Checks `commit_session`'s arguments and fills the defaults.
fn options(o: CommitOptions) -> Result<ExtractionOptions> {
    let min_importance = mem_limits::unit(
        "min_importance",
        o.min_importance
            .unwrap_or(limits::COMMIT_DEFAULT_MIN_IMPORTANCE),
    )?;
    let max_memories = o
        .max_memories
        .unwrap_or(limits::COMMIT_DEFAULT_MAX_MEMORIES);
    if !(1..=limits::COMMIT_MAX_MEMORIES).contains(&max_memories) {
        return Err(Error::validation(
            "max_memories",
            format!("must be 1–{}", limits::COMMIT_MAX_MEMORIES),
        ));
    }
    let mut categories = Vec::new();
    for c in o.categories.unwrap_or_default() {
        let c = c.trim().to_ascii_lowercase();
        if !is_category_name(&c) {
            return Err(Error::validation(
                "categories",
                format!(
                    "{c:?} is not a category (fact, preference, event, instruction), a memory type \
                     or a subtype"
                ),
            ));
        }
        if !categories.contains(&c) {
            categories.push(c);
        }
    }
    if let Some(a) = &o.agent_id {
        validate::ident("agent_id", a)?;
    }
    if let Some(m) = &o.metadata {
        mem_limits::metadata("metadata", m, mem_limits::METADATA_MAX_BYTES)?;
    }
    Ok(ExtractionOptions {
        agent_id: o.agent_id,
        metadata: o.metadata,
        min_importance,
        deduplicate: o.deduplicate.unwrap_or(true),
        categories,
        max_memories,
    })
}

impl Memspace {
    /// Extracts memories from a live session of one of the caller's spaces now (see the
    /// module docs). `unsupported` without an LLM; `upstream` when the model fails (the job
    /// stays queued).
    pub async fn commit_session(
        &self,
        space_id: &str,
        session_id: &str,
        opts: CommitOptions,
    ) -> Result<CommitReport> {
        let options = options(opts)?;
        let llm = self.llm.clone().ok_or_else(no_llm)?;
        let started = self.host.now();
        let (space, _) = self.owned_space(space_id).await?;
        {
            let _write = self.write_lock.acquire().await;
            retry!(self.queue_commit_job(&space, session_id, &options).await)?;
        }
        let settings = Settings::from(&RunOptions::default())?;
        let mut report = CommitReport {
            session_id: session_id.to_string(),
            job_ids: Vec::new(),
            memories_extracted: 0,
            memories_deduplicated: 0,
            memories_filtered: 0,
            memories_created: 0,
            memory_ids: Vec::new(),
            breakdown: Default::default(),
            extraction_time_ms: 0,
        };
        self.settle_jobs(&space.id).await?;
        let open: Vec<String> = self
            .jobs_of_session(&space.id, session_id)
            .await?
            .into_iter()
            .filter(|(r, _)| matches!(r.job.status, JobStatus::Pending | JobStatus::Running))
            .map(|(r, _)| r.job.id)
            .collect();
        for id in open {
            let outcome = self.run_now(&llm, &space.id, &id, settings).await?;
            if let Some(err) = outcome.as_ref().and_then(|o| o.error.clone()) {
                return Err(Error::new(
                    crate::ErrorCode::Upstream,
                    format!(
                        "extraction job {id} did not finish: {}; the job stays queued \
                         (run_extraction or another commit_session retries it)",
                        err.message
                    ),
                )
                .with("job_id", id.as_str())
                .with("reason", err.reason.unwrap_or_else(|| err.code.clone()))
                .with("cause_code", err.code));
            }
            if let Some((rec, _)) = self.load_job(&space.id, &id).await? {
                add(&mut report, &rec);
            }
        }
        let elapsed = self.host.now().micros().saturating_sub(started.micros());
        report.extraction_time_ms = (elapsed.max(0) / 1000) as u64;
        Ok(report)
    }

    /// Queues a commit job for the session's events not covered yet (none when all are).
    async fn queue_commit_job(
        &self,
        space: &Space,
        session_id: &str,
        options: &ExtractionOptions,
    ) -> Result<Option<String>> {
        let (rec, bytes) = self.touch(space, session_id).await?;
        if rec.extracted_through >= rec.session.event_count {
            return Ok(None);
        }
        let now = self.host.now();
        let mut new = rec.clone();
        let job = NewJob {
            kind: JobKind::Commit,
            strategy_index: None,
            strategy: None,
            options: options.clone(),
            soft_delete_after: false,
            due_at: now,
        };
        let Some(job) = queue_job(&mut new, space, now, job) else {
            return Err(Error::validation(
                "session_id",
                "the session has queued the most extraction jobs a session can",
            ));
        };
        let id = job.job.id.clone();
        let batch = self.session_batch(Batch::new(), Some((&rec, &bytes)), &mut new, &[job])?;
        self.commit(batch).await?;
        Ok(Some(id))
    }
}

fn add(r: &mut CommitReport, rec: &JobRecord) {
    let j = &rec.job;
    r.job_ids.push(j.id.clone());
    r.memories_extracted += j.stats.extracted;
    r.memories_deduplicated += j.stats.deduplicated;
    r.memories_filtered += j.stats.filtered;
    r.memories_created += j.stats.created;
    r.memory_ids.extend(j.memory_ids.iter().cloned());
    for (k, v) in &j.breakdown {
        *r.breakdown.entry(k.clone()).or_default() += v;
    }
}
