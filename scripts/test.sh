#!/usr/bin/env bash
# The one test command (README, CI): installs what is missing, then runs every suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/test-native.sh
bash scripts/test-browser.sh
bash scripts/test-component.sh
bash scripts/test-edge.sh
bash scripts/test-fastly.sh
