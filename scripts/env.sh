# Shared settings for the project's scripts (sourced, not run).
export WASM_BINDGEN_VERSION=0.2.130
# Fastly Compute's local server (scripts/test-fastly.sh).
export VICEROY_VERSION=0.22.0
# Keep the cargo target dir outside the clone so a warm machine rebuilds little.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/memspace-target}"
# Smaller target dirs and faster links: tests need no debug info.
export CARGO_PROFILE_DEV_DEBUG=0 CARGO_PROFILE_TEST_DEBUG=0
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
export PATH="$HOME/.cargo/bin:$PATH"
