#!/usr/bin/env bash
# Builds the WebAssembly component: the crate with the `component` feature for
# wasm32-unknown-unknown, wrapped by `jco new` (so its world is only wit/'s imports and
# exports: no WASI), then optimised by `jco opt` (Binaryen). Output:
# build/component/memspace.component.wasm. Prints its size raw and gzipped.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
[ -x node_modules/.bin/jco ] || npm install --no-audit --no-fund --loglevel=error

out=build/component
mkdir -p "$out"
cargo build --quiet --lib --profile component --target wasm32-unknown-unknown --features component
core="$CARGO_TARGET_DIR/wasm32-unknown-unknown/component/memspace.wasm"

npx --no-install jco new "$core" -o "$out/memspace.unopt.component.wasm"
# The core module uses bulk memory, sign-extension, … (Rust's wasm32 defaults) and SIMD
# (.cargo/config.toml turns on simd128 for the recall index): enable them
# for Binaryen's validator.
npx --no-install jco opt "$out/memspace.unopt.component.wasm" -o "$out/memspace.component.wasm" --quiet -- \
  -Oz --enable-bulk-memory --enable-bulk-memory-opt --enable-sign-ext --enable-mutable-globals \
  --enable-nontrapping-float-to-int --enable-multivalue --enable-reference-types --enable-simd
rm -f "$out/memspace.unopt.component.wasm"

raw=$(stat -c %s "$out/memspace.component.wasm")
gz=$(gzip -9c "$out/memspace.component.wasm" | wc -c)
echo "component: $out/memspace.component.wasm  raw ${raw} B ($((raw / 1024)) KiB), gzip -9 ${gz} B ($((gz / 1024)) KiB)"
