#!/usr/bin/env bash
# Builds the Cloudflare worker's engine from the npm package: scripts/build-npm.sh (release wasm
# with the `js` feature → wasm-bindgen --target web → wasm-opt) makes dist/, and the worker takes
# the package's generated module, .wasm and error class into edge/cloudflare/build/pkg, where
# src/engine.js instantiates them with initSync (the .wasm is a CompiledWasm module in workerd).
# Reuses dist/ when it is newer than the cargo artifact (scripts/test.sh builds it just before).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

out=edge/cloudflare/build/pkg
wasm="$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/memspace.wasm"

cargo build --quiet --lib --release --target wasm32-unknown-unknown --features js
if [ ! -f dist/memspace.js ] || [ ! -f dist/memspace_bg.wasm ] || [ "$wasm" -nt dist/memspace_bg.wasm ]; then
  [ -d node_modules/binaryen ] || npm install --no-audit --no-fund --loglevel=error
  bash scripts/build-npm.sh
fi
if [ -f "$out/memspace_bg.wasm" ] && cmp -s dist/memspace_bg.wasm "$out/memspace_bg.wasm" && cmp -s dist/memspace.js "$out/memspace.js"; then
  echo "build-edge: $out is up to date"
  exit 0
fi
rm -rf "$out.tmp" && mkdir -p "$out.tmp"
cp dist/memspace.js dist/memspace_bg.wasm "$out.tmp/"
cp dist/error.js "$out.tmp/"
rm -rf "$out" && mv "$out.tmp" "$out"
printf 'build-edge: %s from dist/ (%s bytes wasm, %s gzipped)\n' "$out" \
  "$(wc -c <"$out/memspace_bg.wasm")" "$(gzip -9 -c "$out/memspace_bg.wasm" | wc -c)"
