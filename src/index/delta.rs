//! Delta records: the index entries of newly indexed memories, written as **one** record per
//! write (key `rx/space/generation`) instead of one posting page per distinct term.
//!
//! A delta record holds, per memory it adds, everything the pages would get: the doc-table
//! entry, the postings (term, tf, length) and the int8 vector. Queries read the (bounded) set
//! of delta records beside the pages and merge them; a write that would change or remove
//! something a delta holds, or that would take the set past its bound, first folds every delta
//! into the pages (and deletes the records) in the same commit.

use super::bytes::{Reader, Writer};
use super::docs::{read_meta, write_meta, DocMeta};
use super::vectors::Quantized;
use crate::error::{Error, Result};
use std::rc::Rc;

/// Page kind byte.
const KIND: u8 = 0x58;
/// Most delta records a space holds before a write folds them into the pages.
pub const MAX_RECORDS: u32 = 256;
/// Most postings the delta records of a space hold before a write folds them.
pub const MAX_POSTINGS: u32 = 16_384;

/// One term of a delta doc.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeltaPosting {
    /// The term (text or exact-channel term).
    pub term: String,
    /// Term frequency (saturated).
    pub tf: u16,
    /// Length the posting carries (text length, or the number of exact words).
    pub len: u16,
}

/// One memory added by a delta record.
#[derive(Debug, Clone, PartialEq)]
pub struct DeltaDoc {
    /// Its ordinal.
    pub ord: u32,
    /// Its doc-table entry (with its terms), shared with the caches that hold it.
    pub meta: Rc<DocMeta>,
    /// Its postings, one per distinct term.
    pub postings: Vec<DeltaPosting>,
    /// Its vector, if it has one.
    pub vector: Option<Quantized>,
}

/// The memories one write added to the index.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeltaRecord {
    /// Docs in ordinal order.
    pub docs: Vec<DeltaDoc>,
}

impl DeltaRecord {
    /// Number of postings the record holds.
    pub fn postings(&self) -> usize {
        self.docs.iter().map(|d| d.postings.len()).sum()
    }

    /// Encodes the record.
    pub fn encode(&self) -> Result<Vec<u8>> {
        let mut w = Writer::with_capacity(64 + self.docs.len() * 256);
        w.u32(self.docs.len() as u32);
        for d in &self.docs {
            w.u32(d.ord);
            write_meta(&mut w, &d.meta)?;
            w.u32(d.postings.len() as u32);
            for p in &d.postings {
                w.str(&p.term)?.u16(p.tf).u16(p.len);
            }
            match &d.vector {
                Some(v) => {
                    w.u32(v.q.len() as u32).f32(v.scale);
                    w.i8s(&v.q);
                }
                None => {
                    w.u32(0);
                }
            }
        }
        Ok(w.seal(KIND))
    }

    /// Decodes a record; malformed bytes are a `storage` error.
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::open(bytes, KIND)?;
        let n = r.u32()? as usize;
        let mut docs = Vec::with_capacity(n.min(1024));
        for _ in 0..n {
            let ord = r.u32()?;
            let meta = Rc::new(read_meta(&mut r, true)?);
            let np = r.u32()? as usize;
            let mut postings = Vec::with_capacity(np.min(4096));
            for _ in 0..np {
                postings.push(DeltaPosting {
                    term: r.str()?,
                    tf: r.u16()?,
                    len: r.u16()?,
                });
            }
            let dims = r.u32()? as usize;
            let vector = if dims == 0 {
                None
            } else {
                let scale = r.f32()?;
                let q = r.take(dims)?.iter().map(|x| *x as i8).collect();
                Some(Quantized { q, scale })
            };
            docs.push(DeltaDoc {
                ord,
                meta,
                postings,
                vector,
            });
        }
        if !r.done() {
            return Err(Error::storage("delta record is malformed"));
        }
        Ok(DeltaRecord { docs })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> DeltaRecord {
        DeltaRecord {
            docs: vec![DeltaDoc {
                ord: 7,
                meta: Rc::new(DocMeta {
                    memory_id: "mry_1".into(),
                    kind: "semantic".into(),
                    subtype: String::new(),
                    tags: vec![1, 2],
                    importance: 0.5,
                    created_at: 10,
                    valid_at: 10,
                    invalid_at: None,
                    expires_at: Some(99),
                    exact: vec![vec![3]],
                    terms: vec!["alic".into(), "\u{1}city".into()],
                    len: 2,
                    text_hash: 5,
                }),
                postings: vec![
                    DeltaPosting {
                        term: "alic".into(),
                        tf: 1,
                        len: 2,
                    },
                    DeltaPosting {
                        term: "\u{1}city".into(),
                        tf: 1,
                        len: 1,
                    },
                ],
                vector: Some(Quantized {
                    q: vec![1, -2, 127],
                    scale: 0.25,
                }),
            }],
        }
    }

    #[test]
    fn delta_records_round_trip() {
        let r = record();
        assert_eq!(DeltaRecord::decode(&r.encode().unwrap()).unwrap(), r);
        assert_eq!(r.postings(), 2);
        let mut none = r.clone();
        none.docs[0].vector = None;
        assert_eq!(DeltaRecord::decode(&none.encode().unwrap()).unwrap(), none);
    }

    #[test]
    fn truncated_delta_records_are_errors_not_panics() {
        let bytes = record().encode().unwrap();
        for cut in 0..bytes.len() {
            assert!(DeltaRecord::decode(&bytes[..cut]).is_err());
        }
    }
}
