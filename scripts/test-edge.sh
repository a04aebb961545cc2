#!/usr/bin/env bash
# The edge suite: builds the worker's engine, installs miniflare (workerd) and a Python venv
# with the unmodified DataRobot and anthropic SDKs, starts the worker in workerd on 127.0.0.1, runs the SDK
# conformance, async ORM, wire-contract and isolation tests against it (plus, with no
# arguments, the directory protocol tests under cut requests), and stops workerd —
# also when a test fails or the run is interrupted (test/with-workerd.mjs owns both processes).
#
#   bash scripts/test-edge.sh [pytest args…]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
edge=edge/cloudflare

step() { printf '\n== test-edge: %s\n' "$*"; }

step "engine from the npm package build (dist/ → edge/cloudflare/build/pkg)"
bash scripts/build-edge.sh

step "npm packages in $edge (miniflare + workerd, from the committed lock)"
if [ ! -x "$edge/node_modules/.bin/workerd" ] || [ "$edge/package-lock.json" -nt "$edge/node_modules/.package-lock.json" ]; then
  (cd "$edge" && npm ci --no-audit --no-fund --loglevel=error)
fi

step "python venv with the DataRobot, anthropic and MemoryLayer SDKs"
source scripts/edge-venv.sh
"$venv/bin/python" -c 'import datarobot; print("datarobot", datarobot.__version__)'

cd "$edge"
set +e
code=0
if [ $# -eq 0 ]; then
  step "directory protocol under cut requests and races (node --test, its own workerd)"
  node --test --test-reporter=spec test/directory.test.mjs test/llm.test.mjs || code=$?
fi
step "SDK, ORM, wire and isolation tests (pytest against workerd on 127.0.0.1)"
node test/with-workerd.mjs --sweep-seconds 1 -- \
  "$venv/bin/python" -m pytest -p no:cacheprovider -q -rfE "${@:-test}" || code=$?
set -e
if [ $code -eq 0 ]; then echo "test-edge: PASS"; else echo "test-edge: FAIL (exit $code)"; fi
exit $code
