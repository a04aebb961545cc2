#!/usr/bin/env bash
# Fastly bench: the engine over FastlyKv in Viceroy on 127.0.0.1 (the engine-probe test
# service): post_event and list_events(lastN=20) at concurrency 1 and 8, bounded load from a
# local client. Prints requests/s and p50/p95/p99. Never fails.
#
#   BENCH_REQUESTS=400 BENCH_SECONDS=30 bash scripts/bench-fastly.sh
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
svc=edge/fastly
venv="${MEMSPACE_EDGE_VENV:-$HOME/.cache/memspace-venv-edge}"
run() {
  command -v viceroy >/dev/null || { echo "viceroy missing (bash scripts/setup.sh)"; return 1; }
  [ -x "$venv/bin/python" ] || { echo "no venv at $venv (bash scripts/test-fastly.sh makes it)"; return 1; }
  [ -f "$svc/Cargo.lock" ] && [ "$svc/Cargo.lock" -nt Cargo.lock ] || cp Cargo.lock "$svc/Cargo.lock"
  (cd "$svc" && cargo build --release --target wasm32-wasip1 --bin engine-probe) || return 1
  port=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  viceroy serve --addr "127.0.0.1:$port" -C "$svc/fastly.toml" \
    "$CARGO_TARGET_DIR/wasm32-wasip1/release/engine-probe.wasm" >/dev/null 2>&1 &
  vpid=$!
  trap 'kill "$vpid" 2>/dev/null; wait "$vpid" 2>/dev/null' EXIT
  for _ in $(seq 1 200); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  PROBE_URL="http://127.0.0.1:$port" "$venv/bin/python" "$svc/bench/engine_bench.py"
  # The REST service (DataRobot append/read, MemoryLayer recall) on a second Viceroy.
  (cd "$svc" && cargo build --release --target wasm32-wasip1 --bin memspace-fastly) || return 1
  sport=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  viceroy serve --addr "127.0.0.1:$sport" -C "$svc/fastly.toml" \
    "$CARGO_TARGET_DIR/wasm32-wasip1/release/memspace-fastly.wasm" >/dev/null 2>&1 &
  spid=$!
  trap 'kill "$vpid" "$spid" 2>/dev/null; wait "$vpid" "$spid" 2>/dev/null' EXIT
  for _ in $(seq 1 200); do (exec 3<>"/dev/tcp/127.0.0.1/$sport") 2>/dev/null && break; sleep 0.1; done
  EDGE_URL="http://127.0.0.1:$sport" EDGE_TOKEN_A=token-alice "$venv/bin/python" "$svc/bench/bench.py"
}
run || echo "bench-fastly: could not run (see above); not a failure"
exit 0
