//! Workspaces: what a MemoryLayer-style API calls a workspace is a memory space. This file
//! holds what that mapping adds to spaces: the name, tag and settings rules, finding spaces
//! by tags, and resolving a caller-chosen workspace id (held as the space's deduplication
//! key) to its space. See docs/workspaces.md.

use super::cursor::{Cursor, Pager};
use super::{kv_error, layout, validate, Memspace};
use crate::codec::envelope;
use crate::error::{Error, Result};
use crate::model::{
    relationship_types, MemorySubtype, MemoryType, Space, SpaceQuery, TagMatch, WorkspaceSchema,
};
use serde_json::{Map, Value};

/// Longest space name, in characters.
pub const NAME_MAX: usize = 200;
/// Most tags on a space.
pub const TAGS_MAX: usize = 20;
/// Longest tag, in characters.
pub const TAG_MAX: usize = 64;
/// Largest encoded settings object, in bytes (16 KiB).
pub const SETTINGS_MAX_BYTES: usize = 16 * 1024;

/// A name, when given: 1–200 characters.
pub(crate) fn check_name(name: &Option<String>) -> Result<()> {
    match name {
        Some(n) => validate::text("name", n, 1, NAME_MAX),
        None => Ok(()),
    }
}

/// Tags as a set: each 1–64 characters without control characters, at most 20 distinct;
/// returns them sorted and deduplicated.
pub(crate) fn tags(raw: Vec<String>) -> Result<Vec<String>> {
    let mut out = Vec::with_capacity(raw.len());
    for t in raw {
        validate::text("tags", &t, 1, TAG_MAX)?;
        if t.contains(['\n', '\t', '\r']) {
            return Err(Error::validation(
                "tags",
                "must not contain line breaks or tabs",
            ));
        }
        out.push(t);
    }
    out.sort();
    out.dedup();
    if out.len() > TAGS_MAX {
        return Err(Error::validation(
            "tags",
            format!("at most {TAGS_MAX} tags, got {}", out.len()),
        )
        .with("max", TAGS_MAX as u64));
    }
    Ok(out)
}

/// Settings, when given: a JSON object of at most 16 KiB encoded.
pub(crate) fn check_settings(settings: &Option<Map<String, Value>>) -> Result<()> {
    if let Some(m) = settings {
        let size = serde_json::to_vec(m)
            .map_err(|e| Error::validation("settings", e.to_string()))?
            .len();
        if size > SETTINGS_MAX_BYTES {
            return Err(Error::validation(
                "settings",
                format!("encodes to {size} bytes; at most {SETTINGS_MAX_BYTES}"),
            )
            .with("max", SETTINGS_MAX_BYTES as u64));
        }
    }
    Ok(())
}

fn matches(space: &Space, wanted: &[String], mode: TagMatch) -> bool {
    if wanted.is_empty() {
        return true;
    }
    let has = |t: &String| space.tags.binary_search(t).is_ok();
    match mode {
        TagMatch::All => wanted.iter().all(has),
        TagMatch::Any => wanted.iter().any(has),
    }
}

impl Memspace {
    /// Lists the caller's live spaces carrying all (or any) of `tags`, in creation order
    /// (MemoryLayer `list_workspaces(tags, match)`).
    pub async fn find_spaces(&self, query: SpaceQuery) -> Result<Vec<Space>> {
        let (offset, limit) = validate::page(crate::model::Page {
            offset: query.offset,
            limit: query.limit,
        })?;
        let wanted = tags(query.tags.clone())?;
        let mut cursor = Cursor::new(layout::space_owner_range(&self.principal), 128);
        let mut page = Pager::new(offset, limit);
        loop {
            let chunk = cursor.next(self.kv.as_ref()).await?;
            if chunk.is_empty() {
                return Ok(page.into_items());
            }
            let keys: Vec<Vec<u8>> = chunk
                .iter()
                .filter_map(|(k, _)| crate::codec::keys::string_parts(k)?.pop())
                .map(|id| layout::space(&id))
                .collect();
            for bytes in self
                .kv
                .get_many(&keys)
                .await
                .map_err(kv_error)?
                .into_iter()
                .flatten()
            {
                let s: Space = envelope::decode(&bytes)?;
                let live = s.user_id == self.principal.user_id
                    && s.tenant_id == self.principal.tenant_id
                    && s.deleted_at.is_none();
                if live && matches(&s, &wanted, query.match_mode) && page.offer(s) {
                    return Ok(page.into_items());
                }
            }
        }
    }

    /// The caller's live space holding deduplication key `key`, if any: how a caller-chosen
    /// id (a MemoryLayer workspace id such as `_default`) resolves to a space.
    pub async fn space_by_key(&self, key: &str) -> Result<Option<Space>> {
        validate::dedup_key(&Some(key.to_string()))?;
        let Some((holder, _)) = self
            .load::<String>(&layout::space_dedup(&self.principal, key))
            .await?
        else {
            return Ok(None);
        };
        Ok(self
            .live_space(&holder)
            .await?
            .filter(|s| s.deduplication_key.as_deref() == Some(key)))
    }

    /// The vocabularies of a space (MemoryLayer `get_workspace_schema`): relationship types,
    /// memory types and subtypes.
    pub async fn workspace_schema(&self, space_id: &str) -> Result<WorkspaceSchema> {
        self.owned_space(space_id).await?;
        Ok(WorkspaceSchema {
            relationship_types: relationship_types().to_vec(),
            memory_types: MemoryType::ALL.to_vec(),
            memory_subtypes: MemorySubtype::ALL.to_vec(),
            can_customize: false,
        })
    }
}
