//! `remember`: idempotency key and content-hash replay, supersession by logical key in the
//! same commit, and the transaction helpers every memory write uses.

use super::tx::MemTx;
use super::{limits, MemoryRecord, MEMORY};
use crate::engine::sessions::retry;
use crate::engine::stores::sha256_hex;
use crate::engine::{is_race, Memspace, MAX_RETRIES};
use crate::error::{Error, Result};
use crate::model::{Association, Memory, MemoryChange, MemoryStatus, NewMemory, Remembered, Space};
use serde_json::Map;

impl Memspace {
    /// Stores a memory. An idempotency key already used, or an active memory with the same
    /// content, context and logical key, returns that memory unchanged with `replayed: true`.
    /// A logical key held by an active memory closes it in the same commit (`invalid_at` =
    /// the new `valid_at`, status `superseded`, a `supersedes` association from the new one).
    pub async fn remember(&self, space_id: &str, input: NewMemory) -> Result<Remembered> {
        let _write = self.write_lock.acquire().await;
        let input = limits::new_memory(input, self.host.now())?;
        retry!(self.try_remember(space_id, &input).await)
    }

    async fn try_remember(&self, space_id: &str, input: &NewMemory) -> Result<Remembered> {
        let mut tx = self.begin_memories(space_id).await?;
        tx.prefetch_remember(self, &[input]).await?;
        let out = self.plan_remember(&mut tx, input).await?;
        self.commit_tx(tx).await?;
        Ok(out)
    }

    /// Opens a write on one of the caller's spaces.
    pub(crate) async fn begin_memories(&self, space_id: &str) -> Result<MemTx> {
        let (space, _) = self.owned_space(space_id).await?;
        self.begin_memories_in(space).await
    }

    /// Opens a write on `space` (already checked, or a host-level sweep).
    pub(crate) async fn begin_memories_in(&self, space: Space) -> Result<MemTx> {
        let head = self.memory_head(&space.id).await?;
        Ok(MemTx::new(space, head, self.host.now()))
    }

    /// Commits a write through the write path, then finishes any hard-forget purge it began.
    pub(crate) async fn commit_tx(&self, tx: MemTx) -> Result<()> {
        let space = tx.space.clone();
        let head = tx.head.clone();
        let purge = tx.purge_after.clone();
        self.commit_memories(&space, &head, tx.into_write()).await?;
        for id in purge {
            self.finish_purge(&space, &id).await?;
        }
        Ok(())
    }

    /// Adds a `remember` of a checked input to `tx`.
    pub(crate) async fn plan_remember(
        &self,
        tx: &mut MemTx,
        input: &NewMemory,
    ) -> Result<Remembered> {
        self.plan_remember_as(tx, input, None).await
    }

    /// Adds a `remember` with a caller-chosen id (a valid `mry_…` id, e.g. derived from an
    /// extraction job and item): an existing memory with that id is a replay, returned as is.
    pub(crate) async fn plan_remember_as(
        &self,
        tx: &mut MemTx,
        input: &NewMemory,
        chosen_id: Option<&str>,
    ) -> Result<Remembered> {
        let now = tx.now;
        if let Some(id) = chosen_id {
            if !crate::ids::is_valid(super::MEMORY_PREFIX, id) {
                return Err(Error::validation("memory_id", "must be a mry_ id"));
            }
            if let Some(r) = tx.get(self, id).await? {
                return Ok(Remembered {
                    memory: r.to_public(now),
                    replayed: true,
                    superseded_id: None,
                });
            }
        }
        let replay = |r: MemoryRecord| Remembered {
            memory: r.to_public(now),
            replayed: true,
            superseded_id: None,
        };
        if let Some(key) = &input.idempotency_key {
            if let Some(r) = tx.by_idempotency_key(self, key).await? {
                return Ok(replay(r));
            }
        }
        let hash = sha256_hex(input.content.as_bytes());
        let context = input.context_id.as_deref();
        let logical_key = input.logical_key.as_deref();
        if let Some(r) = tx.same_content(self, context, &hash, logical_key).await? {
            return Ok(replay(r));
        }
        let id = match chosen_id {
            Some(id) => id.to_string(),
            None => self.next_id(super::MEMORY_PREFIX),
        };
        let valid_at = input.valid_at.unwrap_or(now);
        let mut rec = MemoryRecord {
            memory: Memory {
                id: id.clone(),
                memory_space_id: tx.space.id.clone(),
                content: input.content.clone(),
                memory_type: input
                    .memory_type
                    .unwrap_or(crate::model::MemoryType::Semantic),
                subtype: input.subtype,
                importance: input.importance.unwrap_or(limits::DEFAULT_IMPORTANCE),
                tags: input.tags.clone(),
                metadata: input.metadata.clone().unwrap_or_default(),
                context_id: input.context_id.clone(),
                logical_key: input.logical_key.clone(),
                provenance: input.provenance.clone().unwrap_or_default(),
                content_hash: hash,
                status: MemoryStatus::Active,
                version: 1,
                last_change: MemoryChange::Created,
                created_at: now,
                updated_at: now,
                valid_at,
                invalid_at: None,
                expires_at: input.expires_at,
                superseded_by: None,
                forgotten_at: None,
            },
            idempotency_key: input.idempotency_key.clone(),
            status_before_forget: None,
            purge_pending: false,
        };
        let mut superseded_id = None;
        if let Some(key) = logical_key {
            if let Some(holder) = tx.holder(self, key).await? {
                if holder.effective_status(now) == MemoryStatus::Expired {
                    // Its expiry comes first: record it; the new memory simply takes the key.
                    self.plan_memory_expire(tx, &holder);
                } else if valid_at >= holder.memory.valid_at {
                    let mut closed = bump(&holder, now, MemoryChange::Superseded);
                    closed.memory.status = MemoryStatus::Superseded;
                    closed.memory.invalid_at = Some(valid_at);
                    closed.memory.superseded_by = Some(id.clone());
                    tx.modify(&holder, closed, true);
                    tx.put_link(self.supersedes_link(tx, &id, &holder.memory.id));
                    superseded_id = Some(holder.memory.id.clone());
                } else {
                    // Older news: it arrives already closed by the current holder.
                    rec.memory.status = MemoryStatus::Superseded;
                    rec.memory.invalid_at = Some(holder.memory.valid_at);
                    rec.memory.superseded_by = Some(holder.memory.id.clone());
                    tx.put_link(self.supersedes_link(tx, &holder.memory.id, &id));
                }
            }
        }
        let memory = rec.to_public(now);
        tx.put(rec);
        Ok(Remembered {
            memory,
            replayed: false,
            superseded_id,
        })
    }

    /// The `supersedes` association `newer → older` (strength 1).
    fn supersedes_link(&self, tx: &MemTx, newer: &str, older: &str) -> Association {
        Association {
            id: self.next_id(super::ASSOCIATION_PREFIX),
            memory_space_id: tx.space.id.clone(),
            source_id: newer.to_string(),
            target_id: older.to_string(),
            relationship: "supersedes".into(),
            strength: 1.0,
            metadata: Map::new(),
            created_at: tx.now,
            updated_at: tx.now,
        }
    }

    /// Records the expiry of `rec` (active or superseded, past its `expires_at`) in `tx`.
    pub(crate) fn plan_memory_expire(&self, tx: &mut MemTx, rec: &MemoryRecord) {
        let mut e = bump(rec, tx.now, MemoryChange::Expired);
        e.memory.status = MemoryStatus::Expired;
        tx.modify(rec, e, true);
    }
}

/// The next version of `rec`: version + 1, `updated_at` = now (never earlier), `last_change`.
pub(crate) fn bump(
    rec: &MemoryRecord,
    now: crate::time::Timestamp,
    change: MemoryChange,
) -> MemoryRecord {
    let mut r = rec.clone();
    r.memory.version = r.memory.version.saturating_add(1);
    r.memory.updated_at = now.max(r.memory.updated_at);
    r.memory.last_change = change;
    r
}

/// The error for a memory that exists but is not readable (forgotten, expired, deleted).
pub(crate) fn gone(rec: &MemoryRecord, now: crate::time::Timestamp) -> Error {
    let status = rec.effective_status(now);
    Error::gone(MEMORY, &rec.memory.id)
        .with("status", status.as_str())
        .with(
            "restorable",
            status == MemoryStatus::Forgotten
                && rec.status_before_forget != Some(MemoryStatus::Expired),
        )
}

/// Loads a memory that must exist: `not_found` otherwise.
pub(crate) async fn existing(ms: &Memspace, tx: &mut MemTx, id: &str) -> Result<MemoryRecord> {
    tx.get(ms, id)
        .await?
        .ok_or_else(|| Error::not_found(MEMORY, id))
}

/// Loads a memory that must be readable (active or superseded): `not_found` / `gone` otherwise.
pub(crate) async fn readable(ms: &Memspace, tx: &mut MemTx, id: &str) -> Result<MemoryRecord> {
    let rec = existing(ms, tx, id).await?;
    if !rec.is_readable(tx.now) {
        return Err(gone(&rec, tx.now));
    }
    Ok(rec)
}
