//! Error of `memspace::tokens::estimate_tokens` against real token counts.
//!
//! Input: a JSONL file, one `{"kind": "...", "text": "...", "tiktoken": N}` per line (what
//! `bench/tokens/measure.mjs` writes). Output: per kind and overall, the sample count, total real
//! and estimated tokens, the relative error of the totals, and the mean absolute per-sample
//! relative error. Run it through `bash bench/tokens/run.sh`.

use std::collections::BTreeMap;
use std::process::ExitCode;

use memspace::tokens::estimate_tokens;

#[derive(Default)]
struct Stats {
    samples: u64,
    real: u64,
    estimated: u64,
    /// Sum over samples of |estimated - real| / real.
    abs_rel_sum: f64,
}

impl Stats {
    fn add(&mut self, real: u64, estimated: u64) {
        self.samples += 1;
        self.real += real;
        self.estimated += estimated;
        if real > 0 {
            self.abs_rel_sum += (estimated as f64 - real as f64).abs() / real as f64;
        }
    }

    fn row(&self, name: &str) -> String {
        let total_err = (self.estimated as f64 - self.real as f64) / (self.real.max(1) as f64);
        let mean_abs = self.abs_rel_sum / (self.samples.max(1) as f64);
        format!(
            "| {name} | {} | {} | {} | {:+.1}% | {:.1}% |",
            self.samples,
            self.real,
            self.estimated,
            total_err * 100.0,
            mean_abs * 100.0
        )
    }
}

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: token_error <measured.jsonl>");
        return ExitCode::from(2);
    };
    let input = match std::fs::read_to_string(&path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("read {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut kinds: BTreeMap<String, Stats> = BTreeMap::new();
    let mut all = Stats::default();
    for (n, line) in input
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let v: serde_json::Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("{path}:{}: {e}", n + 1);
                return ExitCode::FAILURE;
            }
        };
        let (Some(kind), Some(text), Some(real)) = (
            v["kind"].as_str(),
            v["text"].as_str(),
            v["tiktoken"].as_u64(),
        ) else {
            eprintln!(
                "{path}:{}: need string kind, string text, integer tiktoken",
                n + 1
            );
            return ExitCode::FAILURE;
        };
        let est = estimate_tokens(text);
        if std::env::var_os("TOKEN_ERROR_VERBOSE").is_some() {
            println!("{kind}\t{real}\t{est}\t{text:?}");
        }
        kinds.entry(kind.to_string()).or_default().add(real, est);
        all.add(real, est);
    }
    println!("| kind | samples | real tokens | estimated | error of totals | mean abs error per sample |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    for (kind, stats) in &kinds {
        println!("{}", stats.row(kind));
    }
    println!("{}", all.row("**all**"));
    ExitCode::SUCCESS
}
