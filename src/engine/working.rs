//! Working context (seed 003 `set_context` / `get_context`) and `touch_session`.
//!
//! Each entry is one key, `wc/{space}/{session}/{key}`, written by a single-key batch (atomic
//! on every backend). An entry counts only while its session is live: every operation loads
//! the session head first (running its lifecycle), so a deleted session's entries are never
//! returned, whatever was left under its keys. Expiry is lazy: an entry past its `expires_at`
//! is not returned, is treated as absent by `set_context`, and is removed by the read that
//! meets it (a removal guarded by the entry's bytes, so a concurrent set is never undone).

use super::sessions::retry;
use super::{is_race, kv_error, layout, validate, Memspace, MAX_RETRIES};
use crate::codec::envelope;
use crate::error::{Error, Result};
use crate::kv::Batch;
use crate::model::{ContextEntry, SessionTouch};
use crate::time::Timestamp;
use serde_json::Value;

/// Longest key, in characters.
pub const KEY_MAX: usize = 256;
/// Largest encoded value, in bytes (64 KiB).
pub const VALUE_MAX_BYTES: usize = 64 * 1024;
/// Most keys one `get_context` names.
pub const KEYS_PER_GET_MAX: usize = 100;

fn check_key(key: &str) -> Result<()> {
    validate::text("key", key, 1, KEY_MAX)
}

fn live(e: &ContextEntry, now: Timestamp) -> bool {
    e.expires_at.is_none_or(|t| now < t)
}

impl Memspace {
    /// Sets a working-context key of a live session (seed: `set_context(session, key, value,
    /// ttl_seconds?)`). The value is any JSON (≤ 64 KiB encoded); with `ttl_seconds` (1 s to
    /// 2 years) the entry stops being returned that long after this set.
    pub async fn set_context(
        &self,
        space_id: &str,
        session_id: &str,
        key: &str,
        value: Value,
        ttl_seconds: Option<u64>,
    ) -> Result<ContextEntry> {
        check_key(key)?;
        let size = serde_json::to_vec(&value)
            .map_err(|e| Error::validation("value", e.to_string()))?
            .len();
        if size > VALUE_MAX_BYTES {
            return Err(Error::validation(
                "value",
                format!("encodes to {size} bytes; at most {VALUE_MAX_BYTES}"),
            )
            .with("max", VALUE_MAX_BYTES as u64));
        }
        if let Some(t) = ttl_seconds {
            if t == 0 || t > validate::MAX_SECONDS {
                return Err(Error::validation(
                    "ttl_seconds",
                    format!("must be 1–{}", validate::MAX_SECONDS),
                ));
            }
        }
        let (space, _) = self.owned_space(space_id).await?;
        self.touch(&space, session_id).await?;
        let k = layout::working(&space.id, session_id, key);
        retry!({
            let now = self.host.now();
            let old = self.load::<ContextEntry>(&k).await?;
            let created_at = match &old {
                Some((e, _)) if live(e, now) => e.created_at,
                _ => now,
            };
            let entry = ContextEntry {
                key: key.to_string(),
                value: value.clone(),
                ttl_seconds,
                expires_at: ttl_seconds.map(|t| now.plus_secs(t as i64)),
                created_at,
                updated_at: now,
            };
            let mut batch = Batch::new();
            match &old {
                Some((_, bytes)) => batch.require_equals(k.clone(), bytes.clone()),
                None => batch.require_absent(k.clone()),
            };
            batch.put(k.clone(), envelope::encode(&entry)?);
            self.commit(batch).await.map(|()| entry)
        })
    }

    /// Reads working-context entries of a live session (seed: `get_context(session, keys)`):
    /// the named keys that are set and not expired, or every live entry when `keys` is empty,
    /// in key order.
    pub async fn get_context(
        &self,
        space_id: &str,
        session_id: &str,
        keys: &[String],
    ) -> Result<Vec<ContextEntry>> {
        if keys.len() > KEYS_PER_GET_MAX {
            return Err(Error::validation(
                "keys",
                format!("at most {KEYS_PER_GET_MAX} keys"),
            ));
        }
        for k in keys {
            check_key(k)?;
        }
        let (space, _) = self.owned_space(space_id).await?;
        self.touch(&space, session_id).await?;
        let now = self.host.now();
        let found: Vec<(Vec<u8>, Vec<u8>)> = if keys.is_empty() {
            let mut cursor =
                super::cursor::Cursor::new(layout::working_of(&space.id, session_id), 128);
            let mut all = Vec::new();
            loop {
                let chunk = cursor.next(self.kv.as_ref()).await?;
                if chunk.is_empty() {
                    break;
                }
                all.extend(chunk);
            }
            all
        } else {
            let mut names: Vec<&String> = keys.iter().collect();
            names.sort();
            names.dedup();
            let ks: Vec<Vec<u8>> = names
                .iter()
                .map(|k| layout::working(&space.id, session_id, k))
                .collect();
            let values = self.kv.get_many(&ks).await.map_err(kv_error)?;
            ks.into_iter()
                .zip(values)
                .filter_map(|(k, v)| Some((k, v?)))
                .collect()
        };
        let mut out = Vec::with_capacity(found.len());
        let mut expired = Batch::new();
        for (k, bytes) in found {
            let e: ContextEntry = envelope::decode(&bytes)?;
            if live(&e, now) {
                out.push(e);
            } else {
                expired.require_equals(k.clone(), bytes);
                expired.delete(k);
            }
        }
        if !expired.is_empty() {
            // Best effort: a concurrent set wins (the precondition fails) and is kept.
            match self.commit(expired).await {
                Ok(()) => {}
                Err(e) if is_race(&e) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Deletes a working-context key of a live session; true when a live entry was removed.
    pub async fn delete_context(
        &self,
        space_id: &str,
        session_id: &str,
        key: &str,
    ) -> Result<bool> {
        check_key(key)?;
        let (space, _) = self.owned_space(space_id).await?;
        self.touch(&space, session_id).await?;
        let k = layout::working(&space.id, session_id, key);
        retry!({
            let now = self.host.now();
            match self.load::<ContextEntry>(&k).await? {
                None => Ok(false),
                Some((e, bytes)) => {
                    let mut batch = Batch::new();
                    batch.require_equals(k.clone(), bytes);
                    batch.delete(k.clone());
                    self.commit(batch).await.map(|()| live(&e, now))
                }
            }
        })
    }

    /// Marks a session active now (seed: `touch_session`): its `idle` strategies count from
    /// this time, so a session whose lifetime is an `idle` trigger lives that long again.
    /// Returns the new `expires_at`. `ttl` strategies (time since creation) do not move.
    pub async fn touch_session(&self, space_id: &str, session_id: &str) -> Result<SessionTouch> {
        let _write = self.write_lock.acquire().await;
        let (space, _) = self.owned_space(space_id).await?;
        retry!({
            let (rec, bytes) = self.touch(&space, session_id).await?;
            let now = self.host.now();
            let mut new = rec.clone();
            new.session.touched_at = Some(now.max(rec.session.touched_at.unwrap_or(now)));
            let batch = self.session_batch(Batch::new(), Some((&rec, &bytes)), &mut new, &[])?;
            self.commit(batch).await.map(|()| SessionTouch {
                session_id: new.session.id.clone(),
                touched_at: now,
                expires_at: new.session.expires_at,
            })
        })
    }
}
