//! `context_for`: the memory context an agent sends its model every turn, assembled within a
//! token budget.
//!
//! **Parts and priority.** The context is up to four parts, rendered in this order: the
//! user's core blocks, the agent's core blocks, the session's newest events, and archival
//! matches for the turn's query (last, as current-turn context). The budget is spent by
//! priority: blocks first (whole blocks, in list order), then archival matches (best first,
//! at most `archival_limit`), then events (newest first, stopping at the first one that does
//! not fit so the included events are a contiguous tail of the conversation). Token counts
//! come from the host's counter or the built-in estimate; after packing, the whole rendered
//! text is counted once more and items are dropped (oldest event, weakest match, last agent
//! block, last user block) until it fits, so the budget is never exceeded whatever the
//! counter does with the joints between parts.
//!
//! **Frozen snapshot.** Block parts are a pure function of the blocks (no times, versions or
//! counters in the text). Each handle keeps the rendered blocks of a (space, agent) with the
//! bytes of the block store record they were read under; a later call reads that one record
//! and, when it is unchanged, renders from the cache without reading a block. Any block
//! write changes the record, so the next call re-reads. `refresh: true` skips the cache.

mod render;
mod snapshot;

pub(crate) use snapshot::SnapshotCache;

use super::event_delete::decode_live;
use super::{kv_error, layout, Memspace};
use crate::error::{Error, Result};
use crate::model::{
    ArchivalMatch, ArchivalMode, BlockSnapshot, ContextPart, ContextPartKind, ContextRequest,
    Event, MemoryContext, Space,
};

/// Budget when the caller gives none.
pub const DEFAULT_BUDGET_TOKENS: u64 = 4_096;
/// Largest budget.
pub const MAX_BUDGET_TOKENS: u64 = 1_000_000;
/// Archival matches when the policy gives no limit.
pub const DEFAULT_ARCHIVAL_LIMIT: u32 = 5;
/// Largest archival limit.
pub const MAX_ARCHIVAL_LIMIT: u32 = 50;
/// Least archival score when the policy gives none.
pub const DEFAULT_ARCHIVAL_MIN_SCORE: f64 = 0.25;
/// Most events looked at for the events part.
pub const MAX_EVENTS: u64 = 1_000;
/// Longest query, in characters.
pub const QUERY_MAX: usize = 4_096;
const EVENT_CHUNK: usize = 64;

/// One item a part holds, with its text.
struct Item<T> {
    value: T,
    text: String,
}

/// A part being packed.
struct Packed<T> {
    kind: ContextPartKind,
    open: String,
    close: &'static str,
    items: Vec<Item<T>>,
    omitted: u64,
}

impl<T> Packed<T> {
    fn new(kind: ContextPartKind, (open, close): (String, &'static str)) -> Self {
        Packed {
            kind,
            open,
            close,
            items: Vec::new(),
            omitted: 0,
        }
    }

    fn text(&self) -> String {
        let items: Vec<&str> = self.items.iter().map(|i| i.text.as_str()).collect();
        render::part(&self.open, &items, self.close)
    }
}

/// The budget being spent, with the per-joint and per-wrapper costs.
struct Budget {
    left: u64,
    sep: u64,
}

impl Budget {
    /// Takes an item of `tokens` into a part whose wrapper costs `wrapper` (paid by its first
    /// item); false when it does not fit.
    fn take(&mut self, tokens: u64, wrapper: u64, first: bool) -> bool {
        let cost = tokens
            .saturating_add(self.sep)
            .saturating_add(if first { wrapper } else { 0 });
        if cost > self.left {
            return false;
        }
        self.left -= cost;
        true
    }
}

impl Memspace {
    /// Assembles the memory context for one model turn (see the module docs): the user's
    /// and the agent's core blocks (unless the policy leaves them out), the newest events of
    /// `session_id` that fit, and with `archival_mode: auto` the archival matches for the
    /// query, all within `budget_tokens`.
    pub async fn context_for(&self, space_id: &str, req: ContextRequest) -> Result<MemoryContext> {
        let budget_tokens = req.budget_tokens.unwrap_or(DEFAULT_BUDGET_TOKENS);
        if budget_tokens == 0 || budget_tokens > MAX_BUDGET_TOKENS {
            return Err(Error::validation(
                "budget_tokens",
                format!("must be 1–{MAX_BUDGET_TOKENS}"),
            ));
        }
        if let Some(a) = &req.agent_id {
            super::blocks::check_agent_id(a)?;
        }
        let p = &req.policy;
        let mode = p.archival_mode.unwrap_or_default();
        let limit = p.archival_limit.unwrap_or(DEFAULT_ARCHIVAL_LIMIT);
        if limit == 0 || limit > MAX_ARCHIVAL_LIMIT {
            return Err(Error::validation(
                "policy.archival_limit",
                format!("must be 1–{MAX_ARCHIVAL_LIMIT}"),
            ));
        }
        let min_score = p.archival_min_score.unwrap_or(DEFAULT_ARCHIVAL_MIN_SCORE);
        if !(0.0..=1.0).contains(&min_score) {
            return Err(Error::validation(
                "policy.archival_min_score",
                "must be a number in 0–1",
            ));
        }
        if let Some(q) = &req.query {
            super::validate::text("query", q, 0, QUERY_MAX)?;
        }
        let agent = req.agent_id.as_deref();
        let with_user = p.include_user_core.unwrap_or(true);
        let with_agent = p.include_agent_core.unwrap_or(true) && agent.is_some();

        let (space, _) = self.owned_space(space_id).await?;
        let blocks = if with_user || with_agent {
            self.snapshot_blocks(&space, agent, req.refresh).await?
        } else {
            snapshot::Blocks::default()
        };
        let session = match &req.session_id {
            Some(id) => Some(self.touch(&space, id).await?.0),
            None => None,
        };
        let query = match (&req.query, &session) {
            (Some(q), _) => Some(q.clone()),
            (None, Some(rec)) if mode == ArchivalMode::Auto => {
                self.newest_user_text(&space, &rec.session.id, rec.session.event_count)
                    .await?
            }
            _ => None,
        }
        .filter(|q| !q.trim().is_empty());
        let matches = match (&query, mode) {
            (Some(q), ArchivalMode::Auto) => {
                self.archival_for_context(&space, q, agent, limit, min_score)
                    .await?
            }
            _ => Vec::new(),
        };

        // ---- pack by priority: user blocks, agent blocks, archival, events ----------------
        let sep = self.text_tokens("\n").max(1);
        let mut budget = Budget {
            left: budget_tokens,
            sep,
        };
        let mut user = Packed::new(ContextPartKind::UserCore, render::blocks_wrapper(None));
        let mut agent_part = Packed::new(ContextPartKind::AgentCore, render::blocks_wrapper(agent));
        for (part, list, on) in [
            (&mut user, &blocks.user, with_user),
            (&mut agent_part, &blocks.agent, with_agent),
        ] {
            if !on {
                continue;
            }
            let wrapper = self.wrapper_tokens(&part.open, part.close);
            for b in list.iter() {
                if budget.take(b.tokens, wrapper, part.items.is_empty()) {
                    part.items.push(Item {
                        value: b.clone(),
                        text: b.text.clone(),
                    });
                } else {
                    part.omitted += 1;
                }
            }
        }
        let mut archival = Packed::new(
            ContextPartKind::Archival,
            render::archival_wrapper(query.as_deref().unwrap_or_default()),
        );
        let wrapper = self.wrapper_tokens(&archival.open, archival.close);
        for m in matches {
            let text = render::archival(&m);
            let tokens = self.text_tokens(&text);
            if budget.take(tokens, wrapper, archival.items.is_empty()) {
                archival.items.push(Item { value: m, text });
            } else {
                archival.omitted += 1;
            }
        }
        let mut events = Packed::new(
            ContextPartKind::Events,
            render::events_wrapper(req.session_id.as_deref().unwrap_or_default()),
        );
        if let Some(rec) = &session {
            let count = rec.session.event_count;
            let newest = self
                .newest_events(&space, &rec.session.id, count, &mut budget, &events)
                .await?;
            events.omitted = count - newest.len() as u64;
            events.items = newest;
            events.items.reverse();
        }

        // ---- render, then make sure the whole text fits ----------------------------------
        loop {
            let texts = [
                user.text(),
                agent_part.text(),
                events.text(),
                archival.text(),
            ];
            let rendered = texts
                .iter()
                .filter(|t| !t.is_empty())
                .cloned()
                .collect::<Vec<_>>()
                .join("\n");
            let tokens = self.text_tokens(&rendered);
            if tokens > budget_tokens {
                // The estimate of the joints was short: drop the least important item.
                if !events.items.is_empty() {
                    events.items.remove(0);
                    events.omitted += 1;
                } else if archival.items.pop().is_some() {
                    archival.omitted += 1;
                } else if agent_part.items.pop().is_some() {
                    agent_part.omitted += 1;
                } else if user.items.pop().is_some() {
                    user.omitted += 1;
                } else {
                    return Err(Error::storage("an empty context exceeds the budget"));
                }
                continue;
            }
            let snapshot_text = [&texts[0], &texts[1]]
                .into_iter()
                .filter(|t| !t.is_empty())
                .cloned()
                .collect::<Vec<_>>()
                .join("\n");
            let snapshot = BlockSnapshot {
                hash: super::stores::sha256_hex(snapshot_text.as_bytes()),
                tokens: self.text_tokens(&snapshot_text),
                blocks_version: blocks.version.clone(),
                reused: blocks.reused,
            };
            let part = |kind, text: &String, included: usize, omitted| ContextPart {
                kind,
                tokens: self.text_tokens(text),
                rendered: text.clone(),
                included: included as u64,
                omitted,
            };
            let parts = vec![
                part(user.kind, &texts[0], user.items.len(), user.omitted),
                part(
                    agent_part.kind,
                    &texts[1],
                    agent_part.items.len(),
                    agent_part.omitted,
                ),
                part(events.kind, &texts[2], events.items.len(), events.omitted),
                part(
                    archival.kind,
                    &texts[3],
                    archival.items.len(),
                    archival.omitted,
                ),
            ];
            let mut included_blocks: Vec<_> =
                user.items.iter().map(|i| i.value.block.clone()).collect();
            included_blocks.extend(agent_part.items.iter().map(|i| i.value.block.clone()));
            return Ok(MemoryContext {
                rendered,
                tokens,
                budget_tokens,
                parts,
                snapshot,
                blocks: included_blocks,
                events: events.items.into_iter().map(|i| i.value).collect(),
                archival: archival.items.into_iter().map(|i| i.value).collect(),
                query: query.filter(|_| mode == ArchivalMode::Auto),
            });
        }
    }

    /// Tokens of a part's wrapper lines and their line breaks.
    fn wrapper_tokens(&self, open: &str, close: &str) -> u64 {
        self.text_tokens(open)
            .saturating_add(self.text_tokens(close))
            .saturating_add(self.text_tokens("\n").max(1))
    }

    /// The newest events of a session that fit the budget, newest first.
    async fn newest_events(
        &self,
        space: &Space,
        session_id: &str,
        count: u64,
        budget: &mut Budget,
        part: &Packed<Event>,
    ) -> Result<Vec<Item<Event>>> {
        let wrapper = self.wrapper_tokens(&part.open, part.close);
        let floor = count.saturating_sub(MAX_EVENTS);
        let mut range = layout::events_between(&space.id, session_id, floor, count);
        let mut out: Vec<Item<Event>> = Vec::new();
        loop {
            let chunk = self
                .kv
                .scan(&range, EVENT_CHUNK, true)
                .await
                .map_err(kv_error)?;
            let Some((last, _)) = chunk.last() else {
                return Ok(out);
            };
            range.end = Some(last.clone());
            for (key, bytes) in &chunk {
                let seq = super::event_delete::seq_of(key)?;
                let Some(e) = decode_live(session_id, seq, bytes)? else {
                    continue;
                };
                let text = render::event(&e);
                let tokens = self.text_tokens(&text);
                if !budget.take(tokens, wrapper, out.is_empty()) {
                    return Ok(out);
                }
                out.push(Item { value: e, text });
            }
            if chunk.len() < EVENT_CHUNK {
                return Ok(out);
            }
        }
    }

    /// The text of the newest event emitted by a user (the default archival query).
    async fn newest_user_text(
        &self,
        space: &Space,
        session_id: &str,
        count: u64,
    ) -> Result<Option<String>> {
        let floor = count.saturating_sub(64);
        let range = layout::events_between(&space.id, session_id, floor, count);
        for (key, bytes) in self.kv.scan(&range, 64, true).await.map_err(kv_error)? {
            let seq = super::event_delete::seq_of(&key)?;
            let Some(e) = decode_live(session_id, seq, &bytes)? else {
                continue;
            };
            if e.emitter.kind == "user" {
                let text = render::event_text(&e.body);
                return Ok(Some(text.chars().take(QUERY_MAX).collect()));
            }
        }
        Ok(None)
    }

    /// Archival matches for the context: recall over the space's memories (see
    /// `recall_archival`).
    async fn archival_for_context(
        &self,
        space: &Space,
        query: &str,
        agent: Option<&str>,
        limit: u32,
        min_score: f64,
    ) -> Result<Vec<ArchivalMatch>> {
        self.archival_matches(space, query, agent, limit, min_score)
            .await
    }
}
