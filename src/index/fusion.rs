//! Fusion of the recall channels and the bias terms.
//!
//! 1. Each channel ranks candidates: **lexical** (BM25), **vector** (cosine), **exact**
//!    (query words that spell a memory's tag or logical key). Each hit also carries an
//!    absolute channel relevance in [0, 1] (lexical: [`super::bm25::relevance`]; vector: the
//!    cosine, floored at 0; exact: the share of a tag's or key's words found in the query).
//! 2. Reciprocal rank fusion, each channel's vote weighted by its relevance for the document:
//!    `rrf(d) = Σ_c relevance_c(d) / (K + rank_c(d))` with `K =` [`RRF_K`], normalised by its
//!    largest possible value (rank 1 with relevance 1 in every channel that returned
//!    anything), giving `fused ∈ [0, 1]`. The weighting keeps a channel that only matched
//!    weakly (a name, but not the fact asked about) from outvoting one that matched well.
//! 3. `relevance(d) = max_c relevance_c(d)`: what thresholds (`tolerance`, `minRelevance`)
//!    and the retrieval confidence look at.
//! 4. Bias, bounded and multiplicative, so it reorders but never removes anything:
//!    `score = fused · (1 − α + α·importance) · (1 − w + w·2^(−age_h / 168))` with
//!    `α =` [`IMPORTANCE_WEIGHT`] and `w` the caller's `recencyWeight` (default 0.2), age
//!    from the memory's creation. `score ∈ [0, 1]` orders the results.

/// RRF's rank offset (smaller than the classic 60: recall lists are short, and a smaller
/// offset keeps rank 1 and rank 10 apart so that the bias cannot swamp relevance).
pub const RRF_K: f32 = 20.0;
/// How much importance can lower a score (importance 0 → × 0.8, 1 → × 1.0).
pub const IMPORTANCE_WEIGHT: f32 = 0.2;
/// Recency half-life in hours (one week, as the wire's formula).
pub const RECENCY_HALF_LIFE_HOURS: f64 = 168.0;

/// The recall channels.
pub const CHANNELS: [&str; 3] = ["lexical", "vector", "exact"];

/// One candidate of one channel, best first in its list.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// Document ordinal.
    pub ord: u32,
    /// The channel's own score (BM25, cosine, matched words).
    pub raw: f32,
    /// The channel's absolute relevance in [0, 1].
    pub relevance: f32,
}

/// Where a fused result stood in one channel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChannelRank {
    /// 1-based rank in the channel.
    pub rank: u32,
    /// The channel's own score.
    pub raw: f32,
    /// The channel's absolute relevance.
    pub relevance: f32,
}

/// One fused candidate with every term of its score (the `explain` output).
#[derive(Debug, Clone, PartialEq)]
pub struct Fused {
    /// Document ordinal.
    pub ord: u32,
    /// Per channel (in [`CHANNELS`] order), its rank and scores if it found the document.
    pub channels: [Option<ChannelRank>; 3],
    /// Raw relevance-weighted reciprocal-rank sum.
    pub rrf: f32,
    /// `rrf` over its largest possible value, in [0, 1].
    pub fused: f32,
    /// Best channel relevance, in [0, 1].
    pub relevance: f32,
    /// Importance factor in [1 − α, 1].
    pub importance_factor: f32,
    /// Recency factor in [1 − w, 1].
    pub recency_factor: f32,
    /// `fused · importance_factor · recency_factor`, in [0, 1].
    pub score: f32,
}

/// Fuses ranked channel lists (each best first). Bias factors start at 1.
pub fn fuse(lists: [&[Hit]; 3]) -> Vec<Fused> {
    let active = lists.iter().filter(|l| !l.is_empty()).count().max(1) as f32;
    let max = active / (RRF_K + 1.0);
    let mut by_ord: std::collections::HashMap<u32, Fused> = std::collections::HashMap::new();
    for (c, list) in lists.iter().enumerate() {
        for (i, h) in list.iter().enumerate() {
            let rank = i as u32 + 1;
            let f = by_ord.entry(h.ord).or_insert_with(|| Fused {
                ord: h.ord,
                channels: [None; 3],
                rrf: 0.0,
                fused: 0.0,
                relevance: 0.0,
                importance_factor: 1.0,
                recency_factor: 1.0,
                score: 0.0,
            });
            if f.channels[c].is_some() {
                continue; // a channel lists a document once; keep its best rank
            }
            f.channels[c] = Some(ChannelRank {
                rank,
                raw: h.raw,
                relevance: h.relevance,
            });
            f.rrf += h.relevance.clamp(0.0, 1.0) / (RRF_K + rank as f32);
            f.relevance = f.relevance.max(h.relevance.clamp(0.0, 1.0));
        }
    }
    let mut out: Vec<Fused> = by_ord
        .into_values()
        .map(|mut f| {
            f.fused = (f.rrf / max).clamp(0.0, 1.0);
            f.score = f.fused;
            f
        })
        .collect();
    sort(&mut out);
    out
}

/// Sorts by score, then relevance, then ordinal (deterministic).
pub fn sort(v: &mut [Fused]) {
    v.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(b.relevance.total_cmp(&a.relevance))
            .then(a.ord.cmp(&b.ord))
    });
}

/// The importance factor `1 − α + α·importance`.
pub fn importance_factor(importance: f32) -> f32 {
    let i = if importance.is_finite() {
        importance.clamp(0.0, 1.0)
    } else {
        0.5
    };
    1.0 - IMPORTANCE_WEIGHT + IMPORTANCE_WEIGHT * i
}

/// The wire's recency factor `1 − w + w·f`, `f = exp(−ln2 · age_h / 168)` (future times
/// count as age 0).
pub fn recency_factor(weight: f32, age_hours: f64) -> f32 {
    let w = weight.clamp(0.0, 1.0) as f64;
    let f = (-(std::f64::consts::LN_2) * age_hours.max(0.0) / RECENCY_HALF_LIFE_HOURS).exp();
    (1.0 - w + w * f) as f32
}

/// Applies both bias factors to `f` and recomputes its score.
pub fn bias(f: &mut Fused, importance: f32, recency_weight: f32, age_hours: f64) {
    f.importance_factor = importance_factor(importance);
    f.recency_factor = recency_factor(recency_weight, age_hours);
    f.score = (f.fused * f.importance_factor * f.recency_factor).clamp(0.0, 1.0);
}

/// Relevance floors of the `tolerance` levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tolerance {
    /// Floor 0.6.
    Strict,
    /// Floor 0.3 (default).
    #[default]
    Moderate,
    /// Floor 0.15.
    Loose,
}

impl Tolerance {
    /// The relevance floor.
    pub fn floor(self) -> f32 {
        match self {
            Tolerance::Strict => 0.6,
            Tolerance::Moderate => 0.3,
            Tolerance::Loose => 0.15,
        }
    }
}

/// The relevance threshold: the tolerance floor when `min_relevance` is unset, none at all
/// when it is ≤ 0, else the larger of the two.
pub fn threshold(min_relevance: Option<f32>, tolerance: Tolerance) -> Option<f32> {
    match min_relevance {
        None => Some(tolerance.floor()),
        Some(m) if m <= 0.0 => None,
        Some(m) => Some(m.max(tolerance.floor())),
    }
}

/// How much an agent may trust a result set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confidence {
    /// The top result is clearly relevant.
    Strong,
    /// Something relevant, not clearly.
    Moderate,
    /// Nothing relevant is remembered (or only faint matches).
    Weak,
}

impl Confidence {
    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Strong => "strong",
            Confidence::Moderate => "moderate",
            Confidence::Weak => "weak",
        }
    }
}

/// The confidence of a result list (best first) and the reasons for it: **strong** when
/// the best relevance is ≥ 0.6 and either ≥ 0.8 or confirmed by two channels; **moderate**
/// when it is ≥ 0.3; **weak** otherwise, and for an empty list.
pub fn confidence(results: &[Fused]) -> (Confidence, Vec<String>) {
    let Some(best) = results
        .iter()
        .max_by(|a, b| a.relevance.total_cmp(&b.relevance))
    else {
        return (Confidence::Weak, vec!["no_results".into()]);
    };
    let channels = best.channels.iter().filter(|c| c.is_some()).count();
    let mut reasons = vec![format!("top_relevance={:.2}", best.relevance)];
    reasons.push(if channels >= 2 {
        "channels_agree".into()
    } else {
        "single_channel".into()
    });
    let c = if best.relevance >= 0.6 && (best.relevance >= 0.8 || channels >= 2) {
        Confidence::Strong
    } else if best.relevance >= 0.3 {
        Confidence::Moderate
    } else {
        reasons.push("below_moderate_floor".into());
        Confidence::Weak
    };
    (c, reasons)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(ord: u32, relevance: f32) -> Hit {
        Hit {
            ord,
            raw: relevance,
            relevance,
        }
    }

    #[test]
    fn a_document_first_in_every_channel_scores_one() {
        let lex = [hit(1, 1.0), hit(2, 0.5)];
        let vec = [hit(1, 1.0), hit(3, 0.6)];
        let f = fuse([&lex, &vec, &[]]);
        assert_eq!(f[0].ord, 1);
        assert!((f[0].fused - 1.0).abs() < 1e-6);
        let lex = [hit(1, 0.9), hit(2, 0.5)];
        let vec = [hit(1, 0.7), hit(3, 0.6)];
        let f = fuse([&lex, &vec, &[]]);
        assert_eq!(f[0].ord, 1);
        assert!((f[0].fused - 0.8).abs() < 1e-6);
        assert_eq!(f[0].relevance, 0.9);
        assert!(f[0].channels[2].is_none() && f[0].channels[1].unwrap().rank == 1);
        assert!(f.iter().all(|x| x.score > 0.0 && x.score <= 1.0));
    }

    #[test]
    fn agreement_between_channels_outranks_a_single_channel() {
        let lex = [hit(1, 0.9), hit(2, 0.8)];
        let vec = [hit(3, 0.9), hit(2, 0.8)];
        let f = fuse([&lex, &vec, &[]]);
        assert_eq!(f[0].ord, 2);
    }

    #[test]
    fn bias_reorders_within_bounds_and_never_drops() {
        let lex = [hit(1, 0.9), hit(2, 0.9)];
        let mut f = fuse([&lex, &[], &[]]);
        let n = f.len();
        bias(&mut f[0], 0.0, 0.2, 24.0 * 365.0);
        bias(&mut f[1], 1.0, 0.2, 0.0);
        sort(&mut f);
        assert_eq!((f.len(), f[0].ord), (n, 2));
        assert!(f[1].score >= f[1].fused * 0.8 * 0.8 - 1e-6);
        assert!((recency_factor(0.2, 168.0) - 0.9).abs() < 1e-6);
        assert_eq!(recency_factor(0.2, -5.0), 1.0);
        assert!((importance_factor(f32::NAN) - 0.9).abs() < 1e-6);
    }

    #[test]
    fn thresholds_follow_the_wire_rules() {
        assert_eq!(threshold(None, Tolerance::Strict), Some(0.6));
        assert_eq!(threshold(None, Tolerance::default()), Some(0.3));
        assert_eq!(threshold(Some(0.0), Tolerance::Strict), None);
        assert_eq!(threshold(Some(-1.0), Tolerance::Loose), None);
        assert_eq!(threshold(Some(0.2), Tolerance::Loose), Some(0.2));
        assert_eq!(threshold(Some(0.2), Tolerance::Strict), Some(0.6));
    }

    #[test]
    fn confidence_tells_nothing_from_a_weak_match() {
        assert_eq!(confidence(&[]).0, Confidence::Weak);
        let one = |r: f32, two: bool| {
            let lex = [hit(1, r)];
            let vec = [hit(1, r)];
            fuse([&lex, if two { &vec } else { &[] }, &[]])
        };
        assert_eq!(confidence(&one(0.9, false)).0, Confidence::Strong);
        assert_eq!(confidence(&one(0.65, true)).0, Confidence::Strong);
        assert_eq!(confidence(&one(0.65, false)).0, Confidence::Moderate);
        assert_eq!(confidence(&one(0.1, true)).0, Confidence::Weak);
    }
}
