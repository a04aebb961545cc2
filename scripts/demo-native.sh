#!/usr/bin/env bash
# The native demo (npm run demo:native) on the embedded default storage: walks a session through its lifecycle.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo run --quiet --example lifecycle_demo
