//! The doc table: per indexed memory, what recall filters and biases on without reading
//! the record (id, type, subtype, tags, importance, times, validity). Docs of ordinals
//! `[b·32, (b+1)·32)` share one page `rd/space/b` (a few KB).
//!
//! The table is a copy for speed, written in the same commit as the record; recall still
//! reads the records it returns and drops any whose record disagrees.

use super::bytes::{Reader, Writer};
use crate::error::{Error, Result};
use std::rc::Rc;

/// Ordinals per doc page.
pub const DOC_BUCKET: u32 = 32;
/// Page kind byte.
const KIND: u8 = 0x44;
/// Stored for "no time".
const NONE: i64 = i64::MIN;

/// What the index knows of one memory.
#[derive(Debug, Clone, PartialEq)]
pub struct DocMeta {
    /// The memory's id.
    pub memory_id: String,
    /// Memory type (`episodic`, `semantic`, …).
    pub kind: String,
    /// Subtype, empty when none.
    pub subtype: String,
    /// Hashes of the memory's tags (see [`tag_hash`]), sorted.
    pub tags: Vec<u32>,
    /// Importance 0–1.
    pub importance: f32,
    /// Creation time (µs since the epoch).
    pub created_at: i64,
    /// When the fact became true (µs).
    pub valid_at: i64,
    /// When it stopped being true (superseded), if it did.
    pub invalid_at: Option<i64>,
    /// When it expires, if it does.
    pub expires_at: Option<i64>,
    /// Per tag and logical key, the hashes ([`tag_hash`]) of its words (exact channel).
    pub exact: Vec<Vec<u32>>,
    /// Every term the memory's postings are under (text and exact-channel terms): what a
    /// re-index or forget removes, without needing the old text.
    pub terms: Vec<String>,
    /// Document length in text terms (BM25).
    pub len: u32,
    /// crc32 of the indexed text (an unchanged text keeps its vector).
    pub text_hash: u32,
}

/// A stable 32-bit hash of a tag (FNV-1a); collisions only widen a filter, and recall
/// checks the records it returns.
pub fn tag_hash(tag: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in tag.as_bytes() {
        h ^= *b as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

impl DocMeta {
    /// True when the memory was valid (became true, not yet superseded, not expired) at `t`.
    pub fn valid_at_time(&self, t: i64) -> bool {
        self.valid_at <= t
            && self.invalid_at.is_none_or(|i| t < i)
            && self.expires_at.is_none_or(|e| t < e)
    }
}

/// Up to [`DOC_BUCKET`] docs by slot (shared, so copying a page for a write is cheap).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocPage {
    /// Page number.
    pub bucket: u32,
    /// Docs by slot (`ord % DOC_BUCKET`), in slot order.
    pub docs: Vec<(u16, Rc<DocMeta>)>,
    /// Decoded for queries only ([`DocPage::decode_light`]): every doc's `terms` is empty.
    pub light: bool,
}

/// The doc page of an ordinal.
pub fn doc_bucket(ord: u32) -> u32 {
    ord / DOC_BUCKET
}

fn opt(t: Option<i64>) -> i64 {
    t.unwrap_or(NONE)
}

fn unopt(t: i64) -> Option<i64> {
    (t != NONE).then_some(t)
}

impl DocPage {
    /// An empty page.
    pub fn new(bucket: u32) -> Self {
        DocPage {
            bucket,
            docs: Vec::new(),
            light: false,
        }
    }

    /// Sets the doc of `ord` (which must belong to this page).
    pub fn set(&mut self, ord: u32, doc: DocMeta) {
        self.set_shared(ord, Rc::new(doc));
    }

    /// Sets the doc of `ord` to an entry shared with its holder (a delta record being
    /// folded into the page: no copy).
    pub fn set_shared(&mut self, ord: u32, doc: Rc<DocMeta>) {
        let slot = (ord % DOC_BUCKET) as u16;
        match self.docs.binary_search_by_key(&slot, |d| d.0) {
            Ok(i) => self.docs[i].1 = doc,
            Err(i) => self.docs.insert(i, (slot, doc)),
        }
    }

    /// Removes the doc of `ord`.
    pub fn remove(&mut self, ord: u32) {
        let slot = (ord % DOC_BUCKET) as u16;
        if let Ok(i) = self.docs.binary_search_by_key(&slot, |d| d.0) {
            self.docs.remove(i);
        }
    }

    /// The doc of `ord`.
    pub fn get(&self, ord: u32) -> Option<&DocMeta> {
        let slot = (ord % DOC_BUCKET) as u16;
        let i = self.docs.binary_search_by_key(&slot, |d| d.0).ok()?;
        Some(&self.docs[i].1)
    }

    /// Encodes the page.
    pub fn encode(&self) -> Result<Vec<u8>> {
        let mut w = Writer::with_capacity(8 + self.docs.len() * 96);
        w.u32(self.bucket).u32(self.docs.len() as u32);
        for (slot, d) in &self.docs {
            w.u16(*slot);
            write_meta(&mut w, d)?;
        }
        Ok(w.seal(KIND))
    }

    /// Decodes a page.
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        Self::decode_with(bytes, true)
    }

    /// Decodes a page for queries: everything but the docs' `terms` (what a write needs to
    /// remove old postings), which are checked and skipped. The page is marked `light`.
    pub fn decode_light(bytes: &[u8]) -> Result<Self> {
        Self::decode_with(bytes, false)
    }

    fn decode_with(bytes: &[u8], with_terms: bool) -> Result<Self> {
        let mut r = Reader::open(bytes, KIND)?;
        let bucket = r.u32()?;
        let n = r.u32()? as usize;
        if n > DOC_BUCKET as usize {
            return Err(Error::storage("doc page holds too many docs"));
        }
        let mut docs = Vec::with_capacity(n);
        for _ in 0..n {
            let slot = r.u16()?;
            docs.push((slot, Rc::new(read_meta(&mut r, with_terms)?)));
        }
        if !r.done()
            || docs.iter().any(|d| d.0 as u32 >= DOC_BUCKET)
            || docs.windows(2).any(|w| w[0].0 >= w[1].0)
        {
            return Err(Error::storage("doc page is malformed"));
        }
        Ok(DocPage {
            bucket,
            docs,
            light: !with_terms,
        })
    }
}

/// Writes one doc entry (the doc-page format, shared with delta records).
pub(crate) fn write_meta(w: &mut Writer, d: &DocMeta) -> Result<()> {
    w.str(&d.memory_id)?.str(&d.kind)?.str(&d.subtype)?;
    w.u16(u16::try_from(d.tags.len()).map_err(|_| Error::storage("too many tags"))?);
    for t in &d.tags {
        w.u32(*t);
    }
    w.f32(d.importance).i64(d.created_at).i64(d.valid_at);
    w.i64(opt(d.invalid_at)).i64(opt(d.expires_at));
    w.u32(d.len).u32(d.text_hash);
    w.u16(u16::try_from(d.terms.len()).map_err(|_| Error::storage("too many terms"))?);
    for t in &d.terms {
        w.str(t)?;
    }
    w.u16(u16::try_from(d.exact.len()).map_err(|_| Error::storage("too many tags"))?);
    for e in &d.exact {
        w.u16(u16::try_from(e.len()).map_err(|_| Error::storage("tag too long"))?);
        for h in e {
            w.u32(*h);
        }
    }
    Ok(())
}

/// Reads one doc entry written by [`write_meta`]; without `with_terms` its terms are
/// checked and skipped.
pub(crate) fn read_meta(r: &mut Reader<'_>, with_terms: bool) -> Result<DocMeta> {
    let memory_id = r.str()?;
    let kind = r.str()?;
    let subtype = r.str()?;
    let nt = r.u16()? as usize;
    let mut tags = Vec::with_capacity(nt.min(256));
    for _ in 0..nt {
        tags.push(r.u32()?);
    }
    let importance = r.f32()?;
    let created_at = r.i64()?;
    let valid_at = r.i64()?;
    let invalid_at = unopt(r.i64()?);
    let expires_at = unopt(r.i64()?);
    let len = r.u32()?;
    let text_hash = r.u32()?;
    let nt = r.u16()? as usize;
    let mut terms = Vec::with_capacity(nt.min(1024));
    for _ in 0..nt {
        if with_terms {
            terms.push(r.str()?);
        } else {
            r.skip_str()?;
        }
    }
    let ne = r.u16()? as usize;
    let mut exact = Vec::with_capacity(ne.min(256));
    for _ in 0..ne {
        let n = r.u16()? as usize;
        let mut e = Vec::with_capacity(n.min(256));
        for _ in 0..n {
            e.push(r.u32()?);
        }
        exact.push(e);
    }
    Ok(DocMeta {
        memory_id,
        kind,
        subtype,
        tags,
        importance,
        created_at,
        valid_at,
        invalid_at,
        expires_at,
        exact,
        terms,
        len,
        text_hash,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: &str) -> DocMeta {
        DocMeta {
            memory_id: id.into(),
            kind: "semantic".into(),
            subtype: String::new(),
            tags: vec![tag_hash("a"), tag_hash("b")],
            importance: 0.5,
            created_at: 10,
            valid_at: 10,
            invalid_at: Some(20),
            expires_at: None,
            exact: vec![vec![1, 2], vec![3]],
            terms: vec!["alic".into(), "\u{1}a".into()],
            len: 3,
            text_hash: 7,
        }
    }

    #[test]
    fn doc_pages_round_trip_and_reject_garbage() {
        let mut p = DocPage::new(1);
        p.set(DOC_BUCKET + 7, doc("m1"));
        p.set(DOC_BUCKET + 2, doc("m2"));
        assert_eq!(p.get(DOC_BUCKET + 7).unwrap().memory_id, "m1");
        let bytes = p.encode().unwrap();
        assert_eq!(DocPage::decode(&bytes).unwrap(), p);
        for cut in 0..bytes.len() {
            assert!(DocPage::decode(&bytes[..cut]).is_err());
        }
        p.remove(DOC_BUCKET + 7);
        assert!(p.get(DOC_BUCKET + 7).is_none());
    }

    #[test]
    fn validity_is_half_open_and_expiry_hides() {
        let mut d = doc("m");
        assert!(
            !d.valid_at_time(9)
                && d.valid_at_time(10)
                && d.valid_at_time(19)
                && !d.valid_at_time(20)
        );
        d.invalid_at = None;
        d.expires_at = Some(15);
        assert!(d.valid_at_time(14) && !d.valid_at_time(15));
    }
}
