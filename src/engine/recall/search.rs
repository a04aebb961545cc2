//! Queries over a space's index: the three channels, filtered, fused.

use super::cache::TermPages;
use super::write::EXACT_PREFIX;
use crate::codec::envelope;
use crate::engine::{kv_error, layout, Memspace};
use crate::error::Result;
use crate::index::bm25;
use crate::index::docs::{tag_hash, DocMeta, DocPage};
use crate::index::fusion::{self, Fused, Hit};
use crate::index::head::IndexHead;
use crate::index::postings::PostingPage;
use crate::index::tokenize::Tokenizer;
use crate::index::vectors::{quantize_query, TopK, VectorPage};
use crate::kv::KeyRange;
use crate::time::Timestamp;
use std::collections::{BTreeSet, HashMap};

/// Pages read per scan call while loading.
const SCAN_CHUNK: usize = 256;

/// What to look for and which memories may be returned.
#[derive(Debug, Clone, Default)]
pub(crate) struct IndexQuery {
    /// Query text (lexical and exact channels).
    pub text: String,
    /// Query vector of the space's model (vector channel), if any.
    pub vector: Option<Vec<f32>>,
    /// Allowed types (empty = all).
    pub types: Vec<String>,
    /// Allowed subtypes (empty = all).
    pub subtypes: Vec<String>,
    /// Tags that must all be present.
    pub tags: Vec<String>,
    /// Only memories created at or after this time.
    pub created_after: Option<Timestamp>,
    /// Only memories created before this time.
    pub created_before: Option<Timestamp>,
    /// Only memories valid (true, not superseded, not expired) at this time.
    pub valid_at: Timestamp,
    /// Memories to leave out (e.g. ones the caller found stale).
    pub exclude: BTreeSet<u32>,
    /// Candidates kept per channel.
    pub depth: usize,
    /// Channels to use (lexical, vector, exact).
    pub channels: [bool; 3],
}

/// One fused candidate with its doc-table entry.
#[derive(Debug, Clone)]
pub(crate) struct IndexHit {
    /// Ranks, scores and bias terms.
    pub fused: Fused,
    /// What the index knows of the memory.
    pub doc: DocMeta,
}

impl IndexQuery {
    fn admits(&self, d: &DocMeta, tag_hashes: &[u32]) -> bool {
        d.valid_at_time(self.valid_at.0)
            && (self.types.is_empty() || self.types.contains(&d.kind))
            && (self.subtypes.is_empty() || self.subtypes.contains(&d.subtype))
            && tag_hashes.iter().all(|h| d.tags.binary_search(h).is_ok())
            && self.created_after.is_none_or(|t| d.created_at >= t.0)
            && self.created_before.is_none_or(|t| d.created_at < t.0)
    }
}

impl Memspace {
    /// Reads a space's index head from storage and brings this handle's cache in line.
    pub(crate) async fn index_head_now(&self, space: &str) -> Result<IndexHead> {
        let key = layout::index_head(space);
        let head = match self.kv.get(&key).await.map_err(kv_error)? {
            Some(b) => {
                let h: IndexHead = envelope::decode(&b)?;
                self.cache.remember(&key, &b);
                h
            }
            None => IndexHead::default(),
        };
        self.index.sync(space, &head);
        Ok(head)
    }

    async fn scan_all(&self, range: KeyRange) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let mut out = Vec::new();
        let mut range = range;
        loop {
            let chunk = self
                .kv
                .scan(&range, SCAN_CHUNK, false)
                .await
                .map_err(kv_error)?;
            let n = chunk.len();
            if let Some((last, _)) = chunk.last() {
                let mut next = last.clone();
                next.push(0);
                range.start = next;
            }
            out.extend(chunk);
            if n < SCAN_CHUNK {
                return Ok(out);
            }
        }
    }

    /// Loads every posting page of `terms` not cached yet.
    async fn ensure_terms(&self, space: &str, terms: &[String]) -> Result<()> {
        for t in terms {
            let have = self
                .index
                .0
                .borrow()
                .get(space)
                .and_then(|s| s.terms.get(t))
                .is_some_and(|p| p.complete);
            if have {
                continue;
            }
            let mut tp = TermPages {
                complete: true,
                ..Default::default()
            };
            for (_, v) in self.scan_all(layout::postings_of_term(space, t)).await? {
                let p = PostingPage::decode(&v)?;
                tp.pages.insert(p.bucket, p);
            }
            if let Some(s) = self.index.0.borrow_mut().get_mut(space) {
                s.terms.insert(t.clone(), tp);
            }
        }
        Ok(())
    }

    /// Loads the whole doc table of a space if not cached yet.
    async fn ensure_docs(&self, space: &str) -> Result<()> {
        if self
            .index
            .0
            .borrow()
            .get(space)
            .is_some_and(|s| s.docs_complete)
        {
            return Ok(());
        }
        let mut pages = Vec::new();
        for (_, v) in self.scan_all(layout::doc_pages_of(space)).await? {
            pages.push(DocPage::decode(&v)?);
        }
        if let Some(s) = self.index.0.borrow_mut().get_mut(space) {
            for p in pages {
                for (slot, d) in &p.docs {
                    s.ords.insert(
                        d.memory_id.clone(),
                        p.bucket * crate::index::docs::DOC_BUCKET + *slot as u32,
                    );
                }
                s.docs.insert(p.bucket, p);
            }
            s.docs_complete = true;
        }
        Ok(())
    }

    /// Loads every vector page of a space if not cached yet.
    async fn ensure_vectors(&self, space: &str, dims: usize) -> Result<()> {
        if self
            .index
            .0
            .borrow()
            .get(space)
            .is_some_and(|s| s.vectors_complete)
        {
            return Ok(());
        }
        let mut pages = Vec::new();
        for (_, v) in self.scan_all(layout::vectors_of(space)).await? {
            pages.push(VectorPage::decode(&v, dims)?);
        }
        if let Some(s) = self.index.0.borrow_mut().get_mut(space) {
            for p in pages {
                s.vectors.insert(p.bucket, p);
            }
            s.vectors_complete = true;
        }
        Ok(())
    }

    /// Runs the channels of `q` over a space's index and fuses them (no bias applied).
    #[cfg(test)]
    pub(crate) async fn search_index(
        &self,
        space: &str,
        q: &IndexQuery,
    ) -> Result<(Vec<IndexHit>, IndexHead)> {
        let head = self.index_head_now(space).await?;
        let hits = self.search_at(space, &head, q).await?;
        Ok((hits, head))
    }

    /// [`Memspace::search_index`] with a head just read by [`Memspace::index_head_now`].
    pub(crate) async fn search_at(
        &self,
        space: &str,
        head: &IndexHead,
        q: &IndexQuery,
    ) -> Result<Vec<IndexHit>> {
        if head.docs == 0 {
            return Ok(Vec::new());
        }
        let tok = Tokenizer::new();
        let mut text_terms: Vec<String> = tok.terms(&q.text);
        text_terms.sort();
        text_terms.dedup();
        let mut exact_terms: Vec<String> = tok
            .words(&q.text)
            .into_iter()
            .map(|w| format!("{EXACT_PREFIX}{w}"))
            .collect();
        exact_terms.sort();
        exact_terms.dedup();
        let mut want = Vec::new();
        if q.channels[0] {
            want.extend(text_terms.iter().cloned());
        }
        if q.channels[2] {
            want.extend(exact_terms.iter().cloned());
        }
        self.ensure_terms(space, &want).await?;
        self.ensure_docs(space).await?;
        let use_vec =
            q.channels[1] && q.vector.is_some() && head.model.is_some() && head.vectors > 0;
        if let (true, Some(m)) = (use_vec, &head.model) {
            self.ensure_vectors(space, m.dims as usize).await?;
        }

        let map = self.index.0.borrow();
        let Some(s) = map.get(space) else {
            return Ok(Vec::new());
        };
        let tag_hashes: Vec<u32> = q.tags.iter().map(|t| tag_hash(t)).collect();
        let admits = |ord: u32| {
            !q.exclude.contains(&ord) && s.doc(ord).is_some_and(|d| q.admits(d, &tag_hashes))
        };
        let depth = q.depth.max(1);
        let n = head.docs;
        let size = head.next_ord as usize;

        // Lexical: BM25 over the distinct query terms.
        let mut lexical = Vec::new();
        if q.channels[0] && !text_terms.is_empty() {
            let avg = head.avg_len();
            let mut acc = vec![0f32; size];
            let mut touched = Vec::new();
            let mut idf_sum = 0f32;
            for t in &text_terms {
                let pages = s.terms.get(t);
                let df: usize =
                    pages.map_or(0, |p| p.pages.values().map(|x| x.postings.len()).sum());
                let idf = bm25::idf(n, df as u64);
                idf_sum += idf;
                for page in pages.iter().flat_map(|p| p.pages.values()) {
                    for p in &page.postings {
                        let i = p.ord as usize;
                        if i >= size {
                            continue;
                        }
                        if acc[i] == 0.0 {
                            touched.push(p.ord);
                        }
                        acc[i] += bm25::term_score(idf, p.tf, p.len, avg);
                    }
                }
            }
            let mut top = TopK::new(depth);
            for ord in touched {
                let sc = acc[ord as usize];
                if sc > top.floor() && admits(ord) {
                    top.offer(ord, sc);
                }
            }
            lexical = top
                .into_sorted()
                .into_iter()
                .map(|(ord, raw)| Hit {
                    ord,
                    raw,
                    relevance: bm25::relevance(raw, idf_sum),
                })
                .collect();
        }

        // Exact: memories one of whose tags or logical key is spelled, all its words, by
        // the query; relevance = the share of the query's words that tag or key explains.
        let mut exact = Vec::new();
        if q.channels[2] && !exact_terms.is_empty() {
            let query_words: BTreeSet<u32> =
                tok.words(&q.text).iter().map(|w| tag_hash(w)).collect();
            let mut candidates = BTreeSet::new();
            for t in &exact_terms {
                for page in s.terms.get(t).iter().flat_map(|p| p.pages.values()) {
                    candidates.extend(page.postings.iter().map(|p| p.ord));
                }
            }
            let mut top = TopK::new(depth);
            let mut rel = HashMap::new();
            for ord in candidates {
                let Some(d) = s.doc(ord) else { continue };
                let best = d
                    .exact
                    .iter()
                    .filter(|words| words.iter().all(|w| query_words.contains(w)))
                    .map(|words| words.len())
                    .max();
                if let (Some(n), true) = (best, admits(ord)) {
                    let r = (n as f32 / query_words.len().max(1) as f32).min(1.0);
                    rel.insert(ord, r);
                    top.offer(ord, r);
                }
            }
            exact = top
                .into_sorted()
                .into_iter()
                .map(|(ord, raw)| Hit {
                    ord,
                    raw,
                    relevance: rel.get(&ord).copied().unwrap_or(0.0),
                })
                .collect();
        }

        // Vector: exact int8 scan.
        let mut vector = Vec::new();
        if let (true, Some(v)) = (use_vec, &q.vector) {
            let qv = quantize_query(v);
            let mut top = TopK::new(depth);
            for page in s.vectors.values() {
                page.scan(&qv, &admits, &mut top);
            }
            vector = top
                .into_sorted()
                .into_iter()
                .map(|(ord, cos)| Hit {
                    ord,
                    raw: cos,
                    relevance: cos.clamp(0.0, 1.0),
                })
                .collect();
        }

        let fused = fusion::fuse([&lexical, &vector, &exact]);
        let hits = fused
            .into_iter()
            .filter_map(|f| {
                s.doc(f.ord).map(|d| IndexHit {
                    doc: d.clone(),
                    fused: f,
                })
            })
            .collect();
        Ok(hits)
    }
}
