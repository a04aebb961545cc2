#!/usr/bin/env bash
# The native demo (npm run demo:native) on the embedded default storage: walks a session through its
# lifecycle, then turns a conversation into memories (scripted LLM, or MEMSPACE_LLM_BASE_URL).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo run --quiet --example lifecycle_demo
echo
cargo run --quiet --example extraction_demo
