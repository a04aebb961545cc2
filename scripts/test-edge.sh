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

step "python venv with the DataRobot and anthropic SDKs"
venv="${MEMSPACE_EDGE_VENV:-$HOME/.cache/memspace-venv-edge}"
req="$edge/test/requirements.txt"
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$req" | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ]; then
  if ! python3 -m venv "$venv" 2>/dev/null; then
    rm -rf "$venv"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq python3-venv
    python3 -m venv "$venv"
  fi
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
  echo "$want" >"$stamp"
fi
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
