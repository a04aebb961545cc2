"""Bench: the engine over FastlyKv in Viceroy, through the engine-probe test service on loopback:
one `post_event` per request and `list_events(lastN=20)`, each with a bounded load (a fixed
request count, capped in time) at concurrency 1 and 8. Prints requests/s and p50/p95/p99
latency; never fails. Run through scripts/bench-fastly.sh (it starts and stops Viceroy)."""

import os
import threading
import time

import requests

BASE = os.environ["PROBE_URL"]
N = int(os.environ.get("BENCH_REQUESTS", "400"))
CAP = float(os.environ.get("BENCH_SECONDS", "30"))


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
        f"{name:<26} c={concurrency:<2} {len(lat):>5} ok {errors[0]:>3} err  {len(lat) / secs:8.1f} req/s"
        f"  p50 {pct(lat, 50):7.2f} ms  p95 {pct(lat, 95):7.2f} ms  p99 {pct(lat, 99):7.2f} ms",
        flush=True,
    )


def main():
    print(f"fastly engine bench (Viceroy on loopback): {N} requests per phase, at most {CAP:.0f} s each")
    for c in (1, 8):
        ids = requests.post(f"{BASE}/probe/sessions").json()
        path = f"{BASE}/probe/{ids['space']}/{ids['session']}/events"

        def append(s, i):
            body = {"body": {"content": f"message {i}"}, "emitter": {"type": "user", "id": "u1"}, "eventType": "message"}
            return s.post(path, json=body).status_code == 201

        phase("post_event", c, append)
        phase("list_events lastN=20", c, lambda s, i: s.get(path, params={"lastN": 20}).status_code == 200)


if __name__ == "__main__":
    main()
