# The Python venv of the edge suites (sourced by scripts/test-edge.sh and scripts/test-fastly.sh,
# not run): creates it once, installs the pinned SDKs and test tools when the requirement files
# changed, and sets $venv. Idempotent: a stamp holds the hash of both files.
#
# edge/cloudflare/test/requirements.txt is the lock of everything that installs normally.
# edge/cloudflare/test/requirements-py311.txt lists SDKs whose wheels declare a newer Python
# than this machine's (Debian bookworm ships 3.11; no 3.12 is installable here): today
# memorylayer-client 0.2.1, which declares Requires-Python >=3.12 although every module of
# the unmodified wheel imports and runs on 3.11 (the edge suite exercises every call we serve).
# Those are installed with --ignore-requires-python --no-deps: the flag is limited to them, and
# their dependencies (httpx, pydantic ==2.13.4 exactly as memorylayer-client pins it, pyyaml)
# come from the lock, so nothing else changes.
venv="${MEMSPACE_EDGE_VENV:-$HOME/.cache/memspace-venv-edge}"
_req=edge/cloudflare/test/requirements.txt
_req311=edge/cloudflare/test/requirements-py311.txt
_stamp="$venv/.requirements.sha256"
_want=$(cat "$_req" "$_req311" | sha256sum | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ]; then
  if ! python3 -m venv "$venv" 2>/dev/null; then
    rm -rf "$venv"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq python3-venv
    python3 -m venv "$venv"
  fi
fi
if [ "$(cat "$_stamp" 2>/dev/null)" != "$_want" ]; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$_req"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    --ignore-requires-python --no-deps -r "$_req311"
  "$venv/bin/python" -m pip check --disable-pip-version-check
  echo "$_want" >"$_stamp"
fi
unset _req _req311 _stamp _want
