//! The embedding capability: an optional, asynchronous host service that turns texts into
//! vectors. It is separate from [`Host`](super::Host) (which is synchronous) and injected
//! with [`Memspace::with_embedder`](crate::Memspace::with_embedder); without one, memories
//! are indexed lexically (and by the vectors callers pass in).

use crate::error::{Error, ErrorCode, Result};
use crate::index::head::EmbeddingModel;
use crate::index::tokenize::Tokenizer;
use std::future::Future;
use std::pin::Pin;

/// A boxed, single-threaded future returned by host capabilities.
pub type HostFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + 'a>>;

/// Turns texts into vectors (one per text, in order, each of the model's dimensions).
pub trait Embedder {
    /// The model the vectors come from; a space keeps vectors of one model only.
    fn model(&self) -> EmbeddingModel;
    /// Embeds `texts`.
    fn embed<'a>(&'a self, texts: &'a [String]) -> HostFuture<'a, Vec<Vec<f32>>>;
}

/// Checks an embedder's answer: one vector per text, each of the model's dimensions and
/// finite. A host that breaks this gets an `unsupported`-free `validation` error naming it.
pub fn check_embeddings(model: &EmbeddingModel, texts: usize, out: &[Vec<f32>]) -> Result<()> {
    if out.len() != texts {
        return Err(Error::new(
            ErrorCode::Validation,
            format!(
                "the embedder returned {} vectors for {texts} texts",
                out.len()
            ),
        )
        .with("field", "embed"));
    }
    for v in out {
        crate::index::vectors::validate(v, model.dims as usize)
            .map_err(|e| e.with("field", "embed"))?;
    }
    Ok(())
}

/// A deterministic embedder for tests, benchmarks and demos (no model, no download).
///
/// A text's vector is the normalised sum of fixed pseudo-random vectors: one per term
/// (after the lexical tokenizer), where terms listed together in a small built-in synonym
/// table share one vector (so "town" lands near "city", as a real model would put them),
/// plus a lighter one per character trigram of each word (so "Jon" lands near "John").
/// It models what recall needs from an embedder — paraphrases close, unrelated texts
/// near-orthogonal — without claiming any real model's quality.
#[derive(Debug)]
pub struct HashEmbedder {
    dims: usize,
    tokenizer: Tokenizer,
    /// Stemmed synonym → group number.
    groups: std::collections::HashMap<String, usize>,
}

/// Groups of words the test embedder treats as one meaning (stemmed forms are derived).
pub const SYNONYMS: &[&[&str]] = &[
    &[
        "city", "town", "live", "lives", "living", "reside", "resides", "moved", "move", "home",
        "based",
    ],
    &[
        "job", "work", "works", "employed", "employer", "company", "career", "position",
    ],
    &["car", "vehicle", "drive", "drives", "automobile"],
    &["doctor", "physician", "medic", "clinic"],
    &[
        "likes",
        "enjoys",
        "loves",
        "fond",
        "favorite",
        "favourite",
        "prefers",
        "preference",
    ],
    &["dislikes", "hates", "avoids", "allergic"],
    &["pet", "dog", "cat", "animal"],
    &["birthday", "born", "birth", "anniversary"],
    &["phone", "telephone", "mobile", "number"],
    &["email", "mail", "address", "inbox"],
    &["meeting", "appointment", "call", "sync", "standup"],
    &["bug", "error", "failure", "crash", "issue", "problem"],
    &[
        "fix",
        "fixed",
        "solution",
        "resolved",
        "patch",
        "workaround",
    ],
    &["deploy", "release", "ship", "rollout", "launch"],
    &["language", "speaks", "speak", "fluent"],
    &["sport", "plays", "play", "team", "game"],
    &["food", "eat", "eats", "diet", "meal", "cuisine"],
    &["travel", "trip", "flight", "vacation", "holiday", "visit"],
    &[
        "study",
        "studies",
        "university",
        "school",
        "degree",
        "college",
    ],
    &["partner", "wife", "husband", "spouse", "married"],
];

impl HashEmbedder {
    /// A test embedder of `dims` dimensions (model id `memspace-hash-<dims>`).
    pub fn new(dims: usize) -> Self {
        let tokenizer = Tokenizer::new();
        let mut groups = std::collections::HashMap::new();
        for (i, group) in SYNONYMS.iter().enumerate() {
            for w in *group {
                if let Some(t) = tokenizer.terms(w).into_iter().next() {
                    groups.entry(t).or_insert(i);
                }
            }
        }
        HashEmbedder {
            dims: dims.clamp(1, crate::index::vectors::MAX_DIMS),
            tokenizer,
            groups,
        }
    }

    /// The vector of one text (unit length; a text without words gets a fixed vector).
    pub fn vector(&self, text: &str) -> Vec<f32> {
        let mut acc = vec![0f32; self.dims];
        for term in self.tokenizer.terms(text) {
            add_hashed(&mut acc, self.concept(&term), 1.0);
        }
        let mut chars: Vec<char> = Vec::with_capacity(32);
        let mut buf = [0u8; 4];
        for word in text.split(|c: char| !c.is_alphanumeric()) {
            chars.clear();
            chars.push('^');
            chars.extend(word.chars().flat_map(char::to_lowercase));
            chars.push('$');
            if chars.len() < 5 {
                continue; // single letters and two-letter words carry no trigram signal
            }
            for w in chars.windows(3) {
                let mut h = Fnv::new();
                h.write(b"3:");
                for c in w {
                    h.write(c.encode_utf8(&mut buf).as_bytes());
                }
                add_hashed(&mut acc, h.0, 0.25);
            }
        }
        if acc.iter().all(|x| *x == 0.0) {
            add_hashed(&mut acc, 1, 1.0);
        }
        crate::index::vectors::normalize(&acc)
    }

    fn concept(&self, term: &str) -> u64 {
        match self.groups.get(term) {
            Some(i) => fnv(&format!("syn:{i}")),
            None => {
                let mut h = Fnv::new();
                h.write(b"t:");
                h.write(term.as_bytes());
                h.0
            }
        }
    }
}

/// FNV-1a, 64 bits.
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= *b as u64;
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

fn fnv(s: &str) -> u64 {
    let mut h = Fnv::new();
    h.write(s.as_bytes());
    h.0
}

/// Adds `weight ×` the pseudo-random ±1 vector seeded by `key` (splitmix64 bits).
fn add_hashed(acc: &mut [f32], key: u64, weight: f32) {
    let mut s = key;
    let mut bits = 0u64;
    for (i, a) in acc.iter_mut().enumerate() {
        if i % 64 == 0 {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            bits = z ^ (z >> 31);
        }
        *a += if bits & 1 == 1 { weight } else { -weight };
        bits >>= 1;
    }
}

impl Embedder for HashEmbedder {
    fn model(&self) -> EmbeddingModel {
        EmbeddingModel {
            id: format!("memspace-hash-{}", self.dims),
            dims: self.dims as u32,
        }
    }

    fn embed<'a>(&'a self, texts: &'a [String]) -> HostFuture<'a, Vec<Vec<f32>>> {
        let out = texts.iter().map(|t| self.vector(t)).collect();
        Box::pin(async move { Ok(out) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::simd::dot_f32;

    #[test]
    fn test_embedder_is_deterministic_and_puts_paraphrases_close() {
        let e = HashEmbedder::new(384);
        let a = e.vector("Alice lives in Lisbon");
        assert_eq!(a, e.vector("Alice lives in Lisbon"));
        let para = e.vector("Which town is Alice based in?");
        let other = e.vector("The deploy failed with a crash");
        assert!(dot_f32(&a, &para) > dot_f32(&a, &other) + 0.2);
        let near = dot_f32(&e.vector("Jonathan Mills"), &e.vector("Johnathan Mills"));
        assert!(near > 0.5, "{near}");
        assert_eq!(e.vector("").len(), 384);
        check_embeddings(&e.model(), 1, &[e.vector("x")]).unwrap();
        assert!(check_embeddings(&e.model(), 2, &[e.vector("x")]).is_err());
    }
}
