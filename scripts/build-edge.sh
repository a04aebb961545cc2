#!/usr/bin/env bash
# Builds the Cloudflare worker's engine: memspace for wasm32 with the `js` feature, then
# wasm-bindgen `--target web` into edge/cloudflare/build/pkg (the worker calls initSync with the
# .wasm as a compiled module), then wasm-opt -Oz when a recent wasm-opt is on PATH. Skips the steps
# whose output is newer than their input.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

out=edge/cloudflare/build/pkg
wasm="$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/memspace.wasm"

cargo build --quiet --lib --release --target wasm32-unknown-unknown --features js

if [ -f "$out/memspace_bg.wasm" ] && [ "$out/memspace_bg.wasm" -nt "$wasm" ] && [ "$out/.built" -nt "$0" ]; then
  echo "build-edge: $out is up to date"
  exit 0
fi
rm -rf "$out.tmp"
wasm-bindgen --target web --out-dir "$out.tmp" "$wasm"
# wasm-opt shrinks the module by ~40%, but binaryen before 116 corrupts the externref table
# wasm-bindgen 0.2.130 emits (workerd then refuses the module): use it only when recent enough.
opt_version=$( (wasm-opt --version 2>/dev/null || true) | sed -n 's/.*version \([0-9]*\).*/\1/p')
if [ -n "$opt_version" ] && [ "$opt_version" -ge 116 ]; then
  wasm-opt -Oz --all-features "$out.tmp/memspace_bg.wasm" -o "$out.tmp/memspace_bg.opt.wasm"
  mv "$out.tmp/memspace_bg.opt.wasm" "$out.tmp/memspace_bg.wasm"
else
  echo "build-edge: wasm-opt ${opt_version:-absent} is older than 116; leaving the module unoptimised"
fi
rm -rf "$out"
mv "$out.tmp" "$out"
touch "$out/.built"
printf 'build-edge: %s (%s bytes wasm, %s gzipped)\n' "$out" \
  "$(wc -c <"$out/memspace_bg.wasm")" "$(gzip -c "$out/memspace_bg.wasm" | wc -c)"
