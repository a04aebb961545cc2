//! Posting pages: for one term, the documents holding it within one bucket of ordinals.
//!
//! Ordinals (small integers the index gives each memory) are grouped in buckets of
//! [`BUCKET`]; a term's postings in bucket `b` are one page, key `rp/space/term/b`. A query
//! reads the pages of its terms only (one prefix scan per term); an insert rewrites one page
//! per distinct term of the memory. A page holds at most [`BUCKET`] postings of 6 bytes, so it
//! stays under 1.6 KB whatever the corpus size (small pages keep an insert's writes small).

use super::bytes::{Reader, Writer};
use crate::error::{Error, Result};

/// Ordinals per posting bucket.
pub const BUCKET: u32 = 256;
/// Page kind byte.
const KIND: u8 = 0x50;

/// One posting: a document (by ordinal) holding the term `tf` times, of length `len` terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Posting {
    /// Document ordinal.
    pub ord: u32,
    /// Term frequency in the document (saturates at 65,535).
    pub tf: u16,
    /// Document length in terms (saturates at 65,535).
    pub len: u16,
}

/// The postings of one term in one bucket, sorted by ordinal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostingPage {
    /// Bucket number (`ord / BUCKET`).
    pub bucket: u32,
    /// Postings in ordinal order, one per document.
    pub postings: Vec<Posting>,
}

/// The bucket of an ordinal.
pub fn bucket_of(ord: u32) -> u32 {
    ord / BUCKET
}

impl PostingPage {
    /// An empty page for `bucket`.
    pub fn new(bucket: u32) -> Self {
        PostingPage {
            bucket,
            postings: Vec::new(),
        }
    }

    /// Sets the posting of `p.ord` (insert or replace).
    pub fn upsert(&mut self, p: Posting) {
        match self.postings.binary_search_by_key(&p.ord, |x| x.ord) {
            Ok(i) => self.postings[i] = p,
            Err(i) => self.postings.insert(i, p),
        }
    }

    /// Removes the posting of `ord`; true if there was one.
    pub fn remove(&mut self, ord: u32) -> bool {
        match self.postings.binary_search_by_key(&ord, |x| x.ord) {
            Ok(i) => {
                self.postings.remove(i);
                true
            }
            Err(_) => false,
        }
    }

    /// Encodes the page.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(8 + self.postings.len() * 6);
        w.u32(self.bucket).u32(self.postings.len() as u32);
        let base = self.bucket.saturating_mul(BUCKET);
        for p in &self.postings {
            w.u16((p.ord.saturating_sub(base)) as u16)
                .u16(p.tf)
                .u16(p.len);
        }
        w.seal(KIND)
    }

    /// Decodes a page; malformed bytes are a `storage` error.
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::open(bytes, KIND)?;
        let bucket = r.u32()?;
        let n = r.u32()? as usize;
        if n > BUCKET as usize {
            return Err(Error::storage("posting page holds too many postings"));
        }
        let base = bucket
            .checked_mul(BUCKET)
            .ok_or_else(|| Error::storage("posting page bucket out of range"))?;
        let mut postings = Vec::with_capacity(n);
        for _ in 0..n {
            let off = r.u16()? as u32;
            if off >= BUCKET {
                return Err(Error::storage("posting outside its bucket"));
            }
            postings.push(Posting {
                ord: base + off,
                tf: r.u16()?,
                len: r.u16()?,
            });
        }
        if !r.done() || postings.windows(2).any(|w| w[0].ord >= w[1].ord) {
            return Err(Error::storage("posting page is malformed"));
        }
        Ok(PostingPage { bucket, postings })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upsert_keeps_order_and_pages_round_trip() {
        let mut p = PostingPage::new(2);
        for ord in [2 * BUCKET + 9, 2 * BUCKET + 1, 2 * BUCKET + 5] {
            p.upsert(Posting { ord, tf: 1, len: 3 });
        }
        p.upsert(Posting {
            ord: 2 * BUCKET + 5,
            tf: 4,
            len: 7,
        });
        assert_eq!(
            p.postings
                .iter()
                .map(|x| (x.ord - 2 * BUCKET, x.tf))
                .collect::<Vec<_>>(),
            vec![(1, 1), (5, 4), (9, 1)]
        );
        assert!(p.remove(2 * BUCKET + 1) && !p.remove(2 * BUCKET + 1));
        assert_eq!(PostingPage::decode(&p.encode()).unwrap(), p);
    }

    #[test]
    fn malformed_pages_are_errors_not_panics() {
        let good = PostingPage {
            bucket: 0,
            postings: vec![Posting {
                ord: 3,
                tf: 1,
                len: 1,
            }],
        }
        .encode();
        for cut in 0..good.len() {
            assert!(PostingPage::decode(&good[..cut]).is_err());
        }
        let huge = PostingPage {
            bucket: u32::MAX,
            postings: vec![],
        }
        .encode();
        assert!(PostingPage::decode(&huge).is_err());
    }
}
