#!/usr/bin/env bash
# The component suite: builds memspace.component.wasm, transpiles it with jco, and runs the
# behavioural scenarios and the interface-in-step check in Node (`node --test`). Also lints
# the component bindings for the wasm target. Installs what it needs, idempotently.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

jco_version=1.35.0
if ! grep -qs "\"version\": \"$jco_version\"" node_modules/@bytecodealliance/jco/package.json; then
  # Not `npm ci`: jco's lock lists platform packages that were never published.
  npm install --no-audit --no-fund --loglevel=error
fi
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

cargo clippy --quiet --lib --target wasm32-unknown-unknown --features component -- -D warnings
# Natively too, with the lib's unit tests (the integration tests are test-native.sh's).
cargo clippy --quiet --lib --profile test --features component -- -D warnings
cargo test --quiet --lib --features component bindings::

bash scripts/build-component.sh

rm -rf build/component/gen
npx --no-install jco transpile build/component/memspace.component.wasm -o build/component/gen \
  --name memspace --instantiation async --quiet
echo '{ "type": "module" }' > build/component/gen/package.json

node --test tests/component/

# One scenario under wasmtime with a Rust host (≈ 4 min to build wasmtime on a fresh
# machine, seconds when warm). MEMSPACE_WASMTIME=0 skips it.
if [ "${MEMSPACE_WASMTIME:-1}" != 0 ]; then
  bash scripts/test-wasmtime.sh
fi
