//! Conversions between the `extraction` interface's records (`extraction.wit`) and the
//! engine's job model. Metadata and breakdowns cross as `json` strings (objects).

use super::convert::{index, opt_ts, ts};
use super::exports::memspace::memory::extraction as w;
use super::json;
use crate::error::Result;
use crate::model as m;
use crate::time::Timestamp;

impl From<m::JobStatus> for w::JobStatus {
    fn from(s: m::JobStatus) -> Self {
        match s {
            m::JobStatus::Pending => w::JobStatus::Pending,
            m::JobStatus::Running => w::JobStatus::Running,
            m::JobStatus::Done => w::JobStatus::Done,
            m::JobStatus::Failed => w::JobStatus::Failed,
        }
    }
}

impl From<w::JobStatus> for m::JobStatus {
    fn from(s: w::JobStatus) -> Self {
        match s {
            w::JobStatus::Pending => m::JobStatus::Pending,
            w::JobStatus::Running => m::JobStatus::Running,
            w::JobStatus::Done => m::JobStatus::Done,
            w::JobStatus::Failed => m::JobStatus::Failed,
        }
    }
}

impl From<m::JobError> for w::JobError {
    fn from(e: m::JobError) -> Self {
        w::JobError {
            code: e.code,
            reason: e.reason,
            message: e.message,
            attempt: e.attempt,
            at: ts(e.at),
            raw_output: e.raw_output,
        }
    }
}

fn counts(b: std::collections::BTreeMap<String, u64>) -> String {
    json::object(b.into_iter().map(|(k, v)| (k, v.into())).collect())
}

impl From<m::ExtractionJob> for w::ExtractionJob {
    fn from(j: m::ExtractionJob) -> Self {
        w::ExtractionJob {
            id: j.id,
            memory_space_id: j.memory_space_id,
            session_id: j.session_id,
            seq: j.seq,
            kind: match j.kind {
                m::JobKind::Strategy => w::JobKind::Strategy,
                m::JobKind::Commit => w::JobKind::Commit,
            },
            strategy_index: j.strategy_index.map(index),
            strategy: j.strategy.map(Into::into),
            options: w::ExtractionOptions {
                agent_id: j.options.agent_id,
                metadata: j.options.metadata.map(json::object),
                min_importance: j.options.min_importance,
                deduplicate: j.options.deduplicate,
                categories: j.options.categories,
                max_memories: j.options.max_memories,
            },
            soft_delete_after: j.soft_delete_after,
            from_sequence_id: j.from_sequence_id,
            to_sequence_id: j.to_sequence_id,
            due_at: ts(j.due_at),
            created_at: ts(j.created_at),
            updated_at: ts(j.updated_at),
            llm: w::LlmSettings {
                llm_model_name: j.llm.llm_model_name,
                llm_base_url: j.llm.llm_base_url,
                custom_instructions: j.llm.custom_instructions,
            },
            status: j.status.into(),
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            next_run_at: opt_ts(j.next_run_at),
            lease_until: opt_ts(j.lease_until),
            started_at: opt_ts(j.started_at),
            finished_at: opt_ts(j.finished_at),
            cursor_sequence_id: j.cursor.sequence_id,
            cursor_part: j.cursor.part,
            chunks_done: j.chunks_done,
            stats: w::ExtractionStats {
                extracted: j.stats.extracted,
                deduplicated: j.stats.deduplicated,
                filtered: j.stats.filtered,
                created: j.stats.created,
                superseded: j.stats.superseded,
                corrected: j.stats.corrected,
            },
            breakdown: counts(j.breakdown),
            memory_ids: j.memory_ids,
            total_tokens: j.usage.total_tokens,
            last_error: j.last_error.map(Into::into),
            session_deleted: j.session_deleted,
        }
    }
}

impl From<w::JobFilter> for m::JobFilter {
    fn from(f: w::JobFilter) -> Self {
        m::JobFilter {
            status: f.status.map(Into::into),
            session_id: f.session_id,
            offset: f.offset,
            limit: f.limit,
        }
    }
}

impl From<w::RunOptions> for m::RunOptions {
    fn from(o: w::RunOptions) -> Self {
        m::RunOptions {
            limit: o.limit,
            space_id: o.space_id,
            lease_secs: o.lease_secs,
            chunk_tokens: o.chunk_tokens,
        }
    }
}

impl From<m::JobOutcome> for w::JobOutcome {
    fn from(o: m::JobOutcome) -> Self {
        w::JobOutcome {
            job_id: o.job_id,
            memory_space_id: o.memory_space_id,
            session_id: o.session_id,
            status: o.status.into(),
            attempts: o.attempts,
            memories_created: o.memories_created,
            session_deleted: o.session_deleted,
            error: o.error.map(Into::into),
        }
    }
}

impl From<m::RunReport> for w::RunReport {
    fn from(r: m::RunReport) -> Self {
        w::RunReport {
            claimed: r.claimed,
            done: r.done,
            retrying: r.retrying,
            failed: r.failed,
            sessions_deleted: r.sessions_deleted,
            memories_created: r.memories_created,
            jobs: r.jobs.into_iter().map(Into::into).collect(),
        }
    }
}

impl TryFrom<w::CommitOptions> for m::CommitOptions {
    type Error = crate::Error;
    fn try_from(o: w::CommitOptions) -> Result<Self> {
        Ok(m::CommitOptions {
            min_importance: o.min_importance,
            deduplicate: o.deduplicate,
            categories: o.categories,
            max_memories: o.max_memories,
            agent_id: o.agent_id,
            metadata: json::parse_opt_object("metadata", o.metadata)?,
        })
    }
}

impl From<m::CommitReport> for w::CommitReport {
    fn from(r: m::CommitReport) -> Self {
        w::CommitReport {
            session_id: r.session_id,
            job_ids: r.job_ids,
            memories_extracted: r.memories_extracted,
            memories_deduplicated: r.memories_deduplicated,
            memories_filtered: r.memories_filtered,
            memories_created: r.memories_created,
            memory_ids: r.memory_ids,
            breakdown: counts(r.breakdown),
            extraction_time_ms: r.extraction_time_ms,
        }
    }
}

impl From<w::PruneOptions> for m::PruneOptions {
    fn from(o: w::PruneOptions) -> Self {
        m::PruneOptions {
            finished_before: o.finished_before.map(Timestamp),
            include_failed: o.include_failed,
            limit: o.limit,
        }
    }
}
