#!/usr/bin/env bash
# The one test command (README, CI): installs what is missing, then runs every suite.
set -euo pipefail
cd "$(dirname "$0")/.."
in_git=$(git rev-parse --is-inside-work-tree 2>/dev/null || echo false)
tracked() { git status --porcelain --untracked-files=no; git diff; }
[ "$in_git" != true ] || before=$(tracked)
bash scripts/setup.sh
bash scripts/test-native.sh
bash scripts/test-browser.sh
bash scripts/test-component.sh
bash scripts/test-edge.sh
bash scripts/test-fastly.sh
# Nothing a test run does may change tracked files (a rewritten lock file would mean CI tests
# a lock that is not the committed one).
if [ "$in_git" = true ] && [ "$(tracked)" != "$before" ]; then
  echo "test: the run changed tracked files:" >&2
  git status --porcelain --untracked-files=no >&2
  exit 1
fi
echo "test: all suites passed; the tree is as committed"
