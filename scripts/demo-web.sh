#!/usr/bin/env bash
# npm run demo: builds the package and the demo page, then serves www/ on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
[ -d node_modules/esbuild ] || npm install --no-audit --no-fund --loglevel=error
bash scripts/build-npm.sh
bash scripts/build-demo.sh
exec node www/serve.mjs "${PORT:-8787}"
