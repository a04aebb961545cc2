//! Store operations: create, get, list, update, archive, delete (with the purge of every key
//! the store owns).

use super::commit::LoadedStore;
use super::{limits, StoreRecord, STORE, STORE_PREFIX};
use crate::codec::envelope;
use crate::engine::cursor::Cursor;
use crate::engine::cursor::Pager;
use crate::engine::sessions::retry;
use crate::engine::{is_race, kv_error, layout, validate, Memspace, MAX_RETRIES};
use crate::error::{Error, ErrorCode, Result};
use crate::ids;
use crate::kv::{Batch, KeyRange};
use crate::model::{MemoryStore, NewStore, Page, StoreStatus, StoreUpdate};

const SCAN_CHUNK: usize = 128;
const PURGE_CHUNK: usize = 256;

/// The `archived` error of a write refused by an archived store.
pub(crate) fn archived(store: &MemoryStore) -> Error {
    Error::new(
        ErrorCode::Archived,
        format!("memory store {} is archived and read-only", store.id),
    )
    .with("kind", STORE)
    .with("id", store.id.as_str())
}

impl Memspace {
    /// Creates a memory store in one of the caller's spaces.
    pub async fn create_store(&self, space_id: &str, input: NewStore) -> Result<MemoryStore> {
        let name = limits::name(&input.name)?;
        let description = limits::description(input.description.as_deref().unwrap_or(""))?;
        let metadata = input.metadata.unwrap_or_default();
        limits::metadata(&metadata)?;
        let (space, _) = self.owned_space(space_id).await?;
        let now = self.host.now();
        let rec = StoreRecord {
            store: MemoryStore {
                id: self.next_id(STORE_PREFIX),
                memory_space_id: space.id.clone(),
                name,
                description,
                status: StoreStatus::Active,
                entry_count: 0,
                total_size: 0,
                metadata,
                archived_at: None,
                created_at: now,
                updated_at: now,
            },
            last_version_id: None,
            pending_tx: None,
            deleted_at: None,
        };
        let key = layout::store(&space.id, &rec.store.id);
        let mut batch = Batch::new();
        batch.require_absent(key.clone());
        batch.put(key, envelope::encode(&rec)?); // the only key: its own commit point
        self.commit(batch).await?;
        Ok(rec.store)
    }

    /// Gets a store (archived stores included).
    pub async fn get_store(&self, space_id: &str, store_id: &str) -> Result<MemoryStore> {
        Ok(self.load_store(space_id, store_id).await?.rec.store)
    }

    /// Lists the stores of a space in creation order; archived ones only when asked for.
    pub async fn list_stores(
        &self,
        space_id: &str,
        include_archived: bool,
        page: Page,
    ) -> Result<Vec<MemoryStore>> {
        let (offset, limit) = validate::page(page)?;
        let (space, _) = self.owned_space(space_id).await?;
        let mut cursor = Cursor::new(layout::stores_of(&space.id), SCAN_CHUNK);
        let mut page = Pager::new(offset, limit);
        loop {
            let chunk = cursor.next(self.kv.as_ref()).await?;
            if chunk.is_empty() {
                return Ok(page.into_items());
            }
            for (_, bytes) in &chunk {
                // A record with a pending journal already holds the committed state.
                let rec: StoreRecord = envelope::decode(bytes)?;
                if rec.deleted_at.is_some()
                    || super::is_reserved(&rec.store.id)
                    || (!include_archived && rec.store.status == StoreStatus::Archived)
                {
                    continue;
                }
                if page.offer(rec.store) {
                    return Ok(page.into_items());
                }
            }
        }
    }

    /// Updates name, description or metadata (merge patch); `archived` on an archived store.
    pub async fn update_store(
        &self,
        space_id: &str,
        store_id: &str,
        update: StoreUpdate,
    ) -> Result<MemoryStore> {
        let name = update.name.as_deref().map(limits::name).transpose()?;
        let description = update
            .description
            .as_deref()
            .map(limits::description)
            .transpose()?;
        if let Some(p) = &update.metadata {
            limits::metadata_patch(p)?;
        }
        retry!(
            self.try_update_store(space_id, store_id, &name, &description, &update)
                .await
        )
    }

    async fn try_update_store(
        &self,
        space_id: &str,
        store_id: &str,
        name: &Option<String>,
        description: &Option<String>,
        update: &StoreUpdate,
    ) -> Result<MemoryStore> {
        let loaded = self.load_store(space_id, store_id).await?;
        if loaded.rec.store.status == StoreStatus::Archived {
            return Err(archived(&loaded.rec.store));
        }
        let mut new = loaded.rec.clone();
        if let Some(n) = name {
            new.store.name = n.clone();
        }
        if let Some(d) = description {
            new.store.description = d.clone();
        }
        if let Some(p) = &update.metadata {
            new.store.metadata = limits::apply_metadata_patch(&new.store.metadata, p)?;
        }
        if new == loaded.rec {
            return Ok(new.store); // nothing changes: no write, updated_at stays
        }
        new.store.updated_at = self.host.now().max(new.store.updated_at);
        self.commit_store(&loaded, &new, Vec::new(), Vec::new())
            .await?;
        Ok(new.store)
    }

    /// Archives a store (irreversible, idempotent): entries and versions stay readable;
    /// creating or updating entries fails with `archived` from then on.
    pub async fn archive_store(&self, space_id: &str, store_id: &str) -> Result<MemoryStore> {
        retry!(self.try_archive_store(space_id, store_id).await)
    }

    async fn try_archive_store(&self, space_id: &str, store_id: &str) -> Result<MemoryStore> {
        let loaded = self.load_store(space_id, store_id).await?;
        if loaded.rec.store.status == StoreStatus::Archived {
            return Ok(loaded.rec.store);
        }
        let now = self.host.now().max(loaded.rec.store.updated_at);
        let mut new = loaded.rec.clone();
        new.store.status = StoreStatus::Archived;
        new.store.archived_at = Some(now);
        new.store.updated_at = now;
        self.commit_store(&loaded, &new, Vec::new(), Vec::new())
            .await?;
        Ok(new.store)
    }

    /// Deletes a store with all its entries and versions (irreversible). The store record is
    /// first replaced by a tombstone (the commit point: from then on the store is not found),
    /// then every owned key is deleted, the tombstone last. Calling it again after an
    /// interrupted delete finishes the purge.
    pub async fn delete_store(&self, space_id: &str, store_id: &str) -> Result<()> {
        retry!(self.try_delete_store(space_id, store_id).await)
    }

    async fn try_delete_store(&self, space_id: &str, store_id: &str) -> Result<()> {
        let loaded: LoadedStore = match self.load_store(space_id, store_id).await {
            Ok(l) => l,
            Err(e)
                if e.code == ErrorCode::NotFound
                    && ids::is_valid(STORE_PREFIX, store_id)
                    && !super::is_reserved(store_id) =>
            {
                // Maybe a delete whose tombstone landed but whose purge did not finish.
                let (space, _) = self.owned_space(space_id).await?;
                match self
                    .load::<StoreRecord>(&layout::store(&space.id, store_id))
                    .await?
                {
                    Some((rec, bytes)) if rec.deleted_at.is_some() => {
                        return self.purge_store(&rec, bytes).await
                    }
                    _ => return Err(e),
                }
            }
            Err(e) => return Err(e),
        };
        let mut tombstone = loaded.rec.clone();
        tombstone.deleted_at = Some(self.host.now());
        let key = layout::store(&loaded.space.id, store_id);
        let bytes = envelope::encode(&tombstone)?;
        let mut batch = Batch::new();
        batch.require_equals(key.clone(), loaded.bytes.clone());
        batch.put(key, bytes.clone()); // commit point
        self.commit(batch).await?;
        self.purge_store(&tombstone, bytes).await
    }

    /// Deletes every key of a tombstoned store, its record last.
    async fn purge_store(&self, tombstone: &StoreRecord, bytes: Vec<u8>) -> Result<()> {
        let (space_id, store_id) = (&tombstone.store.memory_space_id, &tombstone.store.id);
        let key = layout::store(space_id, store_id);
        for range in layout::store_owned_ranges(space_id, store_id) {
            self.delete_range(&range, &key, &bytes).await?;
        }
        let mut batch = Batch::new();
        batch.require_equals(key.clone(), bytes);
        batch.delete(layout::store_journal(space_id, store_id));
        batch.delete(key);
        self.commit(batch).await
    }

    /// Deletes all keys of `range` in chunks, each guarded by the tombstone still being there.
    async fn delete_range(&self, range: &KeyRange, guard_key: &[u8], guard: &[u8]) -> Result<()> {
        loop {
            let chunk = self
                .kv
                .scan(range, PURGE_CHUNK, false)
                .await
                .map_err(kv_error)?;
            if chunk.is_empty() {
                return Ok(());
            }
            let mut batch = Batch::new();
            batch.require_equals(guard_key.to_vec(), guard.to_vec());
            for (k, _) in &chunk {
                batch.delete(k.clone());
            }
            self.commit(batch).await?;
            if chunk.len() < PURGE_CHUNK {
                return Ok(());
            }
        }
    }
}
