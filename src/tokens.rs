//! Token estimate for the `tokenCount` lifecycle trigger, used when the host supplies no
//! tokenizer. See docs/tokens.md for its measured error against a real tokenizer.

/// Estimated token count of `text` (cl100k-like; never panics, O(len)).
pub fn estimate_tokens(text: &str) -> u64 {
    (text.len() as u64).div_ceil(4)
}
