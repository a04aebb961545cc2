#!/usr/bin/env bash
# Builds the Cloudflare Worker's engine: release wasm with the `js` and `rest` features (the
# REST surface is off in the npm package) → wasm-bindgen --target web → wasm-opt, into
# edge/cloudflare/build/pkg, where src/engine.js instantiates it with initSync (the .wasm is a
# CompiledWasm module in workerd). Skips the wasm-bindgen and wasm-opt steps when the cargo
# artifact is unchanged since the last build.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

out=edge/cloudflare/build/pkg
wasm="$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/memspace.wasm"

cargo build --quiet --lib --release --target wasm32-unknown-unknown --features js,rest
# The npm build writes the same artifact path with other features: compare contents, not times.
sum=$(sha256sum "$wasm" | cut -d' ' -f1)
if [ -f "$out/memspace_bg.wasm" ] && [ "$(cat "$out/.source.sha256" 2>/dev/null)" = "$sum" ]; then
  echo "build-edge: $out is up to date"
  exit 0
fi
[ -d node_modules/binaryen ] || npm install --no-audit --no-fund --loglevel=error
tmp="$out.tmp"
rm -rf "$tmp" && mkdir -p "$tmp"
wasm-bindgen --target web --out-dir "$tmp" --out-name memspace "$wasm"
node_modules/binaryen/bin/wasm-opt -Oz --strip-debug --enable-bulk-memory --enable-sign-ext --enable-mutable-globals \
  --enable-nontrapping-float-to-int --enable-multivalue --enable-reference-types \
  "$tmp/memspace_bg.wasm" -o "$tmp/memspace_bg.wasm"
# The glue imports js/error.js and js/input.js as snippets: point it at the copies next to it.
for f in error.js input.js; do
  snippet=$(cd "$tmp" && ls snippets/*/js/$f)
  grep -q "\./$snippet" "$tmp/memspace.js" || { echo "build-edge: the glue does not import $snippet" >&2; exit 1; }
  sed -i "s#\./$snippet#./$f#" "$tmp/memspace.js"
done
rm -rf "$tmp/snippets" "$tmp"/*.d.ts
cp js/error.js js/input.js "$tmp/"
echo "$sum" >"$tmp/.source.sha256"
rm -rf "$out" && mv "$tmp" "$out"
printf 'build-edge: %s (%s bytes wasm, %s gzipped)\n' "$out" \
  "$(wc -c <"$out/memspace_bg.wasm")" "$(gzip -9 -c "$out/memspace_bg.wasm" | wc -c)"
