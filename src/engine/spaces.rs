//! Memory spaces: create, list, get, update, delete (soft), owned by the calling principal.

use super::cursor::Cursor;
use super::{is_race, layout, validate, Memspace, MAX_RETRIES};
use crate::codec::envelope;
use crate::engine::cursor::Pager;
use crate::error::{Error, ErrorCode, Result};
use crate::ids;
use crate::kv::Batch;
use crate::model::{NewSpace, Page, Space, SpaceUpdate};
use std::rc::Rc;

const KIND: &str = "memory_space";
const SCAN_CHUNK: usize = 128;

impl Memspace {
    /// Creates a space owned by the calling principal.
    pub async fn create_space(&self, input: NewSpace) -> Result<Space> {
        self.create_space_as(input, None).await
    }

    /// Creates a space with an id the caller chose (a valid `spc_…` id, e.g. one a host made
    /// to name the shard that will hold the space, before creating it there). If the caller's
    /// live space with that id exists, it is returned unchanged (a retried create); an id held
    /// by a deleted or foreign space is a `conflict`.
    pub async fn create_space_as(&self, input: NewSpace, id: Option<&str>) -> Result<Space> {
        if let Some(id) = id {
            if !ids::is_valid("spc", id) {
                return Err(Error::validation(
                    "id",
                    "must be a space id: spc_ and 26 characters of 0-9a-z",
                ));
            }
        }
        validate::opt_text("description", &input.description, 1000)?;
        validate::opt_text("llm_model_name", &input.llm_model_name, 200)?;
        validate::base_url(&input.llm_base_url)?;
        validate::opt_text("custom_instructions", &input.custom_instructions, 10_000)?;
        validate::dedup_key(&input.deduplication_key)?;
        let mut input = input;
        input.tags = input.tags.map(super::workspaces::tags).transpose()?;
        super::workspaces::check_name(&input.name)?;
        super::workspaces::check_settings(&input.settings)?;
        let mut last = None;
        for _ in 0..MAX_RETRIES {
            match self.try_create_space(&input, id).await {
                Err(e) if is_race(&e) => last = Some(e),
                other => return other,
            }
        }
        Err(last.unwrap_or_else(|| Error::conflict("too much contention")))
    }

    async fn try_create_space(&self, input: &NewSpace, id: Option<&str>) -> Result<Space> {
        if let Some(id) = id {
            if let Some((existing, _)) = self.load::<Space>(&layout::space(id)).await? {
                if self.owns(&existing) && existing.deleted_at.is_none() {
                    return Ok(existing);
                }
                return Err(
                    Error::conflict(format!("space id {id} is taken")).with("precondition", "id")
                );
            }
        }
        let now = self.host.now();
        let space = Space {
            id: id.map_or_else(|| self.next_id("spc"), str::to_string),
            user_id: self.principal.user_id.clone(),
            tenant_id: self.principal.tenant_id.clone(),
            description: input.description.clone(),
            llm_model_name: input.llm_model_name.clone(),
            llm_base_url: input.llm_base_url.clone(),
            custom_instructions: input.custom_instructions.clone(),
            deduplication_key: input.deduplication_key.clone(),
            created_at: now,
            updated_at: now,
            deleted_at: None,
            name: input.name.clone(),
            tags: input.tags.clone().unwrap_or_default(),
            settings: input.settings.clone().unwrap_or_default(),
        };
        let mut batch = Batch::new();
        if let Some(key) = &input.deduplication_key {
            let claim_key = layout::space_dedup(&self.principal, key);
            match self.load::<String>(&claim_key).await? {
                Some((holder, bytes)) => {
                    if let Some(existing) = self.live_space(&holder).await? {
                        if existing.deduplication_key.as_deref() == Some(key) {
                            return Err(Error::new(
                                ErrorCode::Duplicate,
                                format!("a memory space with deduplication key {key:?} exists"),
                            )
                            .with("existing_id", existing.id)
                            .with("deduplication_key", key.as_str()));
                        }
                    }
                    // The claim is stale (its space was deleted or never committed): take it over.
                    batch.require_equals(claim_key.clone(), bytes);
                }
                None => {
                    batch.require_absent(claim_key.clone());
                }
            }
            batch.put(claim_key, envelope::encode(&space.id)?);
        }
        let key = layout::space(&space.id);
        batch.put(layout::space_owner(&self.principal, &space.id), Vec::new());
        batch.require_absent(key.clone());
        batch.put(key, envelope::encode(&space)?); // commit point
        self.commit(batch).await?;
        Ok(space)
    }

    /// The space if it exists, is owned by the caller and is not deleted; `None` otherwise.
    pub(crate) async fn live_space(&self, id: &str) -> Result<Option<Space>> {
        match self.load::<Space>(&layout::space(id)).await? {
            Some((s, _)) if self.owns(&s) && s.deleted_at.is_none() => Ok(Some(s)),
            _ => Ok(None),
        }
    }

    pub(crate) fn owns(&self, s: &Space) -> bool {
        s.user_id == self.principal.user_id && s.tenant_id == self.principal.tenant_id
    }

    /// Loads an owned space with its bytes: `not_found` if absent or foreign, `gone` if deleted.
    pub(crate) async fn owned_space(&self, id: &str) -> Result<(Space, Vec<u8>)> {
        if !ids::is_valid("spc", id) {
            return Err(Error::not_found(KIND, id));
        }
        let key = layout::space(id);
        let before = self.kv.epoch();
        let bytes = self.kv.get(&key).await.map_err(super::kv_error)?;
        let out = self.owned_space_from(id, bytes)?;
        if let Some(e) = before.filter(|e| self.kv.epoch() == Some(*e)) {
            self.cache.confirm(&key, &out.1, e);
        }
        Ok(out)
    }

    /// The caller's live space as this handle read it at the backend's current epoch, with
    /// that epoch: no other handle can have written it since, because every space write is
    /// an exclusive batch ([`crate::kv::Batch::exclusive`]). `None` on backends without
    /// epochs or when the epoch moved.
    pub(crate) fn trusted_space(&self, id: &str) -> Option<(Rc<Space>, Vec<u8>, u64)> {
        let e = self.kv.epoch()?;
        if self.cache.confirmed_at(&layout::space(id)) != Some(e) {
            return None;
        }
        let (s, bytes) = self.cached_space(id)?;
        Some((s, bytes, e))
    }

    /// [`Memspace::owned_space`] over the space record's bytes as read (`None`: absent).
    pub(crate) fn owned_space_from(
        &self,
        id: &str,
        bytes: Option<Vec<u8>>,
    ) -> Result<(Space, Vec<u8>)> {
        let Some(b) = bytes else {
            return Err(Error::not_found(KIND, id));
        };
        let s: Space = envelope::decode(&b)?;
        if !self.owns(&s) {
            Err(Error::not_found(KIND, id))
        } else if s.deleted_at.is_some() {
            Err(Error::gone(KIND, id))
        } else {
            self.cache.remember(&layout::space(id), &b);
            Ok((s, b))
        }
    }

    /// The caller's live space as this handle last saw it (a guess; see `cache.rs`).
    pub(crate) fn cached_space(&self, id: &str) -> Option<(Rc<Space>, Vec<u8>)> {
        let key = layout::space(id);
        let (s, bytes) = match self.cache.latest::<Space>(&key) {
            Some(hit) => hit,
            None => {
                let bytes = self.cache.get(&key)?;
                let s = Rc::new(envelope::decode::<Space>(&bytes).ok()?);
                self.cache.remember_decoded(&key, &bytes, s.clone());
                (s, bytes)
            }
        };
        (self.owns(&s) && s.deleted_at.is_none()).then_some((s, bytes))
    }

    /// The space stored as `bytes` under its key, decoded once per stored version.
    pub(crate) fn space_of(&self, key: &[u8], bytes: &[u8]) -> Result<Rc<Space>> {
        if let Some(s) = self.cache.decoded::<Space>(key, bytes) {
            return Ok(s);
        }
        let s = Rc::new(envelope::decode::<Space>(bytes)?);
        self.cache.remember_decoded(key, bytes, s.clone());
        Ok(s)
    }

    /// Gets one of the caller's spaces.
    pub async fn get_space(&self, id: &str) -> Result<Space> {
        Ok(self.owned_space(id).await?.0)
    }

    /// Lists the caller's live spaces in creation order.
    pub async fn list_spaces(&self, page: Page) -> Result<Vec<Space>> {
        let (offset, limit) = validate::page(page)?;
        let mut cursor = Cursor::new(layout::space_owner_range(&self.principal), SCAN_CHUNK);
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
            let values = self.kv.get_many(&keys).await.map_err(super::kv_error)?;
            for bytes in values.into_iter().flatten() {
                let s: Space = envelope::decode(&bytes)?;
                if !self.owns(&s) || s.deleted_at.is_some() {
                    continue; // an orphaned index entry or a deleted space
                }
                if page.offer(s) {
                    return Ok(page.into_items());
                }
            }
        }
    }

    /// Updates fields of a space (absent = unchanged, null = clear).
    pub async fn update_space(&self, id: &str, update: SpaceUpdate) -> Result<Space> {
        validate::opt_text("description", &update.description.as_set().cloned(), 1000)?;
        validate::opt_text(
            "llm_model_name",
            &update.llm_model_name.as_set().cloned(),
            200,
        )?;
        validate::base_url(&update.llm_base_url.as_set().cloned())?;
        validate::opt_text(
            "custom_instructions",
            &update.custom_instructions.as_set().cloned(),
            10_000,
        )?;
        let mut update = update;
        update.tags = update.tags.map(super::workspaces::tags).transpose()?;
        super::workspaces::check_name(&update.name.as_set().cloned())?;
        super::workspaces::check_settings(&update.settings)?;
        let mut last = None;
        for _ in 0..MAX_RETRIES {
            let (mut space, bytes) = self.owned_space(id).await?;
            let u = update.clone();
            u.description.apply(&mut space.description);
            u.llm_model_name.apply(&mut space.llm_model_name);
            u.llm_base_url.apply(&mut space.llm_base_url);
            u.custom_instructions.apply(&mut space.custom_instructions);
            u.name.apply(&mut space.name);
            if let Some(t) = u.tags {
                space.tags = t;
            }
            if let Some(s) = u.settings {
                space.settings = s;
            }
            space.updated_at = self.host.now().max(space.updated_at);
            let key = layout::space(id);
            let mut batch = Batch::new();
            // Space writes are exclusive: other handles drop what they read of the space.
            batch.exclusive = true;
            batch.require_equals(key.clone(), bytes);
            batch.put(key, envelope::encode(&space)?);
            match self.commit(batch).await {
                Ok(()) => return Ok(space),
                Err(e) if is_race(&e) => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| Error::conflict("too much contention")))
    }

    /// Soft-deletes a space: it disappears from get and list, and its deduplication key is freed.
    pub async fn delete_space(&self, id: &str) -> Result<()> {
        let mut last = None;
        for _ in 0..MAX_RETRIES {
            let (mut space, bytes) = self.owned_space(id).await?;
            space.deleted_at = Some(self.host.now());
            let key = layout::space(id);
            let mut batch = Batch::new();
            batch.exclusive = true;
            batch.require_equals(key.clone(), bytes);
            batch.put(key, envelope::encode(&space)?); // commit point
                                                       // Cleanup of what the commit made obsolete; readers already ignore both.
            if let Some(k) = &space.deduplication_key {
                batch.delete(layout::space_dedup(&self.principal, k));
            }
            batch.delete(layout::space_owner(&self.principal, id));
            match self.commit(batch).await {
                Ok(()) => return Ok(()),
                Err(e) if is_race(&e) => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| Error::conflict("too much contention")))
    }
}

impl Memspace {
    /// Restores one of the caller's soft-deleted spaces — the undo of `delete_space`, which
    /// leaves sessions, events and stores in place. The space's deduplication key comes back
    /// with it unless a live space took it meanwhile (`conflict`, details `existing_id`); a
    /// space that is not deleted is returned unchanged.
    pub async fn restore_space(&self, id: &str) -> Result<Space> {
        let mut last = None;
        for _ in 0..MAX_RETRIES {
            match self.try_restore_space(id).await {
                Err(e) if is_race(&e) => last = Some(e),
                other => return other,
            }
        }
        Err(last.unwrap_or_else(|| Error::conflict("too much contention")))
    }

    async fn try_restore_space(&self, id: &str) -> Result<Space> {
        if !ids::is_valid("spc", id) {
            return Err(Error::not_found(KIND, id));
        }
        let key = layout::space(id);
        let (mut space, bytes) = match self.load::<Space>(&key).await? {
            Some((s, b)) if self.owns(&s) => (s, b),
            _ => return Err(Error::not_found(KIND, id)),
        };
        if space.deleted_at.is_none() {
            return Ok(space);
        }
        let mut batch = Batch::new();
        batch.exclusive = true;
        // The order of create_space: claim and owner index first, the record (commit point) last.
        if let Some(k) = &space.deduplication_key {
            let claim_key = layout::space_dedup(&self.principal, k);
            match self.load::<String>(&claim_key).await? {
                Some((holder, claim)) => {
                    if holder != space.id {
                        if let Some(other) = self.live_space(&holder).await? {
                            if other.deduplication_key.as_deref() == Some(k) {
                                return Err(Error::conflict(format!(
                                    "space {holder} now holds deduplication key {k:?}; delete it or its key first"
                                ))
                                .with("precondition", "deduplication_key")
                                .with("deduplication_key", k.as_str())
                                .with("existing_id", holder));
                            }
                        }
                    }
                    batch.require_equals(claim_key.clone(), claim);
                }
                None => {
                    batch.require_absent(claim_key.clone());
                }
            }
            batch.put(claim_key, envelope::encode(&space.id)?);
        }
        batch.put(layout::space_owner(&self.principal, id), Vec::new());
        space.deleted_at = None;
        space.updated_at = self.host.now().max(space.updated_at);
        batch.require_equals(key.clone(), bytes);
        batch.put(key, envelope::encode(&space)?); // commit point
        self.commit(batch).await?;
        Ok(space)
    }
}
