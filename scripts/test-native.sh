#!/usr/bin/env bash
# Native Rust: formatting, lints, unit + behavioural + model-based + crash tests.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings
cargo test --all-targets
cargo test --doc
