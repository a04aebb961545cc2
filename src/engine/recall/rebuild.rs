//! `reindex` (resumable repair/rebuild of a space's index from its records) and
//! `check_index` (compares index and records; the tests' oracle).

use super::hook::{change_of, doc_of};
use super::write::{doc_terms, meta_of, DocChange};
use crate::codec::envelope;
use crate::engine::memories::MemoryRecord;
use crate::engine::{is_race, kv_error, layout, Memspace, MAX_RETRIES};
use crate::error::{Error, Result};
use crate::index::delta::DeltaRecord;
use crate::index::docs::{DocMeta, DocPage, DOC_BUCKET};
use crate::index::head::IndexHead;
use crate::index::postings::PostingPage;
use crate::index::tokenize::Tokenizer;
use crate::index::vectors::{per_page, VectorPage};
use crate::kv::{Batch, KeyRange};
use crate::model::{IndexCheck, ReindexOptions, ReindexProgress};
use std::collections::{BTreeMap, BTreeSet};

impl Memspace {
    /// Scans a whole key range.
    async fn scan_range(&self, range: KeyRange) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let mut out = Vec::new();
        let mut range = range;
        loop {
            let chunk = self.kv.scan(&range, 512, false).await.map_err(kv_error)?;
            let n = chunk.len();
            if let Some((last, _)) = chunk.last() {
                let mut next = last.clone();
                next.push(0);
                range.start = next;
            }
            out.extend(chunk);
            if n < 512 {
                return Ok(out);
            }
        }
    }

    /// Every delta record of a space, oldest first.
    async fn stored_deltas(&self, space: &str) -> Result<Vec<DeltaRecord>> {
        self.scan_range(layout::index_deltas_of(space))
            .await?
            .into_iter()
            .map(|(_, v)| DeltaRecord::decode(&v))
            .collect()
    }

    /// Every memory record of a space.
    async fn all_records(&self, space: &str) -> Result<Vec<MemoryRecord>> {
        let range = layout::memories_of(space);
        self.scan_range(range)
            .await?
            .into_iter()
            .map(|(_, v)| envelope::decode(&v))
            .collect()
    }

    /// Rebuilds a space's index from its records, one step of `batch_size` memories at a time
    /// (resume with the returned cursor until `done`). Each memory is re-indexed from its
    /// record (terms, doc entry, vector — re-embedded only when its text changed or it had
    /// none); the last step removes index entries that no indexable record backs. Recall keeps
    /// answering correctly during a rebuild: nothing is cleared first.
    pub async fn reindex(&self, space_id: &str, opts: ReindexOptions) -> Result<ReindexProgress> {
        let size = opts.batch_size.unwrap_or(200);
        if !(1..=1000).contains(&size) {
            return Err(Error::validation("batch_size", "must be 1–1000"));
        }
        let (space, _) = self.owned_space(space_id).await?;
        let _write = self.write_lock.acquire().await;
        let mut last = None;
        for _ in 0..MAX_RETRIES {
            match self
                .reindex_step(&space.id, size as usize, opts.cursor.as_deref())
                .await
            {
                Err(e) if is_race(&e) => last = Some(e),
                other => return other,
            }
        }
        Err(last.unwrap_or_else(|| Error::conflict("too much contention")))
    }

    /// Runs [`reindex`](Self::reindex) step after step from `opts.cursor` until the space is
    /// covered, calling `on_progress` after each step with the totals so far; it returning
    /// `false` stops the rebuild there (resume later from the returned `cursor`).
    pub async fn reindex_all(
        &self,
        space_id: &str,
        opts: ReindexOptions,
        on_progress: &mut dyn FnMut(&ReindexProgress) -> bool,
    ) -> Result<ReindexProgress> {
        let mut sum = ReindexProgress {
            cursor: opts.cursor.clone(),
            ..Default::default()
        };
        loop {
            let step = ReindexOptions {
                batch_size: opts.batch_size,
                cursor: sum.cursor.clone(),
            };
            let p = self.reindex(space_id, step).await?;
            sum.processed += p.processed;
            sum.indexed += p.indexed;
            sum.removed += p.removed;
            sum.cursor = p.cursor;
            sum.done = p.done;
            sum.total = p.total;
            if !on_progress(&sum) || sum.done {
                return Ok(sum);
            }
        }
    }

    async fn reindex_step(
        &self,
        space: &str,
        size: usize,
        cursor: Option<&str>,
    ) -> Result<ReindexProgress> {
        let head = self.memory_head(space).await?;
        let mut range = layout::memories_of(space);
        if let Some(c) = cursor {
            let mut start = layout::memory(space, c);
            start.push(0);
            range.start = start;
        }
        let rows = self.kv.scan(&range, size, false).await.map_err(kv_error)?;
        let done = rows.len() < size;
        let c = &head.head.counts;
        let mut progress = ReindexProgress {
            processed: rows.len() as u64,
            done,
            total: c.active + c.superseded + c.forgotten + c.expired + c.deleted,
            ..Default::default()
        };
        let mut changes = Vec::new();
        for (_, v) in &rows {
            let rec: MemoryRecord = envelope::decode(v)?;
            match change_of(None, &rec) {
                Some(c) => {
                    progress.indexed += 1;
                    changes.push(c);
                }
                None => changes.push(DocChange::Remove(rec.memory.id.clone())),
            }
            progress.cursor = Some(rec.memory.id.clone());
        }
        if done {
            // Orphans: doc entries whose record is gone or no longer indexable.
            self.index_head_now(space).await?;
            let live: BTreeSet<String> = self
                .all_records(space)
                .await?
                .iter()
                .filter(|r| r.indexed())
                .map(|r| r.memory.id.clone())
                .collect();
            let mut indexed: BTreeSet<String> = BTreeSet::new();
            for (_, v) in self.scan_range(layout::doc_pages_of(space)).await? {
                indexed.extend(
                    DocPage::decode(&v)?
                        .docs
                        .iter()
                        .map(|d| d.1.memory_id.clone()),
                );
            }
            for r in self.stored_deltas(space).await? {
                indexed.extend(r.docs.into_iter().map(|d| d.meta.memory_id.clone()));
            }
            for id in indexed {
                if !live.contains(&id) {
                    progress.removed += 1;
                    changes.push(DocChange::Remove(id));
                }
            }
            progress.cursor = None;
        }
        if changes.is_empty() {
            return Ok(progress);
        }
        let mut plan = self.plan_index(space, changes).await?;
        let mut batch = Batch::new();
        let mh = layout::memory_head(space);
        match &head.bytes {
            Some(b) => batch.require_equals(mh, b.clone()),
            None => batch.require_absent(mh),
        };
        batch
            .preconditions
            .extend(plan.preconditions.iter().cloned());
        batch.ops = std::mem::take(&mut plan.ops);
        self.commit(batch).await?;
        self.install_index_plan(plan);
        if done {
            self.recount_index(space).await?;
        }
        Ok(progress)
    }

    /// Every indexed doc of a space by ordinal (pages, then delta records) with its length,
    /// and the ordinals that have a vector.
    async fn indexed_docs(
        &self,
        space: &str,
        head: &IndexHead,
    ) -> Result<(BTreeMap<u32, (DocMeta, u32)>, BTreeSet<u32>)> {
        let mut docs = BTreeMap::new();
        for (_, v) in self.scan_range(layout::doc_pages_of(space)).await? {
            let p = DocPage::decode(&v)?;
            for (slot, d) in p.docs {
                let len = d.len;
                docs.insert(
                    p.bucket * DOC_BUCKET + slot as u32,
                    (d.as_ref().clone(), len),
                );
            }
        }
        let mut vectors = BTreeSet::new();
        if let Some(m) = &head.model {
            let per = per_page(m.dims as usize);
            for (_, v) in self.scan_range(layout::vectors_of(space)).await? {
                let p = VectorPage::decode(&v, m.dims as usize)?;
                for (i, s) in p.scales.iter().enumerate() {
                    if *s != 0.0 {
                        vectors.insert(p.bucket * per + i as u32);
                    }
                }
            }
        }
        for r in self.stored_deltas(space).await? {
            for d in r.docs {
                if d.vector.is_some() {
                    vectors.insert(d.ord);
                }
                let len = d.meta.len;
                docs.insert(d.ord, (d.meta.as_ref().clone(), len));
            }
        }
        Ok((docs, vectors))
    }

    /// Recomputes the head's statistics from the doc table, vector pages and delta records
    /// (the end of a rebuild: an index damaged before may have counted wrong).
    async fn recount_index(&self, space: &str) -> Result<()> {
        let key = layout::index_head(space);
        let Some(bytes) = self.kv.get(&key).await.map_err(kv_error)? else {
            return Ok(());
        };
        let mut head: IndexHead = envelope::decode(&bytes)?;
        let (lens, vector_ords) = self.indexed_docs(space, &head).await?;
        let docs = lens.len() as u64;
        let total: u64 = lens.values().map(|(_, l)| *l as u64).sum();
        let vectors = vector_ords.len() as u64;
        let deltas = self.stored_deltas(space).await?;
        let delta_count = deltas.len() as u32;
        let delta_postings = deltas.iter().map(|r| r.postings()).sum::<usize>() as u32;
        if (head.docs, head.total_len, head.vectors) == (docs, total, vectors)
            && (head.deltas, head.delta_postings) == (delta_count, delta_postings)
        {
            return Ok(());
        }
        head.docs = docs;
        head.total_len = total;
        head.vectors = vectors;
        head.deltas = delta_count;
        head.delta_postings = delta_postings;
        head.generation += 1;
        let mut batch = Batch::new();
        batch.require_equals(key.clone(), bytes);
        batch.put(key, envelope::encode(&head)?);
        self.commit(batch).await?;
        self.index_head_now(space).await?;
        Ok(())
    }

    /// Compares a space's index with its records (every term, doc entry, ordinal and the
    /// head's statistics). Used by the tests; cheap enough for a maintenance check.
    pub async fn check_index(&self, space_id: &str) -> Result<IndexCheck> {
        let (space, _) = self.owned_space(space_id).await?;
        self.settle_memories(&space.id).await?;
        let sp = space.id.as_str();
        let head: IndexHead = match self
            .kv
            .get(&layout::index_head(sp))
            .await
            .map_err(kv_error)?
        {
            Some(b) => envelope::decode(&b)?,
            None => IndexHead::default(),
        };
        let tok = Tokenizer::new();
        let records = self.all_records(sp).await?;
        let (indexed, vector_ords) = self.indexed_docs(sp, &head).await?;
        let docs: BTreeMap<u32, DocMeta> = indexed.into_iter().map(|(o, (d, _))| (o, d)).collect();
        let mut ords = BTreeMap::new();
        for (k, v) in self.scan_range(layout::index_ords_of(sp)).await? {
            let id = crate::codec::keys::string_parts(&k)
                .and_then(|mut p| p.pop())
                .unwrap_or_default();
            ords.insert(id, super::write::decode_ord(&v)?);
        }
        // (term, ord) -> (tf, len)
        let mut postings = BTreeMap::new();
        for (k, v) in self.scan_range(layout::postings_of(sp)).await? {
            let p = PostingPage::decode(&v)?;
            let term = crate::codec::keys::string_parts(&k[..k.len().saturating_sub(8)])
                .and_then(|mut p| p.pop())
                .unwrap_or_default();
            for x in p.postings {
                postings.insert((term.clone(), x.ord), (x.tf, x.len));
            }
        }
        let deltas = self.stored_deltas(sp).await?;
        for d in deltas.iter().flat_map(|r| r.docs.iter()) {
            for p in &d.postings {
                postings.insert((p.term.clone(), d.ord), (p.tf, p.len));
            }
        }
        let vector_slots = vector_ords.len() as u64;
        let delta_postings: usize = deltas.iter().map(|r| r.postings()).sum();
        let mut out = IndexCheck {
            indexed: docs.len() as u64,
            ..Default::default()
        };
        let mut expected_postings = BTreeSet::new();
        let mut indexable = BTreeSet::new();
        for r in &records {
            if !r.indexed() {
                continue;
            }
            out.records_indexable += 1;
            let id = r.memory.id.clone();
            indexable.insert(id.clone());
            let Some(ord) = ords.get(&id) else {
                out.missing.push(id);
                continue;
            };
            let doc = doc_of(r);
            let (terms, len) = doc_terms(&tok, &doc);
            let want = meta_of(&tok, &doc, &terms, len);
            let exact_len = terms
                .keys()
                .filter(|t| t.starts_with(super::write::EXACT_PREFIX))
                .count() as u16;
            let mut ok = docs.get(ord) == Some(&want);
            for (t, tf) in &terms {
                let l = if t.starts_with(super::write::EXACT_PREFIX) {
                    exact_len
                } else {
                    len.min(65535) as u16
                };
                expected_postings.insert((t.clone(), *ord));
                ok &= postings.get(&(t.clone(), *ord)) == Some(&((*tf).min(65535) as u16, l));
            }
            if !ok {
                out.stale.push(id);
            }
        }
        for (ord, d) in &docs {
            if !indexable.contains(&d.memory_id) || ords.get(&d.memory_id) != Some(ord) {
                out.orphans.push(d.memory_id.clone());
            }
        }
        for (k, _) in postings.iter() {
            if !expected_postings.contains(k) {
                let who = docs
                    .get(&k.1)
                    .map(|d| d.memory_id.clone())
                    .unwrap_or_else(|| format!("ordinal {}", k.1));
                if !out.orphans.contains(&who) && !out.stale.contains(&who) {
                    out.stale.push(who);
                }
            }
        }
        let total: u64 = docs.values().map(|d| d.len as u64).sum();
        out.stats_consistent = head.docs == docs.len() as u64
            && head.total_len == total
            && head.vectors == vector_slots
            && head.deltas as usize == deltas.len()
            && head.delta_postings as usize == delta_postings
            && docs.keys().all(|o| *o < head.next_ord);
        Ok(out)
    }
}
