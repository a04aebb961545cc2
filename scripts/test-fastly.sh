#!/usr/bin/env bash
# The Fastly suite: the edge/fastly crate (wasm32-wasip1) — fmt, clippy, and its tests run
# inside Viceroy (`viceroy run` as cargo's runner, with the local KV and secret stores of
# edge/fastly/fastly.toml): the engine's Kv conformance suite on FastlyKv, write locks, lease
# takeover, Fastly's generation match and add-only mode, key limits, byte-order scans, tokens.
#
#   bash scripts/test-fastly.sh [test name filter]
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
  cargo test --release --target wasm32-wasip1 -- "$@")
echo "test-fastly: PASS"
