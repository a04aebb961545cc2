//! `recall` and `reflect`: search the index, apply thresholds and bias, check every result
//! against its record, expand through associations, page and budget.

use super::search::{query_terms, IndexHit, IndexQuery};
use crate::codec::envelope;
use crate::engine::memories::traverse::Walk;
use crate::engine::memories::MemoryHead;
use crate::engine::memories::MemoryRecord;
use crate::engine::{kv_error, layout, Memspace};
use crate::error::{Error, Result};
use crate::index::fusion::{self, Fused, Tolerance as FusionTolerance};
use crate::index::head::IndexHead;
use crate::index::tokenize::Tokenizer;
use crate::index::vectors;
use crate::kv::{Read, ReadResult};
use crate::model::Space;
use crate::model::{
    BudgetSummary, ChannelScore, Direction, GraphPath, RecallExplain, RecallMode, RecallQuery,
    RecallResult, RecalledMemory, Tolerance, TraverseQuery,
};
use crate::time::Timestamp;
use std::collections::BTreeSet;
use std::rc::Rc;

/// Longest query, in characters.
pub const MAX_QUERY_CHARS: usize = 4096;
/// Largest `offset`.
pub const MAX_OFFSET: u32 = 1000;

/// A recall query with defaults applied and ranges checked.
pub(super) struct Params {
    limit: usize,
    offset: usize,
    threshold: Option<f32>,
    recency_weight: f32,
    expand: Option<(u32, u32)>,
}

pub(super) fn check(q: &RecallQuery) -> Result<Params> {
    let chars = q.query.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(Error::validation(
            "query",
            format!("is longer than {MAX_QUERY_CHARS} characters"),
        ));
    }
    if q.query.trim().is_empty() && q.embedding.is_none() {
        return Err(Error::validation("query", "must not be blank"));
    }
    let limit = q.limit.unwrap_or(10);
    if !(1..=100).contains(&limit) {
        return Err(Error::validation("limit", "must be 1–100"));
    }
    let offset = q.offset.unwrap_or(0);
    if offset > MAX_OFFSET {
        return Err(Error::validation(
            "offset",
            format!("must be 0–{MAX_OFFSET}"),
        ));
    }
    let unit = |field: &str, v: Option<f64>| -> Result<()> {
        match v {
            Some(x) if !x.is_finite() || x > 1.0 || (field != "min_relevance" && x < 0.0) => {
                Err(Error::validation(field, "must be a number 0–1"))
            }
            _ => Ok(()),
        }
    };
    unit("min_relevance", q.min_relevance)?;
    unit("recency_weight", q.recency_weight)?;
    let depth = q.traverse_depth.unwrap_or(2);
    if depth > 5 {
        return Err(Error::validation("traverse_depth", "must be 0–5"));
    }
    let max_expansion = q.max_expansion.unwrap_or(50);
    if !(1..=500).contains(&max_expansion) {
        return Err(Error::validation("max_expansion", "must be 1–500"));
    }
    if let (Some(a), Some(b)) = (q.created_after, q.created_before) {
        if a >= b {
            return Err(Error::validation(
                "created_after",
                "must be before created_before",
            ));
        }
    }
    for t in &q.tags {
        if t.is_empty() || t.chars().count() > 64 {
            return Err(Error::validation(
                "tags",
                "each tag must be 1–64 characters",
            ));
        }
    }
    if let Some(v) = &q.embedding {
        if v.is_empty() || v.len() > vectors::MAX_DIMS || v.iter().any(|x| !x.is_finite()) {
            return Err(Error::validation(
                "embedding",
                "must be 1–4096 finite numbers",
            ));
        }
    }
    let tolerance = match q.tolerance.unwrap_or_default() {
        Tolerance::Strict => FusionTolerance::Strict,
        Tolerance::Moderate => FusionTolerance::Moderate,
        Tolerance::Loose => FusionTolerance::Loose,
    };
    Ok(Params {
        limit: limit as usize,
        offset: offset as usize,
        threshold: fusion::threshold(q.min_relevance.map(|m| m as f32), tolerance),
        recency_weight: q.recency_weight.unwrap_or(0.2) as f32,
        expand: (q.include_associations.unwrap_or(true) && depth > 0)
            .then_some((depth, max_expansion)),
    })
}

/// One candidate on its way to a result.
struct Candidate {
    rec: Rc<MemoryRecord>,
    fused: Fused,
    source: &'static str,
    via: Option<String>,
    age_hours: f64,
}

fn channel(c: Option<fusion::ChannelRank>) -> Option<ChannelScore> {
    c.map(|c| ChannelScore {
        rank: c.rank,
        score: c.raw as f64,
        relevance: c.relevance as f64,
    })
}

fn round(x: f32) -> f64 {
    (x as f64 * 1e6).round() / 1e6
}

impl Memspace {
    /// `rag` recall (what [`Memspace::recall`] does in that mode; `q.mode` is not looked at).
    pub(crate) async fn recall_rag(&self, space_id: &str, q: RecallQuery) -> Result<RecallResult> {
        let p = check(&q)?;
        let mode = RecallMode::Rag;
        let started = self.host.now();
        let now = started;
        let as_of = q.valid_at.unwrap_or(now);
        let (text_terms, exact_terms) = query_terms(&Tokenizer::new(), &q.query);
        let mut terms = text_terms;
        terms.extend(exact_terms);
        let want_vec = q.embedding.is_some() || self.embedder.is_some();
        let wanted = p.offset + p.limit;
        // Records are read in chunks (one read each): the first just over a page's worth,
        // since nearly every hit passes (the doc table already filtered them).
        let first_size = (wanted + 4).min(64);
        // Warm: when this handle caches everything the query needs, rank first and read the
        // heads and the first records in ONE read (one IndexedDB transaction); the ranking
        // stands iff the index head read there still has the cached generation. Otherwise
        // (another tab or request wrote, or nothing is cached): read what is missing, rank.
        let mut first: Option<Vec<Option<Rc<MemoryRecord>>>> = None;
        let mut warm = None;
        if let Some(h) = self.warm_index_head(space_id, &terms, want_vec) {
            let vector = self.query_vector(&h, &q).await?;
            let iq = index_query(&q, &p, as_of, vector);
            let hits = self.ranked_hits(space_id, &h, &iq, &p, now)?;
            let chunk = &hits.1[..first_size.min(hits.1.len())];
            if let Some((space, mem_head, recs)) = self.read_if_current(space_id, &h, chunk).await?
            {
                first = Some(recs);
                warm = Some((space, mem_head, h, hits));
            }
        }
        let (space, mem_head, _head, hits) = match warm {
            Some(w) => w,
            None => {
                let (space, mem_head, head) =
                    self.open_for_recall(space_id, &terms, want_vec).await?;
                let vector = self.query_vector(&head, &q).await?;
                let iq = index_query(&q, &p, as_of, vector);
                self.load_index(&space.id, &head, &terms, iq.vector.is_some())
                    .await?;
                let hits = self.ranked_hits(&space.id, &head, &iq, &p, now)?;
                (space, mem_head, head, hits)
            }
        };
        let ((confidence, reasons), hits) = hits;
        let age = |created: i64| ((now.0 - created) as f64 / 3.6e9).max(0.0);

        // Every result is read from its record and must be recallable and pass the filters.
        let mut results: Vec<Candidate> = Vec::new();
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut total = 0usize;
        let mut at = 0;
        while at < hits.len() {
            let size = if at == 0 { first_size } else { 64 };
            let chunk = &hits[at..(at + size).min(hits.len())];
            at += chunk.len();
            let need = results.len() < wanted;
            let recs = match (need, first.take()) {
                (true, Some(recs)) => recs,
                (true, None) => self.read_records(&space.id, mem_head.seq, chunk).await?,
                (false, _) => vec![None; chunk.len()],
            };
            for (h, rec) in chunk.iter().zip(recs) {
                if !need {
                    total += 1;
                    continue;
                }
                let Some(rec) = rec.filter(|r| self.passes(r, &q, now, as_of)) else {
                    continue;
                };
                total += 1;
                if results.len() < wanted {
                    seen.insert(rec.memory.id.clone());
                    results.push(Candidate {
                        age_hours: age(rec.memory.created_at.0),
                        rec,
                        fused: h.fused.clone(),
                        source: "search",
                        via: None,
                    });
                }
            }
        }

        // Graph expansion from the results.
        let mut paths: Vec<GraphPath> = Vec::new();
        // A space without associations (the memory head counts them) has nothing to expand.
        if let (Some((depth, max)), true) = (p.expand, mem_head.counts.associations > 0) {
            let walk_query = Walk::from_query(TraverseQuery {
                max_depth: Some(depth),
                direction: Direction::Both,
                max_nodes: Some(max),
                ..Default::default()
            })?;
            // Which results have an edge at all: one read for all of them.
            let reads: Vec<Read> = results
                .iter()
                .flat_map(|c| {
                    [true, false].map(|out| Read::Scan {
                        range: layout::associations_of(&space.id, &c.rec.memory.id, out),
                        limit: 1,
                        reverse: false,
                    })
                })
                .collect();
            let linked: Vec<bool> = self
                .kv
                .read_many(&reads)
                .await
                .map_err(kv_error)?
                .chunks(2)
                .map(|pair| {
                    pair.iter()
                        .any(|r| matches!(r, ReadResult::Entries(e) if !e.is_empty()))
                })
                .collect();
            let mut added = Vec::new();
            for (c, _) in results.iter().zip(linked).filter(|(_, l)| *l) {
                if added.len() >= max as usize {
                    break;
                }
                let Ok(walk) = self.walk(&space.id, &c.rec, &walk_query, now).await else {
                    continue;
                };
                for path in walk.paths {
                    let Some(end) = path.memory_ids.last().cloned() else {
                        continue;
                    };
                    if seen.contains(&end) || added.len() >= max as usize {
                        continue;
                    }
                    let Some(rec) = self.read_memory(&space.id, &end).await? else {
                        continue;
                    };
                    let rec = Rc::new(rec);
                    if !self.passes(&rec, &q, now, as_of) {
                        continue;
                    }
                    let strength = path.strength.clamp(0.0, 1.0) as f32;
                    let mut f = c.fused.clone();
                    f.relevance *= strength;
                    f.score *= strength;
                    if p.threshold.is_some_and(|t| f.relevance < t) {
                        continue;
                    }
                    seen.insert(end);
                    added.push(Candidate {
                        age_hours: age(rec.memory.created_at.0),
                        rec,
                        fused: f,
                        source: "association",
                        via: Some(c.rec.memory.id.clone()),
                    });
                    paths.push(path);
                }
            }
            total += added.len();
            results.extend(added);
            results.sort_by(|a, b| {
                b.fused
                    .score
                    .total_cmp(&a.fused.score)
                    .then(a.rec.memory.id.cmp(&b.rec.memory.id))
            });
        }

        // Page, then the token budget.
        let mut out = Vec::new();
        let mut used = 0u64;
        let mut omitted = 0u64;
        for c in results.into_iter().skip(p.offset).take(p.limit) {
            if let Some(budget) = q.budget_tokens {
                let t = self
                    .host
                    .count_tokens(&c.rec.memory.content)
                    .unwrap_or_else(|| crate::tokens::estimate_tokens(&c.rec.memory.content));
                if used + t > budget || omitted > 0 {
                    omitted += 1;
                    continue;
                }
                used += t;
            }
            let explain = q.explain.then(|| RecallExplain {
                lexical: channel(c.fused.channels[0]),
                vector: channel(c.fused.channels[1]),
                exact: channel(c.fused.channels[2]),
                rrf: round(c.fused.rrf),
                fused: round(c.fused.fused),
                importance_factor: round(c.fused.importance_factor),
                recency_factor: round(c.fused.recency_factor),
                age_hours: (c.age_hours * 1000.0).round() / 1000.0,
                via: c.via.clone(),
            });
            out.push(RecalledMemory {
                memory: c.rec.to_public(now),
                relevance_score: round(c.fused.relevance),
                boosted_score: round(c.fused.score),
                source: c.source.to_string(),
                explain,
            });
        }
        paths.retain(|p| {
            p.memory_ids
                .last()
                .is_some_and(|id| out.iter().any(|m| &m.memory.id == id))
        });
        let ended = self.host.now();
        Ok(RecallResult {
            memories: out,
            total_count: total as u64,
            mode_used: mode,
            query_tokens: self
                .host
                .count_tokens(&q.query)
                .unwrap_or_else(|| crate::tokens::estimate_tokens(&q.query)),
            search_latency_ms: ((ended.0 - started.0).max(0) as f64) / 1000.0,
            retrieval_confidence: confidence.as_str().to_string(),
            confidence_reasons: reasons,
            budget_summary: q.budget_tokens.map(|b| BudgetSummary {
                budget_tokens: b,
                used_tokens: used,
                omitted,
            }),
            relation_paths: paths,
        })
    }

    /// The cached index head of a space when this handle caches every part a query over
    /// `terms` (and the vector channel, with `vectors`) needs; `None` otherwise.
    fn warm_index_head(
        &self,
        space_id: &str,
        terms: &[String],
        vectors: bool,
    ) -> Option<IndexHead> {
        let head = self.index.0.borrow().get(space_id)?.head.clone();
        let vectors = vectors && head.model.is_some();
        self.missing_parts(space_id, terms, vectors)
            .is_empty()
            .then_some(head)
    }

    /// The query vector: the caller's, else the embedder's when it made the space's vectors.
    async fn query_vector(&self, head: &IndexHead, q: &RecallQuery) -> Result<Option<Vec<f32>>> {
        let Some(m) = &head.model else {
            return Ok(None);
        };
        if let Some(v) = &q.embedding {
            vectors::validate(v, m.dims as usize).map_err(|e| e.with("field", "embedding"))?;
            return Ok(Some(v.clone()));
        }
        if let Some(e) = self.embedder.clone() {
            if e.model() == *m && !q.query.trim().is_empty() {
                let texts = [q.query.clone()];
                let out = e.embed(&texts).await?;
                crate::host::check_embeddings(m, 1, &out)?;
                return Ok(out.into_iter().next());
            }
        }
        Ok(None)
    }

    /// Runs the channels over the cached index, measures the confidence, applies the bias
    /// and the threshold, and sorts by boosted score.
    fn ranked_hits(
        &self,
        space: &str,
        head: &IndexHead,
        iq: &IndexQuery,
        p: &Params,
        now: Timestamp,
    ) -> Result<(Confidence, Vec<IndexHit>)> {
        let mut hits = self.search_loaded(space, head, iq)?;
        let confidence =
            fusion::confidence(&hits.iter().map(|h| h.fused.clone()).collect::<Vec<_>>());
        let age = |created: i64| ((now.0 - created) as f64 / 3.6e9).max(0.0);
        for h in &mut hits {
            fusion::bias(
                &mut h.fused,
                h.doc.importance,
                p.recency_weight,
                age(h.doc.created_at),
            );
        }
        if let Some(t) = p.threshold {
            hits.retain(|h| h.fused.relevance >= t);
        }
        hits.sort_by(|a, b| {
            b.fused
                .score
                .total_cmp(&a.fused.score)
                .then(a.fused.ord.cmp(&b.fused.ord))
        });
        Ok((confidence, hits))
    }

    /// One read (one snapshot): the space record (ownership), the memory head, the index
    /// head and the records of `hits` this handle has not cached. `None` — after adopting the
    /// head read, so the cache starts over — when the index head is not `cached`'s generation
    /// any more (the ranking was made on an index that changed) or a memory journal is
    /// pending. Cached records are used only when the memory head read here still has the
    /// `seq` they were cached at; otherwise they are read again.
    async fn read_if_current(
        &self,
        space_id: &str,
        cached: &IndexHead,
        hits: &[IndexHit],
    ) -> Result<Option<(Space, MemoryHead, Vec<Option<Rc<MemoryRecord>>>)>> {
        let (seq, held) = self.cached_records(space_id, hits);
        let records = hits
            .iter()
            .zip(&held)
            .filter(|(_, c)| c.is_none())
            .map(|(h, _)| Read::Get(layout::memory(space_id, &h.doc.memory_id)));
        let (space, mem_head, head_bytes, mut res) = self.read_heads(space_id, records).await?;
        let head = self.adopt_index_head(space_id, head_bytes.as_deref())?;
        if head.generation != cached.generation || mem_head.pending_tx.is_some() {
            return Ok(None);
        }
        let current = seq == Some(mem_head.seq);
        let mut recs = Vec::with_capacity(hits.len());
        let mut again = Vec::new();
        for (h, c) in hits.iter().zip(held) {
            match c {
                None => {
                    let rec = record_of(h, next_value(&mut res)?)?.map(Rc::new);
                    recs.push(rec);
                }
                Some(rec) if current => recs.push(Some(rec)),
                Some(_) => {
                    // Cached before another handle's write: read again below.
                    again.push(recs.len());
                    recs.push(None);
                }
            }
        }
        self.cache_records(space_id, mem_head.seq, &recs);
        if !again.is_empty() {
            let stale: Vec<IndexHit> = again.iter().map(|i| hits[*i].clone()).collect();
            let fresh = self.read_records(space_id, mem_head.seq, &stale).await?;
            for (i, rec) in again.into_iter().zip(fresh) {
                recs[i] = rec;
            }
        }
        Ok(Some((space, mem_head, recs)))
    }

    /// The records of `hits` this handle's record cache holds (`None` where it does not),
    /// with the memory-head `seq` they were cached at.
    fn cached_records(
        &self,
        space_id: &str,
        hits: &[IndexHit],
    ) -> (Option<u64>, Vec<Option<Rc<MemoryRecord>>>) {
        let map = self.index.0.borrow();
        match map.get(space_id) {
            Some(s) if s.records.seq.is_some() => (
                s.records.seq,
                hits.iter()
                    .map(|h| s.records.get(&h.doc.memory_id))
                    .collect(),
            ),
            _ => (None, vec![None; hits.len()]),
        }
    }

    /// Caches records read after (or in the same snapshot as) a memory head of `seq`.
    fn cache_records(&self, space_id: &str, seq: u64, recs: &[Option<Rc<MemoryRecord>>]) {
        let mut map = self.index.0.borrow_mut();
        let Some(s) = map.get_mut(space_id) else {
            return;
        };
        s.records.keep_only(seq);
        for rec in recs.iter().flatten() {
            s.records.put(seq, rec.clone());
        }
    }

    /// What a recall reads first, in one `read_many` (one snapshot on IndexedDB): the space
    /// record (ownership), the memory head (association count; a pending journal is rolled
    /// forward first), the index head, and the index parts for `terms` (and the vectors,
    /// with `vectors`) this handle's cache lacks. A warm cache makes that three small gets.
    async fn open_for_recall(
        &self,
        space_id: &str,
        terms: &[String],
        vectors: bool,
    ) -> Result<(Space, MemoryHead, IndexHead)> {
        if !crate::ids::is_valid("spc", space_id) {
            return Err(Error::not_found("memory_space", space_id));
        }
        for _ in 0..crate::engine::MAX_RETRIES {
            let parts = self.missing_parts(space_id, terms, vectors);
            let part_reads = parts.iter().map(|p| Self::part_read(space_id, p));
            let (space, mem_head, head_bytes, res) = self.read_heads(space_id, part_reads).await?;
            if mem_head.pending_tx.is_some() {
                // A write stopped before its journal was applied: finish it, read again.
                self.memory_head(space_id).await?;
                continue;
            }
            let head = self.adopt_index_head(space_id, head_bytes.as_deref())?;
            self.install_parts(space_id, &head, parts, res)?;
            return Ok((space, mem_head, head));
        }
        Err(Error::conflict("too much contention"))
    }

    /// **Benchmarks only**: memory writes through this handle skip the recall index, for the
    /// "remember without indexing" baseline. Memories written so are invisible to recall
    /// until `reindex`; never use it otherwise.
    #[doc(hidden)]
    pub fn skip_recall_index_for_benchmarks(&self) {
        self.index.2.set(true);
    }

    /// **Tests only**: this handle folds a space's delta records into the index pages once
    /// there are `n` of them (instead of the default bound), so tests meet folds often.
    #[doc(hidden)]
    pub fn fold_recall_deltas_at_for_tests(&self, n: u32) {
        self.index.3.set(n);
    }

    /// Bytes this handle holds in its recall-index cache (pages, doc tables, vectors), for
    /// memory reports.
    pub fn index_cache_bytes(&self) -> usize {
        self.index
            .0
            .borrow()
            .values()
            .map(|s| s.approx_bytes())
            .sum()
    }

    /// True when `rec` may be returned for `q`: recallable at `as_of` and passing the filters.
    fn passes(
        &self,
        rec: &MemoryRecord,
        q: &RecallQuery,
        now: Timestamp,
        as_of: Timestamp,
    ) -> bool {
        let m = &rec.memory;
        rec.recallable(now, as_of)
            && (q.types.is_empty() || q.types.contains(&m.memory_type))
            && (q.subtypes.is_empty() || m.subtype.is_some_and(|s| q.subtypes.contains(&s)))
            && q.tags.iter().all(|t| m.tags.contains(t))
            && q.created_after.is_none_or(|t| m.created_at >= t)
            && q.created_before.is_none_or(|t| m.created_at < t)
    }

    /// The records of index hits, `None` where the record is missing or is not the memory the
    /// index names: from this handle's record cache when it holds memory-head `seq` (read
    /// before this call), the rest in one read, which are cached under `seq`.
    async fn read_records(
        &self,
        space: &str,
        seq: u64,
        hits: &[IndexHit],
    ) -> Result<Vec<Option<Rc<MemoryRecord>>>> {
        let (cached_seq, mut held) = self.cached_records(space, hits);
        if cached_seq != Some(seq) {
            held = vec![None; hits.len()];
        }
        let keys: Vec<Vec<u8>> = hits
            .iter()
            .zip(&held)
            .filter(|(_, c)| c.is_none())
            .map(|(h, _)| layout::memory(space, &h.doc.memory_id))
            .collect();
        let mut vals = self.kv.get_many(&keys).await.map_err(kv_error)?.into_iter();
        let mut recs = Vec::with_capacity(hits.len());
        for (h, c) in hits.iter().zip(held) {
            match c {
                Some(rec) => recs.push(Some(rec)),
                None => {
                    let bytes = vals
                        .next()
                        .ok_or_else(|| Error::storage("record read answered too few values"))?;
                    recs.push(record_of(h, bytes)?.map(Rc::new));
                }
            }
        }
        self.cache_records(space, seq, &recs);
        Ok(recs)
    }

    /// What every recall reads first, in one `read_many` (one snapshot): the space record
    /// (ownership checked), the memory head and the index head's bytes, then `extra`; returns
    /// those three and the answers to `extra`, in order.
    async fn read_heads(
        &self,
        space_id: &str,
        extra: impl Iterator<Item = Read>,
    ) -> Result<(
        Space,
        MemoryHead,
        Option<Vec<u8>>,
        std::vec::IntoIter<ReadResult>,
    )> {
        let mut reads = vec![
            Read::Get(layout::space(space_id)),
            Read::Get(layout::memory_head(space_id)),
            Read::Get(layout::index_head(space_id)),
        ];
        reads.extend(extra);
        let mut res = self
            .kv
            .read_many(&reads)
            .await
            .map_err(kv_error)?
            .into_iter();
        let (space, _) = self.owned_space_from(space_id, next_value(&mut res)?)?;
        let mem_head: MemoryHead = match next_value(&mut res)? {
            Some(b) => envelope::decode(&b)?,
            None => MemoryHead::default(),
        };
        let head_bytes = next_value(&mut res)?;
        Ok((space, mem_head, head_bytes, res))
    }
}

/// The next answer of a recall's `read_many`, which must be a point read's.
fn next_value(res: &mut impl Iterator<Item = ReadResult>) -> Result<Option<Vec<u8>>> {
    match res.next() {
        Some(ReadResult::Value(v)) => Ok(v),
        _ => Err(Error::storage("recall read answered the wrong shape")),
    }
}

/// The record a hit names, `None` when it is missing or is not the memory the index names.
fn record_of(hit: &IndexHit, bytes: Option<Vec<u8>>) -> Result<Option<MemoryRecord>> {
    Ok(match bytes {
        Some(b) => {
            Some(envelope::decode::<MemoryRecord>(&b)?).filter(|r| r.memory.id == hit.doc.memory_id)
        }
        None => None,
    })
}

/// A recall's confidence and its reasons.
type Confidence = (fusion::Confidence, Vec<String>);

/// The index query of a recall.
fn index_query(
    q: &RecallQuery,
    p: &Params,
    as_of: Timestamp,
    vector: Option<Vec<f32>>,
) -> IndexQuery {
    IndexQuery {
        text: q.query.clone(),
        vector,
        types: q.types.iter().map(|t| t.as_str().to_string()).collect(),
        subtypes: q.subtypes.iter().map(|t| t.as_str().to_string()).collect(),
        tags: q.tags.clone(),
        created_after: q.created_after,
        created_before: q.created_before,
        valid_at: as_of,
        exclude: BTreeSet::new(),
        depth: (3 * (p.offset + p.limit)).clamp(50, 3 * (MAX_OFFSET as usize + 100)),
        channels: [true, true, true],
    }
}
