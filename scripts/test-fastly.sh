#!/usr/bin/env bash
# The Fastly suite: the edge/fastly crate (wasm32-wasip1) — fmt, clippy, and its tests run
# inside Viceroy (`viceroy run` as cargo's runner, with the local KV and secret stores of
# edge/fastly/fastly.toml): the engine's Kv conformance suite on FastlyKv, write locks, lease
# takeover, Fastly's generation match and add-only mode, key limits, byte-order scans, tokens.
# Then `viceroy serve` runs the engine-probe test service on 127.0.0.1 and pytest drives many
# concurrent appends to one session through it (edge/fastly/test). Viceroy is stopped on exit.
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

step "engine-probe build (release)"
(cd "$svc" && cargo build --release --target wasm32-wasip1 --bin engine-probe)
wasm="$CARGO_TARGET_DIR/wasm32-wasip1/release/engine-probe.wasm"

step "python venv (the edge suite's: requests, pytest)"
venv="${MEMSPACE_EDGE_VENV:-$HOME/.cache/memspace-venv-edge}"
req=edge/cloudflare/test/requirements.txt
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

step "viceroy serve on 127.0.0.1, concurrent appends (pytest $svc/test)"
port=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp)
viceroy serve --addr "127.0.0.1:$port" -C "$svc/fastly.toml" "$wasm" >"$log" 2>&1 &
vpid=$!
trap 'kill "$vpid" 2>/dev/null || true; wait "$vpid" 2>/dev/null || true; rm -f "$log"' EXIT
trap 'exit 130' INT TERM
up() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }
for _ in $(seq 1 200); do
  up && break
  kill -0 "$vpid" 2>/dev/null || { cat "$log"; echo "test-fastly: viceroy exited" >&2; exit 1; }
  sleep 0.1
done
up || { cat "$log"; echo "test-fastly: viceroy did not start" >&2; exit 1; }
set +e
PROBE_URL="http://127.0.0.1:$port" "$venv/bin/python" -m pytest -p no:cacheprovider -q -rfE "$svc/test"
code=$?
set -e
if [ $code -ne 0 ]; then tail -n 40 "$log"; fi
if [ $code -eq 0 ]; then echo "test-fastly: PASS"; else echo "test-fastly: FAIL (exit $code)"; fi
exit $code
