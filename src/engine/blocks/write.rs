//! Block writes: update (create-if-missing with `expected_updated_at: None`, else replace
//! under the caller's token) and delete. Each is one write of the reserved block store.

use super::{limits, not_found, path, scope_prefix, BlockBody, BLOCK_PREFIX};
use crate::codec::envelope;
use crate::engine::sessions::retry;
use crate::engine::stores::commit::LoadedStore;
use crate::engine::stores::entries::Plan;
use crate::engine::stores::{EntryRecord, StoreRecord, BLOCK_STORE_ID};
use crate::engine::{is_race, layout, Memspace, MAX_RETRIES};
use crate::error::{Error, ErrorCode, Result};
use crate::kv::Batch;
use crate::model::{BlockWrite, MemoryBlock, MemoryStore, Metadata, StoreStatus};
use crate::time::Timestamp;

/// The `conflict` of a stale or missing `expected_updated_at`, carrying the current one.
fn stale(
    block_type: &str,
    agent_id: Option<&str>,
    current: Option<Timestamp>,
    expected: Option<Timestamp>,
) -> Error {
    let message = match (current, expected) {
        (Some(_), None) => {
            format!("block {block_type} exists; pass its current updated_at as expected_updated_at")
        }
        (None, _) => format!("block {block_type} does not exist (any more)"),
        (Some(_), Some(_)) => {
            format!("block {block_type} was changed by another writer; re-read it and retry")
        }
    };
    let e = Error::conflict(message)
        .with("precondition", "expected_updated_at")
        .with("block_type", block_type)
        .with(
            "current_updated_at",
            match current {
                Some(t) => serde_json::Value::String(t.to_string()),
                None => serde_json::Value::Null,
            },
        )
        .with(
            "current_updated_at_micros",
            match current {
                Some(t) => serde_json::Value::from(t.micros()),
                None => serde_json::Value::Null,
            },
        );
    match agent_id {
        Some(a) => e.with("agent_id", a),
        None => e,
    }
}

/// The `conflict` of a write to a read-only block.
fn read_only(body: &BlockBody) -> Error {
    let e = Error::conflict(format!(
        "block {} is read-only; an update that passes read_only: false unlocks it",
        body.block_type
    ))
    .with("precondition", "read_only")
    .with("block_type", body.block_type.as_str())
    .with("current_updated_at", body.updated_at.to_string())
    .with("current_updated_at_micros", body.updated_at.micros());
    match &body.agent_id {
        Some(a) => e.with("agent_id", a.as_str()),
        None => e,
    }
}

/// True when two bodies hold the same state (ignoring ids and times).
fn same_state(a: &BlockBody, b: &BlockBody) -> bool {
    a.content == b.content
        && a.description == b.description
        && a.limit_tokens == b.limit_tokens
        && a.limit_bytes == b.limit_bytes
        && a.read_only == b.read_only
}

impl Memspace {
    /// Creates or replaces a block (seed: `update(type, content, expected_updated_at)`).
    /// `expected_updated_at: None` only creates a missing block; an existing block needs its
    /// current `updated_at`. A stale or missing token is `conflict` with the current
    /// `updated_at` in `details.current_updated_at` (`null` when the block does not exist),
    /// unless the block already is exactly as requested (a retried write), which returns it
    /// unchanged. Content over the block's byte or token limit is `validation`.
    pub async fn update_block(
        &self,
        space_id: &str,
        block_type: &str,
        write: BlockWrite,
    ) -> Result<MemoryBlock> {
        limits::block_type(block_type)?;
        if let Some(a) = &write.agent_id {
            limits::agent_id(a)?;
        }
        if let Some(d) = &write.description {
            limits::description(d)?;
        }
        if let Some(v) = write.limit_tokens {
            limits::limit_tokens(v)?;
        }
        if let Some(v) = write.limit_bytes {
            limits::limit_bytes(v)?;
        }
        // Refuse oversized content before counting its tokens.
        limits::content_fits(&write.content, 0, limits::LIMIT_BYTES_MAX, u64::MAX)?;
        let tokens = self.text_tokens(&write.content);
        retry!(
            self.try_update_block(space_id, block_type, &write, tokens)
                .await
        )
    }

    async fn try_update_block(
        &self,
        space_id: &str,
        block_type: &str,
        write: &BlockWrite,
        tokens: u64,
    ) -> Result<MemoryBlock> {
        let agent = write.agent_id.as_deref();
        let path = path(block_type, agent);
        // The reserved store is created only for a create that will go ahead: a refused one
        // (a token for a missing block, content over the new block's limits) writes nothing.
        let existing = self.block_store(space_id).await?;
        let current = match &existing {
            Some(l) => self.block_at(l, &path).await?,
            None => None,
        };
        if current.is_none() {
            if write.expected_updated_at.is_some() {
                return Err(stale(block_type, agent, None, write.expected_updated_at));
            }
            limits::content_fits(
                &write.content,
                tokens,
                write.limit_bytes.unwrap_or(limits::DEFAULT_LIMIT_BYTES),
                write.limit_tokens.unwrap_or(limits::DEFAULT_LIMIT_TOKENS),
            )?;
        }
        let (loaded, current) = match existing {
            Some(l) => (l, current),
            None => {
                // Read the block again under the store just loaded: another writer may have
                // created the store and this block meanwhile (its commit precondition is this
                // load's store record).
                let l = self.block_store_for_write(space_id).await?;
                let c = self.block_at(&l, &path).await?;
                (l, c)
            }
        };
        let now = self.host.now();
        let Some((old_rec, old)) = current else {
            if write.expected_updated_at.is_some() {
                return Err(stale(block_type, agent, None, write.expected_updated_at));
            }
            let in_scope = self
                .entries_under(
                    &loaded,
                    &scope_prefix(agent),
                    0,
                    limits::BLOCKS_PER_SCOPE_MAX as u64,
                )
                .await?;
            if in_scope.len() >= limits::BLOCKS_PER_SCOPE_MAX {
                return Err(Error::validation(
                    "block_type",
                    format!(
                        "a scope holds at most {} blocks",
                        limits::BLOCKS_PER_SCOPE_MAX
                    ),
                )
                .with("max", limits::BLOCKS_PER_SCOPE_MAX as u64));
            }
            let body = BlockBody {
                id: self.next_id(BLOCK_PREFIX),
                block_type: block_type.to_string(),
                agent_id: write.agent_id.clone(),
                content: write.content.clone(),
                description: write.description.clone().filter(|d| !d.is_empty()),
                limit_tokens: write.limit_tokens.unwrap_or(limits::DEFAULT_LIMIT_TOKENS),
                limit_bytes: write.limit_bytes.unwrap_or(limits::DEFAULT_LIMIT_BYTES),
                read_only: write.read_only.unwrap_or(false),
                tokens,
                created_at: now,
                updated_at: now,
            };
            limits::content_fits(&body.content, tokens, body.limit_bytes, body.limit_tokens)?;
            let mut plan = Plan::new(&loaded);
            let rec = self.plan_create(&mut plan, &path, &body.encode()?, Metadata::new())?;
            self.commit_plan(&loaded, plan).await?;
            return Ok(body.to_block(rec.entry.version));
        };
        let mut new = old.clone();
        new.content = write.content.clone();
        new.tokens = tokens;
        if let Some(d) = &write.description {
            new.description = Some(d.clone()).filter(|d| !d.is_empty());
        }
        if let Some(v) = write.limit_tokens {
            new.limit_tokens = v;
        }
        if let Some(v) = write.limit_bytes {
            new.limit_bytes = v;
        }
        if let Some(r) = write.read_only {
            new.read_only = r;
        }
        let unchanged = same_state(&old, &new);
        if write.expected_updated_at != Some(old.updated_at) {
            if unchanged {
                return Ok(old.to_block(old_rec.entry.version));
            }
            return Err(stale(
                block_type,
                agent,
                Some(old.updated_at),
                write.expected_updated_at,
            ));
        }
        if unchanged {
            return Ok(old.to_block(old_rec.entry.version));
        }
        if old.read_only && write.read_only != Some(false) {
            return Err(read_only(&old));
        }
        limits::content_fits(&new.content, tokens, new.limit_bytes, new.limit_tokens)?;
        new.updated_at = now.max(Timestamp(old.updated_at.0.saturating_add(1)));
        let mut plan = Plan::new(&loaded);
        let rec = self.plan_update(&mut plan, &old_rec, Some(&new.encode()?), None, None)?;
        self.commit_plan(&loaded, plan).await?;
        Ok(new.to_block(rec.entry.version))
    }

    /// Deletes a block (seed: `delete(type, agent_id?)`); its versions stay. With
    /// `expected_updated_at`, a block changed since is `conflict`; a read-only block is
    /// `conflict` until an update unlocks it.
    pub async fn delete_block(
        &self,
        space_id: &str,
        block_type: &str,
        agent_id: Option<&str>,
        expected_updated_at: Option<Timestamp>,
    ) -> Result<()> {
        limits::block_type(block_type)?;
        if let Some(a) = agent_id {
            limits::agent_id(a)?;
        }
        retry!(
            self.try_delete_block(space_id, block_type, agent_id, expected_updated_at)
                .await
        )
    }

    async fn try_delete_block(
        &self,
        space_id: &str,
        block_type: &str,
        agent_id: Option<&str>,
        expected: Option<Timestamp>,
    ) -> Result<()> {
        let Some(loaded) = self.block_store(space_id).await? else {
            return Err(not_found(block_type, agent_id));
        };
        let Some((rec, body)) = self.block_at(&loaded, &path(block_type, agent_id)).await? else {
            return Err(not_found(block_type, agent_id));
        };
        if expected.is_some_and(|t| t != body.updated_at) {
            return Err(stale(block_type, agent_id, Some(body.updated_at), expected));
        }
        if body.read_only {
            return Err(read_only(&body));
        }
        let mut plan = Plan::new(&loaded);
        self.plan_delete(&mut plan, &rec)?;
        self.commit_plan(&loaded, plan).await
    }

    /// The block store of a space, created (empty) when it does not exist yet.
    async fn block_store_for_write(&self, space_id: &str) -> Result<LoadedStore> {
        if let Some(l) = self.block_store(space_id).await? {
            return Ok(l);
        }
        let (space, _) = self.owned_space(space_id).await?;
        let now = self.host.now();
        let rec = StoreRecord {
            store: MemoryStore {
                id: BLOCK_STORE_ID.to_string(),
                memory_space_id: space.id.clone(),
                name: "core blocks".into(),
                description: "reserved: the space's core memory blocks".into(),
                status: StoreStatus::Active,
                entry_count: 0,
                total_size: 0,
                metadata: Metadata::new(),
                archived_at: None,
                created_at: now,
                updated_at: now,
            },
            last_version_id: None,
            pending_tx: None,
            deleted_at: None,
        };
        let key = layout::store(&space.id, BLOCK_STORE_ID);
        let bytes = envelope::encode(&rec)?;
        let mut batch = Batch::new();
        batch.require_absent(key.clone());
        batch.put(key, bytes.clone());
        // A lost race means another writer created it: the retry loop reloads.
        self.commit(batch).await?;
        Ok(LoadedStore { space, rec, bytes })
    }

    /// The entry record and body of the block at `path`, if there is one.
    pub(crate) async fn block_at(
        &self,
        loaded: &LoadedStore,
        path: &str,
    ) -> Result<Option<(EntryRecord, BlockBody)>> {
        let Some(id) = self.entry_id_at(loaded, path).await? else {
            return Ok(None);
        };
        let rec = match self.load_entry(loaded, &id).await {
            Ok(r) => r,
            Err(e) if e.code == ErrorCode::NotFound => {
                return Err(Error::storage("a block path names a missing entry"))
            }
            Err(e) => return Err(e),
        };
        let body = BlockBody::parse(rec.entry.content.as_deref().unwrap_or_default())?;
        Ok(Some((rec, body)))
    }
}
