//! Changing a memory: update (optimistic), decay, forget (soft or hard), restore.

use super::remember::{bump, existing, gone, readable};
use super::tx::MemTx;
use super::{limits, MemoryRecord};
use crate::engine::sessions::retry;
use crate::engine::stores::sha256_hex;
use crate::engine::{is_race, kv_error, layout, Memspace, MAX_RETRIES};
use crate::error::{Error, Result};
use crate::model::{Memory, MemoryChange, MemoryStatus, MemoryUpdate, Space};

/// Checks an update's fields (not the memory it applies to).
pub(crate) fn check_update(u: &mut MemoryUpdate) -> Result<()> {
    if u.content.is_none() && u.importance.is_none() && u.tags.is_none() && u.metadata.is_none() {
        return Err(Error::validation(
            "update",
            "give at least one of content, importance, tags, metadata",
        ));
    }
    if let Some(c) = &u.content {
        limits::content(c)?;
    }
    if let Some(i) = u.importance {
        limits::unit("importance", i)?;
    }
    if let Some(t) = &u.tags {
        u.tags = Some(limits::tags(t)?);
    }
    if let Some(m) = &u.metadata {
        limits::metadata("metadata", m, limits::METADATA_MAX_BYTES)?;
    }
    if u.expected_version == Some(0) {
        return Err(Error::validation("expected_version", "versions start at 1"));
    }
    Ok(())
}

impl Memspace {
    /// Updates content, importance, tags and/or metadata. A stale `expected_version` is
    /// `conflict`, unless the memory already is exactly as requested (a retried update): that,
    /// like any update that changes nothing, returns the memory unchanged. Forgotten, expired
    /// and deleted memories are `gone`.
    pub async fn update_memory(
        &self,
        space_id: &str,
        memory_id: &str,
        mut update: MemoryUpdate,
    ) -> Result<Memory> {
        let _write = self.write_lock.acquire().await;
        check_update(&mut update)?;
        retry!(self.try_update_memory(space_id, memory_id, &update).await)
    }

    async fn try_update_memory(
        &self,
        space_id: &str,
        memory_id: &str,
        update: &MemoryUpdate,
    ) -> Result<Memory> {
        let mut tx = self.begin_memories(space_id).await?;
        let out = self.plan_memory_update(&mut tx, memory_id, update).await?;
        self.commit_tx(tx).await?;
        Ok(out)
    }

    /// Adds an update of a checked input to `tx`.
    pub(crate) async fn plan_memory_update(
        &self,
        tx: &mut MemTx,
        memory_id: &str,
        u: &MemoryUpdate,
    ) -> Result<Memory> {
        let old = readable(self, tx, memory_id).await?;
        let now = tx.now;
        let m = &old.memory;
        let content = u.content.as_ref().filter(|c| **c != m.content);
        let importance = u.importance.filter(|i| *i != m.importance);
        let tags = u.tags.as_ref().filter(|t| **t != m.tags);
        let metadata = u.metadata.as_ref().filter(|d| **d != m.metadata);
        if content.is_none() && importance.is_none() && tags.is_none() && metadata.is_none() {
            return Ok(old.to_public(now)); // already as requested
        }
        if let Some(v) = u.expected_version {
            if v != m.version {
                return Err(Error::conflict(format!(
                    "memory {} is at version {}, not {v}",
                    m.id, m.version
                ))
                .with("precondition", "expected_version")
                .with("current_version", m.version));
            }
        }
        let mut new = bump(&old, now, MemoryChange::Updated);
        let n = &mut new.memory;
        if let Some(c) = content {
            n.content = c.clone();
            n.content_hash = sha256_hex(c.as_bytes());
        }
        if let Some(i) = importance {
            n.importance = i;
        }
        if let Some(t) = tags {
            n.tags = t.clone();
        }
        if let Some(d) = metadata {
            n.metadata = d.clone();
        }
        // Importance alone is not kept in the history (decay would flood it).
        let snapshot = content.is_some() || tags.is_some() || metadata.is_some();
        let out = new.to_public(now);
        tx.modify(&old, new, snapshot);
        Ok(out)
    }

    /// Lowers importance: `importance × (1 − rate)`, rate 0–1 (default 0.1), never below 0.
    /// Bumps the version without a history entry.
    pub async fn decay_memory(
        &self,
        space_id: &str,
        memory_id: &str,
        rate: Option<f64>,
    ) -> Result<Memory> {
        let _write = self.write_lock.acquire().await;
        let rate = limits::unit("decay_rate", rate.unwrap_or(limits::DEFAULT_DECAY_RATE))?;
        retry!(self.try_decay(space_id, memory_id, rate).await)
    }

    async fn try_decay(&self, space_id: &str, memory_id: &str, rate: f64) -> Result<Memory> {
        let mut tx = self.begin_memories(space_id).await?;
        let old = readable(self, &mut tx, memory_id).await?;
        let importance = (old.memory.importance * (1.0 - rate)).clamp(0.0, 1.0);
        if importance == old.memory.importance {
            return Ok(old.to_public(tx.now));
        }
        let mut new = bump(&old, tx.now, MemoryChange::Decayed);
        new.memory.importance = importance;
        let out = new.to_public(tx.now);
        tx.modify(&old, new, false);
        self.commit_tx(tx).await?;
        Ok(out)
    }

    /// Forgets a memory. Soft (default): hidden from lists, recall and traversal, kept for
    /// trace, restorable. Hard: content, tags, metadata, its history, its associations and
    /// every index entry are erased; a content-free tombstone stays for audit. Forgetting a
    /// forgotten memory softly again is a no-op; hard-forgetting a tombstone finishes an
    /// interrupted purge.
    pub async fn forget_memory(&self, space_id: &str, memory_id: &str, hard: bool) -> Result<()> {
        let _write = self.write_lock.acquire().await;
        retry!(self.try_forget(space_id, memory_id, hard).await)
    }

    async fn try_forget(&self, space_id: &str, memory_id: &str, hard: bool) -> Result<()> {
        let mut tx = self.begin_memories(space_id).await?;
        self.plan_memory_forget(&mut tx, memory_id, hard).await?;
        self.commit_tx(tx).await
    }

    /// Adds a forget to `tx`.
    pub(crate) async fn plan_memory_forget(
        &self,
        tx: &mut MemTx,
        memory_id: &str,
        hard: bool,
    ) -> Result<()> {
        let old = existing(self, tx, memory_id).await?;
        let now = tx.now;
        if hard {
            return self.plan_hard_forget(tx, old).await;
        }
        match old.memory.status {
            MemoryStatus::Deleted => Err(gone(&old, now)),
            MemoryStatus::Forgotten => Ok(()),
            _ => {
                let mut new = bump(&old, now, MemoryChange::Forgotten);
                new.memory.status = MemoryStatus::Forgotten;
                new.memory.forgotten_at = Some(now);
                new.status_before_forget = Some(old.effective_status(now));
                tx.modify(&old, new, true);
                Ok(())
            }
        }
    }

    /// Turns `old` into a tombstone and erases what the purge budget of `tx` allows.
    async fn plan_hard_forget(&self, tx: &mut MemTx, old: MemoryRecord) -> Result<()> {
        let now = tx.now;
        let mut tomb = if old.memory.status == MemoryStatus::Deleted {
            if !old.purge_pending {
                return Ok(());
            }
            old.clone()
        } else {
            let mut t = bump(&old, now, MemoryChange::Deleted);
            let m = &mut t.memory;
            m.status = MemoryStatus::Deleted;
            m.content = String::new();
            m.content_hash = String::new();
            m.tags = Vec::new();
            m.metadata = Default::default();
            m.logical_key = None;
            m.expires_at = None;
            m.forgotten_at = Some(now);
            t.idempotency_key = None;
            t.status_before_forget = None;
            t
        };
        tx.drop_snapshots(&old.memory.id);
        tomb.purge_pending = !self.purge_some(tx, &old.memory.id).await?;
        if tomb.purge_pending {
            tx.purge_after.push(old.memory.id.clone());
        }
        tx.modify(&old, tomb, false);
        Ok(())
    }

    /// Erases up to the purge budget of `tx` of a memory's snapshots and edges; true when
    /// nothing is left.
    async fn purge_some(&self, tx: &mut MemTx, memory_id: &str) -> Result<bool> {
        let space_id = tx.space.id.clone();
        let range = layout::memory_versions(&space_id, memory_id);
        let want = tx.purge_budget + 1;
        let versions = self.kv.scan(&range, want, false).await.map_err(kv_error)?;
        let mut left = tx.purge_budget;
        let mut done = versions.len() <= left;
        for (k, _) in versions.into_iter().take(left) {
            tx.erase(k);
            left -= 1;
        }
        let edges = tx.links_touching(self, memory_id, left + 1).await?;
        if edges.len() > left {
            done = false;
        }
        for a in edges.into_iter().take(left) {
            tx.delete_link(&a.id);
            left -= 1;
        }
        tx.purge_budget = left;
        Ok(done)
    }

    /// Continues the purge of a hard-forgotten memory in further commits until it is done.
    pub(crate) async fn finish_purge(&self, space: &Space, memory_id: &str) -> Result<()> {
        loop {
            let done = retry!(self.purge_step(space, memory_id).await)?;
            if done {
                return Ok(());
            }
        }
    }

    async fn purge_step(&self, space: &Space, memory_id: &str) -> Result<bool> {
        let mut tx = self.begin_memories_in(space.clone()).await?;
        let Some(old) = tx.get(self, memory_id).await? else {
            return Ok(true);
        };
        if !old.purge_pending {
            return Ok(true);
        }
        let mut tomb = old.clone();
        tomb.purge_pending = !self.purge_some(&mut tx, memory_id).await?;
        let done = !tomb.purge_pending;
        tx.modify(&old, tomb, false);
        self.commit_memories(space, &tx.head.clone(), tx.into_write())
            .await?;
        Ok(done)
    }

    /// Restores a soft-forgotten memory to the status it had (active or superseded). A
    /// readable memory is returned unchanged. `conflict` when its logical key is now held by
    /// another active memory, or when it had expired; `gone` for a tombstone.
    pub async fn restore_memory(&self, space_id: &str, memory_id: &str) -> Result<Memory> {
        let _write = self.write_lock.acquire().await;
        retry!(self.try_restore(space_id, memory_id).await)
    }

    async fn try_restore(&self, space_id: &str, memory_id: &str) -> Result<Memory> {
        let mut tx = self.begin_memories(space_id).await?;
        let old = existing(self, &mut tx, memory_id).await?;
        let now = tx.now;
        match old.effective_status(now) {
            MemoryStatus::Active | MemoryStatus::Superseded => return Ok(old.to_public(now)),
            MemoryStatus::Deleted => return Err(gone(&old, now)),
            MemoryStatus::Expired => {
                return Err(Error::conflict(format!(
                    "memory {memory_id} has expired and cannot be restored"
                ))
                .with("precondition", "not_expired")
                .with("status", "expired"))
            }
            MemoryStatus::Forgotten => {}
        }
        let target = old.status_before_forget.unwrap_or(MemoryStatus::Active);
        let expired = old.memory.expires_at.is_some_and(|e| e <= now);
        if target == MemoryStatus::Expired || expired {
            return Err(Error::conflict(format!(
                "memory {memory_id} had expired when it was forgotten and cannot be restored"
            ))
            .with("precondition", "not_expired")
            .with("status", "forgotten"));
        }
        if target == MemoryStatus::Active {
            if let Some(key) = old.memory.logical_key.clone() {
                if let Some(holder) = tx.holder(self, &key).await? {
                    if holder.effective_status(now) == MemoryStatus::Expired {
                        self.plan_memory_expire(&mut tx, &holder);
                    } else {
                        return Err(Error::conflict(format!(
                            "logical key {key:?} is now held by memory {}",
                            holder.memory.id
                        ))
                        .with("precondition", "logical_key")
                        .with("logical_key", key.as_str())
                        .with("holder_id", holder.memory.id.as_str()));
                    }
                }
            }
        }
        let mut new = bump(&old, now, MemoryChange::Restored);
        new.memory.status = target;
        new.memory.forgotten_at = None;
        new.status_before_forget = None;
        let out = new.to_public(now);
        tx.modify(&old, new, true);
        self.commit_tx(tx).await?;
        Ok(out)
    }
}
