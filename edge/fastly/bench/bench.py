"""Bench: the Fastly service in Viceroy over loopback. DataRobot `post_event` (one event per
request) and `events?lastN=20`, and MemoryLayer `recall` over a seeded workspace, each with a
bounded load (load.py) at concurrency 1 and 8. Prints requests/s
and p50/p95/p99 latency; never fails (an API the surface does not serve yet is reported as such).

Run through scripts/bench-fastly.sh (it builds the service and starts/stops Viceroy)."""

import os
import time

import requests

from load import header, phase

BASE = os.environ["EDGE_URL"]
H = {"Authorization": f"Token {os.environ['EDGE_TOKEN_A']}", "Content-Type": "application/json"}
SEED = int(os.environ.get("BENCH_MEMORIES", "300"))
WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa".split()


def main():
    header("fastly service bench (Viceroy on loopback)")
    api = f"{BASE}/api/v2"
    space = requests.post(f"{api}/memory/new/", headers=H, json={"description": "bench"}).json()["memorySpaceId"]
    for c in (1, 8):
        ses = requests.post(f"{api}/memory/{space}/sessions/", headers=H, json={"participants": ["u1"]}).json()["id"]
        path = f"{api}/memory/{space}/sessions/{ses}/events/"

        def append(s, i):
            body = {"body": {"content": f"message {i} " + " ".join(WORDS[i % 7 : i % 7 + 6])}, "emitter": {"type": "user", "id": "u1"}, "type": "message"}
            return s.post(path, headers=H, json=body).status_code == 201

        phase("datarobot post_event", c, append)
        phase("datarobot events lastN=20", c, lambda s, i: s.get(path, headers=H, params={"lastN": 20}).status_code == 200)

    v1 = f"{BASE}/v1"
    probe = requests.post(f"{v1}/memories", headers=H, json={"content": "probe memory", "workspace_id": "bench"})
    if probe.status_code != 201:
        print(f"memorylayer recall: not measured (POST /v1/memories answered {probe.status_code})")
        return
    t0 = time.perf_counter()
    stored = 1
    for i in range(SEED):
        text = " ".join(WORDS[(i * k) % len(WORDS)] for k in (1, 3, 5, 7, 11)) + f" note {i}"
        r = requests.post(f"{v1}/memories", headers=H, json={"content": text, "workspace_id": "bench"})
        stored += r.status_code == 201
    print(f"memorylayer remember (seeding)    {stored - 1} of {SEED} stored in {time.perf_counter() - t0:.1f} s")
    found = requests.post(f"{v1}/memories/recall", headers=H, json={"query": "alpha delta", "limit": 10, "workspace_id": "bench"}).json()
    print(f"memorylayer recall 'alpha delta'   {len(found.get('memories', []))} memories returned (limit 10)")

    def recall(s, i):
        q = f"{WORDS[i % len(WORDS)]} {WORDS[(i * 5) % len(WORDS)]}"
        return s.post(f"{v1}/memories/recall", headers=H, json={"query": q, "limit": 10, "workspace_id": "bench"}).status_code == 200

    for c in (1, 8):
        phase(f"memorylayer recall ({stored} memories)", c, recall)


if __name__ == "__main__":
    main()
