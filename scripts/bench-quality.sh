#!/usr/bin/env bash
# Recall quality on seeded histories: Recall@1/@5/MRR (lexical, vector, fused), stale and
# deleted counts. Prints; never fails a build.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo bench --bench quality || true
exit 0
