//! Recall quality on seeded multi-session histories (changing facts, forgotten and expiring
//! memories, near-duplicate people, keyword and paraphrased queries), through the public API:
//! no stale fact and no forgotten or expired memory is ever returned (exact, asserted); the
//! ranking figures are printed (`npm run bench:quality` prints them for larger histories).

use memspace::testkit::quality::{evaluate, history};

#[test]
fn recall_never_returns_a_stale_forgotten_or_expired_memory() {
    for seed in [3u64, 17] {
        let h = history(seed, 30);
        for (name, s) in evaluate(&h, 384).unwrap() {
            println!(
                "seed {seed} {name:8} R@1 {:.3} R@5 {:.3} MRR {:.3} over {} queries",
                s.recall_at_1, s.recall_at_5, s.mrr, s.queries
            );
            assert_eq!(s.stale_results, 0, "{name}: a stale fact was returned");
            assert_eq!(
                s.deleted_results, 0,
                "{name}: a forgotten or expired memory was returned"
            );
            assert!(s.queries > 300);
            assert!(s.recall_at_5 > 0.8, "{name}: recall@5 {}", s.recall_at_5);
        }
    }
}
