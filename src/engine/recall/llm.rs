//! The host LLM in recall: `mode: llm` (the LLM rewrites the query, every phrasing is searched
//! and the results merged), `mode: hybrid` (`rag` first, `llm` only when its confidence is not
//! strong) and `reflect` (a synthesis over recalled memories, citing their ids). Without a
//! host LLM all three answer `unsupported`; memspace never fabricates a rewrite or an answer.

use super::query::MAX_QUERY_CHARS;
use crate::engine::extract::output::json_of;
use crate::engine::Memspace;
use crate::error::{Error, ErrorCode, Result};
use crate::host::llm::{reason, upstream};
use crate::host::{Llm, LlmFormat, LlmMessage, LlmRequest, LlmResponse, LlmRole};
use crate::model::{
    BudgetSummary, GraphPath, RecallMode, RecallQuery, RecallResult, RecalledMemory, ReflectResult,
    Space, Tolerance,
};
use serde_json::Value;
use std::collections::HashMap;
use std::rc::Rc;

/// Most rewritten phrasings searched besides the query itself.
pub const MAX_REWRITES: usize = 3;
/// Memories a reflection is given at most.
pub const REFLECT_MEMORIES: u32 = 20;
/// Tokens of memories a reflection is given at most.
pub const REFLECT_CONTEXT_TOKENS: u64 = 6_000;
/// `max_tokens` of a reflection when the caller gives none.
pub const REFLECT_DEFAULT_TOKENS: u32 = 500;

const REWRITE_PROMPT: &str = "You help search an agent's long-term memory store. Rewrite the \
user's query into at most 3 short search queries that would find the stored memories that \
answer it: resolve vague wording, name the specific people, places, things and keywords a \
stored memory would contain, add likely synonyms. Do not answer the question. Reply with one \
JSON object: {\"queries\": [\"...\"]}.";

const REFLECT_PROMPT: &str = "You answer questions from an agent's memories. Use only the \
memories given below; each starts with its id in brackets, then when it was stored and its \
type. Where memories disagree, prefer the newer one. Cite the ids of the memories you rely on \
in brackets, like [mry_...]. If the memories do not answer the question, say so plainly \
instead of guessing.";

fn no_llm(what: &str) -> Error {
    Error::new(
        ErrorCode::Unsupported,
        format!("{what} needs a host LLM, and none is configured"),
    )
    .with("capability", "llm")
}

/// Refusals and empty answers are `upstream` errors.
fn usable(r: &LlmResponse) -> Result<()> {
    if let Some(why) = r.refusal.as_deref().filter(|w| !w.trim().is_empty()) {
        return Err(upstream(
            reason::REFUSAL,
            format!("the model declined to answer: {why}"),
        ));
    }
    if r.json.is_none() && r.text.trim().is_empty() {
        return Err(upstream(
            reason::MALFORMED_OUTPUT,
            "the model's answer is empty",
        ));
    }
    Ok(())
}

/// The phrasings in a rewrite answer: `{"queries": [..]}` or a bare array of strings; blank,
/// over-long and repeated ones (and the query itself) dropped, at most [`MAX_REWRITES`].
pub(crate) fn parse_rewrites(r: &LlmResponse, query: &str) -> Result<Vec<String>> {
    usable(r)?;
    if r.finish_reason.as_deref() == Some("length") {
        return Err(upstream(
            reason::TRUNCATED,
            "the model's answer was cut off at its token limit",
        ));
    }
    let malformed = |why: &str| {
        upstream(
            reason::MALFORMED_OUTPUT,
            format!("the model's query rewrite is not the JSON the prompt asks for: {why}"),
        )
    };
    let v = json_of(r).ok_or_else(|| malformed("it does not parse as JSON"))?;
    let list = match &v {
        Value::Array(items) => items,
        Value::Object(o) => match o.get("queries") {
            Some(Value::Array(items)) => items,
            _ => return Err(malformed("the object has no \"queries\" array")),
        },
        _ => return Err(malformed("it is neither an object nor an array")),
    };
    let mut seen = vec![query.trim().to_lowercase()];
    let mut out = Vec::new();
    for item in list {
        let Some(s) = item.as_str().map(str::trim) else {
            return Err(malformed("a query is not a string"));
        };
        let key = s.to_lowercase();
        if s.is_empty() || s.chars().count() > MAX_QUERY_CHARS || seen.contains(&key) {
            continue;
        }
        seen.push(key);
        out.push(s.to_string());
        if out.len() == MAX_REWRITES {
            break;
        }
    }
    Ok(out)
}

fn confidence_rank(c: &str) -> u8 {
    match c {
        "strong" => 2,
        "moderate" => 1,
        _ => 0,
    }
}

impl Memspace {
    /// Recalls the memories of a space that matter for `q` (see `docs/recall.md`). `rag`
    /// (the default): lexical, vector and exact tag/key channels fused, thresholded, biased by
    /// importance and recency, each result checked against its record (never forgotten,
    /// expired or — unless `valid_at` is a time when it was valid — superseded), expanded
    /// through associations, paged and cut to a token budget. `llm`: the host LLM rewrites
    /// the query and the query and its rewrites are searched and merged. `hybrid`: `rag`,
    /// then `llm` when the retrieval confidence is not strong. `llm` and `hybrid` are
    /// `unsupported` without a host LLM.
    pub async fn recall(&self, space_id: &str, q: RecallQuery) -> Result<RecallResult> {
        let mode = q.mode.unwrap_or_default();
        if mode == RecallMode::Rag {
            return self.recall_rag(space_id, q).await;
        }
        super::query::check(&q)?;
        let Some(llm) = self.llm.clone() else {
            return Err(no_llm(&format!("recall mode {}", mode.as_str())).with("field", "mode"));
        };
        if q.query.trim().is_empty() {
            return Err(Error::validation(
                "query",
                "must not be blank in llm and hybrid modes (the LLM rewrites the text)",
            ));
        }
        self.recall_llm(space_id, q, llm, mode == RecallMode::Hybrid)
            .await
    }

    /// `llm` and `hybrid` recall with `llm`.
    async fn recall_llm(
        &self,
        space_id: &str,
        q: RecallQuery,
        llm: Rc<dyn Llm>,
        hybrid: bool,
    ) -> Result<RecallResult> {
        let started = self.host.now();
        let offset = q.offset.unwrap_or(0) as usize;
        let limit = q.limit.unwrap_or(10) as usize;
        // Each phrasing is searched for the whole window; paging and budget apply to the merge.
        let mut sub = q.clone();
        sub.mode = Some(RecallMode::Rag);
        sub.offset = Some(0);
        sub.limit = Some((offset + limit).min(100) as u32);
        sub.budget_tokens = None;
        let first = self.recall_rag(space_id, sub.clone()).await?;
        if hybrid && first.retrieval_confidence == "strong" {
            return Ok(self.finish(&q, vec![first], RecallMode::Rag, started, Vec::new()));
        }
        let (space, _) = self.owned_space(space_id).await?;
        let rewrites = match self.rewrite_query(&space, &*llm, &q.query).await {
            Ok(r) => r,
            Err(e) if hybrid && e.code == ErrorCode::Upstream => {
                // Hybrid keeps its rag answer when the fallback cannot run, and says why.
                let why = e
                    .details
                    .get("reason")
                    .and_then(Value::as_str)
                    .unwrap_or("error")
                    .to_string();
                let note = vec![format!("llm_fallback_failed={why}")];
                return Ok(self.finish(&q, vec![first], RecallMode::Rag, started, note));
            }
            Err(e) => return Err(e),
        };
        let mut runs = vec![first];
        for text in &rewrites {
            let mut s = sub.clone();
            s.query = text.clone();
            s.embedding = None;
            runs.push(self.recall_rag(space_id, s).await?);
        }
        let note = vec![format!("llm_rewrites={}", rewrites.len())];
        Ok(self.finish(&q, runs, RecallMode::Llm, started, note))
    }

    /// Merges the runs of one recall (best score per memory), then pages and budgets as `q`
    /// asks. The confidence is the best run's.
    fn finish(
        &self,
        q: &RecallQuery,
        runs: Vec<RecallResult>,
        mode: RecallMode,
        started: crate::time::Timestamp,
        notes: Vec<String>,
    ) -> RecallResult {
        let best = runs
            .iter()
            .enumerate()
            .max_by_key(|(i, r)| (confidence_rank(&r.retrieval_confidence), usize::MAX - i))
            .map_or(0, |(i, _)| i);
        let (confidence, mut reasons) = runs
            .get(best)
            .map(|r| (r.retrieval_confidence.clone(), r.confidence_reasons.clone()))
            .unwrap_or_else(|| ("weak".into(), vec!["no_results".into()]));
        reasons.extend(notes);
        let mut by_id: HashMap<String, RecalledMemory> = HashMap::new();
        let mut paths: Vec<GraphPath> = Vec::new();
        let mut total = 0u64;
        for r in runs {
            total = total.max(r.total_count);
            paths.extend(r.relation_paths);
            for m in r.memories {
                match by_id.get(&m.memory.id) {
                    Some(old) if old.boosted_score >= m.boosted_score => {}
                    _ => {
                        by_id.insert(m.memory.id.clone(), m);
                    }
                }
            }
        }
        total = total.max(by_id.len() as u64);
        let mut all: Vec<RecalledMemory> = by_id.into_values().collect();
        all.sort_by(|a, b| {
            b.boosted_score
                .total_cmp(&a.boosted_score)
                .then(a.memory.id.cmp(&b.memory.id))
        });
        let mut out = Vec::new();
        let (mut used, mut omitted) = (0u64, 0u64);
        let offset = q.offset.unwrap_or(0) as usize;
        let limit = q.limit.unwrap_or(10) as usize;
        for m in all.into_iter().skip(offset).take(limit) {
            if let Some(budget) = q.budget_tokens {
                let t = self.tokens_of(&m.memory.content);
                if used + t > budget || omitted > 0 {
                    omitted += 1;
                    continue;
                }
                used += t;
            }
            out.push(m);
        }
        let mut kept_paths: Vec<GraphPath> = Vec::new();
        for p in paths {
            let end = p.memory_ids.last();
            if end.is_some_and(|id| out.iter().any(|m| &m.memory.id == id))
                && !kept_paths.iter().any(|k| k.memory_ids.last() == end)
            {
                kept_paths.push(p);
            }
        }
        let ended = self.host.now();
        RecallResult {
            memories: out,
            total_count: total,
            mode_used: mode,
            query_tokens: self.tokens_of(&q.query),
            search_latency_ms: ((ended.0 - started.0).max(0) as f64) / 1000.0,
            retrieval_confidence: confidence,
            confidence_reasons: reasons,
            budget_summary: q.budget_tokens.map(|b| BudgetSummary {
                budget_tokens: b,
                used_tokens: used,
                omitted,
            }),
            relation_paths: kept_paths,
        }
    }

    /// Tokens of a text: the host's count, else the estimate.
    pub(crate) fn tokens_of(&self, text: &str) -> u64 {
        self.host
            .count_tokens(text)
            .unwrap_or_else(|| crate::tokens::estimate_tokens(text))
    }

    /// Asks the host LLM for other phrasings of `query` (purpose `recall`).
    async fn rewrite_query(
        &self,
        space: &Space,
        llm: &dyn Llm,
        query: &str,
    ) -> Result<Vec<String>> {
        let request = LlmRequest {
            purpose: "recall".into(),
            model: space.llm_model_name.clone(),
            base_url: space.llm_base_url.clone(),
            messages: vec![
                LlmMessage::new(LlmRole::System, REWRITE_PROMPT),
                LlmMessage::new(LlmRole::User, query),
            ],
            format: LlmFormat::Json,
            max_tokens: Some(256),
            temperature: Some(0.0),
        };
        let answer = llm.complete(&request).await?;
        parse_rewrites(&answer, query)
    }

    /// Synthesises an answer to `query` from the space's memories with the host LLM (purpose
    /// `reflect`): up to 20 recalled memories (loose tolerance, at most 6,000 tokens of them), each given with
    /// its id, date and type; the answer cites ids. `source_memories` lists the ids it was
    /// given (unless `include_sources` is false). With no relevant memory the LLM is not
    /// asked and the reflection says nothing relevant is stored (confidence 0). Without a
    /// host LLM this is `unsupported`: memspace never fabricates a reflection.
    pub async fn reflect(
        &self,
        space_id: &str,
        query: &str,
        max_tokens: Option<u32>,
        include_sources: Option<bool>,
    ) -> Result<ReflectResult> {
        if query.trim().is_empty() || query.chars().count() > MAX_QUERY_CHARS {
            return Err(Error::validation(
                "query",
                format!("must be 1–{MAX_QUERY_CHARS} characters, not blank"),
            ));
        }
        if max_tokens.is_some_and(|m| !(1..=8192).contains(&m)) {
            return Err(Error::validation("max_tokens", "must be 1–8192"));
        }
        let (space, _) = self.owned_space(space_id).await?;
        let Some(llm) = self.llm.clone() else {
            return Err(no_llm("reflect"));
        };
        let r = self
            .recall_rag(
                space_id,
                RecallQuery {
                    query: query.to_string(),
                    limit: Some(REFLECT_MEMORIES),
                    budget_tokens: Some(REFLECT_CONTEXT_TOKENS),
                    tolerance: Some(Tolerance::Loose),
                    ..Default::default()
                },
            )
            .await?;
        if r.memories.is_empty() {
            return Ok(ReflectResult {
                reflection: "No stored memory is relevant to this question.".into(),
                source_memories: Vec::new(),
                confidence: 0.0,
                tokens_processed: 0,
            });
        }
        let mut context = String::from("Memories, most relevant first:\n");
        let mut tokens = 0u64;
        for m in &r.memories {
            let mem = &m.memory;
            tokens += self.tokens_of(&mem.content);
            let date = mem.created_at.to_string();
            context.push_str(&format!(
                "[{}] ({}, {}) {}\n",
                mem.id,
                date.get(..10).unwrap_or(&date),
                mem.memory_type.as_str(),
                mem.content.replace('\n', " ")
            ));
        }
        context.push_str(&format!("\nQuestion: {query}"));
        let request = LlmRequest {
            purpose: "reflect".into(),
            model: space.llm_model_name.clone(),
            base_url: space.llm_base_url.clone(),
            messages: vec![
                LlmMessage::new(LlmRole::System, REFLECT_PROMPT),
                LlmMessage::new(LlmRole::User, context),
            ],
            format: LlmFormat::Text,
            max_tokens: Some(max_tokens.unwrap_or(REFLECT_DEFAULT_TOKENS)),
            temperature: Some(0.0),
        };
        let answer = llm.complete(&request).await?;
        usable(&answer)?;
        Ok(ReflectResult {
            reflection: answer.raw().trim().to_string(),
            source_memories: if include_sources.unwrap_or(true) {
                r.memories.iter().map(|m| m.memory.id.clone()).collect()
            } else {
                Vec::new()
            },
            confidence: match r.retrieval_confidence.as_str() {
                "strong" => 0.9,
                "moderate" => 0.6,
                _ => 0.3,
            },
            tokens_processed: tokens,
        })
    }
}
