#!/usr/bin/env bash
# Tests what users install: npm pack → install the tarball in a temp folder → run a Node smoke
# script, type-check against the installed types, and bundle it with esbuild (Node and browser)
# and Vite (browser); the browser bundles run in headless Chromium on IndexedDB. An esbuild
# bundle shipped without the .wasm must fail at Memspace.open() with a MemspaceError; one
# shipped without memspace_full_bg.wasm at the first call that needs it.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
tmp=$(mktemp -d /tmp/memspace-pack.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

npm pack --silent --pack-destination "$tmp" >/dev/null
tarball=$(ls "$tmp"/memspace-*.tgz)
echo "pack-smoke: $(basename "$tarball") $(stat -c %s "$tarball") B, $(tar -tzf "$tarball" | wc -l) files"
tar -tzf "$tarball" | sed 's/^/  /'
mkdir "$tmp/app" && cd "$tmp/app"
printf '{ "name": "app", "private": true, "type": "module" }\n' > package.json
npm install --silent --no-audit --no-fund "$tarball"
for f in LICENSE-MIT LICENSE-APACHE dist/index.js dist/node.js dist/error.js dist/input.js dist/full-methods.js dist/memspace.js dist/memspace_bg.wasm \
  dist/memspace_full.js dist/memspace_full_bg.wasm; do
  [ -f "node_modules/memspace/$f" ] || { echo "pack-smoke: the tarball lacks $f" >&2; exit 1; }
done
cp "$repo/test/pack/smoke.mjs" "$repo/test/pack/browser-entry.js" "$repo"/test/types/*.ts .

node smoke.mjs
cp "$repo/test/types/tsconfig.json" .
"$repo/node_modules/.bin/tsc" -p .
echo "pack-smoke: installed types check"

"$repo/node_modules/.bin/esbuild" smoke.mjs --bundle --platform=node --format=esm --outfile=out-node/smoke.mjs --log-level=warning
cp node_modules/memspace/dist/memspace_bg.wasm node_modules/memspace/dist/memspace_full_bg.wasm out-node/
node out-node/smoke.mjs | sed 's/^/esbuild node bundle: /'

"$repo/node_modules/.bin/esbuild" browser-entry.js --bundle --platform=browser --format=esm --outfile=out-web/app.js --log-level=warning
printf '<!doctype html><meta charset="utf-8"><script type="module" src="./app.js"></script>\n' > out-web/index.html
# esbuild leaves `new URL("./memspace_bg.wasm", import.meta.url)` alone: without the file next
# to the bundle, open() must say so; without memspace_full_bg.wasm, the first memories call
# must say so; with both, everything works.
node "$repo/test/pack/run-in-chromium.mjs" out-web "esbuild bundle without the .wasm" --missing-wasm
cp node_modules/memspace/dist/memspace_bg.wasm out-web/
node "$repo/test/pack/run-in-chromium.mjs" out-web "esbuild bundle without memspace_full_bg.wasm" --missing-full-wasm
cp node_modules/memspace/dist/memspace_full_bg.wasm out-web/
node "$repo/test/pack/run-in-chromium.mjs" out-web "esbuild browser bundle"

# Vite (production build): it follows `new URL(…, import.meta.url)` and emits the .wasm itself.
mkdir vite-app && cp browser-entry.js vite-app/
printf '<!doctype html><meta charset="utf-8"><script type="module" src="./browser-entry.js"></script>\n' > vite-app/index.html
"$repo/node_modules/.bin/vite" build vite-app --outDir ../out-vite --emptyOutDir --logLevel warn
[ "$(ls out-vite/assets | grep -c '\.wasm$')" = 2 ] || { echo "pack-smoke: vite did not emit both .wasm files" >&2; ls out-vite/assets >&2; exit 1; }
node "$repo/test/pack/run-in-chromium.mjs" out-vite "vite browser bundle"
echo "pack-smoke: ok"
