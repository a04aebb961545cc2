//! Archival memory (seed 004 `recall(query, agent_id?)`): the space's memories, recalled
//! through the recall index and returned in the shape of a block match.
//!
//! Scope: a memory whose provenance names an agent is that agent's; every other memory is
//! the user's. Without `agent_id` only the user's memories match; with it, the user's and
//! that agent's. Recall has no agent filter of its own, so matches are read in pages (best first,
//! four times the limit, 20–100) and filtered until `limit` are found, a match scores below
//! `min_score`, or recall has no more.

use super::{validate, Memspace};
use crate::error::{Error, Result};
use crate::index::tokenize::Tokenizer;
use crate::model::{ArchivalMatch, ArchivalQuery, BlockScope, RecallQuery, Space, Tolerance};
use std::collections::BTreeSet;

/// Longest archival query, in characters.
pub const QUERY_MAX: usize = 4_096;
/// Most archival matches one call returns.
pub const LIMIT_MAX: u32 = 100;
/// Recall pages read at most (recall's offset stops at 1,000).
const PAGES: u32 = 50;

/// The 1-based line of `content` holding the most distinct query terms (the first such line;
/// 1 when no line holds any).
pub(crate) fn best_line(tokenizer: &Tokenizer, query: &str, content: &str) -> u64 {
    let wanted: BTreeSet<String> = tokenizer.terms(query).into_iter().collect();
    let mut best = (0usize, 1u64);
    for (i, line) in content.lines().enumerate() {
        let found: BTreeSet<String> = tokenizer
            .terms(line)
            .into_iter()
            .filter(|t| wanted.contains(t))
            .collect();
        if found.len() > best.0 {
            best = (found.len(), i as u64 + 1);
        }
    }
    best.1
}

impl Memspace {
    /// Searches archival memory (the space's memories) for `query`, best first, in the shape
    /// of seed 004's `MemoryRecallResult`: scope, score, content, block type (`archival`),
    /// line number and `updated_at`, plus the memory id.
    pub async fn recall_archival(
        &self,
        space_id: &str,
        query: ArchivalQuery,
    ) -> Result<Vec<ArchivalMatch>> {
        validate::text("query", &query.query, 1, QUERY_MAX)?;
        if query.query.trim().is_empty() {
            return Err(Error::validation("query", "must not be blank"));
        }
        if let Some(a) = &query.agent_id {
            super::blocks::check_agent_id(a)?;
        }
        let limit = query.limit.unwrap_or(10);
        if limit == 0 || limit > LIMIT_MAX {
            return Err(Error::validation("limit", format!("must be 1–{LIMIT_MAX}")));
        }
        let min_score = query.min_score.unwrap_or(0.0);
        if !(0.0..=1.0).contains(&min_score) {
            return Err(Error::validation("min_score", "must be a number in 0–1"));
        }
        let (space, _) = self.owned_space(space_id).await?;
        self.archival_matches(
            &space,
            &query.query,
            query.agent_id.as_deref(),
            limit,
            min_score,
        )
        .await
    }

    /// Archival matches for `query` (at least `min_score`, at most `limit`), best first.
    pub(crate) async fn archival_matches(
        &self,
        space: &Space,
        query: &str,
        agent: Option<&str>,
        limit: u32,
        min_score: f64,
    ) -> Result<Vec<ArchivalMatch>> {
        let tokenizer = Tokenizer::new();
        let mut out = Vec::new();
        // A first page a few times the limit: most matches are in scope; more pages only
        // when the scope filter left the page short.
        let page_size = (limit.saturating_mul(4)).clamp(20, 100);
        for page in 0..PAGES {
            let result = self
                .recall(
                    &space.id,
                    RecallQuery {
                        query: query.to_string(),
                        limit: Some(page_size),
                        offset: Some(page * page_size),
                        // Thresholds are ours: `min_score` on the ranking score, exactly.
                        min_relevance: Some(0.0),
                        tolerance: Some(Tolerance::Loose),
                        include_associations: Some(false),
                        ..Default::default()
                    },
                )
                .await?;
            let got = result.memories.len();
            for r in result.memories {
                if r.boosted_score < min_score {
                    return Ok(out); // best first: nothing after it scores more
                }
                let owner = r.memory.provenance.agent_id.clone();
                if owner.is_some() && owner.as_deref() != agent {
                    continue;
                }
                out.push(ArchivalMatch {
                    line_number: best_line(&tokenizer, query, &r.memory.content),
                    score: r.boosted_score,
                    block_type: "archival".into(),
                    scope: if owner.is_some() {
                        BlockScope::Agent
                    } else {
                        BlockScope::User
                    },
                    agent_id: owner,
                    updated_at: r.memory.updated_at,
                    memory_id: r.memory.id,
                    content: r.memory.content,
                });
                if out.len() >= limit as usize {
                    return Ok(out);
                }
            }
            if got < page_size as usize || (page + 1) * page_size >= 1_000 {
                break;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_best_line_holds_the_most_distinct_query_terms() {
        let t = Tokenizer::new();
        let content = "Acme account\nRenewal due in March for Acme\nOwner: Dana";
        assert_eq!(best_line(&t, "Acme renewal", content), 2);
        assert_eq!(best_line(&t, "owner", content), 3);
        assert_eq!(best_line(&t, "zebra", content), 1);
        assert_eq!(
            best_line(&t, "renewals", "x\nrenewal"),
            2,
            "stemmed like the index"
        );
    }
}
