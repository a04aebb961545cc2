#!/usr/bin/env bash
# REST bench through the Cloudflare Worker in local workerd (bench/edge/rest.mjs): a DataRobot
# append and lastN read, a MemoryLayer recall, a memory-store read, the space read (the Durable
# Object hop) and the version probe (the Worker without an object), bounded load from a local
# client on loopback. Prints requests/s, p50/p95/p99, workerd CPU time per request and that CPU
# over an empty Worker's (a second workerd, measured after each phase). Never fails: benchmarks
# print numbers, they do not gate builds.
#
#   BENCH_REQUESTS=500 BENCH_SECONDS=30 bash scripts/bench-edge.sh
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
edge=edge/cloudflare
{
  bash scripts/build-edge.sh &&
    if [ ! -x "$edge/node_modules/.bin/workerd" ] || [ "$edge/package-lock.json" -nt "$edge/node_modules/.package-lock.json" ]; then
      (cd "$edge" && npm ci --no-audit --no-fund --loglevel=error)
    fi &&
    (cd "$edge" && node test/with-workerd.mjs --sweep-seconds 3600 -- node ../../bench/edge/rest.mjs)
} || echo "bench-edge: could not run (see above); not a failure"
exit 0
