#!/usr/bin/env bash
# The long fuzz run (not part of `npm test`, which runs a bounded slice of the same fuzzers):
# ≥ 10^6 seeded hostile calls through the JS API (memory store, atomic adapter, key-by-key
# adapter), the REST malformed-request table against workerd (also in test-edge), then the
# decoder/parser property tests with a large case budget. Prints the seed
# first; MEMSPACE_FUZZ_SEED=<seed> replays a run, MEMSPACE_FUZZ_CALLS / MEMSPACE_FUZZ_CASES
# change the budgets. Exits non-zero on the first invariant violation, printing a replay line.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

seed=${MEMSPACE_FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
calls=${MEMSPACE_FUZZ_CALLS:-1000000}
cases=${MEMSPACE_FUZZ_CASES:-200000}
echo "fuzz: seed $seed (replay: MEMSPACE_FUZZ_SEED=$seed npm run fuzz)"

[ -x node_modules/.bin/esbuild ] || npm install --no-audit --no-fund --loglevel=error
bash scripts/build-npm.sh

echo "== fuzz: JS boundary, $calls calls"
node test/fuzz/js-boundary.mjs --seed "$seed" --calls "$calls"

echo "== fuzz: REST boundary, the malformed-request table on every route against workerd"
bash scripts/test-edge.sh test/test_rest_table.py

echo "== fuzz: decoders and parsers, $cases cases per property"
MEMSPACE_FUZZ_SEED=$seed MEMSPACE_FUZZ_CASES=$cases cargo test --release --quiet --test fuzz_decoders -- --nocapture
echo "fuzz: all passed (seed $seed)"
