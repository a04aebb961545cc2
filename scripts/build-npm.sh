#!/usr/bin/env bash
# Builds the npm package into dist/: release wasm (js feature) → wasm-bindgen --target web →
# wasm-opt -Oz → the hand-written wrapper and types from js/. Prints the .wasm size.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

cargo build --quiet --release --lib --target wasm32-unknown-unknown --features js
rm -rf dist && mkdir -p dist
wasm-bindgen --target web --out-dir dist --out-name memspace \
  "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/memspace.wasm"
raw=$(stat -c %s dist/memspace_bg.wasm)
# npm binaryen's wasm-opt (130): Debian's 108 breaks wasm-bindgen's externref table.
node_modules/binaryen/bin/wasm-opt -Oz --strip-debug --enable-bulk-memory --enable-sign-ext --enable-mutable-globals \
  --enable-nontrapping-float-to-int --enable-multivalue --enable-reference-types \
  dist/memspace_bg.wasm -o dist/memspace_bg.wasm
# The glue imports js/error.js as a snippet (dist/snippets/memspace-<hash>/js/error.js): point
# it at dist/error.js, the one copy the entry points export, so there is one MemspaceError class.
snippet=$(cd dist && ls snippets/*/js/error.js)
grep -q "\./$snippet" dist/memspace.js || { echo "build-npm: the glue does not import $snippet" >&2; exit 1; }
sed -i "s#\./$snippet#./error.js#" dist/memspace.js
rm -rf dist/snippets
[ -z "$(ls dist/memspace_bg.wasm.d.ts 2>/dev/null)" ] || rm dist/memspace_bg.wasm.d.ts
cp js/index.js js/node.js js/api.js js/error.js js/memory-kv.js js/index.d.ts js/memory-kv.d.ts dist/
opt=$(stat -c %s dist/memspace_bg.wasm)
gz=$(gzip -9 -c dist/memspace_bg.wasm | wc -c)
echo "build-npm: dist/memspace_bg.wasm ${raw} B from wasm-bindgen, ${opt} B after wasm-opt, ${gz} B gzip -9"
