//! BM25 (Robertson–Spärck Jones idf, Lucene's non-negative form) and the lexical relevance
//! used for thresholds.
//!
//! `score(d) = Σ_t idf(t) · tf·(k1+1) / (tf + k1·(1 − b + b·len/avglen))` over the distinct
//! query terms `t` in `d`, with `idf(t) = ln(1 + (N − df + 0.5)/(df + 0.5))`, `k1 = 1.2`,
//! `b = 0.75`. Scores only rank within one query; for an absolute measure the lexical
//! **relevance** is `min(1, score / Σ_t idf(t))` over *all* distinct query terms: 1.0 when a
//! memory of average length holds every query term once, lower when terms are missing
//! (weighted by how rare they are), and query terms unknown to the index count with the
//! highest idf (they are information the memory does not have).

/// BM25 term-frequency saturation.
pub const K1: f32 = 1.2;
/// BM25 length normalisation.
pub const B: f32 = 0.75;

/// Inverse document frequency of a term held by `df` of `n` documents.
pub fn idf(n: u64, df: u64) -> f32 {
    let n = n.max(df) as f64;
    let df = df as f64;
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln() as f32
}

/// The BM25 contribution of one term occurring `tf` times in a document of `len` terms.
pub fn term_score(idf: f32, tf: u16, len: u16, avg_len: f32) -> f32 {
    let tf = tf as f32;
    let norm = 1.0 - B + B * (len as f32) / avg_len.max(1.0);
    idf * tf * (K1 + 1.0) / (tf + K1 * norm)
}

/// Lexical relevance in [0, 1]: a BM25 score over the sum of the query terms' idf.
pub fn relevance(score: f32, idf_sum: f32) -> f32 {
    if idf_sum <= 0.0 || !score.is_finite() {
        return 0.0;
    }
    (score / idf_sum).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rare_terms_weigh_more_and_idf_is_never_negative() {
        assert!(idf(1000, 1) > idf(1000, 100));
        assert!(idf(1000, 1000) > 0.0);
        assert!(idf(0, 5) > 0.0);
    }

    #[test]
    fn tf_saturates_and_long_documents_score_lower() {
        let i = idf(100, 10);
        assert!(term_score(i, 2, 10, 10.0) > term_score(i, 1, 10, 10.0));
        assert!(term_score(i, 50, 10, 10.0) < i * (K1 + 1.0));
        assert!(term_score(i, 1, 40, 10.0) < term_score(i, 1, 5, 10.0));
        assert!((term_score(i, 1, 10, 10.0) - i).abs() < 1e-5);
    }

    #[test]
    fn relevance_is_one_for_a_full_average_match_and_bounded() {
        let (a, b) = (idf(100, 3), idf(100, 40));
        let full = term_score(a, 1, 8, 8.0) + term_score(b, 1, 8, 8.0);
        assert!((relevance(full, a + b) - 1.0).abs() < 1e-5);
        assert!(relevance(term_score(b, 1, 8, 8.0), a + b) < 0.5);
        assert_eq!(relevance(f32::NAN, 1.0), 0.0);
        assert_eq!(relevance(5.0, 0.0), 0.0);
    }
}
