//! Conversions between the `memories` interface's records (`memories.wit`) and the engine's
//! memory and association model. Metadata crosses as a `json` string (an object).

use super::convert::{self, opt_ts, ts};
use super::exports::memspace::memory::memories as w;
use super::json;
use crate::error::{Error, Result};
use crate::model as m;
use crate::time::Timestamp;

/// Two-way conversions of field-less enums that share their case names.
macro_rules! same_enum {
    ($wit:ty, $model:ty, [$($case:ident),+ $(,)?]) => {
        impl From<$wit> for $model {
            fn from(v: $wit) -> Self {
                match v {
                    $(<$wit>::$case => <$model>::$case,)+
                }
            }
        }
        impl From<$model> for $wit {
            fn from(v: $model) -> Self {
                match v {
                    $(<$model>::$case => <$wit>::$case,)+
                }
            }
        }
    };
}

same_enum!(
    w::MemoryType,
    m::MemoryType,
    [Episodic, Semantic, Procedural, Working]
);
same_enum!(
    w::MemorySubtype,
    m::MemorySubtype,
    [
        Solution,
        Problem,
        CodePattern,
        Fix,
        Error,
        Workflow,
        Preference,
        Decision,
        Profile,
        Entity,
        Event,
        Directive
    ]
);
same_enum!(
    w::MemoryStatus,
    m::MemoryStatus,
    [Active, Superseded, Forgotten, Expired, Deleted]
);
same_enum!(
    w::MemoryChange,
    m::MemoryChange,
    [Created, Updated, Decayed, Superseded, Forgotten, Restored, Expired, Deleted]
);
same_enum!(w::Direction, m::Direction, [Out, In, Both]);
same_enum!(
    w::BatchOpStatus,
    m::BatchOpStatus,
    [Success, Error, Skipped]
);

fn object(
    field: &str,
    text: Option<String>,
) -> Result<Option<serde_json::Map<String, serde_json::Value>>> {
    json::parse_opt_object(field, text)
}

impl From<w::Provenance> for m::Provenance {
    fn from(p: w::Provenance) -> Self {
        m::Provenance {
            source: p.source,
            session_id: p.session_id,
            event_from: p.event_from,
            event_to: p.event_to,
            job_id: p.job_id,
            agent_id: p.agent_id,
        }
    }
}

impl From<m::Provenance> for w::Provenance {
    fn from(p: m::Provenance) -> Self {
        w::Provenance {
            source: p.source,
            session_id: p.session_id,
            event_from: p.event_from,
            event_to: p.event_to,
            job_id: p.job_id,
            agent_id: p.agent_id,
        }
    }
}

impl From<m::Memory> for w::Memory {
    fn from(x: m::Memory) -> Self {
        w::Memory {
            id: x.id,
            memory_space_id: x.memory_space_id,
            content: x.content,
            type_: x.memory_type.into(),
            subtype: x.subtype.map(Into::into),
            importance: x.importance,
            tags: x.tags,
            metadata: json::object(x.metadata),
            context_id: x.context_id,
            logical_key: x.logical_key,
            provenance: x.provenance.into(),
            content_hash: x.content_hash,
            status: x.status.into(),
            version: x.version,
            last_change: x.last_change.into(),
            created_at: ts(x.created_at),
            updated_at: ts(x.updated_at),
            valid_at: ts(x.valid_at),
            invalid_at: opt_ts(x.invalid_at),
            expires_at: opt_ts(x.expires_at),
            superseded_by: x.superseded_by,
            forgotten_at: opt_ts(x.forgotten_at),
        }
    }
}

impl TryFrom<w::NewMemory> for m::NewMemory {
    type Error = Error;
    fn try_from(n: w::NewMemory) -> Result<Self> {
        Ok(m::NewMemory {
            content: n.content,
            memory_type: n.type_.map(Into::into),
            subtype: n.subtype.map(Into::into),
            importance: n.importance,
            tags: n.tags,
            metadata: object("metadata", n.metadata)?,
            context_id: n.context_id,
            logical_key: n.logical_key,
            valid_at: n.valid_at.map(Timestamp),
            expires_at: n.expires_at.map(Timestamp),
            provenance: n.provenance.map(Into::into),
            idempotency_key: n.idempotency_key,
        })
    }
}

impl From<m::Remembered> for w::Remembered {
    fn from(r: m::Remembered) -> Self {
        w::Remembered {
            memory: r.memory.into(),
            replayed: r.replayed,
            superseded_id: r.superseded_id,
        }
    }
}

impl TryFrom<w::MemoryUpdate> for m::MemoryUpdate {
    type Error = Error;
    fn try_from(u: w::MemoryUpdate) -> Result<Self> {
        Ok(m::MemoryUpdate {
            content: u.content,
            importance: u.importance,
            tags: u.tags,
            metadata: object("metadata", u.metadata)?,
            expected_version: u.expected_version,
        })
    }
}

impl From<w::MemoryFilter> for m::MemoryFilter {
    fn from(f: w::MemoryFilter) -> Self {
        m::MemoryFilter {
            memory_type: f.type_.map(Into::into),
            subtype: f.subtype.map(Into::into),
            tags: f.tags,
            context_id: f.context_id,
            logical_key: f.logical_key,
            statuses: f.statuses.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<m::MemoryStats> for w::MemoryCounts {
    fn from(s: m::MemoryStats) -> Self {
        w::MemoryCounts {
            active: s.active,
            superseded: s.superseded,
            forgotten: s.forgotten,
            expired: s.expired,
            deleted: s.deleted,
            associations: s.associations,
        }
    }
}

impl From<m::Association> for w::Association {
    fn from(a: m::Association) -> Self {
        w::Association {
            id: a.id,
            memory_space_id: a.memory_space_id,
            source_id: a.source_id,
            target_id: a.target_id,
            relationship: a.relationship,
            strength: a.strength,
            metadata: json::object(a.metadata),
            created_at: ts(a.created_at),
            updated_at: ts(a.updated_at),
        }
    }
}

impl TryFrom<w::NewAssociation> for m::NewAssociation {
    type Error = Error;
    fn try_from(n: w::NewAssociation) -> Result<Self> {
        Ok(m::NewAssociation {
            target_id: n.target_id,
            relationship: n.relationship,
            strength: n.strength,
            metadata: object("metadata", n.metadata)?,
        })
    }
}

impl TryFrom<w::AssociationUpdate> for m::AssociationUpdate {
    type Error = Error;
    fn try_from(u: w::AssociationUpdate) -> Result<Self> {
        Ok(m::AssociationUpdate {
            strength: u.strength,
            metadata: object("metadata", u.metadata)?,
        })
    }
}

impl From<w::AssociationQuery> for m::AssociationQuery {
    fn from(q: w::AssociationQuery) -> Self {
        m::AssociationQuery {
            direction: q.direction.into(),
            relationships: q.relationships,
            include_superseded: q.include_superseded,
        }
    }
}

impl From<w::TraverseQuery> for m::TraverseQuery {
    fn from(q: w::TraverseQuery) -> Self {
        m::TraverseQuery {
            max_depth: q.max_depth,
            direction: q.direction.into(),
            min_strength: q.min_strength,
            relationship_types: q.relationship_types,
            max_nodes: q.max_nodes,
            include_superseded: q.include_superseded,
        }
    }
}

impl From<m::GraphPath> for w::GraphPath {
    fn from(p: m::GraphPath) -> Self {
        w::GraphPath {
            memory_ids: p.memory_ids,
            associations: convert::all(p.associations),
            strength: p.strength,
            depth: p.depth,
        }
    }
}

impl From<m::Traversal> for w::Traversal {
    fn from(t: m::Traversal) -> Self {
        w::Traversal {
            start_id: t.start_id,
            paths: convert::all(t.paths),
            nodes: convert::all(t.nodes),
            truncated: t.truncated,
        }
    }
}

impl From<m::MemoryTrace> for w::MemoryTrace {
    fn from(t: m::MemoryTrace) -> Self {
        w::MemoryTrace {
            memory: t.memory.into(),
            history: convert::all(t.history),
            history_truncated: t.history_truncated,
            associations: t.associations.into(),
        }
    }
}

impl From<&m::RelationshipType> for w::RelationshipType {
    fn from(r: &m::RelationshipType) -> Self {
        w::RelationshipType {
            name: r.name.into(),
            category: r.category.into(),
            description: r.description.into(),
            inverse: r.inverse.map(Into::into),
        }
    }
}

impl TryFrom<w::BatchOp> for m::BatchOp {
    type Error = Error;
    fn try_from(op: w::BatchOp) -> Result<Self> {
        Ok(match op {
            w::BatchOp::Create(n) => m::BatchOp::Create(n.try_into()?),
            w::BatchOp::Update(u) => m::BatchOp::Update {
                memory_id: u.memory_id,
                update: u.update.try_into()?,
            },
            w::BatchOp::Delete(d) => m::BatchOp::Delete {
                memory_id: d.memory_id,
                hard: d.hard,
            },
        })
    }
}

impl From<m::BatchOpResult> for w::BatchOpResult {
    fn from(r: m::BatchOpResult) -> Self {
        w::BatchOpResult {
            index: r.index,
            op: r.op,
            status: r.status.into(),
            memory_id: r.memory_id,
            replayed: r.replayed,
            error: r.error.map(convert::error),
        }
    }
}

impl From<m::BatchResult> for w::BatchResult {
    fn from(r: m::BatchResult) -> Self {
        w::BatchResult {
            total_operations: r.total_operations,
            successful: r.successful,
            failed: r.failed,
            atomic: r.atomic,
            results: convert::all(r.results),
        }
    }
}
