//! Conversions between the interface's records (`types.wit`) and the engine's model.
//! Inputs that carry JSON are fallible (bad JSON is `validation`); outputs are not.

use super::json;
use super::memspace::memory::types as w;
use crate::error::{Error, ErrorCode, Result};
use crate::model as m;
use crate::time::Timestamp;

pub(super) fn ts(t: Timestamp) -> w::Timestamp {
    t.micros()
}

pub(super) fn opt_ts(t: Option<Timestamp>) -> Option<w::Timestamp> {
    t.map(ts)
}

pub(super) fn index(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// An engine error as the interface's typed `error` variant.
pub(crate) fn error(e: Error) -> w::Error {
    let info = w::ErrorInfo {
        message: e.message,
        details: json::object(e.details),
    };
    match e.code {
        ErrorCode::Validation => w::Error::Validation(info),
        ErrorCode::NotFound => w::Error::NotFound(info),
        ErrorCode::Conflict => w::Error::Conflict(info),
        ErrorCode::Duplicate => w::Error::Duplicate(info),
        ErrorCode::Archived => w::Error::Archived(info),
        ErrorCode::Gone => w::Error::Gone(info),
        ErrorCode::Quota => w::Error::Quota(info),
        ErrorCode::Storage => w::Error::Storage(info),
        ErrorCode::Unsupported => w::Error::Unsupported(info),
        ErrorCode::Upstream => w::Error::Upstream(info),
    }
}

impl From<w::Principal> for m::Principal {
    fn from(p: w::Principal) -> Self {
        m::Principal::new(p.user_id, p.tenant_id)
    }
}

impl From<m::Principal> for w::Principal {
    fn from(p: m::Principal) -> Self {
        w::Principal {
            user_id: p.user_id,
            tenant_id: p.tenant_id,
        }
    }
}

impl From<w::StringPatch> for m::Patch<String> {
    fn from(p: w::StringPatch) -> Self {
        match p {
            w::StringPatch::Keep => m::Patch::Keep,
            w::StringPatch::Clear => m::Patch::Clear,
            w::StringPatch::Set(s) => m::Patch::Set(s),
        }
    }
}

fn json_patch(
    field: &str,
    p: w::JsonPatch,
) -> Result<m::Patch<serde_json::Map<String, serde_json::Value>>> {
    Ok(match p {
        w::JsonPatch::Keep => m::Patch::Keep,
        w::JsonPatch::Clear => m::Patch::Clear,
        w::JsonPatch::Set(s) => m::Patch::Set(json::parse_object(field, &s)?),
    })
}

impl From<w::Page> for m::Page {
    fn from(p: w::Page) -> Self {
        m::Page {
            offset: p.offset,
            limit: p.limit,
        }
    }
}

// --- spaces ---------------------------------------------------------------------------------

impl From<m::Space> for w::Space {
    fn from(s: m::Space) -> Self {
        w::Space {
            id: s.id,
            user_id: s.user_id,
            tenant_id: s.tenant_id,
            description: s.description,
            llm_model_name: s.llm_model_name,
            llm_base_url: s.llm_base_url,
            custom_instructions: s.custom_instructions,
            deduplication_key: s.deduplication_key,
            created_at: ts(s.created_at),
            updated_at: ts(s.updated_at),
            deleted_at: opt_ts(s.deleted_at),
            name: s.name,
            tags: s.tags,
            settings: json::object(s.settings),
        }
    }
}

impl TryFrom<w::NewSpace> for m::NewSpace {
    type Error = Error;
    fn try_from(s: w::NewSpace) -> Result<Self> {
        Ok(m::NewSpace {
            description: s.description,
            llm_model_name: s.llm_model_name,
            llm_base_url: s.llm_base_url,
            custom_instructions: s.custom_instructions,
            deduplication_key: s.deduplication_key,
            name: s.name,
            tags: s.tags,
            settings: json::parse_opt_object("settings", s.settings)?,
        })
    }
}

impl TryFrom<w::SpaceUpdate> for m::SpaceUpdate {
    type Error = Error;
    fn try_from(u: w::SpaceUpdate) -> Result<Self> {
        Ok(m::SpaceUpdate {
            description: u.description.into(),
            llm_model_name: u.llm_model_name.into(),
            llm_base_url: u.llm_base_url.into(),
            custom_instructions: u.custom_instructions.into(),
            name: u.name.map(Into::into).unwrap_or_default(),
            tags: u.tags,
            settings: json::parse_opt_object("settings", u.settings)?,
        })
    }
}

// --- lifecycle ------------------------------------------------------------------------------

impl From<w::StrategyType> for m::StrategyType {
    fn from(t: w::StrategyType) -> Self {
        match t {
            w::StrategyType::SoftDelete => m::StrategyType::SoftDelete,
            w::StrategyType::ExtractMemories => m::StrategyType::ExtractMemories,
        }
    }
}

impl From<m::StrategyType> for w::StrategyType {
    fn from(t: m::StrategyType) -> Self {
        match t {
            m::StrategyType::SoftDelete => w::StrategyType::SoftDelete,
            m::StrategyType::ExtractMemories => w::StrategyType::ExtractMemories,
        }
    }
}

impl From<w::Trigger> for m::Trigger {
    fn from(t: w::Trigger) -> Self {
        match t {
            w::Trigger::Ttl(v) => m::Trigger::Ttl(v),
            w::Trigger::Idle(v) => m::Trigger::Idle(v),
            w::Trigger::EventCount(v) => m::Trigger::EventCount(v),
            w::Trigger::TokenCount(v) => m::Trigger::TokenCount(v),
        }
    }
}

impl From<m::Trigger> for w::Trigger {
    fn from(t: m::Trigger) -> Self {
        match t {
            m::Trigger::Ttl(v) => w::Trigger::Ttl(v),
            m::Trigger::Idle(v) => w::Trigger::Idle(v),
            m::Trigger::EventCount(v) => w::Trigger::EventCount(v),
            m::Trigger::TokenCount(v) => w::Trigger::TokenCount(v),
        }
    }
}

impl TryFrom<w::LifecycleStrategy> for m::LifecycleStrategy {
    type Error = Error;
    fn try_from(s: w::LifecycleStrategy) -> Result<Self> {
        let opts = match s.opts {
            Some(o) => Some(m::StrategyOpts {
                soft_delete: o.soft_delete,
                agent_id: o.agent_id,
                metadata: json::parse_opt_object("opts.metadata", o.metadata)?,
            }),
            None => None,
        };
        Ok(m::LifecycleStrategy {
            kind: s.kind.into(),
            trigger: s.trigger.into(),
            opts,
        })
    }
}

impl From<m::LifecycleStrategy> for w::LifecycleStrategy {
    fn from(s: m::LifecycleStrategy) -> Self {
        w::LifecycleStrategy {
            kind: s.kind.into(),
            trigger: s.trigger.into(),
            opts: s.opts.map(|o| w::StrategyOpts {
                soft_delete: o.soft_delete,
                agent_id: o.agent_id,
                metadata: o.metadata.map(json::object),
            }),
        }
    }
}

fn strategies(list: Vec<w::LifecycleStrategy>) -> Result<Vec<m::LifecycleStrategy>> {
    list.into_iter().map(TryInto::try_into).collect()
}

impl From<m::StrategyExecution> for w::StrategyExecution {
    fn from(e: m::StrategyExecution) -> Self {
        w::StrategyExecution {
            index: index(e.index),
            kind: e.kind.into(),
            due_at: ts(e.due_at),
            fired_at: ts(e.fired_at),
            job_id: e.job_id,
        }
    }
}

// --- sessions -------------------------------------------------------------------------------

impl From<m::Session> for w::Session {
    fn from(s: m::Session) -> Self {
        w::Session {
            id: s.id,
            memory_space_id: s.memory_space_id,
            participants: s.participants,
            description: s.description,
            metadata: s.metadata.map(json::object),
            lifecycle_strategies: s.lifecycle_strategies.into_iter().map(Into::into).collect(),
            version: s.version,
            deduplication_key: s.deduplication_key,
            created_at: ts(s.created_at),
            updated_at: ts(s.updated_at),
            event_count: s.event_count,
            token_count: s.token_count,
            last_event_at: opt_ts(s.last_event_at),
            executed_strategies: s.executed_strategies.into_iter().map(Into::into).collect(),
            deleted_at: opt_ts(s.deleted_at),
            touched_at: opt_ts(s.touched_at),
            expires_at: opt_ts(s.expires_at),
        }
    }
}

impl TryFrom<w::NewSession> for m::NewSession {
    type Error = Error;
    fn try_from(s: w::NewSession) -> Result<Self> {
        Ok(m::NewSession {
            participants: s.participants,
            lifecycle_strategies: strategies(s.lifecycle_strategies)?,
            description: s.description,
            metadata: json::parse_opt_object("metadata", s.metadata)?,
            deduplication_key: s.deduplication_key,
        })
    }
}

impl TryFrom<w::SessionUpdate> for m::SessionUpdate {
    type Error = Error;
    fn try_from(u: w::SessionUpdate) -> Result<Self> {
        Ok(m::SessionUpdate {
            description: u.description.into(),
            metadata: json_patch("metadata", u.metadata)?,
            lifecycle_strategies: u.lifecycle_strategies.map(strategies).transpose()?,
            if_match: u.if_match,
        })
    }
}

impl From<w::SessionFilter> for m::SessionFilter {
    fn from(f: w::SessionFilter) -> Self {
        m::SessionFilter {
            offset: f.offset,
            limit: f.limit,
            participants: f.participants,
            description: f.description,
            // Not in the WIT interface yet (the JS API has it).
            deduplication_key: None,
        }
    }
}

// --- events ---------------------------------------------------------------------------------

impl From<w::Emitter> for m::Emitter {
    fn from(e: w::Emitter) -> Self {
        m::Emitter {
            kind: e.kind,
            id: e.id,
        }
    }
}

impl From<m::Emitter> for w::Emitter {
    fn from(e: m::Emitter) -> Self {
        w::Emitter {
            kind: e.kind,
            id: e.id,
        }
    }
}

impl From<m::Event> for w::Event {
    fn from(e: m::Event) -> Self {
        w::Event {
            session_id: e.session_id,
            sequence_id: e.sequence_id,
            event_type: e.event_type,
            body: e.body.to_string(),
            emitter: e.emitter.into(),
            created_at: ts(e.created_at),
            updated_at: ts(e.updated_at),
        }
    }
}

impl TryFrom<w::NewEvent> for m::NewEvent {
    type Error = Error;
    fn try_from(e: w::NewEvent) -> Result<Self> {
        Ok(m::NewEvent {
            body: json::parse("body", &e.body)?,
            emitter: e.emitter.into(),
            event_type: e.event_type,
        })
    }
}

impl From<w::EventQuery> for m::EventQuery {
    fn from(q: w::EventQuery) -> Self {
        m::EventQuery {
            offset: q.offset,
            limit: q.limit,
            last_n: q.last_n,
            event_type: q.event_type,
        }
    }
}

impl TryFrom<w::EventUpdate> for m::EventUpdate {
    type Error = Error;
    fn try_from(u: w::EventUpdate) -> Result<Self> {
        Ok(m::EventUpdate {
            sequence_id: u.sequence_id,
            body: u.body.map(|b| json::parse("body", &b)).transpose()?,
            event_type: u.event_type.into(),
            emitter: u.emitter.map(Into::into),
            if_unmodified_since: u.if_unmodified_since.map(Timestamp),
        })
    }
}

impl From<crate::SweepReport> for w::SweepReport {
    fn from(r: crate::SweepReport) -> Self {
        w::SweepReport {
            examined: r.examined,
            fired: r.fired,
            stale_removed: r.stale_removed,
            memories_expired: r.memories_expired,
        }
    }
}

impl From<m::VerifyReport> for w::VerifyReport {
    fn from(r: m::VerifyReport) -> Self {
        w::VerifyReport {
            records_checked: r.records_checked,
            problems: r
                .problems
                .into_iter()
                .map(|p| w::Problem {
                    kind: match p.kind {
                        m::ProblemKind::Corrupt => w::ProblemKind::Corrupt,
                        m::ProblemKind::Dangling => w::ProblemKind::Dangling,
                        m::ProblemKind::CountMismatch => w::ProblemKind::CountMismatch,
                    },
                    key: p.key,
                    message: p.message,
                })
                .collect(),
            truncated: r.truncated,
        }
    }
}

/// Converts each item of a list input, failing on the first bad one.
pub(crate) fn try_all<A, B: TryFrom<A, Error = Error>>(items: Vec<A>) -> Result<Vec<B>> {
    items.into_iter().map(B::try_from).collect()
}

/// Converts each item of a list output.
pub(crate) fn all<A, B: From<A>>(items: Vec<A>) -> Vec<B> {
    items.into_iter().map(B::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(e: &w::Error) -> (&'static str, &w::ErrorInfo) {
        match e {
            w::Error::Validation(i) => ("validation", i),
            w::Error::NotFound(i) => ("not_found", i),
            w::Error::Conflict(i) => ("conflict", i),
            w::Error::Duplicate(i) => ("duplicate", i),
            w::Error::Archived(i) => ("archived", i),
            w::Error::Gone(i) => ("gone", i),
            w::Error::Quota(i) => ("quota", i),
            w::Error::Storage(i) => ("storage", i),
            w::Error::Unsupported(i) => ("unsupported", i),
            w::Error::Upstream(i) => ("upstream", i),
        }
    }

    #[test]
    fn every_error_code_maps_to_the_variant_of_the_same_name_with_details_as_json() {
        for code in ErrorCode::ALL {
            let e = error(Error::new(code, "why").with("existing_id", "ses_x"));
            let (name, info) = case(&e);
            assert_eq!(name, code.as_str());
            assert_eq!(info.message, "why");
            assert_eq!(info.details, r#"{"existing_id":"ses_x"}"#);
        }
        assert_eq!(case(&error(Error::conflict("c"))).1.details, "{}");
    }

    #[test]
    fn json_inputs_must_parse_and_objects_must_be_objects() {
        let bad = |r: Result<_>| {
            r.map(|_: m::NewEvent| ())
                .map_err(|e| (e.code, e.details["field"].clone()))
        };
        let ev = |body: &str| w::NewEvent {
            body: body.into(),
            emitter: w::Emitter {
                kind: "agent".into(),
                id: None,
            },
            event_type: None,
        };
        assert!(bad(ev(r#"{"a":[1,2]}"#).try_into()).is_ok());
        assert_eq!(
            bad(ev("{").try_into()),
            Err((ErrorCode::Validation, "body".into()))
        );
        let meta = |m: &str| json::parse_opt_object("metadata", Some(m.into())).map_err(|e| e.code);
        assert!(meta(r#"{"k":1}"#).is_ok());
        assert_eq!(meta("[1]"), Err(ErrorCode::Validation));
        assert_eq!(meta("nope"), Err(ErrorCode::Validation));
    }
}
