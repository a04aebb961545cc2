#!/usr/bin/env bash
# One scenario under wasmtime 48 with a Rust host (tests/wasmtime-host, its own crate and
# lock). Building wasmtime + Cranelift takes ≈ 4 min on two cores the first time.
# scripts/test-component.sh runs it unless MEMSPACE_WASMTIME=0. Needs
# build/component/memspace.component.wasm (built here if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
[ -f build/component/memspace.component.wasm ] || bash scripts/build-component.sh
cd tests/wasmtime-host
cargo fmt -- --check
cargo clippy --quiet --tests -- -D warnings
cargo test --quiet
