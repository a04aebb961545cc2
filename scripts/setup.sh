#!/usr/bin/env bash
# Installs everything the tests and the demo need, idempotently: each step is skipped when
# the pinned version is already there. Safe to run on a fresh machine or a warm one.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

step() { printf '\n== setup: %s\n' "$*"; }

step "rust toolchain and targets (rust-toolchain.toml)"
rustup show active-toolchain >/dev/null 2>&1 || rustup toolchain install
for t in wasm32-unknown-unknown wasm32-wasip2 wasm32-wasip1; do
  rustup target list --installed | grep -qx "$t" || rustup target add "$t"
done
rustup component list --installed | grep -q '^clippy' || rustup component add clippy rustfmt

step "wasm-bindgen-cli $WASM_BINDGEN_VERSION (must equal the crate's pin)"
lock_version=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p' | head -n1 || true)
if [ -n "$lock_version" ] && [ "$lock_version" != "$WASM_BINDGEN_VERSION" ]; then
  echo "Cargo.lock pins wasm-bindgen $lock_version but scripts/env.sh pins $WASM_BINDGEN_VERSION" >&2
  exit 1
fi
if ! wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION\$"; then
  # Without --locked: its lock pins a webpki-roots version the registry does not serve.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

step "viceroy $VICEROY_VERSION (Fastly Compute's local server; about 20 minutes to build when missing)"
if ! viceroy --version 2>/dev/null | grep -q " $VICEROY_VERSION\$"; then
  cargo install --locked viceroy --version "$VICEROY_VERSION"
fi

step "Debian chromium + chromium-driver, binaryen"
need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
command -v wasm-opt >/dev/null 2>&1 || need_apt+=(binaryen)
if [ ${#need_apt[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}"
fi

step "npm packages"
if [ -f package-lock.json ]; then
  npm install --no-audit --no-fund --loglevel=error
fi
echo "setup: done"
