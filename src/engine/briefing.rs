//! Briefing (seed 003 `get_briefing`): what changed in a space in the last N minutes, from
//! the records alone.
//!
//! The walk: memory records are keyed by id and ids begin with their creation time, so a
//! reverse scan of `mr/{space}` meets the newest memories first and stops at the first one
//! created more than five minutes before the window (the slack covers handles whose clocks
//! differ a little); at most 10,000 records in the window are read. Each new memory that carries a
//! logical key is checked for supersession both ways: its outgoing `supersedes` edges (it
//! closed an older memory) and its own `superseded_by` (it arrived already closed by a newer
//! holder). Sessions are read from their heads without running their lifecycle (a briefing
//! never writes): a session whose deleting trigger is past due is not active.

use super::memories::MemoryRecord;
use super::{kv_error, layout, validate, Memspace};
use crate::codec::envelope;
use crate::error::{Error, Result};
use crate::model::{
    ActiveSession, Association, Briefing, BriefingQuery, BriefingSummary, Contradiction, Memory,
    MemoryStatus,
};
use crate::time::Timestamp;
use std::collections::{BTreeMap, HashSet};

/// Longest window, in minutes (30 days).
pub const MAX_LOOKBACK_MINUTES: u64 = 43_200;
/// Most memory records one briefing reads.
pub const MAX_RECORDS: usize = 10_000;
const CHUNK: usize = 128;
/// How far before the window the walk goes on: ids made by other handles (another tab or
/// worker, its clock a little off) may sort slightly out of creation order.
const SLACK_MICROS: i64 = 5 * 60 * 1_000_000;

impl Memspace {
    /// What changed in a space in the last `lookback_minutes` (default 60): new memories,
    /// memories superseded by newer ones, the contradictions that closed them, and the live
    /// sessions with activity in the window, with counts.
    pub async fn briefing(&self, space_id: &str, query: BriefingQuery) -> Result<Briefing> {
        let minutes = query.lookback_minutes.unwrap_or(60);
        if minutes == 0 || minutes > MAX_LOOKBACK_MINUTES {
            return Err(Error::validation(
                "lookback_minutes",
                format!("must be 1–{MAX_LOOKBACK_MINUTES}"),
            ));
        }
        let limit = query.limit.unwrap_or(10) as usize;
        if limit == 0 || limit > validate::MAX_LIMIT as usize {
            return Err(Error::validation(
                "limit",
                format!("must be 1–{}", validate::MAX_LIMIT),
            ));
        }
        let with_memories = query.include_memories.unwrap_or(true);
        let with_contradictions = query.include_contradictions.unwrap_or(true);
        let (space, _) = self.owned_space(space_id).await?;
        let head = self.memory_head(&space.id).await?.head;
        let now = self.host.now();
        let since = Timestamp(now.0.saturating_sub(minutes as i64 * 60_000_000));
        let mut summary = BriefingSummary {
            total_memories: head.counts.active,
            superseded_memories: head.counts.superseded,
            total_associations: head.counts.associations,
            ..Default::default()
        };

        // ---- the memory walk, newest first ------------------------------------------------
        let mut recent: Vec<MemoryRecord> = Vec::new();
        let mut range = layout::memories_of(&space.id);
        let mut read = 0usize;
        'walk: loop {
            let chunk = self.kv.scan(&range, CHUNK, true).await.map_err(kv_error)?;
            let Some((last, _)) = chunk.last() else { break };
            range.end = Some(last.clone());
            for (_, bytes) in &chunk {
                let rec: MemoryRecord = envelope::decode(bytes)?;
                if rec.memory.created_at.0 < since.0.saturating_sub(SLACK_MICROS) {
                    break 'walk;
                }
                if rec.memory.created_at < since {
                    continue; // within the slack: ids of other handles may interleave
                }
                read += 1;
                if read > MAX_RECORDS {
                    summary.truncated = true;
                    break 'walk;
                }
                if rec.is_readable(now) {
                    recent.push(rec);
                }
            }
            if chunk.len() < CHUNK {
                break;
            }
        }
        summary.recent_memories = recent.len() as u64;
        let mut tags: BTreeMap<&str, u64> = BTreeMap::new();
        for r in &recent {
            *summary
                .memory_types
                .entry(r.memory.memory_type)
                .or_default() += 1;
            for t in &r.memory.tags {
                *tags.entry(t.as_str()).or_default() += 1;
            }
        }
        let mut topics: Vec<(&str, u64)> = tags.into_iter().collect();
        topics.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        summary.active_topics = topics
            .into_iter()
            .take(10)
            .map(|(t, _)| t.to_string())
            .collect();

        // ---- supersession among the new memories ------------------------------------------
        let mut pairs: Vec<Contradiction> = Vec::new();
        let mut seen: HashSet<(String, String)> = HashSet::new();
        let by_id: BTreeMap<&str, &MemoryRecord> =
            recent.iter().map(|r| (r.memory.id.as_str(), r)).collect();
        for r in &recent {
            let m = &r.memory;
            if m.logical_key.is_none() {
                continue;
            }
            let mut found: Vec<(String, String)> = Vec::new();
            for (_, bytes) in self
                .kv
                .scan(&layout::associations_of(&space.id, &m.id, true), 256, false)
                .await
                .map_err(kv_error)?
            {
                let a: Association = envelope::decode(&bytes)?;
                if a.relationship == "supersedes" {
                    found.push((m.id.clone(), a.target_id.clone()));
                }
            }
            if let Some(newer) = &m.superseded_by {
                found.push((newer.clone(), m.id.clone()));
            }
            for (a, b) in found {
                if !seen.insert((a.clone(), b.clone())) {
                    continue;
                }
                let a_created = match by_id.get(a.as_str()) {
                    Some(r) => Some(r.memory.created_at),
                    None => self
                        .read_memory(&space.id, &a)
                        .await?
                        .map(|r| r.memory.created_at),
                };
                pairs.push(Contradiction {
                    detected_at: a_created.unwrap_or(m.created_at).max(m.created_at),
                    memory_a: a,
                    memory_b: b,
                    relationship: "supersedes".into(),
                    needs_resolution: false,
                    logical_key: m.logical_key.clone(),
                });
            }
        }
        pairs.sort_by(|x, y| {
            y.detected_at
                .cmp(&x.detected_at)
                .then(y.memory_a.cmp(&x.memory_a))
        });
        summary.recently_superseded = pairs.len() as u64;
        let mut superseded: Vec<Memory> = Vec::new();
        if with_memories {
            for p in pairs.iter().take(limit) {
                let closed = match by_id.get(p.memory_b.as_str()) {
                    Some(r) => Some((*r).clone()),
                    None => self.read_memory(&space.id, &p.memory_b).await?,
                };
                if let Some(r) = closed.filter(|r| r.memory.status == MemoryStatus::Superseded) {
                    superseded.push(r.to_public(now));
                }
            }
        }

        // ---- sessions ---------------------------------------------------------------------
        let mut active: Vec<ActiveSession> = Vec::new();
        let mut cursor = super::cursor::Cursor::new(layout::sessions_of(&space.id), CHUNK);
        loop {
            let chunk = cursor.next(self.kv.as_ref()).await?;
            if chunk.is_empty() {
                break;
            }
            for rec in self.fold_heads(&chunk, 0).await? {
                let s = &rec.session;
                let last = s
                    .last_event_at
                    .unwrap_or(s.created_at)
                    .max(s.touched_at.unwrap_or(s.created_at));
                let live = !rec.is_hidden() && s.expires_at.is_none_or(|t| t > now);
                if live && last >= since {
                    active.push(ActiveSession {
                        session_id: s.id.clone(),
                        description: s.description.clone(),
                        participants: s.participants.clone(),
                        event_count: s.event_count,
                        last_activity_at: last,
                        expires_at: s.expires_at,
                    });
                }
            }
        }
        active.sort_by(|a, b| {
            b.last_activity_at
                .cmp(&a.last_activity_at)
                .then(a.session_id.cmp(&b.session_id))
        });
        summary.active_sessions = active.len() as u64;
        active.truncate(limit);

        Ok(Briefing {
            since,
            until: now,
            summary,
            new_memories: if with_memories {
                recent
                    .iter()
                    .take(limit)
                    .map(|r| r.to_public(now))
                    .collect()
            } else {
                Vec::new()
            },
            superseded_memories: superseded,
            contradictions: if with_contradictions {
                pairs.into_iter().take(limit).collect()
            } else {
                Vec::new()
            },
            active_sessions: active,
        })
    }
}
