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

    /// The terms of `text`, in order, repeats included.
    pub fn terms(&self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for word in text.unicode_words() {
            if let Some(t) = self.term(word) {
                out.push(t);
            }
        }
        out
    }

    /// Term frequencies of `text` and its length in terms (the BM25 document length).
    pub fn term_counts(&self, text: &str) -> (BTreeMap<String, u32>, u32) {
        let mut counts = BTreeMap::new();
        let mut len = 0u32;
        for t in self.terms(text) {
            *counts.entry(t).or_insert(0u32) += 1;
            len = len.saturating_add(1);
        }
        (counts, len)
    }

    /// The terms of a tag or logical key (for the exact tag / key channel): also split on
    /// `.`, `_`, `-`, `/` and `:`, stop words kept.
    pub fn words(&self, text: &str) -> Vec<String> {
        text.split(['.', '_', '-', '/', ':'])
            .flat_map(|part| part.unicode_words())
            .map(|w| self.term(w).unwrap_or_else(|| fold(w)))
            .filter(|w| !w.is_empty())
            .collect()
    }

    /// The term of one word, or `None` for a stop word.
    fn term(&self, word: &str) -> Option<String> {
        let lower = fold(word);
        if lower.is_empty() || is_stop_word(&lower) {
            return None;
        }
        if lower.bytes().all(|b| b.is_ascii_lowercase() || b == b'\'') {
            let stem = self.stemmer.stem(&lower).into_owned();
            if !stem.is_empty() {
                return Some(stem);
            }
        }
        Some(lower)
    }
}

/// Lower-cases `word` and cuts it to [`MAX_TERM_CHARS`] characters.
fn fold(word: &str) -> String {
    word.chars()
        .flat_map(char::to_lowercase)
        .take(MAX_TERM_CHARS)
        .collect()
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

    #[test]
    fn logical_keys_split_into_words() {
        let t = Tokenizer::new();
        assert_eq!(t.words("user.home_city"), vec!["user", "home", "citi"]);
    }
}
