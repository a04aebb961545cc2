//! Eager lifecycle for hosts with alarms or cron: evaluate sessions whose time triggers are due.
//!
//! The `due/{time}/{space}/{session}` schedule is advisory: an entry is written before the
//! head that sets `next_due`, and removed after the head that moves it. Sweep trusts only the
//! head: an entry whose time differs from the head's `next_due` is stale and is deleted.

use super::{kv_error, layout, Memspace};
use crate::error::Result;
use crate::kv::Batch;
use crate::model::Space;
use serde::Serialize;

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SweepReport {
    /// Due schedule entries looked at.
    pub examined: u64,
    /// Sessions on which at least one strategy fired.
    pub fired: u64,
    /// Stale schedule entries removed.
    pub stale_removed: u64,
    /// Memories whose expiry was recorded.
    pub memories_expired: u64,
}

impl Memspace {
    /// Evaluates up to `limit` sessions whose time triggers are due, then records the expiry
    /// of due memories with what is left of `limit`, across all spaces in the store (a
    /// host-level operation: it does not check the principal).
    pub async fn sweep(&self, limit: usize) -> Result<SweepReport> {
        let now = self.host.now();
        let entries = self
            .kv
            .scan(&layout::due_until(now), limit, false)
            .await
            .map_err(kv_error)?;
        let mut report = SweepReport::default();
        for (key, _) in entries {
            report.examined += 1;
            let Some((at, space_id, session_id)) = layout::parse_due(&key) else {
                self.remove_stale(key, &mut report).await?;
                continue;
            };
            let space = self.load::<Space>(&layout::space(&space_id)).await?;
            let head = self
                .load_head(&layout::session(&space_id, &session_id))
                .await?;
            match (space, head) {
                (Some((space, _)), Some((rec, bytes)))
                    if rec.next_due == Some(at) && !rec.is_hidden() =>
                {
                    let before = rec.session.executed_strategies.len();
                    let evaluated = match rec.pending_tx {
                        None => self.evaluate(&space, rec, bytes).await,
                        // A committed journal is rolled forward first (touch does both).
                        Some(_) => match self.touch(&space, &session_id).await {
                            Err(e) if e.code == crate::ErrorCode::Gone => self
                                .load_head(&layout::session(&space_id, &session_id))
                                .await?
                                .ok_or_else(|| crate::Error::storage("session head vanished")),
                            other => other,
                        },
                    };
                    match evaluated {
                        Ok((new, _)) if new.session.executed_strategies.len() > before => {
                            report.fired += 1
                        }
                        Ok(_) => {}
                        // Another writer got there first; the next sweep sees its result.
                        Err(e) if e.is_lost_race() => {}
                        Err(e) => return Err(e),
                    }
                }
                _ => self.remove_stale(key, &mut report).await?,
            }
        }
        let left = limit.saturating_sub(report.examined as usize);
        if left > 0 {
            let (expired, stale) = self.sweep_memories(now, left).await?;
            report.examined += expired + stale;
            report.memories_expired = expired;
            report.stale_removed += stale;
        }
        Ok(report)
    }

    async fn remove_stale(&self, key: Vec<u8>, report: &mut SweepReport) -> Result<()> {
        let mut batch = Batch::new();
        batch.delete(key);
        self.commit(batch).await?;
        report.stale_removed += 1;
        Ok(())
    }
}
