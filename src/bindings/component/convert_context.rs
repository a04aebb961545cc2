//! Conversions between the `agent-context` interface's records (`context.wit`) and the
//! engine's blocks, working-context, context and workspace model.

use super::convert::{opt_ts, ts};
use super::exports::memspace::memory::agent_context as c;
use super::exports::memspace::memory::memories as mw;
use super::json;
use crate::error::Result;
use crate::model as m;
use crate::time::Timestamp;

fn opt_time(t: Option<i64>) -> Option<Timestamp> {
    t.map(Timestamp)
}

impl From<m::BlockScope> for c::BlockScope {
    fn from(s: m::BlockScope) -> Self {
        match s {
            m::BlockScope::User => c::BlockScope::User,
            m::BlockScope::Agent => c::BlockScope::Agent,
        }
    }
}

impl From<m::MemoryBlock> for c::MemoryBlock {
    fn from(b: m::MemoryBlock) -> Self {
        c::MemoryBlock {
            id: b.id,
            block_type: b.block_type,
            content: b.content,
            scope: b.scope.into(),
            agent_id: b.agent_id,
            description: b.description,
            limit_tokens: b.limit_tokens,
            limit_bytes: b.limit_bytes,
            read_only: b.read_only,
            tokens: b.tokens,
            version: b.version,
            created_at: ts(b.created_at),
            updated_at: ts(b.updated_at),
        }
    }
}

impl From<c::BlockWrite> for m::BlockWrite {
    fn from(w: c::BlockWrite) -> Self {
        m::BlockWrite {
            content: w.content,
            agent_id: w.agent_id,
            expected_updated_at: opt_time(w.expected_updated_at),
            description: w.description,
            limit_tokens: w.limit_tokens,
            limit_bytes: w.limit_bytes,
            read_only: w.read_only,
        }
    }
}

impl From<c::BlockQuery> for m::BlockQuery {
    fn from(q: c::BlockQuery) -> Self {
        m::BlockQuery {
            scope: q.scope.map(|s| match s {
                c::BlockListScope::User => m::BlockListScope::User,
                c::BlockListScope::Agent => m::BlockListScope::Agent,
                c::BlockListScope::All => m::BlockListScope::All,
            }),
            agent_id: q.agent_id,
        }
    }
}

impl From<m::BlockVersion> for c::BlockVersion {
    fn from(v: m::BlockVersion) -> Self {
        c::BlockVersion {
            version: v.version,
            change: match v.change {
                m::BlockChange::Created => c::BlockChange::Created,
                m::BlockChange::Updated => c::BlockChange::Updated,
                m::BlockChange::Deleted => c::BlockChange::Deleted,
            },
            block: v.block.map(Into::into),
            recorded_at: ts(v.recorded_at),
        }
    }
}

impl From<m::ContextEntry> for c::ContextEntry {
    fn from(e: m::ContextEntry) -> Self {
        c::ContextEntry {
            key: e.key,
            value: e.value.to_string(),
            ttl_seconds: e.ttl_seconds,
            expires_at: opt_ts(e.expires_at),
            created_at: ts(e.created_at),
            updated_at: ts(e.updated_at),
        }
    }
}

impl From<m::SessionTouch> for c::SessionTouch {
    fn from(t: m::SessionTouch) -> Self {
        c::SessionTouch {
            session_id: t.session_id,
            touched_at: ts(t.touched_at),
            expires_at: opt_ts(t.expires_at),
        }
    }
}

impl From<c::ContextRequest> for m::ContextRequest {
    fn from(r: c::ContextRequest) -> Self {
        let p = r.policy;
        m::ContextRequest {
            agent_id: r.agent_id,
            session_id: r.session_id,
            query: r.query,
            budget_tokens: r.budget_tokens,
            policy: m::MemoryPolicy {
                archival_mode: p.archival_mode.map(|a| match a {
                    c::ArchivalMode::ToolOnly => m::ArchivalMode::ToolOnly,
                    c::ArchivalMode::Auto => m::ArchivalMode::Auto,
                }),
                archival_limit: p.archival_limit,
                archival_min_score: p.archival_min_score,
                include_user_core: p.include_user_core,
                include_agent_core: p.include_agent_core,
            },
            refresh: r.refresh,
        }
    }
}

impl From<m::ArchivalMatch> for c::ArchivalMatch {
    fn from(a: m::ArchivalMatch) -> Self {
        c::ArchivalMatch {
            content: a.content,
            score: a.score,
            block_type: a.block_type,
            scope: a.scope.into(),
            agent_id: a.agent_id,
            line_number: a.line_number,
            updated_at: ts(a.updated_at),
            memory_id: a.memory_id,
        }
    }
}

impl From<m::MemoryContext> for c::MemoryContext {
    fn from(x: m::MemoryContext) -> Self {
        c::MemoryContext {
            rendered: x.rendered,
            tokens: x.tokens,
            budget_tokens: x.budget_tokens,
            parts: x
                .parts
                .into_iter()
                .map(|p| c::ContextPart {
                    kind: match p.kind {
                        m::ContextPartKind::UserCore => c::ContextPartKind::UserCore,
                        m::ContextPartKind::AgentCore => c::ContextPartKind::AgentCore,
                        m::ContextPartKind::Events => c::ContextPartKind::Events,
                        m::ContextPartKind::Archival => c::ContextPartKind::Archival,
                    },
                    rendered: p.rendered,
                    tokens: p.tokens,
                    included: p.included,
                    omitted: p.omitted,
                })
                .collect(),
            snapshot: c::BlockSnapshot {
                hash: x.snapshot.hash,
                tokens: x.snapshot.tokens,
                blocks_version: x.snapshot.blocks_version,
                reused: x.snapshot.reused,
            },
            blocks: x.blocks.into_iter().map(Into::into).collect(),
            events: x.events.into_iter().map(Into::into).collect(),
            archival: x.archival.into_iter().map(Into::into).collect(),
            query: x.query,
        }
    }
}

impl From<c::SpaceQuery> for m::SpaceQuery {
    fn from(q: c::SpaceQuery) -> Self {
        m::SpaceQuery {
            tags: q.tags,
            match_mode: match q.match_mode {
                Some(c::TagMatch::Any) => m::TagMatch::Any,
                _ => m::TagMatch::All,
            },
            offset: q.page.offset,
            limit: q.page.limit,
        }
    }
}

/// A working-context value given as JSON text.
pub(super) fn value(text: &str) -> Result<serde_json::Value> {
    json::parse("value", text)
}

impl From<c::BriefingQuery> for m::BriefingQuery {
    fn from(q: c::BriefingQuery) -> Self {
        m::BriefingQuery {
            lookback_minutes: q.lookback_minutes,
            limit: q.limit,
            include_memories: q.include_memories,
            include_contradictions: q.include_contradictions,
        }
    }
}

impl From<m::Briefing> for c::SpaceBriefing {
    fn from(b: m::Briefing) -> Self {
        let s = b.summary;
        c::SpaceBriefing {
            since: ts(b.since),
            until: ts(b.until),
            summary: c::BriefingSummary {
                total_memories: s.total_memories,
                superseded_memories: s.superseded_memories,
                total_associations: s.total_associations,
                recent_memories: s.recent_memories,
                recently_superseded: s.recently_superseded,
                memory_types: s
                    .memory_types
                    .into_iter()
                    .map(|(t, count)| c::TypeCount {
                        memory_type: t.into(),
                        count,
                    })
                    .collect(),
                active_topics: s.active_topics,
                active_sessions: s.active_sessions,
                truncated: s.truncated,
            },
            new_memories: b.new_memories.into_iter().map(Into::into).collect(),
            superseded_memories: b.superseded_memories.into_iter().map(Into::into).collect(),
            contradictions: b
                .contradictions
                .into_iter()
                .map(|x| c::Contradiction {
                    memory_a: x.memory_a,
                    memory_b: x.memory_b,
                    relationship: x.relationship,
                    needs_resolution: x.needs_resolution,
                    logical_key: x.logical_key,
                    detected_at: ts(x.detected_at),
                })
                .collect(),
            active_sessions: b
                .active_sessions
                .into_iter()
                .map(|a| c::ActiveSession {
                    session_id: a.session_id,
                    description: a.description,
                    participants: a.participants,
                    event_count: a.event_count,
                    last_activity_at: ts(a.last_activity_at),
                    expires_at: opt_ts(a.expires_at),
                })
                .collect(),
        }
    }
}

impl From<m::WorkspaceSchema> for c::SpaceSchema {
    fn from(s: m::WorkspaceSchema) -> Self {
        c::SpaceSchema {
            relationship_types: s
                .relationship_types
                .iter()
                .map(mw::RelationshipType::from)
                .collect(),
            memory_types: s.memory_types.into_iter().map(Into::into).collect(),
            memory_subtypes: s.memory_subtypes.into_iter().map(Into::into).collect(),
            can_customize: s.can_customize,
        }
    }
}

impl From<c::ArchivalQuery> for m::ArchivalQuery {
    fn from(q: c::ArchivalQuery) -> Self {
        m::ArchivalQuery {
            query: q.query,
            agent_id: q.agent_id,
            limit: q.limit,
            min_score: q.min_score,
        }
    }
}
