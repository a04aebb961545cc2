#!/usr/bin/env bash
# Builds the npm package into dist/: two release wasm modules, each through wasm-bindgen
# --target web and wasm-opt -Oz, then the hand-written wrapper and types from js/.
#   memspace_bg.wasm       (feature js-core) the default module: open, spaces, sessions, events
#   memspace_full_bg.wasm  (feature js)      every method; loaded on the first call that needs it
# Prints each .wasm's size (raw, after wasm-opt, gzip -9 by gzip and by Node's zlib); the default
# module's budget (< 250,000 B gzip -9 by both) is asserted by test/node/size.test.js.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

rm -rf dist && mkdir -p dist
build() { # <cargo features> <out name> [more wasm-opt flags]
  local features=$1 name=$2 more=${3:-}
  cargo build --quiet --release --lib --target wasm32-unknown-unknown --features "$features"
  wasm-bindgen --target web --out-dir dist --out-name "$name" \
    "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/memspace.wasm"
  local raw
  raw=$(stat -c %s "dist/${name}_bg.wasm")
  # npm binaryen's wasm-opt (130): Debian's 108 breaks wasm-bindgen's externref table.
  # shellcheck disable=SC2086
  node_modules/binaryen/bin/wasm-opt -Oz $more --strip-debug --strip-producers --enable-bulk-memory --enable-sign-ext --enable-mutable-globals \
    --enable-nontrapping-float-to-int --enable-multivalue --enable-reference-types \
    "dist/${name}_bg.wasm" -o "dist/${name}_bg.wasm"
  # The glue imports js/error.js and js/input.js as snippets (dist/snippets/memspace-<hash>/js/…):
  # point it at dist/error.js, the one copy the entry points export, so there is one
  # MemspaceError class, and at dist/input.js beside it.
  local snippet f
  for f in error.js input.js; do
    snippet=$(cd dist && ls snippets/*/js/$f)
    grep -q "\./$snippet" "dist/${name}.js" || { echo "build-npm: the glue does not import $snippet" >&2; exit 1; }
    sed -i "s#\./$snippet#./$f#" "dist/${name}.js"
  done
  rm -rf dist/snippets "dist/${name}_bg.wasm.d.ts"
  sizes+=("dist/${name}_bg.wasm ${raw} B from wasm-bindgen, $(stat -c %s "dist/${name}_bg.wasm") B after wasm-opt, $(gzip -9 -c "dist/${name}_bg.wasm" | wc -c) B gzip -9, $(node -e 'console.log(require("zlib").gzipSync(require("fs").readFileSync(process.argv[1]), { level: 9 }).length)' "dist/${name}_bg.wasm") B Node zlib level 9")
}
sizes=()
# The default module has a size target (250 KB gzip): --converge repeats -Oz while it shrinks.
build js-core memspace --converge
build js memspace_full
cp js/index.js js/node.js js/api.js js/error.js js/input.js js/memory-kv.js js/index.d.ts js/memory-kv.d.ts dist/
# The methods only the full module has: api.js gives Memspace a lazy stub for each.
node scripts/full-methods.mjs dist
for s in "${sizes[@]}"; do echo "build-npm: $s"; done
