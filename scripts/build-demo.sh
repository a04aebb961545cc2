#!/usr/bin/env bash
# Bundles the demo page with esbuild (the browser entry of the package) into www/dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/memspace_bg.wasm ] || bash scripts/build-npm.sh
rm -rf www/dist && mkdir -p www/dist
npx --no-install esbuild www/app.js --bundle --format=esm --platform=browser --target=es2022 \
  --outfile=www/dist/app.js --log-level=warning
# esbuild leaves `new URL("./memspace_bg.wasm", import.meta.url)` alone: ship the .wasm files beside the bundle.
cp dist/memspace_bg.wasm dist/memspace_full_bg.wasm www/dist/
echo "build-demo: www/dist/app.js $(stat -c %s www/dist/app.js) B + memspace_bg.wasm + memspace_full_bg.wasm"
