#!/usr/bin/env bash
# Measures src/tokens.rs against cl100k_base (js-tiktoken) on bench/tokens/corpus.jsonl and
# prints the error table that docs/tokens.md quotes. Needs node + npm (registry) and cargo.
#   bash bench/tokens/run.sh            # measure the committed corpus
#   REGEN=1 bash bench/tokens/run.sh    # regenerate corpus.jsonl first (deterministic)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${TMPDIR:-/tmp}/memspace-tokens-measured.jsonl"

(cd "$here" && npm install --no-audit --no-fund --silent)
if [ "${REGEN:-}" = 1 ]; then node "$here/gen_corpus.mjs" > "$here/corpus.jsonl"; fi
node "$here/measure.mjs" "$here/corpus.jsonl" > "$out"
cd "$root"
cargo run --quiet --release --example token_error -- "$out"
