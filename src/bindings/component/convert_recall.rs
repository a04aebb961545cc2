//! Conversions between the `recall` interface's records (`recall.wit`) and the engine's
//! recall model.

use super::exports::memspace::memory::recall as w;
use crate::error::Result;
use crate::model as m;
use crate::time::Timestamp;

impl From<w::RecallMode> for m::RecallMode {
    fn from(v: w::RecallMode) -> Self {
        match v {
            w::RecallMode::Rag => m::RecallMode::Rag,
            w::RecallMode::Llm => m::RecallMode::Llm,
            w::RecallMode::Hybrid => m::RecallMode::Hybrid,
        }
    }
}

impl From<m::RecallMode> for w::RecallMode {
    fn from(v: m::RecallMode) -> Self {
        match v {
            m::RecallMode::Rag => w::RecallMode::Rag,
            m::RecallMode::Llm => w::RecallMode::Llm,
            m::RecallMode::Hybrid => w::RecallMode::Hybrid,
        }
    }
}

impl From<w::Tolerance> for m::Tolerance {
    fn from(v: w::Tolerance) -> Self {
        match v {
            w::Tolerance::Strict => m::Tolerance::Strict,
            w::Tolerance::Moderate => m::Tolerance::Moderate,
            w::Tolerance::Loose => m::Tolerance::Loose,
        }
    }
}

impl TryFrom<w::RecallQuery> for m::RecallQuery {
    type Error = crate::Error;
    fn try_from(q: w::RecallQuery) -> Result<Self> {
        Ok(m::RecallQuery {
            query: q.query,
            types: q.types.into_iter().map(Into::into).collect(),
            subtypes: q.subtypes.into_iter().map(Into::into).collect(),
            tags: q.tags,
            limit: q.limit,
            offset: q.offset,
            mode: q.mode.map(Into::into),
            min_relevance: q.min_relevance,
            tolerance: q.tolerance.map(Into::into),
            recency_weight: q.recency_weight,
            include_associations: q.include_associations,
            traverse_depth: q.traverse_depth,
            max_expansion: q.max_expansion,
            created_after: q.created_after.map(Timestamp),
            created_before: q.created_before.map(Timestamp),
            valid_at: q.valid_at.map(Timestamp),
            budget_tokens: q.budget_tokens,
            explain: q.explain,
            embedding: q.embedding,
        })
    }
}

fn channel(c: Option<m::ChannelScore>) -> Option<w::ChannelScore> {
    c.map(|c| w::ChannelScore {
        rank: c.rank,
        score: c.score,
        relevance: c.relevance,
    })
}

impl From<m::RecalledMemory> for w::RecalledMemory {
    fn from(r: m::RecalledMemory) -> Self {
        w::RecalledMemory {
            memory: r.memory.into(),
            relevance_score: r.relevance_score,
            boosted_score: r.boosted_score,
            source: r.source,
            explain: r.explain.map(|e| w::RecallExplain {
                lexical: channel(e.lexical),
                vector: channel(e.vector),
                exact: channel(e.exact),
                rrf: e.rrf,
                fused: e.fused,
                importance_factor: e.importance_factor,
                recency_factor: e.recency_factor,
                age_hours: e.age_hours,
                via: e.via,
            }),
        }
    }
}

impl From<m::RecallResult> for w::RecallResult {
    fn from(r: m::RecallResult) -> Self {
        w::RecallResult {
            memories: r.memories.into_iter().map(Into::into).collect(),
            total_count: r.total_count,
            mode_used: r.mode_used.into(),
            query_tokens: r.query_tokens,
            search_latency_ms: r.search_latency_ms,
            retrieval_confidence: r.retrieval_confidence,
            confidence_reasons: r.confidence_reasons,
            budget_summary: r.budget_summary.map(|b| w::BudgetSummary {
                budget_tokens: b.budget_tokens,
                used_tokens: b.used_tokens,
                omitted: b.omitted,
            }),
            relation_paths: r.relation_paths.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<m::ReflectResult> for w::ReflectResult {
    fn from(r: m::ReflectResult) -> Self {
        w::ReflectResult {
            reflection: r.reflection,
            source_memories: r.source_memories,
            confidence: r.confidence,
            tokens_processed: r.tokens_processed,
        }
    }
}

impl From<w::ReindexOptions> for m::ReindexOptions {
    fn from(o: w::ReindexOptions) -> Self {
        m::ReindexOptions {
            batch_size: o.batch_size,
            cursor: o.cursor,
        }
    }
}

impl From<m::ReindexProgress> for w::ReindexProgress {
    fn from(p: m::ReindexProgress) -> Self {
        w::ReindexProgress {
            processed: p.processed,
            indexed: p.indexed,
            removed: p.removed,
            cursor: p.cursor,
            done: p.done,
            total: p.total,
        }
    }
}

impl From<m::IndexCheck> for w::IndexCheck {
    fn from(c: m::IndexCheck) -> Self {
        w::IndexCheck {
            records_indexable: c.records_indexable,
            indexed: c.indexed,
            missing: c.missing,
            orphans: c.orphans,
            stale: c.stale,
            stats_consistent: c.stats_consistent,
        }
    }
}
