//! Conversions between the `stores` interface's records (`stores.wit`) and the engine's
//! store model. Metadata crosses as a list of pairs; a repeated key is `validation`.

use super::exports::memspace::memory::stores as s;
use crate::error::{Error, Result};
use crate::model as m;

fn metadata(field: &str, pairs: Vec<(String, String)>) -> Result<m::Metadata> {
    let mut out = m::Metadata::new();
    for (k, v) in pairs {
        if out.contains_key(&k) {
            return Err(Error::validation(field, format!("duplicate key {k:?}")));
        }
        out.insert(k, v);
    }
    Ok(out)
}

fn metadata_patch(field: &str, pairs: Vec<(String, Option<String>)>) -> Result<m::MetadataPatch> {
    let mut out = m::MetadataPatch::new();
    for (k, v) in pairs {
        if out.contains_key(&k) {
            return Err(Error::validation(field, format!("duplicate key {k:?}")));
        }
        out.insert(k, v);
    }
    Ok(out)
}

fn pairs(m: m::Metadata) -> s::Metadata {
    m.into_iter().collect()
}

impl From<m::StoreStatus> for s::StoreStatus {
    fn from(st: m::StoreStatus) -> Self {
        match st {
            m::StoreStatus::Active => s::StoreStatus::Active,
            m::StoreStatus::Archived => s::StoreStatus::Archived,
        }
    }
}

impl From<m::MemoryStore> for s::MemoryStore {
    fn from(st: m::MemoryStore) -> Self {
        s::MemoryStore {
            id: st.id,
            memory_space_id: st.memory_space_id,
            name: st.name,
            description: st.description,
            status: st.status.into(),
            entry_count: st.entry_count,
            total_size: st.total_size,
            metadata: pairs(st.metadata),
            archived_at: st.archived_at.map(|t| t.micros()),
            created_at: st.created_at.micros(),
            updated_at: st.updated_at.micros(),
        }
    }
}

impl TryFrom<s::NewStore> for m::NewStore {
    type Error = Error;
    fn try_from(n: s::NewStore) -> Result<Self> {
        Ok(m::NewStore {
            name: n.name,
            description: n.description,
            metadata: n.metadata.map(|p| metadata("metadata", p)).transpose()?,
        })
    }
}

impl TryFrom<s::StoreUpdate> for m::StoreUpdate {
    type Error = Error;
    fn try_from(u: s::StoreUpdate) -> Result<Self> {
        Ok(m::StoreUpdate {
            name: u.name,
            description: u.description,
            metadata: u
                .metadata
                .map(|p| metadata_patch("metadata", p))
                .transpose()?,
        })
    }
}

impl From<m::MemoryEntry> for s::MemoryEntry {
    fn from(e: m::MemoryEntry) -> Self {
        s::MemoryEntry {
            id: e.id,
            store_id: e.store_id,
            path: e.path,
            size: e.size,
            content_sha256: e.content_sha256,
            version: e.version,
            metadata: pairs(e.metadata),
            content: e.content,
            created_at: e.created_at.micros(),
            updated_at: e.updated_at.micros(),
        }
    }
}

impl TryFrom<s::NewEntry> for m::NewEntry {
    type Error = Error;
    fn try_from(n: s::NewEntry) -> Result<Self> {
        Ok(m::NewEntry {
            path: n.path,
            content: n.content,
            metadata: n.metadata.map(|p| metadata("metadata", p)).transpose()?,
        })
    }
}

impl TryFrom<s::EntryUpdate> for m::EntryUpdate {
    type Error = Error;
    fn try_from(u: s::EntryUpdate) -> Result<Self> {
        Ok(m::EntryUpdate {
            content: u.content,
            path: u.path,
            metadata: u
                .metadata
                .map(|p| metadata_patch("metadata", p))
                .transpose()?,
            expected_version: u.expected_version,
            expected_sha256: u.expected_sha256,
        })
    }
}

impl From<s::EntryPrecondition> for m::EntryPrecondition {
    fn from(p: s::EntryPrecondition) -> Self {
        m::EntryPrecondition {
            expected_version: p.expected_version,
            expected_sha256: p.expected_sha256,
        }
    }
}

impl From<m::VersionAction> for s::VersionAction {
    fn from(a: m::VersionAction) -> Self {
        match a {
            m::VersionAction::Created => s::VersionAction::Created,
            m::VersionAction::Updated => s::VersionAction::Updated,
            m::VersionAction::Deleted => s::VersionAction::Deleted,
        }
    }
}

impl From<m::MemoryVersion> for s::MemoryVersion {
    fn from(v: m::MemoryVersion) -> Self {
        s::MemoryVersion {
            id: v.id,
            store_id: v.store_id,
            entry_id: v.entry_id,
            entry_path: v.entry_path,
            entry_version: v.entry_version,
            size: v.size,
            content_sha256: v.content_sha256,
            action: v.action.into(),
            redacted: v.redacted,
            redacted_at: v.redacted_at.map(|t| t.micros()),
            content: v.content,
            created_at: v.created_at.micros(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_metadata_keys_are_a_validation_error() {
        let dup = vec![
            ("k".to_string(), "a".to_string()),
            ("k".to_string(), "b".to_string()),
        ];
        assert_eq!(
            metadata("metadata", dup).map_err(|e| e.code),
            Err(crate::ErrorCode::Validation)
        );
        let patch = vec![
            ("k".to_string(), None),
            ("k".to_string(), Some("x".to_string())),
        ];
        assert!(metadata_patch("metadata", patch).is_err());
        let ok = metadata(
            "metadata",
            vec![("b".into(), "2".into()), ("a".into(), "1".into())],
        );
        assert_eq!(
            ok.map(pairs),
            Ok(vec![("a".into(), "1".into()), ("b".into(), "2".into())])
        );
    }
}
