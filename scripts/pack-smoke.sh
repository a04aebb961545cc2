#!/usr/bin/env bash
# Tests what users install: npm pack → install the tarball in a temp folder → run a Node smoke
# script, type-check against the installed types, and bundle it with esbuild for Node and for
# the browser (the browser bundle runs in headless Chromium on IndexedDB).
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
cp "$repo/test/pack/smoke.mjs" "$repo/test/pack/browser-entry.js" "$repo/test/types/usage.ts" .

node smoke.mjs
cp "$repo/test/types/tsconfig.json" .
"$repo/node_modules/.bin/tsc" -p .
echo "pack-smoke: installed types check"

"$repo/node_modules/.bin/esbuild" smoke.mjs --bundle --platform=node --format=esm --outfile=out-node/smoke.mjs --log-level=warning
cp node_modules/memspace/dist/memspace_bg.wasm out-node/
node out-node/smoke.mjs | sed 's/^/esbuild node bundle: /'

"$repo/node_modules/.bin/esbuild" browser-entry.js --bundle --platform=browser --format=esm --outfile=out-web/app.js --log-level=warning
cp node_modules/memspace/dist/memspace_bg.wasm out-web/
printf '<!doctype html><meta charset="utf-8"><script type="module" src="./app.js"></script>\n' > out-web/index.html
node "$repo/test/pack/run-in-chromium.mjs" out-web
echo "pack-smoke: ok"
