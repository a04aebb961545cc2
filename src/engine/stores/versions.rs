//! Versions: the immutable history of a store's entries. Listed newest first (per entry or
//! per store), fetched one by one, and redacted: redaction rewrites the version record
//! without its content, so the bytes are gone from storage while the record (action, path,
//! size, sha256, times) stays for audit.

use super::commit::LoadedStore;
use super::{StoreRecord, VERSION, VERSION_PREFIX};
use crate::codec::{envelope, keys};
use crate::engine::cursor::Pager;
use crate::engine::sessions::retry;
use crate::engine::{is_race, kv_error, layout, validate, Memspace, MAX_RETRIES};
use crate::error::{Error, ErrorCode, Result};
use crate::ids;
use crate::kv::{Batch, KeyRange};
use crate::model::{MemoryVersion, Page};

const SCAN_CHUNK: usize = 128;

impl Memspace {
    /// A new version id sorting after every earlier one of the store; recorded in `rec`.
    pub(crate) fn next_version_id(&self, rec: &mut StoreRecord) -> Result<String> {
        let id = ids::new_id_after(
            VERSION_PREFIX,
            rec.last_version_id.as_deref(),
            self.host.as_ref(),
        )
        .ok_or_else(|| Error::storage("version ids of this store are exhausted"))?;
        rec.last_version_id = Some(id.clone());
        Ok(id)
    }

    /// Lists versions newest first, without content: of one entry (also after its deletion)
    /// when `entry_id` is given, else of the whole store.
    pub async fn list_versions(
        &self,
        space_id: &str,
        store_id: &str,
        entry_id: Option<&str>,
        page: Page,
    ) -> Result<Vec<MemoryVersion>> {
        let (offset, limit) = validate::page(page)?;
        if let Some(e) = entry_id {
            if !ids::is_valid(super::ENTRY_PREFIX, e) {
                return Err(Error::validation(
                    "entry_id",
                    "is not a memory entry id (mem_…)",
                ));
            }
        }
        let loaded = self.load_store(space_id, store_id).await?;
        let (space_id, store_id) = (&loaded.space.id, &loaded.rec.store.id);
        let mut out = Vec::new();
        match entry_id {
            Some(e) => {
                // The entry index holds version ids only; fetch the records by id.
                let ids = self
                    .scan_newest(
                        layout::versions_of_entry(space_id, store_id, e),
                        offset,
                        limit,
                    )
                    .await?;
                let keys: Vec<Vec<u8>> = ids
                    .iter()
                    .filter_map(|(k, _)| keys::string_parts(k)?.pop())
                    .map(|vid| layout::version(space_id, store_id, &vid))
                    .collect();
                for bytes in self.kv.get_many(&keys).await.map_err(kv_error)? {
                    let bytes = bytes.ok_or_else(|| {
                        Error::storage("a version index entry names a missing version")
                    })?;
                    out.push(envelope::decode::<MemoryVersion>(&bytes)?);
                }
            }
            None => {
                for (_, bytes) in self
                    .scan_newest(layout::versions_of_store(space_id, store_id), offset, limit)
                    .await?
                {
                    out.push(envelope::decode::<MemoryVersion>(&bytes)?);
                }
            }
        }
        for v in &mut out {
            v.content = None;
        }
        Ok(out)
    }

    /// Reads `limit` entries of `range` from the end, after skipping `offset`.
    pub(crate) async fn scan_newest(
        &self,
        mut range: KeyRange,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let mut page = Pager::new(offset, limit);
        loop {
            let chunk = self
                .kv
                .scan(&range, SCAN_CHUNK, true)
                .await
                .map_err(kv_error)?;
            let Some((last_key, _)) = chunk.last() else {
                break;
            };
            range.end = Some(last_key.clone());
            let full = chunk.len() == SCAN_CHUNK;
            for kv in chunk {
                if page.offer(kv) {
                    return Ok(page.into_items());
                }
            }
            if !full {
                break;
            }
        }
        Ok(page.into_items())
    }

    /// Gets one version, with its content unless it was redacted or records a deletion.
    pub async fn get_version(
        &self,
        space_id: &str,
        store_id: &str,
        version_id: &str,
    ) -> Result<MemoryVersion> {
        let loaded = self.load_store(space_id, store_id).await?;
        Ok(self.load_version(&loaded, version_id).await?.0)
    }

    async fn load_version(
        &self,
        loaded: &LoadedStore,
        version_id: &str,
    ) -> Result<(MemoryVersion, Vec<u8>)> {
        if !ids::is_valid(VERSION_PREFIX, version_id) {
            return Err(Error::not_found(VERSION, version_id));
        }
        self.load::<MemoryVersion>(&layout::version(
            &loaded.space.id,
            &loaded.rec.store.id,
            version_id,
        ))
        .await?
        .ok_or_else(|| Error::not_found(VERSION, version_id))
    }

    /// Redacts a version: its content is erased from storage, `redacted` becomes true with
    /// `redacted_at`, and the record stays. Idempotent; allowed on archived stores. The
    /// current version of a live entry holds the entry's own content and cannot be redacted
    /// (`conflict`): update or delete the entry first.
    pub async fn redact_version(
        &self,
        space_id: &str,
        store_id: &str,
        version_id: &str,
    ) -> Result<MemoryVersion> {
        retry!(
            self.try_redact_version(space_id, store_id, version_id)
                .await
        )
    }

    async fn try_redact_version(
        &self,
        space_id: &str,
        store_id: &str,
        version_id: &str,
    ) -> Result<MemoryVersion> {
        let loaded = self.load_store(space_id, store_id).await?;
        let (version, bytes) = self.load_version(&loaded, version_id).await?;
        if version.redacted {
            return Ok(version);
        }
        // The current-version guard: only "no such entry" lets redaction go ahead without it;
        // an entry that cannot be read (a storage fault, a corrupt record) stops it, since
        // the guard cannot be checked and the version may be the entry's current content.
        match self.load_entry(&loaded, &version.entry_id).await {
            Ok(entry) if entry.head_version_id == version.id => {
                return Err(Error::conflict(format!("version {} is the current content of entry {}; update or delete the entry before redacting it", version.id, version.entry_id))
                    .with("precondition", "not_current_version")
                    .with("entry_id", version.entry_id.as_str()));
            }
            Ok(_) => {}
            Err(e) if e.code == ErrorCode::NotFound => {}
            Err(e) => return Err(e),
        }
        let mut redacted = version;
        redacted.content = None;
        redacted.redacted = true;
        redacted.redacted_at = Some(self.host.now());
        let key = layout::version(&loaded.space.id, &loaded.rec.store.id, version_id);
        let mut batch = Batch::new();
        // The store record guards against a concurrent delete of the store; the version's
        // own bytes against a concurrent redaction. One key written: atomic on every backend.
        batch.require_equals(
            layout::store(&loaded.space.id, &loaded.rec.store.id),
            loaded.bytes.clone(),
        );
        batch.require_equals(key.clone(), bytes);
        batch.put(key, envelope::encode(&redacted)?);
        self.commit(batch).await?;
        Ok(redacted)
    }
}
