//! Recall quality on seeded histories (see src/testkit/quality.rs): Recall@1, Recall@5 and
//! MRR for lexical, vector and fused recall, plus the stale-fact and deletion counts the tests
//! assert to be 0. Prints; never fails a build. Run with `npm run bench:quality`.

use memspace::testkit::quality::{evaluate, history};

fn main() {
    println!("bench/quality — seeded multi-session histories, 384-d test embedder\n");
    println!("| history | recall | queries | R@1 | R@5 | MRR | stale results | forgotten/expired results |");
    println!("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    // `cargo test --all-targets` runs benches without `--bench`: then only a small smoke run.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let runs: &[(u64, usize)] = if smoke {
        &[(1, 10)]
    } else {
        &[(1, 100), (2, 200)]
    };
    for &(seed, people) in runs {
        let h = history(seed, people);
        match evaluate(&h, 384) {
            Ok(rows) => {
                for (name, s) in rows {
                    println!(
                        "| seed {seed}, {people} people, {} memories | {name} | {} | {:.3} | {:.3} | {:.3} | {} | {} |",
                        h.memories.len(), s.queries, s.recall_at_1, s.recall_at_5, s.mrr, s.stale_results, s.deleted_results
                    );
                }
            }
            Err(e) => println!("quality run failed (not fatal): {e}"),
        }
    }
}
