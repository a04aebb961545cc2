//! The lexical tokenizer: Unicode word segmentation (UAX #29), lower-casing, English stop
//! words and Snowball English stemming.
//!
//! Indexing and querying use the same function, so a query term matches exactly the terms
//! its word would have produced in a memory. Rules, in order:
//! 1. words are the UAX #29 words of the text (punctuation and spaces are not words);
//! 2. a word is lower-cased (Unicode `to_lowercase`); words longer than [`MAX_TERM_CHARS`]
//!    characters are cut to that length (long hashes and blobs stay matchable by prefix);
//! 3. English stop words are dropped;
//! 4. words of ASCII letters (and apostrophes) are stemmed with the Snowball English
//!    algorithm; other words (numbers, other scripts, mixed) are kept as they are.

use rust_stemmers::{Algorithm, Stemmer};
use std::collections::BTreeMap;
use unicode_segmentation::UnicodeSegmentation;

/// Longest term kept, in characters.
pub const MAX_TERM_CHARS: usize = 48;

/// English stop words (a common short list: articles, pronouns, auxiliaries, prepositions).
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "down",
    "during",
    "each",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "me",
    "more",
    "most",
    "my",
    "myself",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "same",
    "she",
    "should",
    "so",
    "some",
    "such",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
];

/// True when `word` (lower-cased) is an English stop word.
pub fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.binary_search(&word).is_ok()
}

/// The tokenizer; cheap to create, reusable.
pub struct Tokenizer {
    stemmer: Stemmer,
}

impl Default for Tokenizer {
    fn default() -> Self {
        Tokenizer {
            stemmer: Stemmer::create(Algorithm::English),
        }
    }
}

impl std::fmt::Debug for Tokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tokenizer(english)")
    }
}

impl Tokenizer {
    /// A tokenizer for English text.
    pub fn new() -> Self {
        Tokenizer::default()
    }

    /// Calls `f` with each term of `text`, in order, repeats included. One pass and one
    /// buffer for the whole text: words are borrowed from `text`, case-folded into the
    /// buffer and stemmed from it (the stemmer allocates only for a word it changes).
    pub fn for_each_term(&self, text: &str, mut f: impl FnMut(&str)) {
        let mut buf = String::with_capacity(MAX_TERM_CHARS);
        for word in text.unicode_words() {
            fold_into(word, &mut buf);
            if !buf.is_empty() && !is_stop_word(&buf) {
                self.stemmed(&buf, &mut f);
            }
        }
    }

    /// The terms of `text`, in order, repeats included.
    pub fn terms(&self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.for_each_term(text, |t| out.push(t.to_string()));
        out
    }

    /// Term frequencies of `text` and its length in terms (the BM25 document length).
    /// A term is copied once, when first seen; repeats only count.
    pub fn term_counts(&self, text: &str) -> (BTreeMap<String, u32>, u32) {
        let mut counts: BTreeMap<String, u32> = BTreeMap::new();
        let mut len = 0u32;
        self.for_each_term(text, |t| {
            len = len.saturating_add(1);
            match counts.get_mut(t) {
                Some(n) => *n += 1,
                None => {
                    counts.insert(t.to_string(), 1);
                }
            }
        });
        (counts, len)
    }

    /// Calls `f` with each term of a tag or logical key (for the exact tag / key channel):
    /// also split on `.`, `_`, `-`, `/` and `:`, stop words kept (case-folded).
    pub fn for_each_word(&self, text: &str, mut f: impl FnMut(&str)) {
        let mut buf = String::with_capacity(MAX_TERM_CHARS);
        for word in text
            .split(['.', '_', '-', '/', ':'])
            .flat_map(|part| part.unicode_words())
        {
            fold_into(word, &mut buf);
            if buf.is_empty() {
                continue;
            }
            if is_stop_word(&buf) {
                f(&buf);
            } else {
                self.stemmed(&buf, &mut f);
            }
        }
    }

    /// The terms of a tag or logical key (see [`Tokenizer::for_each_word`]).
    pub fn words(&self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.for_each_word(text, |w| out.push(w.to_string()));
        out
    }

    /// Calls `f` with the term of a case-folded, non-stop word: its Snowball stem when it is
    /// ASCII letters (and apostrophes) and the stem is not empty, else the word itself.
    fn stemmed(&self, lower: &str, f: &mut impl FnMut(&str)) {
        if !lower.bytes().all(|b| b.is_ascii_lowercase() || b == b'\'') {
            f(lower);
            return;
        }
        STEMS.with(|cache| match cache.try_borrow_mut() {
            Ok(mut cache) => {
                let stem = cache.stem(&self.stemmer, lower);
                f(if stem.is_empty() { lower } else { stem })
            }
            // Only if `f` itself tokenizes: stem without the cache.
            Err(_) => {
                let stem = self.stemmer.stem(lower);
                f(if stem.is_empty() {
                    lower
                } else {
                    stem.as_ref()
                })
            }
        })
    }
}

/// Slots of the stem cache (a power of two).
const STEM_SLOTS: usize = 1024;

/// Stems of recently stemmed words, one slot per hash of the word (direct-mapped, a newer
/// word takes the slot). A pure memo: a word's stem never changes, so a hit gives exactly
/// what the stemmer would. Texts repeat their vocabulary, so most words hit and cost one
/// hash and one compare instead of the Snowball rules and an allocation. The slots' strings
/// are reused, so a miss allocates only when the stemmer changes the word.
struct StemCache {
    /// (word, stem); an empty word is an empty slot (empty words are never stemmed).
    slots: Vec<(String, String)>,
}

impl StemCache {
    /// The stem of `word` (non-empty, ASCII), from its slot or the stemmer.
    fn stem(&mut self, stemmer: &Stemmer, word: &str) -> &str {
        // FNV-1a over the bytes.
        let mut h: u32 = 0x811c_9dc5;
        for b in word.bytes() {
            h = (h ^ b as u32).wrapping_mul(0x0100_0193);
        }
        if self.slots.is_empty() {
            self.slots = vec![(String::new(), String::new()); STEM_SLOTS];
        }
        let slot = &mut self.slots[h as usize & (STEM_SLOTS - 1)];
        if slot.0 != word {
            let stem = stemmer.stem(word);
            slot.0.clear();
            slot.0.push_str(word);
            slot.1.clear();
            slot.1.push_str(&stem);
        }
        &slot.1
    }
}

thread_local! {
    /// The stem cache (wasm32 has one thread; natively one per thread).
    static STEMS: std::cell::RefCell<StemCache> =
        const { std::cell::RefCell::new(StemCache { slots: Vec::new() }) };
}

/// Lower-cases `word` into `buf` (cleared first), cut to [`MAX_TERM_CHARS`] characters.
/// ASCII words (most) are copied and folded in place; others go char by char through
/// Unicode `to_lowercase` (which may lengthen them: the cut counts the folded characters).
fn fold_into(word: &str, buf: &mut String) {
    buf.clear();
    if word.is_ascii() {
        // One byte per character, so the cut is a byte index on a char boundary.
        buf.push_str(&word[..word.len().min(MAX_TERM_CHARS)]);
        buf.make_ascii_lowercase();
    } else {
        buf.extend(
            word.chars()
                .flat_map(char::to_lowercase)
                .take(MAX_TERM_CHARS),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_word_list_is_sorted_for_binary_search() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn words_are_segmented_lowercased_stemmed_and_stop_words_dropped() {
        let t = Tokenizer::new();
        assert_eq!(
            t.terms("The user's Running shoes, and the runner RAN!"),
            vec!["user", "run", "shoe", "runner", "ran"]
        );
        assert_eq!(
            t.terms("Préférences: café 東京 2024"),
            vec!["préférences", "café", "東", "京", "2024"]
        );
    }

    #[test]
    fn query_and_document_forms_meet() {
        let t = Tokenizer::new();
        assert_eq!(t.terms("connections"), t.terms("Connected"));
        assert_eq!(t.terms("preferences"), t.terms("preferred"));
    }

    #[test]
    fn long_words_are_cut_and_no_input_panics() {
        let t = Tokenizer::new();
        let long = "x".repeat(500);
        assert_eq!(t.terms(&long)[0].chars().count(), MAX_TERM_CHARS);
        for s in [
            "",
            "\u{0}\u{1}",
            "🙂🙂 a'b'c '''",
            "ǅemal İstanbul ß",
            "\u{200d}\u{fe0f}",
        ] {
            let _ = t.terms(s);
            let _ = t.words(s);
        }
    }

    /// The tokenizer as it was before the one-pass version (a `String` per word, then a
    /// stemmed copy): the reference the index on disk was written with.
    struct Reference(Stemmer);

    impl Reference {
        fn fold(word: &str) -> String {
            word.chars()
                .flat_map(char::to_lowercase)
                .take(MAX_TERM_CHARS)
                .collect()
        }
        fn term(&self, word: &str) -> Option<String> {
            let lower = Self::fold(word);
            if lower.is_empty() || is_stop_word(&lower) {
                return None;
            }
            if lower.bytes().all(|b| b.is_ascii_lowercase() || b == b'\'') {
                let stem = self.0.stem(&lower).into_owned();
                if !stem.is_empty() {
                    return Some(stem);
                }
            }
            Some(lower)
        }
        fn terms(&self, text: &str) -> Vec<String> {
            text.unicode_words().filter_map(|w| self.term(w)).collect()
        }
        fn words(&self, text: &str) -> Vec<String> {
            text.split(['.', '_', '-', '/', ':'])
                .flat_map(|part| part.unicode_words())
                .map(|w| self.term(w).unwrap_or_else(|| Self::fold(w)))
                .filter(|w| !w.is_empty())
                .collect()
        }
    }

    /// Texts of every kind the index meets: English prose, case, punctuation, contractions,
    /// numbers, identifiers, long blobs, accented Latin, German, Turkish dotted capitals,
    /// Greek, Cyrillic, CJK, Arabic, emoji, combining marks, ligatures, the Kelvin sign (which
    /// lower-cases to ASCII), zero-width characters; then seeded mixtures of their pieces.
    fn corpus() -> Vec<String> {
        let fixed = [
            "The user's Running shoes, and the runner RAN!",
            "Alice moved to Porto in 2024; she prefers dark-mode & PostgreSQL 16.2.",
            "CONNECTIONS connected connecting Connection's generously hopefulness",
            "don't won't it's o'clock rock'n'roll '''quoted''' ’curly’",
            "user.home_city fact/2024:q3 a-b_c.d",
            "e-mail user@example.com https://example.com/path?q=1#frag",
            "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "Préférences: café naïve résumé coöperate Ångström",
            "Straße GROSS Maßstab ẞ",
            "İstanbul IŞIK ılık Iİ",
            "Ἀθῆναι ΣΊΣΥΦΟΣ ὀδυσσεύς",
            "Москва ПРИВЕТ ёжик",
            "東京 大阪 日本語のテキスト 한국어",
            "مرحبا بالعالم",
            "🙂🙂 a'b'c ''' 👩\u{200d}💻 developer ✨",
            "e\u{301}cole cafe\u{301}",
            "ﬃciency ﬁnance ﬂow",
            "\u{212a}elvin \u{212a} KELVIN",
            "zero\u{200b}width\u{200d}join \u{feff}bom",
            "ǅemal ǈ ǋ",
            "MiXeD123abc 123abc abc123 3.14 1,000,000 -42",
            "",
            "   \t\n  ",
            "a an the of and or but",
        ];
        let mut out: Vec<String> = fixed.iter().map(|s| s.to_string()).collect();
        out.push("x".repeat(500));
        out.push("É".repeat(60));
        out.push("İ".repeat(60));
        out.push(format!("{}s", "connect".repeat(10)));
        let pieces: Vec<&str> = fixed
            .iter()
            .flat_map(|s| s.split(' '))
            .filter(|p| !p.is_empty())
            .collect();
        let seps = [
            " ", ", ", ". ", "-", "_", "/", ":", "'", "\n", "…", " — ", "",
        ];
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n as u64) as usize
        };
        for _ in 0..400 {
            let mut s = String::new();
            for _ in 0..1 + next(12) {
                s.push_str(pieces[next(pieces.len())]);
                s.push_str(seps[next(seps.len())]);
            }
            out.push(s);
        }
        out
    }

    #[test]
    fn one_pass_tokenizer_gives_the_same_terms_as_before() {
        let new = Tokenizer::new();
        let old = Reference(Stemmer::create(Algorithm::English));
        for text in corpus() {
            assert_eq!(new.terms(&text), old.terms(&text), "terms of {text:?}");
            assert_eq!(new.words(&text), old.words(&text), "words of {text:?}");
            let old_terms = old.terms(&text);
            let mut counts = BTreeMap::new();
            for t in &old_terms {
                *counts.entry(t.clone()).or_insert(0u32) += 1;
            }
            assert_eq!(
                new.term_counts(&text),
                (counts, old_terms.len() as u32),
                "counts of {text:?}"
            );
        }
    }

    #[test]
    fn cached_stems_equal_the_stemmers_through_evictions() {
        let t = Tokenizer::new();
        let stemmer = Stemmer::create(Algorithm::English);
        // Four times the cache's slots of distinct words, twice over: slots are shared and
        // retaken, and every answer must still be the stemmer's own.
        let words: Vec<String> = (0..4 * STEM_SLOTS)
            .map(|i| {
                let mut w = String::new();
                let mut n = i + 27;
                while n > 0 {
                    w.push((b'a' + (n % 26) as u8) as char);
                    n /= 26;
                }
                w.push_str(["ing", "ed", "s", "ation", "ness", "'s"][i % 6]);
                w
            })
            .filter(|w| !is_stop_word(w))
            .collect();
        for _ in 0..2 {
            for w in &words {
                let want = stemmer.stem(w);
                let want = if want.is_empty() { w.as_str() } else { &want };
                assert_eq!(t.terms(w), vec![want.to_string()], "{w}");
            }
        }
    }

    #[test]
    fn logical_keys_split_into_words() {
        let t = Tokenizer::new();
        assert_eq!(t.words("user.home_city"), vec!["user", "home", "citi"]);
    }
}
