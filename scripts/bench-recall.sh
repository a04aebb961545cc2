#!/usr/bin/env bash
# Browser recall benchmark (prints, never fails): memspace recall on IndexedDB in headless
# Chromium beside Orama (lexical) and a Float32Array scan (vector), same run.
# BENCH_RECALL_SIZES (default "10000,100000"), BENCH_RECALL_SAMPLES (default 200).
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
[ -d node_modules/@orama/orama ] && [ -d node_modules/playwright-core ] || npm install --no-audit --no-fund --loglevel=error || true
[ -f dist/memspace_bg.wasm ] || bash scripts/build-npm.sh || true
node bench/browser/recall.mjs || true
exit 0
