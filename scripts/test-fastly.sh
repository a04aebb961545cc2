#!/usr/bin/env bash
# The Fastly suite: the edge/fastly crate (wasm32-wasip1) — fmt, clippy, and its tests run
# inside Viceroy (`viceroy run` as cargo's runner, with the local KV and secret stores of
# edge/fastly/fastly.toml): the engine's Kv conformance suite on FastlyKv, write locks, lease
# takeover, Fastly's generation match and add-only mode, key limits, byte-order scans, tokens.
# Then `viceroy serve` runs, on 127.0.0.1, the service (src/main.rs: the REST surface over
# FastlyKv) and the engine-probe test service, and pytest runs the Cloudflare Worker's
# real-SDK suites unchanged (picked up from edge/cloudflare/test) against the service, plus
# edge/fastly/test (concurrent appends, raw KV write races, host checks). Viceroy is stopped
# on exit.
#
#   bash scripts/test-fastly.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
svc=edge/fastly

step() { printf '\n== test-fastly: %s\n' "$*"; }

if ! command -v viceroy >/dev/null 2>&1; then
  echo "test-fastly: viceroy missing (bash scripts/setup.sh installs it)" >&2
  exit 1
fi

# The crate's lock starts from the root crate's (the engine's dependencies at the versions the
# root tests); cargo then adds the fastly crate's own. Not committed: it follows the root's.
[ -f "$svc/Cargo.lock" ] && [ "$svc/Cargo.lock" -nt Cargo.lock ] || cp Cargo.lock "$svc/Cargo.lock"

step "fmt and clippy (wasm32-wasip1)"
(cd "$svc" && cargo fmt --check && cargo clippy --release --target wasm32-wasip1 --all-targets -- -D warnings)

step "tests inside Viceroy (viceroy run as the cargo runner)"
(cd "$svc" && CARGO_TARGET_WASM32_WASIP1_RUNNER="viceroy run -C fastly.toml --" \
  cargo test --release --target wasm32-wasip1)

step "service and engine-probe builds (release)"
(cd "$svc" && cargo build --release --target wasm32-wasip1 --bins)
wasm="$CARGO_TARGET_DIR/wasm32-wasip1/release/engine-probe.wasm"
service="$CARGO_TARGET_DIR/wasm32-wasip1/release/memspace-fastly.wasm"

step "python venv (the edge suite's: requests, pytest)"
source scripts/edge-venv.sh

step "viceroy serve on 127.0.0.1: the service and the engine probe"
free_port() { "$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
log=$(mktemp)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -f "$log"' EXIT
trap 'exit 130' INT TERM
serve() { # port wasm
  viceroy serve --addr "127.0.0.1:$1" -C "$svc/fastly.toml" "$2" >>"$log" 2>&1 &
  pids+=($!)
  local pid=$!
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  cat "$log"; echo "test-fastly: viceroy did not start on port $1" >&2; exit 1
}
sport=$(free_port); serve "$sport" "$service"
pport=$(free_port); serve "$pport" "$wasm"
echo "viceroy: service on http://127.0.0.1:$sport, engine probe on http://127.0.0.1:$pport"

step "the edge suites (unchanged), concurrency and host tests, against Viceroy"
# Not run here: the Worker's deployment-config test (wrangler.toml), its extraction tests (the
# Worker's LLM setting + Durable Object alarms; the Fastly service has no LLM configured yet)
# and the Durable Object directory tests (node, own workerd) — Cloudflare-only machinery.
export EDGE_URL="http://127.0.0.1:$sport" PROBE_URL="http://127.0.0.1:$pport"
export EDGE_TOKEN_A=token-alice EDGE_TOKEN_B=token-bob EDGE_TOKEN_C=token-carol
set +e
"$venv/bin/python" -m pytest -p no:cacheprovider -q -rfE \
  --ignore=edge/cloudflare/test/test_deploy_config.py \
  --ignore=edge/cloudflare/test/test_extraction.py edge/cloudflare/test "$svc/test"
code=$?
set -e
if [ $code -ne 0 ]; then tail -n 40 "$log"; fi
if [ $code -eq 0 ]; then echo "test-fastly: PASS"; else echo "test-fastly: FAIL (exit $code)"; fi
exit $code
