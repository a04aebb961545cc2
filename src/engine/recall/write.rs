//! Index writes: from the memories a write changes to Kv ops and preconditions.
//!
//! Order of the ops a plan returns (all before the caller's commit point): posting pages,
//! doc pages, vector pages, ordinal keys (puts, or deletes for pages that became empty),
//! then the index head with a new generation, guarded by `Equals(old head)` (or `Absent`).
//! The head precondition serialises index writers of a space; the caller's own record
//! precondition covers the memory. On a backend without atomic batches the caller journals
//! these ops with its record changes (see docs/storage.md).

use super::cache::{DeltaSet, SpaceIndex};
use super::search::delta_generation;
use crate::codec::envelope;
use crate::engine::{kv_error, layout, Memspace};
use crate::error::Result;
use crate::host::check_embeddings;
use crate::index::delta::{self, DeltaDoc, DeltaPosting, DeltaRecord};
use crate::index::docs::{doc_bucket, tag_hash, DocMeta, DocPage};
use crate::index::head::{EmbeddingModel, IndexHead};
use crate::index::postings::{bucket_of, Posting, PostingPage};
use crate::index::tokenize::Tokenizer;
use crate::index::vectors::{self, per_page, quantize, VectorPage};
use crate::kv::{Op, Precondition};
use crate::time::Timestamp;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

/// Prefix of the exact-channel terms (tag and logical-key words); no text term starts with it.
pub(crate) const EXACT_PREFIX: char = '\u{1}';

/// What the index needs of one memory.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct IndexDoc {
    /// Memory id.
    pub memory_id: String,
    /// Content.
    pub text: String,
    /// A vector for it (the caller's, or none to let the embedder make one).
    pub vector: Option<(Vec<f32>, EmbeddingModel)>,
    /// Type.
    pub kind: String,
    /// Subtype ("" when none).
    pub subtype: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Logical key.
    pub logical_key: Option<String>,
    /// Importance 0–1.
    pub importance: f32,
    /// Creation time.
    pub created_at: Timestamp,
    /// When it became true.
    pub valid_at: Timestamp,
    /// When it stopped being true.
    pub invalid_at: Option<Timestamp>,
    /// When it expires.
    pub expires_at: Option<Timestamp>,
}

/// One memory change. The index keeps what it needs of the memory as indexed before
/// (its terms, length and text hash in the doc table), so callers pass only the new state.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub(crate) enum DocChange {
    /// Index (or re-index) a memory.
    Upsert(IndexDoc),
    /// Remove a memory from the index (forgotten, expired, erased).
    Remove(String),
}

impl DocChange {
    fn memory_id(&self) -> &str {
        match self {
            DocChange::Upsert(d) => &d.memory_id,
            DocChange::Remove(id) => id,
        }
    }
}

/// The index part of a write: ops for the caller's batch and what to cache once committed.
#[derive(Debug, Default)]
pub(crate) struct IndexPlan {
    /// Ops to put before the caller's commit point, in order.
    pub ops: Vec<Op>,
    /// Preconditions to add to the caller's batch.
    pub preconditions: Vec<Precondition>,
    space: String,
    head: IndexHead,
    /// `head` encoded (as put by the plan), for the record cache once committed.
    head_bytes: Vec<u8>,
    postings: Vec<(String, PostingPage)>,
    docs: Vec<DocPage>,
    vectors: Vec<VectorPage>,
    ords: Vec<(String, Option<u32>)>,
    /// The delta record this write adds (by generation), if any.
    delta: Option<(u64, Rc<DeltaRecord>)>,
    /// True when this write folded every delta record into the pages.
    folded: bool,
}

/// Text terms with counts and length, and exact-channel terms, of a doc. The length of a
/// doc's exact-channel postings is its number of exact words (not its text length).
pub(crate) fn doc_terms(t: &Tokenizer, d: &IndexDoc) -> (BTreeMap<String, u32>, u32) {
    let (mut counts, len) = t.term_counts(&d.text);
    // Exact-channel terms: each distinct word of the tags and the key once, tf 1.
    let mut buf = String::new();
    for x in d.tags.iter().chain(d.logical_key.iter()) {
        t.for_each_word(x, |w| {
            buf.clear();
            buf.push(EXACT_PREFIX);
            buf.push_str(w);
            if !counts.contains_key(buf.as_str()) {
                counts.insert(buf.clone(), 1);
            }
        });
    }
    (counts, len)
}

/// The doc-table entry of a doc with its terms.
pub(crate) fn meta_of(
    t: &Tokenizer,
    d: &IndexDoc,
    terms: &BTreeMap<String, u32>,
    len: u32,
) -> DocMeta {
    let exact = d
        .tags
        .iter()
        .chain(d.logical_key.iter())
        .map(|x| {
            let mut w: Vec<u32> = Vec::new();
            t.for_each_word(x, |word| w.push(tag_hash(word)));
            w.sort_unstable();
            w.dedup();
            w
        })
        .filter(|w| !w.is_empty())
        .collect();
    let mut tags: Vec<u32> = d.tags.iter().map(|t| tag_hash(t)).collect();
    tags.sort_unstable();
    tags.dedup();
    DocMeta {
        memory_id: d.memory_id.clone(),
        kind: d.kind.clone(),
        subtype: d.subtype.clone(),
        tags,
        importance: d.importance,
        created_at: d.created_at.0,
        valid_at: d.valid_at.0,
        invalid_at: d.invalid_at.map(|t| t.0),
        expires_at: d.expires_at.map(|t| t.0),
        exact,
        terms: terms.keys().cloned().collect(),
        len,
        text_hash: crate::codec::crc32::hash(d.text.as_bytes()),
    }
}

fn clamp16(n: u32) -> u16 {
    n.min(u16::MAX as u32) as u16
}

/// The postings a doc's terms give it: per term, (tf, length) — the text length for text
/// terms, the number of exact words for exact-channel terms.
fn postings_of(
    terms: &BTreeMap<String, u32>,
    len: u32,
) -> impl Iterator<Item = (&String, (u16, u16))> {
    let exact_len = terms.keys().filter(|t| t.starts_with(EXACT_PREFIX)).count() as u32;
    terms.iter().map(move |(t, tf)| {
        let l = if t.starts_with(EXACT_PREFIX) {
            exact_len
        } else {
            len
        };
        (t, (clamp16(*tf), clamp16(l)))
    })
}

/// What a step of a plan does to the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StepKind {
    /// A memory not indexed before: a delta record can hold it.
    Added,
    /// An indexed memory (in the pages) whose terms and vector stay: only its doc entry.
    Kept,
    /// Anything else (terms or vector change, removal, or a memory still in a delta):
    /// the deltas are folded and the step applied to the pages.
    Changed,
}

/// One memory change, prepared.
struct Step {
    ord: u32,
    old: Option<DocMeta>,
    new: Option<(IndexDoc, BTreeMap<String, u32>, u32)>,
    keep_vector: bool,
    kind: StepKind,
}

/// The delta record of steps that are all `Added` or `Kept` (the statistics are counted
/// here; `Kept` steps rewrite their doc entry in its page, loaded in `work`).
fn delta_of(
    head: &mut IndexHead,
    work: &mut Work,
    prepared: Vec<Step>,
    tok: &Tokenizer,
) -> Result<DeltaRecord> {
    let mut record = DeltaRecord::default();
    for s in prepared {
        let Some((doc, terms, len)) = s.new else {
            return Err(crate::Error::storage(
                "a removal cannot go to a delta record",
            ));
        };
        match s.kind {
            StepKind::Added => {
                let vector = match &doc.vector {
                    Some((v, m)) => {
                        head.check_model(m)?;
                        vectors::validate(v, m.dims as usize)?;
                        if head.model.is_none() {
                            head.model = Some(m.clone());
                        }
                        head.vectors += 1;
                        Some(quantize(v))
                    }
                    None => None,
                };
                head.docs += 1;
                head.total_len += len as u64;
                record.docs.push(DeltaDoc {
                    ord: s.ord,
                    meta: Rc::new(meta_of(tok, &doc, &terms, len)),
                    postings: postings_of(&terms, len)
                        .map(|(term, (tf, len))| DeltaPosting {
                            term: term.clone(),
                            tf,
                            len,
                        })
                        .collect(),
                    vector,
                });
            }
            StepKind::Kept => {
                work.docs
                    .entry(doc_bucket(s.ord))
                    .or_insert_with(|| DocPage::new(doc_bucket(s.ord)))
                    .set(s.ord, meta_of(tok, &doc, &terms, len));
            }
            StepKind::Changed => {
                return Err(crate::Error::storage(
                    "a changed memory cannot go to a delta record",
                ));
            }
        }
    }
    record.docs.sort_by_key(|d| d.ord);
    Ok(record)
}

/// Working copies of the pages one plan touches.
#[derive(Default)]
struct Work {
    postings: HashMap<(String, u32), PostingPage>,
    docs: HashMap<u32, DocPage>,
    vectors: HashMap<u32, VectorPage>,
}

impl Memspace {
    /// Reads a space's index head: from this handle's record cache when it has it (a guess
    /// that the plan's `Equals` precondition checks), else from storage.
    async fn head_for_write(&self, space: &str) -> Result<(IndexHead, Option<Vec<u8>>)> {
        let key = layout::index_head(space);
        // This handle's last write left the head decoded beside its bytes.
        if let Some((head, bytes)) = self.cache.latest::<IndexHead>(&key) {
            return Ok((head.as_ref().clone(), Some(bytes)));
        }
        let bytes = match self.cache.get(&key) {
            Some(b) => Some(b),
            None => {
                let b = self.kv.get(&key).await.map_err(kv_error)?;
                if let Some(b) = &b {
                    self.cache.remember(&key, b);
                }
                b
            }
        };
        let head = match &bytes {
            Some(b) => envelope::decode(b)?,
            None => IndexHead::default(),
        };
        Ok((head, bytes))
    }

    /// Plans the index part of a write of `changes` to memories of `space` (whose ownership
    /// the caller checked; at most one change per memory, the last one wins). Embeds texts
    /// that are new or changed and carry no vector when an embedder is configured.
    pub(crate) async fn plan_index(
        &self,
        space: &str,
        changes: Vec<DocChange>,
    ) -> Result<IndexPlan> {
        let (mut head, head_bytes) = self.head_for_write(space).await?;
        self.index.sync(space, &head);
        let mut last: BTreeMap<String, DocChange> = BTreeMap::new();
        for c in changes {
            last.insert(c.memory_id().to_string(), c);
        }
        let mut changes: Vec<DocChange> = last.into_values().collect();
        let tok = Tokenizer::new();
        let mut plan = IndexPlan {
            space: space.to_string(),
            ..Default::default()
        };

        // 1. Ordinals: known ones from the cache or `rm`, new ones from the head.
        let mut ords: HashMap<String, Option<u32>> = HashMap::new();
        let mut unknown = Vec::new();
        {
            let map = self.index.0.borrow();
            let cached = map.get(space);
            for c in &changes {
                match cached.and_then(|s| s.ords.get(c.memory_id())) {
                    Some(o) => {
                        ords.insert(c.memory_id().to_string(), Some(*o));
                    }
                    None => unknown.push(c.memory_id().to_string()),
                }
            }
        }
        if !unknown.is_empty() {
            let keys: Vec<Vec<u8>> = unknown
                .iter()
                .map(|m| layout::index_ord(space, m))
                .collect();
            let vals = self.kv.get_many(&keys).await.map_err(kv_error)?;
            for (m, v) in unknown.into_iter().zip(vals) {
                let ord = v.map(|b| decode_ord(&b)).transpose()?;
                ords.insert(m, ord);
            }
        }
        let mut steps: Vec<(u32, bool, DocChange)> = Vec::new(); // (ord, was indexed, change)
        for c in changes.drain(..) {
            match (ords.get(c.memory_id()).copied().flatten(), &c) {
                (Some(o), _) => steps.push((o, true, c)),
                (None, DocChange::Upsert(_)) => {
                    let o = head.next_ord;
                    head.next_ord = head.next_ord.checked_add(1).ok_or_else(|| {
                        crate::Error::new(
                            crate::ErrorCode::Quota,
                            "the recall index is out of ordinals; rebuild it",
                        )
                    })?;
                    steps.push((o, false, c));
                }
                (None, DocChange::Remove(_)) => {} // never indexed
            }
        }

        // 2. Doc pages and delta records: what each memory was indexed as.
        let mut work = Work::default();
        // Only the steps' memories that were indexed before (a write must not copy the whole
        // delta set; an ordinal just taken from the head is in no delta and no doc page).
        let step_ords: BTreeSet<u32> = steps.iter().filter(|s| s.1).map(|s| s.0).collect();
        // The delta records: now if a step's memory may be in one, else only for a fold.
        let mut deltas = if head.deltas > 0 && !step_ords.is_empty() {
            self.load_deltas(space, &head).await?
        } else {
            Vec::new()
        };
        let delta_meta: HashMap<u32, DocMeta> = if step_ords.is_empty() {
            HashMap::new()
        } else {
            deltas
                .iter()
                .flat_map(|(_, r)| r.docs.iter())
                .filter(|d| step_ords.contains(&d.ord))
                .map(|d| (d.ord, d.meta.as_ref().clone()))
                .collect()
        };
        let doc_buckets: BTreeSet<u32> = step_ords.iter().map(|o| doc_bucket(*o)).collect();
        self.load_pages(
            space,
            &head,
            &BTreeSet::new(),
            &doc_buckets,
            &BTreeSet::new(),
            &mut work,
        )
        .await?;
        let old_meta = |work: &Work, ord: u32| {
            delta_meta.get(&ord).cloned().or_else(|| {
                work.docs
                    .get(&doc_bucket(ord))
                    .and_then(|p| p.get(ord))
                    .cloned()
            })
        };

        // 3. Vectors for new or changed texts.
        if let Some(embedder) = self.embedder.clone() {
            let mut idx = Vec::new();
            let mut texts = Vec::new();
            for (i, (ord, _, c)) in steps.iter().enumerate() {
                if let DocChange::Upsert(d) = c {
                    let same = old_meta(&work, *ord).is_some_and(|m| {
                        m.text_hash == crate::codec::crc32::hash(d.text.as_bytes())
                    });
                    if d.vector.is_none() && !same {
                        idx.push(i);
                        texts.push(d.text.clone());
                    }
                }
            }
            if !texts.is_empty() {
                let model = embedder.model();
                let out = embedder.embed(&texts).await?;
                check_embeddings(&model, texts.len(), &out)?;
                for (i, v) in idx.into_iter().zip(out) {
                    if let DocChange::Upsert(d) = &mut steps[i].2 {
                        d.vector = Some((v, model.clone()));
                    }
                }
            }
        }

        // 4. What each step is: a new memory (goes to a delta record), a memory whose terms
        // and vector stay (its doc entry is rewritten in its page), or anything else.
        let mut prepared = Vec::new();
        let mut fold = false;
        let mut new_postings = 0usize;
        for (ord, _, c) in steps {
            let old = old_meta(&work, ord);
            let new = match c {
                DocChange::Upsert(d) => {
                    if let Some((v, m)) = &d.vector {
                        head.check_model(m)?;
                        vectors::validate(v, m.dims as usize)?;
                    }
                    let (t, l) = doc_terms(&tok, &d);
                    Some((d, t, l))
                }
                DocChange::Remove(_) => None,
            };
            let keep_vector = match (&new, &old) {
                (Some(n), Some(o)) => {
                    n.0.vector.is_none()
                        && o.text_hash == crate::codec::crc32::hash(n.0.text.as_bytes())
                }
                _ => false,
            };
            let kind = match (&new, &old) {
                (Some(n), None) => {
                    new_postings += n.1.len();
                    StepKind::Added
                }
                (Some(n), Some(o))
                    if keep_vector
                        && !delta_meta.contains_key(&ord)
                        && o.terms.iter().eq(n.1.keys()) =>
                {
                    StepKind::Kept
                }
                _ => StepKind::Changed,
            };
            fold |= kind == StepKind::Changed;
            prepared.push(Step {
                ord,
                old,
                new,
                keep_vector,
                kind,
            });
        }
        fold |= head.deltas > 0
            && (head.deltas >= self.index.max_deltas()
                || head.delta_postings as usize + new_postings > delta::MAX_POSTINGS as usize);
        for s in &prepared {
            match &s.new {
                Some(n) => plan.ords.push((n.0.memory_id.clone(), Some(s.ord))),
                None => {
                    if let Some(o) = &s.old {
                        plan.ords.push((o.memory_id.clone(), None));
                    }
                }
            }
        }
        if fold {
            if deltas.is_empty() && head.deltas > 0 {
                deltas = self.load_deltas(space, &head).await?;
            }
            self.fold_and_apply(space, &mut head, &deltas, prepared, &mut work, &tok)
                .await?;

            for (g, _) in &deltas {
                plan.ops.push(Op::Delete(layout::index_delta(space, *g)));
            }
            head.deltas = 0;
            head.delta_postings = 0;
            plan.folded = true;
            head.generation += 1;
        } else {
            head.generation += 1;
            let record = delta_of(&mut head, &mut work, prepared, &tok)?;
            if !record.docs.is_empty() {
                let n = record.postings() as u32;
                plan.ops.push(Op::Put(
                    layout::index_delta(space, head.generation),
                    record.encode()?,
                ));
                head.deltas += 1;
                head.delta_postings = head.delta_postings.saturating_add(n);
                plan.delta = Some((head.generation, Rc::new(record)));
            }
        }
        self.finish_plan(space, plan, work, head, head_bytes)
    }

    /// Reads a space's delta records (from this handle's cache when it holds them all for
    /// `head`'s generation), oldest first.
    async fn load_deltas(
        &self,
        space: &str,
        head: &IndexHead,
    ) -> Result<Vec<(u64, Rc<DeltaRecord>)>> {
        {
            let map = self.index.0.borrow();
            if let Some(s) = map
                .get(space)
                .filter(|s| s.head.generation == head.generation && s.delta.complete)
            {
                return Ok(s
                    .delta
                    .records
                    .iter()
                    .map(|(g, r)| (*g, r.clone()))
                    .collect());
            }
        }
        let rows = self
            .kv
            .scan(&layout::index_deltas_of(space), usize::MAX, false)
            .await
            .map_err(kv_error)?;
        rows.into_iter()
            .map(|(k, v)| Ok((delta_generation(&k)?, Rc::new(DeltaRecord::decode(&v)?))))
            .collect()
    }

    /// The fold: every delta record's entries go into the pages, then the steps are applied
    /// to the pages (the page-per-term path).
    async fn fold_and_apply(
        &self,
        space: &str,
        head: &mut IndexHead,
        deltas: &[(u64, Rc<DeltaRecord>)],
        prepared: Vec<Step>,
        work: &mut Work,
        tok: &Tokenizer,
    ) -> Result<()> {
        let mut posting_keys: BTreeSet<(&str, u32)> = BTreeSet::new();
        let mut doc_buckets = BTreeSet::new();
        let mut vec_buckets = BTreeSet::new();
        for d in deltas.iter().flat_map(|(_, r)| r.docs.iter()) {
            doc_buckets.insert(doc_bucket(d.ord));
            for p in &d.postings {
                posting_keys.insert((&p.term, bucket_of(d.ord)));
            }
            if let Some(v) = &d.vector {
                vec_buckets.insert((d.ord / per_page(v.q.len()), v.q.len()));
            }
        }
        for s in &prepared {
            // A new memory's doc page was not read before (see `plan_index`): the fold
            // rewrites it, so it must hold the page's other entries.
            doc_buckets.insert(doc_bucket(s.ord));
            for t in s
                .old
                .iter()
                .flat_map(|o| o.terms.iter())
                .chain(s.new.iter().flat_map(|n| n.1.keys()))
            {
                posting_keys.insert((t, bucket_of(s.ord)));
            }
            if !s.keep_vector {
                let given = s
                    .new
                    .as_ref()
                    .and_then(|n| n.0.vector.as_ref())
                    .map(|v| &v.1);
                if let Some(m) = given.or(head.model.as_ref()) {
                    vec_buckets.insert((s.ord / per_page(m.dims as usize), m.dims as usize));
                }
            }
        }
        let doc_buckets: BTreeSet<u32> = doc_buckets
            .into_iter()
            .filter(|b| !work.docs.contains_key(b))
            .collect();
        self.load_pages(space, head, &posting_keys, &doc_buckets, &vec_buckets, work)
            .await?;

        // The deltas, oldest first (their statistics were counted when they were written).
        for d in deltas.iter().flat_map(|(_, r)| r.docs.iter()) {
            let b = bucket_of(d.ord);
            for p in &d.postings {
                work.postings
                    .entry((p.term.clone(), b))
                    .or_insert_with(|| PostingPage::new(b))
                    .upsert(Posting {
                        ord: d.ord,
                        tf: p.tf,
                        len: p.len,
                    });
            }
            work.docs
                .entry(doc_bucket(d.ord))
                .or_insert_with(|| DocPage::new(doc_bucket(d.ord)))
                .set_shared(d.ord, d.meta.clone());
            if let Some(v) = &d.vector {
                let dims = v.q.len();
                let vb = d.ord / per_page(dims);
                work.vectors
                    .entry(vb)
                    .or_insert_with(|| VectorPage::new(vb, dims))
                    .set(d.ord, v)?;
            }
        }

        // The steps, on the pages.
        for s in prepared {
            let b = bucket_of(s.ord);
            if let Some(o) = &s.old {
                for t in &o.terms {
                    if !s.new.as_ref().is_some_and(|n| n.1.contains_key(t)) {
                        if let Some(p) = work.postings.get_mut(&(t.clone(), b)) {
                            p.remove(s.ord);
                        }
                    }
                }
                // Counted in the statistics only when its doc entry is there (a damaged
                // index may have an ordinal without one; `reindex` recounts at its end).
                head.docs = head.docs.saturating_sub(1);
                head.total_len = head.total_len.saturating_sub(o.len as u64);
            }
            let db = work
                .docs
                .entry(doc_bucket(s.ord))
                .or_insert_with(|| DocPage::new(doc_bucket(s.ord)));
            match s.new {
                Some((doc, terms, len)) => {
                    for (t, posting) in postings_of(&terms, len) {
                        work.postings
                            .entry((t.clone(), b))
                            .or_insert_with(|| PostingPage::new(b))
                            .upsert(Posting {
                                ord: s.ord,
                                tf: posting.0,
                                len: posting.1,
                            });
                    }
                    db.set(s.ord, meta_of(tok, &doc, &terms, len));
                    head.docs += 1;
                    head.total_len += len as u64;
                    if !s.keep_vector {
                        apply_vector(head, work, s.ord, doc.vector.as_ref())?;
                    }
                }
                None => {
                    db.remove(s.ord);
                    apply_vector(head, work, s.ord, None)?;
                }
            }
        }
        Ok(())
    }

    /// Turns the working pages into ops (pages, ordinals, head last) and the plan.
    fn finish_plan(
        &self,
        space: &str,
        mut plan: IndexPlan,
        work: Work,
        head: IndexHead,
        head_bytes: Option<Vec<u8>>,
    ) -> Result<IndexPlan> {
        let mut postings: Vec<_> = work.postings.into_iter().collect();
        postings.sort_by(|a, b| a.0.cmp(&b.0));
        for ((term, bucket), page) in postings {
            let key = layout::postings(space, &term, bucket);
            if page.postings.is_empty() {
                plan.ops.push(Op::Delete(key));
            } else {
                plan.ops.push(Op::Put(key, page.encode()));
            }
            plan.postings.push((term, page));
        }
        let mut docs: Vec<_> = work.docs.into_values().collect();
        docs.sort_by_key(|p| p.bucket);
        for page in docs {
            let key = layout::doc_page(space, page.bucket);
            if page.docs.is_empty() {
                plan.ops.push(Op::Delete(key));
            } else {
                plan.ops.push(Op::Put(key, page.encode()?));
            }
            plan.docs.push(page);
        }
        let mut vecs: Vec<_> = work.vectors.into_values().collect();
        vecs.sort_by_key(|p| p.bucket);
        for page in vecs {
            let key = layout::vectors(space, page.bucket);
            if page.is_empty() {
                plan.ops.push(Op::Delete(key));
            } else {
                plan.ops.push(Op::Put(key, page.encode()));
            }
            plan.vectors.push(page);
        }
        for (m, ord) in &plan.ords {
            let key = layout::index_ord(space, m);
            match ord {
                Some(o) => plan.ops.push(Op::Put(key, o.to_le_bytes().to_vec())),
                None => plan.ops.push(Op::Delete(key)),
            }
        }
        let head_key = layout::index_head(space);
        plan.preconditions.push(match head_bytes {
            Some(b) => Precondition::Equals(head_key.clone(), b),
            None => Precondition::Absent(head_key.clone()),
        });
        let bytes = envelope::encode(&head)?;
        plan.head_bytes = bytes.clone();
        plan.ops.push(Op::Put(head_key, bytes));
        plan.head = head;
        Ok(plan)
    }

    /// Installs a committed plan's pages into this handle's index cache.
    pub(crate) fn install_index_plan(&self, plan: IndexPlan) {
        self.cache.remember_decoded(
            &layout::index_head(&plan.space),
            &plan.head_bytes,
            Rc::new(plan.head.clone()),
        );
        let mut map = self.index.0.borrow_mut();
        let s = map
            .entry(plan.space.clone())
            .or_insert_with(|| SpaceIndex::new(plan.head.clone()));
        if s.head.generation + 1 != plan.head.generation {
            *s = SpaceIndex::new(plan.head.clone());
        }
        s.head = plan.head;
        for (term, page) in plan.postings {
            let e = s.terms.entry(term).or_default();
            if page.postings.is_empty() {
                e.pages.remove(&page.bucket);
            } else {
                e.pages.insert(page.bucket, page);
            }
        }
        for page in plan.docs {
            if page.docs.is_empty() {
                s.docs.remove(&page.bucket);
            } else {
                s.docs.insert(page.bucket, page);
            }
        }
        for page in plan.vectors {
            if page.is_empty() {
                s.vectors.remove_page(page.bucket);
            } else {
                s.vectors.put_page(&page);
            }
        }
        for (m, ord) in plan.ords {
            match ord {
                Some(o) => s.ords.insert(m, o),
                None => s.ords.remove(&m),
            };
        }
        if plan.folded {
            s.delta = DeltaSet {
                complete: true,
                ..Default::default()
            };
        }
        if let Some((generation, rec)) = plan.delta {
            for d in &rec.docs {
                if let Some(v) = &d.vector {
                    s.vectors.put_slot(d.ord, v.scale, &v.q);
                }
            }
            s.delta.add(generation, rec);
        }
    }

    /// Fills `work` with the pages named, from the cache or storage.
    async fn load_pages(
        &self,
        space: &str,
        head: &IndexHead,
        postings: &BTreeSet<(&str, u32)>,
        docs: &BTreeSet<u32>,
        vecs: &BTreeSet<(u32, usize)>,
        work: &mut Work,
    ) -> Result<()> {
        enum Want {
            P(String, u32),
            D(u32),
            V(u32, usize),
        }
        let mut wants = Vec::new();
        let mut keys = Vec::new();
        {
            let map = self.index.0.borrow();
            let cached = map
                .get(space)
                .filter(|s| s.head.generation == head.generation);
            for (t, b) in postings {
                let tp = cached.and_then(|s| s.terms.get(*t));
                match tp.and_then(|tp| tp.pages.get(b)) {
                    Some(p) => {
                        work.postings.insert((t.to_string(), *b), p.clone());
                    }
                    None if tp.is_some_and(|tp| tp.complete) => {}
                    None => {
                        keys.push(layout::postings(space, t, *b));
                        wants.push(Want::P(t.to_string(), *b));
                    }
                }
            }
            for b in docs {
                // A page read for queries only lacks the terms a write needs: read it again.
                match cached.and_then(|s| s.docs.get(b)) {
                    Some(p) if !p.light => {
                        work.docs.insert(*b, p.clone());
                    }
                    None if cached.is_some_and(|s| s.docs_complete) => {}
                    _ => {
                        keys.push(layout::doc_page(space, *b));
                        wants.push(Want::D(*b));
                    }
                }
            }
            for (b, dims) in vecs {
                match cached.and_then(|s| s.vectors.page(*b, *dims)) {
                    Some(p) => {
                        work.vectors.insert(*b, p);
                    }
                    None if cached.is_some_and(|s| s.vectors_complete) => {}
                    None => {
                        keys.push(layout::vectors(space, *b));
                        wants.push(Want::V(*b, *dims));
                    }
                }
            }
        }
        if keys.is_empty() {
            return Ok(());
        }
        let vals = self.kv.get_many(&keys).await.map_err(kv_error)?;
        for (w, v) in wants.into_iter().zip(vals) {
            let Some(bytes) = v else { continue };
            match w {
                Want::P(t, b) => {
                    work.postings.insert((t, b), PostingPage::decode(&bytes)?);
                }
                Want::D(b) => {
                    work.docs.insert(b, DocPage::decode(&bytes)?);
                }
                Want::V(b, dims) => {
                    work.vectors.insert(b, VectorPage::decode(&bytes, dims)?);
                }
            }
        }
        Ok(())
    }
}

/// Sets (checking the space's model) or clears the vector of `ord`.
fn apply_vector(
    head: &mut IndexHead,
    work: &mut Work,
    ord: u32,
    v: Option<&(Vec<f32>, EmbeddingModel)>,
) -> Result<()> {
    match v {
        Some((vector, model)) => {
            head.check_model(model)?;
            vectors::validate(vector, model.dims as usize)?;
            if head.model.is_none() {
                head.model = Some(model.clone());
            }
            let dims = model.dims as usize;
            let b = ord / per_page(dims);
            let page = work
                .vectors
                .entry(b)
                .or_insert_with(|| VectorPage::new(b, dims));
            if page.get(ord).is_none() {
                head.vectors += 1;
            }
            page.set(ord, &quantize(vector))?;
        }
        None => {
            if let Some(m) = &head.model {
                let b = ord / per_page(m.dims as usize);
                if let Some(page) = work.vectors.get_mut(&b) {
                    if page.get(ord).is_some() {
                        head.vectors = head.vectors.saturating_sub(1);
                        page.clear(ord);
                    }
                }
            }
        }
    }
    Ok(())
}

/// Decodes an ordinal value.
pub(crate) fn decode_ord(b: &[u8]) -> Result<u32> {
    let a: [u8; 4] = b
        .try_into()
        .map_err(|_| crate::Error::storage("index ordinal is malformed"))?;
    Ok(u32::from_le_bytes(a))
}
