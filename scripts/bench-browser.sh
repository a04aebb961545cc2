#!/usr/bin/env bash
# Browser benchmark (prints, never fails): raw IndexedDB vs memspace in headless Chromium
# (events: run.mjs; memories: memories.mjs, BENCH_MEMORIES_N default 2000).
# BENCH_N (default 10000) events; BENCH_DURABILITY strict|relaxed|default (default strict).
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
[ -d node_modules/playwright-core ] || npm install --no-audit --no-fund --loglevel=error || true
[ -f dist/memspace_bg.wasm ] || bash scripts/build-npm.sh || true
node bench/browser/run.mjs || true
node bench/browser/memories.mjs || true
exit 0
