"""Bench: the Fastly service in Viceroy over loopback. DataRobot `post_event` (one event per
request) and `events?lastN=20`, and MemoryLayer `recall` over a seeded workspace, each with a
bounded load (a fixed request count, capped in time) at concurrency 1 and 8. Prints requests/s
and p50/p95/p99 latency; never fails (an API the surface does not serve yet is reported as such).

Run through scripts/bench-fastly.sh (it builds the service and starts/stops Viceroy)."""

import os
import threading
import time

import requests

BASE = os.environ["EDGE_URL"]
H = {"Authorization": f"Token {os.environ['EDGE_TOKEN_A']}", "Content-Type": "application/json"}
N = int(os.environ.get("BENCH_REQUESTS", "400"))
CAP = float(os.environ.get("BENCH_SECONDS", "30"))
SEED = int(os.environ.get("BENCH_MEMORIES", "300"))
WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa".split()


def pct(xs, p):
    return xs[min(len(xs) - 1, max(0, -(-p * len(xs) // 100) - 1))] if xs else float("nan")


def phase(name, concurrency, op):
    lat, errors, nxt = [], [0], [0]
    lock = threading.Lock()
    t0 = time.perf_counter()

    def worker():
        s = requests.Session()
        while True:
            with lock:
                if nxt[0] >= N or time.perf_counter() - t0 > CAP:
                    return
                i = nxt[0]
                nxt[0] += 1
            a = time.perf_counter()
            ok = op(s, i)
            b = time.perf_counter()
            with lock:
                if ok:
                    lat.append((b - a) * 1000)
                else:
                    errors[0] += 1

    ts = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    secs = time.perf_counter() - t0
    lat.sort()
    print(
        f"{name:<34} c={concurrency:<2} {len(lat):>5} ok {errors[0]:>3} err  {len(lat) / secs:8.1f} req/s"
        f"  p50 {pct(lat, 50):7.2f} ms  p95 {pct(lat, 95):7.2f} ms  p99 {pct(lat, 99):7.2f} ms",
        flush=True,
    )


def main():
    print(f"fastly bench (Viceroy on loopback): {N} requests per phase, at most {CAP:.0f} s each")
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
    for i in range(SEED):
        text = " ".join(WORDS[(i * k) % len(WORDS)] for k in (1, 3, 5, 7, 11)) + f" note {i}"
        requests.post(f"{v1}/memories", headers=H, json={"content": text, "workspace_id": "bench"})
    print(f"memorylayer remember (seeding)    {SEED} memories in {time.perf_counter() - t0:.1f} s")

    def recall(s, i):
        q = f"{WORDS[i % len(WORDS)]} {WORDS[(i * 5) % len(WORDS)]}"
        return s.post(f"{v1}/memories/recall", headers=H, json={"query": q, "limit": 10, "workspace_id": "bench"}).status_code == 200

    for c in (1, 8):
        phase(f"memorylayer recall ({SEED + 1} memories)", c, recall)


if __name__ == "__main__":
    main()
