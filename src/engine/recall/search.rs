//! Queries over a space's index: the three channels, filtered, fused.

use super::cache::{DeltaSet, TermPages};
use super::write::EXACT_PREFIX;
use crate::codec::envelope;
use crate::engine::{kv_error, layout, Memspace};
use crate::error::Result;
use crate::index::bm25;
use crate::index::delta::DeltaRecord;
use crate::index::docs::{tag_hash, DocMeta, DocPage};
use crate::index::fusion::{self, Fused, Hit};
use crate::index::head::IndexHead;
use crate::index::postings::{Posting, PostingPage};
use crate::index::tokenize::Tokenizer;
use crate::index::vectors::{quantize_query, scan_slots, TopK, VectorPage};
use crate::kv::{Read, ReadResult};
use crate::time::Timestamp;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::rc::Rc;

/// The generation a delta record's key ends with.
pub(crate) fn delta_generation(key: &[u8]) -> Result<u64> {
    key.len()
        .checked_sub(8)
        .and_then(|i| key.get(i..))
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map(u64::from_be_bytes)
        .ok_or_else(|| crate::Error::storage("delta record key is malformed"))
}

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

/// A part of a space's index a query needs.
#[derive(Debug, Clone)]
pub(crate) enum Part {
    /// Every posting page of one term.
    Term(String),
    /// The whole doc table.
    Docs,
    /// Every vector page.
    Vectors,
    /// Every delta record.
    Deltas,
}

/// The distinct lexical terms and exact-channel terms of a query text.
pub(crate) fn query_terms(tok: &Tokenizer, text: &str) -> (Vec<String>, Vec<String>) {
    let mut text_terms: Vec<String> = tok.terms(text);
    text_terms.sort();
    text_terms.dedup();
    let mut exact_terms: Vec<String> = tok
        .words(text)
        .into_iter()
        .map(|w| format!("{EXACT_PREFIX}{w}"))
        .collect();
    exact_terms.sort();
    exact_terms.dedup();
    (text_terms, exact_terms)
}

impl Memspace {
    /// Reads a space's index head from storage and brings this handle's cache in line.
    pub(crate) async fn index_head_now(&self, space: &str) -> Result<IndexHead> {
        let key = layout::index_head(space);
        let bytes = self.kv.get(&key).await.map_err(kv_error)?;
        self.adopt_index_head(space, bytes.as_deref())
    }

    /// Decodes a space's index head as read from storage (`None`: no index yet) and brings
    /// this handle's cache in line with it.
    pub(crate) fn adopt_index_head(&self, space: &str, bytes: Option<&[u8]>) -> Result<IndexHead> {
        let head = match bytes {
            Some(b) => {
                let h: IndexHead = envelope::decode(b)?;
                self.cache.remember(&layout::index_head(space), b);
                h
            }
            None => IndexHead::default(),
        };
        self.index.sync(space, &head);
        Ok(head)
    }

    /// The parts of a space's index that a query over `terms` (and, with `vectors`, the
    /// vector channel) needs and this handle's cache lacks.
    pub(crate) fn missing_parts(&self, space: &str, terms: &[String], vectors: bool) -> Vec<Part> {
        let map = self.index.0.borrow();
        let s = map.get(space);
        let mut out: Vec<Part> = terms
            .iter()
            .filter(|t| !s.and_then(|s| s.terms.get(*t)).is_some_and(|p| p.complete))
            .map(|t| Part::Term(t.clone()))
            .collect();
        if !s.is_some_and(|s| s.docs_complete) {
            out.push(Part::Docs);
        }
        if vectors && !s.is_some_and(|s| s.vectors_complete) {
            out.push(Part::Vectors);
        }
        // After the vectors: installing vector pages clears slots the deltas then fill.
        if !s.is_some_and(|s| s.delta.complete) {
            out.push(Part::Deltas);
        }
        out
    }

    /// The read that loads one part (a whole prefix in one request).
    pub(crate) fn part_read(space: &str, part: &Part) -> Read {
        let range = match part {
            Part::Term(t) => layout::postings_of_term(space, t),
            Part::Docs => layout::doc_pages_of(space),
            Part::Vectors => layout::vectors_of(space),
            Part::Deltas => layout::index_deltas_of(space),
        };
        Read::Scan {
            range,
            limit: usize::MAX,
            reverse: false,
        }
    }

    /// Decodes the pages read for `parts` into this handle's cache of a space whose head
    /// (already adopted) is `head`. Doc pages are decoded light (no terms: only writes need
    /// them, and they read their pages again). Vectors are ignored while the space has no
    /// embedding model.
    pub(crate) fn install_parts(
        &self,
        space: &str,
        head: &IndexHead,
        parts: Vec<Part>,
        results: impl IntoIterator<Item = ReadResult>,
    ) -> Result<()> {
        let mut map = self.index.0.borrow_mut();
        let Some(s) = map.get_mut(space) else {
            return Ok(());
        };
        for (part, res) in parts.into_iter().zip(results) {
            let ReadResult::Entries(rows) = res else {
                return Err(crate::Error::storage("index read answered the wrong shape"));
            };
            match part {
                Part::Term(t) => {
                    let mut tp = TermPages {
                        complete: true,
                        ..Default::default()
                    };
                    for (_, v) in rows {
                        let p = PostingPage::decode(&v)?;
                        tp.pages.insert(p.bucket, p);
                    }
                    s.terms.insert(t, tp);
                }
                Part::Docs => {
                    for (_, v) in rows {
                        let p = DocPage::decode_light(&v)?;
                        // A page this handle holds in full (with terms) is as new: keep it.
                        if s.docs.get(&p.bucket).is_none_or(|x| x.light) {
                            s.docs.insert(p.bucket, p);
                        }
                    }
                    s.docs_complete = true;
                }
                Part::Vectors => {
                    let Some(m) = &head.model else { continue };
                    for (_, v) in rows {
                        let p = VectorPage::decode(&v, m.dims as usize)?;
                        s.vectors.put_page(&p);
                    }
                    s.delta.apply_vectors(&mut s.vectors);
                    s.vectors_complete = true;
                }
                Part::Deltas => {
                    let mut set = DeltaSet {
                        complete: true,
                        ..Default::default()
                    };
                    for (k, v) in rows {
                        let generation = delta_generation(&k)?;
                        set.add(generation, Rc::new(DeltaRecord::decode(&v)?));
                    }
                    if head.model.is_some() {
                        set.apply_vectors(&mut s.vectors);
                    }
                    s.delta = set;
                }
            }
        }
        Ok(())
    }

    /// Loads what a query over `terms` (and the vector channel, with `vectors`) needs of a
    /// space's index into this handle's cache, in one `read_many`.
    pub(crate) async fn load_index(
        &self,
        space: &str,
        head: &IndexHead,
        terms: &[String],
        vectors: bool,
    ) -> Result<()> {
        let parts = self.missing_parts(space, terms, vectors && head.model.is_some());
        if parts.is_empty() {
            return Ok(());
        }
        let reads: Vec<Read> = parts.iter().map(|p| Self::part_read(space, p)).collect();
        let results = self.kv.read_many(&reads).await.map_err(kv_error)?;
        self.install_parts(space, head, parts, results)
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
    #[cfg(test)]
    pub(crate) async fn search_at(
        &self,
        space: &str,
        head: &IndexHead,
        q: &IndexQuery,
    ) -> Result<Vec<IndexHit>> {
        if head.docs == 0 {
            return Ok(Vec::new());
        }
        let (text_terms, exact_terms) = query_terms(&Tokenizer::new(), &q.text);
        let mut want = Vec::new();
        if q.channels[0] {
            want.extend(text_terms);
        }
        if q.channels[2] {
            want.extend(exact_terms);
        }
        self.load_index(space, head, &want, q.channels[1] && q.vector.is_some())
            .await?;
        self.search_loaded(space, head, q)
    }

    /// Runs the channels of `q` over the cached index of a space (loaded by
    /// [`Memspace::load_index`] for this query's terms; a part not loaded counts as empty).
    pub(crate) fn search_loaded(
        &self,
        space: &str,
        head: &IndexHead,
        q: &IndexQuery,
    ) -> Result<Vec<IndexHit>> {
        if head.docs == 0 {
            return Ok(Vec::new());
        }
        let tok = Tokenizer::new();
        let (text_terms, exact_terms) = query_terms(&tok, &q.text);
        let use_vec =
            q.channels[1] && q.vector.is_some() && head.model.is_some() && head.vectors > 0;

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
                let postings = term_postings(s, t);
                let idf = bm25::idf(n, postings.len() as u64);
                idf_sum += idf;
                for p in postings {
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
                candidates.extend(term_postings(s, t).into_iter().map(|p| p.ord));
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
            let f = &s.vectors;
            scan_slots(&f.data, &f.scales, f.dims, 0, &qv, &admits, &mut top);
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

/// The postings of one term: its cached pages merged with the delta records (a delta posting
/// replaces a page posting of the same ordinal).
fn term_postings<'a>(s: &'a super::cache::SpaceIndex, term: &str) -> Vec<&'a Posting> {
    let pages = s.terms.get(term);
    let delta = s.delta.terms.get(term);
    let shadowed: HashSet<u32> = delta.iter().flat_map(|d| d.iter().map(|p| p.ord)).collect();
    let mut out: Vec<&Posting> = pages
        .iter()
        .flat_map(|p| p.pages.values())
        .flat_map(|page| page.postings.iter())
        .filter(|p| shadowed.is_empty() || !shadowed.contains(&p.ord))
        .collect();
    out.extend(delta.iter().flat_map(|d| d.iter()));
    out
}
