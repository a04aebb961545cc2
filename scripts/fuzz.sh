#!/usr/bin/env bash
# The long fuzz run (not part of `npm test`, which runs a bounded slice of each of these):
#  1. ≥ 10^6 seeded hostile calls through the JS API (memory store, atomic adapter, key-by-key
#     adapter): test/fuzz/js-boundary.mjs;
#  2. seeded hostile calls through the jco-transpiled WIT component (atomic and key-by-key
#     host kv, injected storage failures, a nanosecond clock, wrong-typed values):
#     tests/component/wit-fuzz.mjs;
#  3. the REST malformed-request table on every route against workerd (also in test-edge);
#  4. the decoder/parser property tests with a large case budget (tests/fuzz_decoders.rs);
#  5. the simulation: several handles, crashes at random writes, clock jumps, lifecycle and
#     sweep against a reference model (tests/simulation.rs), with a large case budget.
# Prints the seed first; MEMSPACE_FUZZ_SEED=<seed> replays a run. Budgets:
# MEMSPACE_FUZZ_CALLS (JS), MEMSPACE_WIT_FUZZ_CALLS, MEMSPACE_FUZZ_CASES (decoders),
# MEMSPACE_SIM_CASES / MEMSPACE_SIM_STEPS. Exits non-zero on the first invariant violation,
# printing a replay line. docs/engineering/hardening.md has the invariants and a run's counts.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

seed=${MEMSPACE_FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
calls=${MEMSPACE_FUZZ_CALLS:-1000000}
wit_calls=${MEMSPACE_WIT_FUZZ_CALLS:-100000}
cases=${MEMSPACE_FUZZ_CASES:-200000}
sim_cases=${MEMSPACE_SIM_CASES:-400}
sim_steps=${MEMSPACE_SIM_STEPS:-300}
echo "fuzz: seed $seed (replay: MEMSPACE_FUZZ_SEED=$seed npm run fuzz)"
started=$SECONDS
lap() { echo "   ($(( SECONDS - started )) s so far)"; }

[ -x node_modules/.bin/esbuild ] || npm install --no-audit --no-fund --loglevel=error
bash scripts/build-npm.sh

echo "== fuzz: JS boundary, $calls calls"
node test/fuzz/js-boundary.mjs --seed "$seed" --calls "$calls"
lap

echo "== fuzz: WIT boundary (the transpiled component), $wit_calls calls"
bash scripts/build-component.sh
rm -rf build/component/gen
npx --no-install jco transpile build/component/memspace.component.wasm -o build/component/gen \
  --name memspace --instantiation async --quiet
echo '{ "type": "module" }' > build/component/gen/package.json
node tests/component/wit-fuzz.mjs --seed "$seed" --calls "$wit_calls"
lap

echo "== fuzz: REST boundary, the malformed-request table on every route against workerd"
bash scripts/test-edge.sh test/test_rest_table.py test/test_rest_table_memorylayer.py
lap

echo "== fuzz: decoders and parsers, $cases cases per property"
MEMSPACE_FUZZ_SEED=$seed MEMSPACE_FUZZ_CASES=$cases cargo test --release --quiet --test fuzz_decoders -- --nocapture
lap

echo "== fuzz: simulation, $sim_cases cases x $sim_steps steps per backend kind"
MEMSPACE_FUZZ_SEED=$seed MEMSPACE_SIM_CASES=$sim_cases MEMSPACE_SIM_STEPS=$sim_steps \
  cargo test --release --quiet --test simulation -- --nocapture
lap
echo "fuzz: all passed (seed $seed) in $(( SECONDS - started )) s"
