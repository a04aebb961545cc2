#!/usr/bin/env bash
# Benchmarks: print numbers, never fail a build. Not part of the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo bench --bench engine
cargo bench --bench recall
