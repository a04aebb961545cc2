//! Block reads: get, list by scope, version history.

use super::{check_agent_id, limits, not_found, path, scope_prefix, BlockBody};
use crate::codec::{envelope, keys};
use crate::engine::stores::commit::LoadedStore;
use crate::engine::stores::BLOCK_STORE_ID;
use crate::engine::{kv_error, layout, validate, Memspace};
use crate::error::{Error, ErrorCode, Result};
use crate::model::{
    BlockChange, BlockListScope, BlockQuery, BlockVersion, MemoryBlock, MemoryVersion, Page,
    VersionAction,
};

impl Memspace {
    /// The block store of a space, `None` while no block was ever written.
    pub(crate) async fn block_store(&self, space_id: &str) -> Result<Option<LoadedStore>> {
        let (space, _) = self.owned_space(space_id).await?;
        match self.load_store_of(space, BLOCK_STORE_ID).await {
            Ok(l) => Ok(Some(l)),
            Err(e) if e.code == ErrorCode::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Gets a block: the user's (`agent_id: None`) or an agent's (seed: `get(type, agent_id?)`).
    pub async fn get_block(
        &self,
        space_id: &str,
        block_type: &str,
        agent_id: Option<&str>,
    ) -> Result<MemoryBlock> {
        limits::block_type(block_type)?;
        if let Some(a) = agent_id {
            check_agent_id(a)?;
        }
        let Some(loaded) = self.block_store(space_id).await? else {
            return Err(not_found(block_type, agent_id));
        };
        match self.block_at(&loaded, &path(block_type, agent_id)).await? {
            Some((rec, body)) => Ok(body.to_block(rec.entry.version)),
            None => Err(not_found(block_type, agent_id)),
        }
    }

    /// Lists blocks (seed: `list(scope)`): user blocks by default, an agent's when `agent_id`
    /// is given, both with `scope: all`. User blocks come first, each group in type order
    /// (agents in id order).
    pub async fn list_blocks(&self, space_id: &str, query: BlockQuery) -> Result<Vec<MemoryBlock>> {
        if let Some(a) = &query.agent_id {
            check_agent_id(a)?;
        }
        let agent = query.agent_id.as_deref();
        let scope = query.scope.unwrap_or(if agent.is_some() {
            BlockListScope::Agent
        } else {
            BlockListScope::User
        });
        let Some(loaded) = self.block_store(space_id).await? else {
            return Ok(Vec::new());
        };
        let agent_prefix = match agent {
            Some(a) => scope_prefix(Some(a)),
            None => "a/".to_string(),
        };
        let prefixes: Vec<String> = match scope {
            BlockListScope::User => vec![scope_prefix(None)],
            BlockListScope::Agent => vec![agent_prefix],
            BlockListScope::All => vec![scope_prefix(None), agent_prefix],
        };
        let mut out = Vec::new();
        for prefix in prefixes {
            let mut records = self.entries_under(&loaded, &prefix, 0, u64::MAX).await?;
            self.fill_content(&loaded, &mut records).await?;
            for rec in records {
                let body = BlockBody::parse(rec.entry.content.as_deref().unwrap_or_default())?;
                out.push(body.to_block(rec.entry.version));
            }
        }
        Ok(out)
    }

    /// The history of a block, newest first: one version per change, each with the block as
    /// it was after the change (none for a deletion). The current block's history only: a
    /// block deleted and created again starts a new history.
    pub async fn list_block_versions(
        &self,
        space_id: &str,
        block_type: &str,
        agent_id: Option<&str>,
        page: Page,
    ) -> Result<Vec<BlockVersion>> {
        let (offset, limit) = validate::page(page)?;
        limits::block_type(block_type)?;
        if let Some(a) = agent_id {
            check_agent_id(a)?;
        }
        let Some(loaded) = self.block_store(space_id).await? else {
            return Err(not_found(block_type, agent_id));
        };
        let Some((rec, _)) = self.block_at(&loaded, &path(block_type, agent_id)).await? else {
            return Err(not_found(block_type, agent_id));
        };
        let (space, store) = (&loaded.space.id, &loaded.rec.store.id);
        let index = self
            .scan_newest(
                layout::versions_of_entry(space, store, &rec.entry.id),
                offset,
                limit,
            )
            .await?;
        let version_keys: Vec<Vec<u8>> = index
            .iter()
            .filter_map(|(k, _)| keys::string_parts(k)?.pop())
            .map(|vid| layout::version(space, store, &vid))
            .collect();
        let mut out = Vec::with_capacity(version_keys.len());
        for bytes in self.kv.get_many(&version_keys).await.map_err(kv_error)? {
            let bytes = bytes
                .ok_or_else(|| Error::storage("a block version index names a missing version"))?;
            let v: MemoryVersion = envelope::decode(&bytes)?;
            let block = match (&v.action, &v.content) {
                (VersionAction::Deleted, _) | (_, None) => None,
                (_, Some(c)) => Some(BlockBody::parse(c)?.to_block(v.entry_version)),
            };
            out.push(BlockVersion {
                version: v.entry_version,
                change: match v.action {
                    VersionAction::Created => BlockChange::Created,
                    VersionAction::Updated => BlockChange::Updated,
                    VersionAction::Deleted => BlockChange::Deleted,
                },
                block,
                recorded_at: v.created_at,
            });
        }
        Ok(out)
    }
}
