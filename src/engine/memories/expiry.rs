//! Expiry: an `expires_at` hides a memory from that time on, evaluated on every read. The
//! expiry is *recorded* (status `expired`, counts, recall index) by `sweep`, which reads the
//! advisory `mx/{time}/{space}/{memory}` schedule, or by a write that meets it (a remember
//! or restore taking the memory's logical key).

use crate::engine::{is_race, kv_error, layout, Memspace, MAX_RETRIES};
use crate::error::Result;
use crate::kv::Batch;
use crate::model::MemoryStatus;
use crate::model::Space;
use crate::time::Timestamp;

impl Memspace {
    /// Records up to `limit` due expiries across all spaces; returns (recorded, stale
    /// schedule entries removed).
    pub(crate) async fn sweep_memories(&self, now: Timestamp, limit: usize) -> Result<(u64, u64)> {
        let rows = self
            .kv
            .scan(&layout::memory_expiry_until(now), limit, false)
            .await
            .map_err(kv_error)?;
        let (mut expired, mut stale) = (0, 0);
        for (key, _) in rows {
            let Some((at, space_id, memory_id)) = layout::parse_memory_expiry(&key) else {
                self.drop_key(key).await?;
                stale += 1;
                continue;
            };
            let space = match self.load::<Space>(&layout::space(&space_id)).await? {
                Some((s, _)) if s.deleted_at.is_none() => s,
                _ => {
                    self.drop_key(key).await?;
                    stale += 1;
                    continue;
                }
            };
            let mut outcome = None;
            for _ in 0..MAX_RETRIES {
                match self.expire_one(&space, &memory_id, at).await {
                    Err(e) if is_race(&e) => continue,
                    other => {
                        outcome = Some(other?);
                        break;
                    }
                }
            }
            match outcome {
                Some(true) => expired += 1,
                Some(false) => {
                    // The record no longer expires at `at`: the entry is a leftover.
                    self.drop_key(key).await?;
                    stale += 1;
                }
                None => {} // contention: the next sweep sees it again
            }
        }
        Ok((expired, stale))
    }

    /// Records the expiry of one memory if it is still due at `at`; false when the schedule
    /// entry does not match the record.
    async fn expire_one(&self, space: &Space, memory_id: &str, at: Timestamp) -> Result<bool> {
        let mut tx = self.begin_memories_in(space.clone()).await?;
        let Some(rec) = tx.get(self, memory_id).await? else {
            return Ok(false);
        };
        let due = rec.memory.expires_at == Some(at)
            && matches!(
                rec.memory.status,
                MemoryStatus::Active | MemoryStatus::Superseded
            )
            && at <= tx.now;
        if !due {
            return Ok(false);
        }
        self.plan_memory_expire(&mut tx, &rec);
        self.commit_tx(tx).await?;
        Ok(true)
    }

    async fn drop_key(&self, key: Vec<u8>) -> Result<()> {
        let mut batch = Batch::new();
        batch.delete(key);
        self.commit(batch).await
    }
}
