#!/usr/bin/env bash
# contextFor benchmark (prints, never fails): p50/p95 at 10k and 100k memories in headless
# Chromium on IndexedDB, beside raw IndexedDB reads. Seeding 100k memories takes minutes.
# BENCH_CONTEXT_SIZES (default "10000,100000"), BENCH_CONTEXT_SAMPLES (default 200).
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
[ -d node_modules/playwright-core ] || npm install --no-audit --no-fund --loglevel=error || true
[ -f dist/memspace_bg.wasm ] || bash scripts/build-npm.sh || true
node bench/browser/context.mjs || true
exit 0
