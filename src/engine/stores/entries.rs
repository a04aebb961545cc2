//! Entries: create, get (by id or path), list by directory-like prefix, update (content, path,
//! metadata; optional expected version / sha256), delete. Every write is a [`Plan`] — the
//! changed keys plus the new store record with its exact counters — committed in one go.

use super::commit::LoadedStore;
use super::store::archived;
use super::{limits, paths, sha256_hex, Change, EntryRecord, StoreRecord, ENTRY, ENTRY_PREFIX};
use crate::codec::envelope;
use crate::engine::cursor::Cursor;
use crate::engine::sessions::retry;
use crate::engine::{is_race, kv_error, layout, validate, Memspace, MAX_RETRIES};
use crate::error::{Error, Result};
use crate::ids;
use crate::model::{
    EntryPrecondition, EntryUpdate, MemoryEntry, MemoryVersion, Metadata, NewEntry, Page,
    StoreStatus, VersionAction,
};

const SCAN_CHUNK: usize = 128;

/// A write being assembled: the new store record and the key changes that go with it.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// The store record as it will be after the write (counters, last version id).
    pub store: StoreRecord,
    /// The key changes.
    pub changes: Vec<Change>,
}

impl Plan {
    /// An empty write on a loaded store.
    pub(crate) fn new(loaded: &LoadedStore) -> Self {
        Plan {
            store: loaded.rec.clone(),
            changes: Vec::new(),
        }
    }
}

/// The caller's optimistic preconditions, checked against the entry as stored.
fn check_preconditions(
    entry: &MemoryEntry,
    expected_version: Option<u64>,
    expected_sha256: Option<&str>,
) -> Result<()> {
    if let Some(v) = expected_version {
        if v != entry.version {
            return Err(Error::conflict(format!(
                "entry {} is at version {}, not {v}",
                entry.id, entry.version
            ))
            .with("precondition", "expected_version")
            .with("current_version", entry.version));
        }
    }
    if let Some(h) = expected_sha256 {
        if h != entry.content_sha256 {
            return Err(Error::conflict(format!(
                "the content of entry {} has changed (sha256 {})",
                entry.id, entry.content_sha256
            ))
            .with("precondition", "expected_sha256")
            .with("current_sha256", entry.content_sha256.as_str()));
        }
    }
    Ok(())
}

/// The `conflict` of a path already held by another entry.
pub(crate) fn path_conflict(path: &str, holder: &str) -> Error {
    Error::conflict(format!("path {path:?} is already used by entry {holder}"))
        .with("precondition", "path")
        .with("conflicting_entry_id", holder)
        .with("conflicting_path", path)
}

/// The entry with its content removed (as lists return it).
fn summary(mut e: MemoryEntry) -> MemoryEntry {
    e.content = None;
    e
}

impl Memspace {
    /// Creates an entry; a path already in use → `conflict`; an archived store → `archived`.
    pub async fn create_entry(
        &self,
        space_id: &str,
        store_id: &str,
        input: NewEntry,
    ) -> Result<MemoryEntry> {
        paths::check("path", &input.path)?;
        limits::content(&input.content)?;
        let metadata = input.metadata.clone().unwrap_or_default();
        limits::metadata(&metadata)?;
        Ok(self
            .create_entry_record(space_id, store_id, &input, &metadata)
            .await?
            .entry)
    }

    /// [`Memspace::create_entry`] with checked input, returning the stored record (with the
    /// id of its current version).
    pub(crate) async fn create_entry_record(
        &self,
        space_id: &str,
        store_id: &str,
        input: &NewEntry,
        metadata: &Metadata,
    ) -> Result<EntryRecord> {
        retry!(
            self.try_create_entry(space_id, store_id, input, metadata)
                .await
        )
    }

    async fn try_create_entry(
        &self,
        space_id: &str,
        store_id: &str,
        input: &NewEntry,
        metadata: &Metadata,
    ) -> Result<EntryRecord> {
        let loaded = self.load_store(space_id, store_id).await?;
        if loaded.rec.store.status == StoreStatus::Archived {
            return Err(archived(&loaded.rec.store));
        }
        if let Some(holder) = self.entry_id_at(&loaded, &input.path).await? {
            return Err(path_conflict(&input.path, &holder));
        }
        self.check_file_tree(&loaded, &input.path, None).await?;
        let mut plan = Plan::new(&loaded);
        let rec = self.plan_create(&mut plan, &input.path, &input.content, metadata.clone())?;
        self.commit_plan(&loaded, plan).await?;
        Ok(rec)
    }

    /// Gets an entry by id, with its content.
    pub async fn get_entry(
        &self,
        space_id: &str,
        store_id: &str,
        entry_id: &str,
    ) -> Result<MemoryEntry> {
        let loaded = self.load_store(space_id, store_id).await?;
        Ok(self.load_entry(&loaded, entry_id).await?.entry)
    }

    /// Gets the entry at a path, with its content.
    pub async fn get_entry_by_path(
        &self,
        space_id: &str,
        store_id: &str,
        path: &str,
    ) -> Result<MemoryEntry> {
        paths::check("path", path)?;
        let loaded = self.load_store(space_id, store_id).await?;
        match self.entry_id_at(&loaded, path).await? {
            Some(id) => Ok(self.load_entry(&loaded, &id).await?.entry),
            None => Err(Error::not_found(ENTRY, path).with("path", path)),
        }
    }

    /// Lists entries under a directory-like prefix (`""` = all; `a/b` and `a/b/` list what is
    /// inside directory `a/b`), in path order, without content.
    pub async fn list_entries(
        &self,
        space_id: &str,
        store_id: &str,
        prefix: &str,
        page: Page,
    ) -> Result<Vec<MemoryEntry>> {
        let (offset, limit) = validate::page(page)?;
        let prefix = paths::dir_prefix(prefix)?;
        let loaded = self.load_store(space_id, store_id).await?;
        let records = self.entries_under(&loaded, &prefix, offset, limit).await?;
        Ok(records.into_iter().map(|r| summary(r.entry)).collect())
    }

    /// Entry records under `prefix` (a raw path prefix) in path order: `limit` of them after
    /// skipping `offset` (`u64::MAX` = all). Their content is not read (`entry.content` is
    /// `None` unless a record from before the content split holds it inline): a listing or a
    /// directory view costs the entries' metadata, however large their files are.
    pub(crate) async fn entries_under(
        &self,
        loaded: &LoadedStore,
        prefix: &str,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<EntryRecord>> {
        let (space_id, store_id) = (&loaded.space.id, &loaded.rec.store.id);
        let mut cursor = Cursor::new(
            layout::entry_paths_with_prefix(space_id, store_id, prefix),
            SCAN_CHUNK,
        );
        let (mut skipped, mut out) = (0u64, Vec::new());
        loop {
            let chunk = cursor.next(self.kv.as_ref()).await?;
            if chunk.is_empty() {
                return Ok(out);
            }
            let mut keys = Vec::with_capacity(chunk.len());
            for (_, v) in &chunk {
                if skipped < offset {
                    skipped += 1;
                    continue;
                }
                let id: String = envelope::decode(v)?;
                keys.push(layout::entry(space_id, store_id, &id));
                if (out.len() + keys.len()) as u64 >= limit {
                    break;
                }
            }
            for bytes in self.kv.get_many(&keys).await.map_err(kv_error)? {
                let Some(bytes) = bytes else {
                    return Err(Error::storage(
                        "a path of a committed entry names a missing entry",
                    ));
                };
                out.push(envelope::decode::<EntryRecord>(&bytes)?);
            }
            if out.len() as u64 >= limit {
                return Ok(out);
            }
        }
    }

    /// Updates content, path (rename; the id stays) and/or metadata. A stale expected
    /// version or sha256 → `conflict`, unless the entry already is exactly as requested (a
    /// retried update), which returns it unchanged; so does any update that changes nothing.
    pub async fn update_entry(
        &self,
        space_id: &str,
        store_id: &str,
        entry_id: &str,
        update: EntryUpdate,
    ) -> Result<MemoryEntry> {
        if update.content.is_none() && update.path.is_none() && update.metadata.is_none() {
            return Err(Error::validation(
                "update",
                "give at least one of content, path, metadata",
            ));
        }
        if let Some(c) = &update.content {
            limits::content(c)?;
        }
        if let Some(p) = &update.path {
            paths::check("path", p)?;
        }
        if let Some(p) = &update.metadata {
            limits::metadata_patch(p)?;
        }
        if let Some(v) = update.expected_version {
            limits::version("expected_version", v)?;
        }
        Ok(self
            .update_entry_record(space_id, store_id, entry_id, &update)
            .await?
            .entry)
    }

    /// [`Memspace::update_entry`] after its input checks, returning the stored record (with
    /// the id of its current version).
    pub(crate) async fn update_entry_record(
        &self,
        space_id: &str,
        store_id: &str,
        entry_id: &str,
        update: &EntryUpdate,
    ) -> Result<EntryRecord> {
        let expected_sha = update
            .expected_sha256
            .as_deref()
            .map(|h| limits::sha256("expected_sha256", h))
            .transpose()?;
        retry!(
            self.try_update_entry(
                space_id,
                store_id,
                entry_id,
                update,
                expected_sha.as_deref()
            )
            .await
        )
    }

    async fn try_update_entry(
        &self,
        space_id: &str,
        store_id: &str,
        entry_id: &str,
        update: &EntryUpdate,
        expected_sha: Option<&str>,
    ) -> Result<EntryRecord> {
        let loaded = self.load_store(space_id, store_id).await?;
        if loaded.rec.store.status == StoreStatus::Archived {
            return Err(archived(&loaded.rec.store));
        }
        let old = self.load_entry(&loaded, entry_id).await?;
        let metadata = update
            .metadata
            .as_ref()
            .map(|p| limits::apply_metadata_patch(&old.entry.metadata, p))
            .transpose()?;
        let content = update
            .content
            .as_deref()
            .filter(|c| Some(*c) != old.entry.content.as_deref());
        let path = update.path.as_deref().filter(|p| *p != old.entry.path);
        let metadata = metadata.filter(|m| *m != old.entry.metadata);
        if content.is_none() && path.is_none() && metadata.is_none() {
            return Ok(old); // already as requested: no new version
        }
        check_preconditions(&old.entry, update.expected_version, expected_sha)?;
        if let Some(p) = path {
            if let Some(holder) = self.entry_id_at(&loaded, p).await? {
                return Err(path_conflict(p, &holder));
            }
            self.check_file_tree(&loaded, p, Some(&old.entry.id))
                .await?;
        }
        let mut plan = Plan::new(&loaded);
        let rec = self.plan_update(&mut plan, &old, content, path, metadata)?;
        self.commit_plan(&loaded, plan).await?;
        Ok(rec)
    }

    /// Deletes an entry (also in an archived store); its versions stay, plus a `deleted` one.
    pub async fn delete_entry(
        &self,
        space_id: &str,
        store_id: &str,
        entry_id: &str,
        precondition: EntryPrecondition,
    ) -> Result<()> {
        if let Some(v) = precondition.expected_version {
            limits::version("expected_version", v)?;
        }
        let expected_sha = precondition
            .expected_sha256
            .as_deref()
            .map(|h| limits::sha256("expected_sha256", h))
            .transpose()?;
        retry!(
            self.try_delete_entry(
                space_id,
                store_id,
                entry_id,
                precondition.expected_version,
                expected_sha.as_deref()
            )
            .await
        )
    }

    async fn try_delete_entry(
        &self,
        space_id: &str,
        store_id: &str,
        entry_id: &str,
        expected_version: Option<u64>,
        expected_sha: Option<&str>,
    ) -> Result<()> {
        let loaded = self.load_store(space_id, store_id).await?;
        let old = self.load_entry(&loaded, entry_id).await?;
        check_preconditions(&old.entry, expected_version, expected_sha)?;
        let mut plan = Plan::new(&loaded);
        self.plan_delete(&mut plan, &old)?;
        self.commit_plan(&loaded, plan).await
    }

    // ---- building blocks shared with the memory tool ------------------------------------

    /// Loads an entry record of a loaded store with its content: `not_found` when there is none.
    pub(crate) async fn load_entry(
        &self,
        loaded: &LoadedStore,
        entry_id: &str,
    ) -> Result<EntryRecord> {
        if !ids::is_valid(ENTRY_PREFIX, entry_id) {
            return Err(Error::not_found(ENTRY, entry_id));
        }
        let (space_id, store_id) = (&loaded.space.id, &loaded.rec.store.id);
        let keys = [
            layout::entry(space_id, store_id, entry_id),
            layout::entry_content(space_id, store_id, entry_id),
        ];
        let mut got = self.kv.get_many(&keys).await.map_err(kv_error)?.into_iter();
        let (Some(meta), content) = (got.next().flatten(), got.next().flatten()) else {
            return Err(Error::not_found(ENTRY, entry_id));
        };
        let mut rec: EntryRecord = envelope::decode(&meta)?;
        match content {
            Some(bytes) => rec.entry.content = Some(envelope::decode::<String>(&bytes)?),
            None if rec.entry.content.is_some() => {} // written before the content split
            None => {
                return Err(Error::storage(format!(
                    "entry {entry_id} has no content record"
                )))
            }
        }
        Ok(rec)
    }

    /// Reads the content of records listed by [`Memspace::entries_under`] (for writes that
    /// copy it, such as a directory rename).
    pub(crate) async fn fill_content(
        &self,
        loaded: &LoadedStore,
        records: &mut [EntryRecord],
    ) -> Result<()> {
        let (space_id, store_id) = (&loaded.space.id, &loaded.rec.store.id);
        let keys: Vec<Vec<u8>> = records
            .iter()
            .map(|r| layout::entry_content(space_id, store_id, &r.entry.id))
            .collect();
        let got = self.kv.get_many(&keys).await.map_err(kv_error)?;
        for (rec, bytes) in records.iter_mut().zip(got) {
            match bytes {
                Some(b) => rec.entry.content = Some(envelope::decode::<String>(&b)?),
                None if rec.entry.content.is_some() => {}
                None => {
                    return Err(Error::storage(format!(
                        "entry {} has no content record",
                        rec.entry.id
                    )))
                }
            }
        }
        Ok(())
    }

    /// The rule of the memory tool for every entry write: a file is not a directory. `path`
    /// must not lie below another entry (`a.md/b.md` while `a.md` exists) nor be a directory
    /// of other entries (`a.md` while `a.md/b.md` exists). `moving` is the entry being renamed
    /// to `path` (its own old path does not count). A violation is a `conflict` naming the
    /// other path, like a used path.
    pub(crate) async fn check_file_tree(
        &self,
        loaded: &LoadedStore,
        path: &str,
        moving: Option<&str>,
    ) -> Result<()> {
        let (space_id, store_id) = (&loaded.space.id, &loaded.rec.store.id);
        let ancestors: Vec<&str> = path.match_indices('/').map(|(i, _)| &path[..i]).collect();
        let keys: Vec<Vec<u8>> = ancestors
            .iter()
            .map(|a| layout::entry_path(space_id, store_id, a))
            .collect();
        for (ancestor, bytes) in ancestors
            .iter()
            .zip(self.kv.get_many(&keys).await.map_err(kv_error)?)
        {
            let Some(bytes) = bytes else { continue };
            let holder: String = envelope::decode(&bytes)?;
            if Some(holder.as_str()) != moving {
                return Err(Error::conflict(format!(
                    "{ancestor} is a file, not a directory: no entry can be created at {path}"
                ))
                .with("precondition", "path")
                .with("conflicting_entry_id", holder)
                .with("conflicting_path", *ancestor));
            }
        }
        let below = layout::entry_paths_with_prefix(space_id, store_id, &format!("{path}/"));
        for (key, bytes) in self.kv.scan(&below, 2, false).await.map_err(kv_error)? {
            let holder: String = envelope::decode(&bytes)?;
            if Some(holder.as_str()) == moving {
                continue;
            }
            let child = crate::codec::keys::string_parts(&key)
                .and_then(|mut p| p.pop())
                .unwrap_or_default();
            return Err(Error::conflict(format!(
                "{path} is a directory (it holds {child}): a file cannot have its path"
            ))
            .with("precondition", "path")
            .with("conflicting_entry_id", holder)
            .with("conflicting_path", child));
        }
        Ok(())
    }

    /// The id of the entry at `path`, if any.
    pub(crate) async fn entry_id_at(
        &self,
        loaded: &LoadedStore,
        path: &str,
    ) -> Result<Option<String>> {
        Ok(self
            .load::<String>(&layout::entry_path(
                &loaded.space.id,
                &loaded.rec.store.id,
                path,
            ))
            .await?
            .map(|(id, _)| id))
    }

    /// Adds the creation of an entry (and its `created` version) to `plan`.
    pub(crate) fn plan_create(
        &self,
        plan: &mut Plan,
        path: &str,
        content: &str,
        metadata: Metadata,
    ) -> Result<EntryRecord> {
        let now = self.host.now();
        let store_id = plan.store.store.id.clone();
        let version_id = self.next_version_id(&mut plan.store)?;
        let (size, sha) = (content.len() as u64, sha256_hex(content.as_bytes()));
        let entry = MemoryEntry {
            id: ids::new_id(ENTRY_PREFIX, self.host.as_ref()),
            store_id: store_id.clone(),
            path: path.to_string(),
            size,
            content_sha256: sha.clone(),
            version: 1,
            metadata,
            content: Some(content.to_string()),
            created_at: now,
            updated_at: now,
        };
        let version = MemoryVersion {
            id: version_id.clone(),
            store_id,
            entry_id: entry.id.clone(),
            entry_path: path.to_string(),
            entry_version: 1,
            size,
            content_sha256: sha,
            action: VersionAction::Created,
            redacted: false,
            redacted_at: None,
            content: Some(content.to_string()),
            created_at: now,
        };
        let s = &mut plan.store.store;
        s.entry_count = s.entry_count.saturating_add(1);
        s.total_size = s.total_size.saturating_add(size);
        let record = EntryRecord {
            entry,
            head_version_id: version_id,
        };
        plan.changes.push(Change::PutVersion { version });
        plan.changes.push(Change::PutEntry {
            record: record.clone(),
        });
        plan.changes.push(Change::PutPath {
            path: path.to_string(),
            entry_id: record.entry.id.clone(),
        });
        Ok(record)
    }

    /// Adds an update of `old` (each `Some` is a change) and its `updated` version to `plan`.
    pub(crate) fn plan_update(
        &self,
        plan: &mut Plan,
        old: &EntryRecord,
        content: Option<&str>,
        path: Option<&str>,
        metadata: Option<Metadata>,
    ) -> Result<EntryRecord> {
        let now = self.host.now();
        let version_id = self.next_version_id(&mut plan.store)?;
        let mut rec = old.clone();
        let e = &mut rec.entry;
        e.version = e.version.saturating_add(1);
        e.updated_at = now.max(e.updated_at);
        if let Some(c) = content {
            e.content = Some(c.to_string());
            e.size = c.len() as u64;
            e.content_sha256 = sha256_hex(c.as_bytes());
        }
        if let Some(p) = path {
            e.path = p.to_string();
        }
        if let Some(m) = metadata {
            e.metadata = m;
        }
        rec.head_version_id = version_id.clone();
        let version = MemoryVersion {
            id: version_id,
            store_id: e.store_id.clone(),
            entry_id: e.id.clone(),
            entry_path: e.path.clone(),
            entry_version: e.version,
            size: e.size,
            content_sha256: e.content_sha256.clone(),
            action: VersionAction::Updated,
            redacted: false,
            redacted_at: None,
            content: e.content.clone(),
            created_at: now,
        };
        let s = &mut plan.store.store;
        s.total_size = s
            .total_size
            .saturating_sub(old.entry.size)
            .saturating_add(rec.entry.size);
        plan.changes.push(Change::PutVersion { version });
        plan.changes.push(Change::PutEntry {
            record: rec.clone(),
        });
        if rec.entry.path != old.entry.path {
            plan.changes.push(Change::DeletePath {
                path: old.entry.path.clone(),
            });
            plan.changes.push(Change::PutPath {
                path: rec.entry.path.clone(),
                entry_id: rec.entry.id.clone(),
            });
        }
        Ok(rec)
    }

    /// Adds the deletion of `old` and its `deleted` version (no content) to `plan`.
    pub(crate) fn plan_delete(&self, plan: &mut Plan, old: &EntryRecord) -> Result<()> {
        let now = self.host.now();
        let version_id = self.next_version_id(&mut plan.store)?;
        let e = &old.entry;
        let version = MemoryVersion {
            id: version_id,
            store_id: e.store_id.clone(),
            entry_id: e.id.clone(),
            entry_path: e.path.clone(),
            entry_version: e.version.saturating_add(1),
            size: e.size,
            content_sha256: e.content_sha256.clone(),
            action: VersionAction::Deleted,
            redacted: false,
            redacted_at: None,
            content: None,
            created_at: now,
        };
        let s = &mut plan.store.store;
        s.entry_count = s.entry_count.saturating_sub(1);
        s.total_size = s.total_size.saturating_sub(e.size);
        plan.changes.push(Change::PutVersion { version });
        plan.changes.push(Change::DeleteEntry {
            entry_id: e.id.clone(),
        });
        plan.changes.push(Change::DeletePath {
            path: e.path.clone(),
        });
        Ok(())
    }

    /// Commits a plan on the store it was made from.
    pub(crate) async fn commit_plan(&self, loaded: &LoadedStore, plan: Plan) -> Result<()> {
        self.commit_store(loaded, &plan.store, plan.changes, Vec::new())
            .await
    }
}
