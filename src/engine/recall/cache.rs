//! The per-handle index cache: the pages of each space's recall index this handle has read or
//! written, valid for exactly one index generation.
//!
//! Every index write bumps the head's generation, so a cached space is current iff its
//! generation equals the head's. Readers read the head from storage first (one small get)
//! and drop a space's cache when the generation moved under them (another tab or request
//! wrote); this handle's own committed writes install their pages and new generation, so a
//! tab that writes and recalls keeps its cache warm. Opening a space loads nothing: posting
//! pages come per query term, the doc table and vectors on the first query that needs them.

use crate::engine::memories::MemoryRecord;
use crate::index::delta::DeltaRecord;
use crate::index::docs::{DocMeta, DocPage};
use crate::index::head::IndexHead;
use crate::index::postings::{Posting, PostingPage};
use crate::index::vectors::{per_page, VectorPage};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

/// The cached posting pages of one term.
#[derive(Debug, Default, Clone)]
pub(crate) struct TermPages {
    /// Pages by bucket.
    pub pages: BTreeMap<u32, PostingPage>,
    /// True when every page of the term is here (a query scanned them all).
    pub complete: bool,
}

/// The delta records of a space this handle holds, merged for queries: docs by ordinal,
/// postings by term. Deltas only add memories (anything else folds them first), so a query
/// merges by union, a delta posting winning over a page posting of the same ordinal.
#[derive(Debug, Default)]
pub(crate) struct DeltaSet {
    /// Records held, by generation (their key).
    pub records: BTreeMap<u64, Rc<DeltaRecord>>,
    /// Docs of the records by ordinal.
    pub docs: HashMap<u32, Rc<DocMeta>>,
    /// Postings of the records by term, in no particular order.
    pub terms: HashMap<String, Vec<Posting>>,
    /// True when every record of the head's generation is here.
    pub complete: bool,
}

impl DeltaSet {
    /// Adds a record (a record already held is not added twice).
    pub fn add(&mut self, generation: u64, rec: Rc<DeltaRecord>) {
        if self.records.contains_key(&generation) {
            return;
        }
        for d in &rec.docs {
            // A memory is added once between folds; only a repeat needs its old postings out.
            let again = self.docs.insert(d.ord, d.meta.clone()).is_some();
            for p in &d.postings {
                // The term is copied only when the set does not hold it yet.
                let v = match self.terms.get_mut(p.term.as_str()) {
                    Some(v) => v,
                    None => self.terms.entry(p.term.clone()).or_default(),
                };
                if again {
                    v.retain(|x| x.ord != d.ord);
                }
                v.push(Posting {
                    ord: d.ord,
                    tf: p.tf,
                    len: p.len,
                });
            }
        }
        self.records.insert(generation, rec);
    }

    /// Writes the records' vectors into `flat` (after pages were put there, which would have
    /// left these slots empty).
    pub fn apply_vectors(&self, flat: &mut FlatVectors) {
        for d in self.records.values().flat_map(|r| r.docs.iter()) {
            if let Some(v) = &d.vector {
                flat.put_slot(d.ord, v.scale, &v.q);
            }
        }
    }
}

/// What this handle holds of one space's index.
#[derive(Debug, Default)]
pub(crate) struct SpaceIndex {
    /// The head these pages belong to.
    pub head: IndexHead,
    /// Posting pages by term.
    pub terms: HashMap<String, TermPages>,
    /// Doc pages by bucket.
    pub docs: BTreeMap<u32, DocPage>,
    /// True when every doc page is here.
    pub docs_complete: bool,
    /// Vectors, contiguous by ordinal.
    pub vectors: FlatVectors,
    /// True when every vector page is here.
    pub vectors_complete: bool,
    /// Known memory id → ordinal.
    pub ords: HashMap<String, u32>,
    /// Delta records not yet folded into pages.
    pub delta: DeltaSet,
    /// Memory records read for results (see [`RecordCache`]).
    pub records: RecordCache,
}

/// Most memory records a space's [`RecordCache`] holds (it starts over when full).
const MAX_CACHED_RECORDS: usize = 4096;

/// Memory records this handle read for recall results, valid for exactly one memory-head
/// `seq`. Every memory write commits its records together with a memory head of a higher
/// `seq`, so a record cached at `seq` is the stored one for as long as a head read in the
/// same snapshot as a recall's other reads still has that `seq` (and no pending journal).
/// Records are only ever cached under the `seq` of a head read before (or in the same
/// snapshot as) them, so a cached record is never older than its label.
#[derive(Debug, Default)]
pub(crate) struct RecordCache {
    /// The memory-head `seq` the records belong to (`None`: nothing cached).
    pub seq: Option<u64>,
    /// Records by memory id.
    pub records: HashMap<String, Rc<MemoryRecord>>,
}

impl RecordCache {
    /// The cached record of `id` (of whatever `seq` is cached: the caller checks it).
    pub fn get(&self, id: &str) -> Option<Rc<MemoryRecord>> {
        self.records.get(id).cloned()
    }

    /// Drops everything unless the cache holds `seq`, and labels it `seq`.
    pub fn keep_only(&mut self, seq: u64) {
        if self.seq != Some(seq) {
            self.records.clear();
            self.seq = Some(seq);
        }
    }

    /// Caches `rec` as of memory-head `seq` (read before it or in the same snapshot).
    pub fn put(&mut self, seq: u64, rec: Rc<MemoryRecord>) {
        self.keep_only(seq);
        if self.records.len() >= MAX_CACHED_RECORDS {
            self.records.clear();
        }
        self.records.insert(rec.memory.id.clone(), rec);
    }
}

impl SpaceIndex {
    /// An empty cache for `head`.
    pub fn new(head: IndexHead) -> Self {
        let complete = head.deltas == 0;
        let mut s = SpaceIndex {
            head,
            ..Default::default()
        };
        s.delta.complete = complete;
        s
    }

    /// The doc of `ord`: from a delta record, else from its cached page.
    pub fn doc(&self, ord: u32) -> Option<&DocMeta> {
        if let Some(d) = self.delta.docs.get(&ord) {
            return Some(d);
        }
        self.docs
            .get(&crate::index::docs::doc_bucket(ord))?
            .get(ord)
    }

    /// Bytes held, roughly (for the benchmark's memory report).
    pub fn approx_bytes(&self) -> usize {
        let postings: usize = self
            .terms
            .iter()
            .map(|(t, p)| {
                t.len()
                    + p.pages
                        .values()
                        .map(|x| 16 + x.postings.len() * 12)
                        .sum::<usize>()
            })
            .sum();
        let docs: usize = self
            .docs
            .values()
            .flat_map(|p| p.docs.iter())
            .map(|(_, d)| {
                96 + d.memory_id.len() + d.kind.len() + d.subtype.len() + d.tags.len() * 4
            })
            .sum();
        let vectors = self.vectors.data.capacity() + self.vectors.scales.capacity() * 4;
        let deltas: usize = self
            .delta
            .records
            .values()
            .flat_map(|r| r.docs.iter())
            .map(|d| 160 + d.postings.len() * 40 + d.vector.as_ref().map_or(0, |v| v.q.len()))
            .sum();
        let records: usize = self
            .records
            .records
            .values()
            .map(|r| 256 + r.memory.content.len())
            .sum();
        postings + docs + vectors + deltas + records + self.ords.len() * 48
    }
}

/// Every cached vector of a space in one contiguous array by ordinal, so the exact scan
/// reads memory front to back with no per-page indirection. Filled page by page (the
/// persistence unit stays the page); slots of pages not loaded have scale 0.
#[derive(Debug, Default)]
pub(crate) struct FlatVectors {
    /// Dimensions (0 until the first page).
    pub dims: usize,
    /// Scale by ordinal; 0 = no vector (or its page is not loaded).
    pub scales: Vec<f32>,
    /// `ordinals × dims` int8 components.
    pub data: Vec<i8>,
    /// Pages loaded.
    pub pages: BTreeSet<u32>,
}

impl FlatVectors {
    /// Stores a page (a page of other dimensions starts the array over).
    pub fn put_page(&mut self, p: &VectorPage) {
        if self.dims != p.dims {
            *self = FlatVectors {
                dims: p.dims,
                ..Default::default()
            };
        }
        let per = per_page(p.dims) as usize;
        let start = p.bucket as usize * per;
        let end = start + per;
        if self.scales.len() < end {
            self.scales.resize(end, 0.0);
            self.data.resize(end * p.dims, 0);
        }
        self.scales[start..end].copy_from_slice(&p.scales);
        self.data[start * p.dims..end * p.dims].copy_from_slice(&p.data);
        self.pages.insert(p.bucket);
    }

    /// Stores one vector by ordinal (a vector of other dimensions starts the array over).
    pub fn put_slot(&mut self, ord: u32, scale: f32, q: &[i8]) {
        let dims = q.len();
        if dims == 0 {
            return;
        }
        if self.dims != dims {
            *self = FlatVectors {
                dims,
                ..Default::default()
            };
        }
        let i = ord as usize;
        if self.scales.len() <= i {
            let per = per_page(dims) as usize;
            let end = (i / per + 1) * per;
            self.scales.resize(end, 0.0);
            self.data.resize(end * dims, 0);
        }
        self.scales[i] = scale;
        self.data[i * dims..(i + 1) * dims].copy_from_slice(q);
    }

    /// Drops a page.
    pub fn remove_page(&mut self, bucket: u32) {
        if self.pages.remove(&bucket) && self.dims > 0 {
            let per = per_page(self.dims) as usize;
            let start = bucket as usize * per;
            let end = (start + per).min(self.scales.len());
            if start < end {
                self.scales[start..end].fill(0.0);
                self.data[start * self.dims..end * self.dims].fill(0);
            }
        }
    }

    /// A copy of a loaded page of `dims` dimensions.
    pub fn page(&self, bucket: u32, dims: usize) -> Option<VectorPage> {
        if dims != self.dims || !self.pages.contains(&bucket) {
            return None;
        }
        let per = per_page(dims) as usize;
        let start = bucket as usize * per;
        let mut p = VectorPage::new(bucket, dims);
        p.scales
            .copy_from_slice(self.scales.get(start..start + per)?);
        p.data
            .copy_from_slice(self.data.get(start * dims..(start + per) * dims)?);
        Some(p)
    }
}

/// Cached indexes of the spaces this handle touched, and the plan of the write in flight.
#[derive(Clone, Default)]
pub(crate) struct IndexCache(
    pub(crate) Rc<RefCell<HashMap<String, SpaceIndex>>>,
    pub(crate) Rc<RefCell<HashMap<String, super::IndexPlan>>>,
    /// Benchmarks only: when set, memory writes skip the index (the un-indexed baseline).
    pub(crate) Rc<std::cell::Cell<bool>>,
    /// Tests only: a lower bound on delta records before a fold (0: the default).
    pub(crate) Rc<std::cell::Cell<u32>>,
);

impl IndexCache {
    /// Most delta records a space holds before a write folds them.
    pub fn max_deltas(&self) -> u32 {
        match self.3.get() {
            0 => crate::index::delta::MAX_RECORDS,
            n => n.min(crate::index::delta::MAX_RECORDS),
        }
    }

    /// Plans made for writes not yet committed, by space.
    pub fn pending_plans(&self) -> std::cell::RefMut<'_, HashMap<String, super::IndexPlan>> {
        self.1.borrow_mut()
    }

    /// Makes the cache of `space` match `head`: kept when the generation is the same,
    /// started over otherwise. Returns true when it was kept.
    pub fn sync(&self, space: &str, head: &IndexHead) -> bool {
        let mut map = self.0.borrow_mut();
        match map.get_mut(space) {
            Some(s) if s.head.generation == head.generation => {
                s.head = head.clone();
                true
            }
            _ => {
                map.insert(space.to_string(), SpaceIndex::new(head.clone()));
                false
            }
        }
    }
}
