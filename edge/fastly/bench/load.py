"""The bounded load both Fastly benches use (bench.py through the service, engine_bench.py
through the engine probe): a phase sends a fixed number of requests, capped in time, from
`concurrency` client threads, and prints requests/s and p50/p95/p99 latency."""

import os
import threading
import time

N = int(os.environ.get("BENCH_REQUESTS", "400"))
CAP = float(os.environ.get("BENCH_SECONDS", "30"))


def pct(xs, p):
    """The p-th percentile (nearest rank) of sorted `xs`."""
    return xs[min(len(xs) - 1, max(0, -(-p * len(xs) // 100) - 1))] if xs else float("nan")


def phase(name, concurrency, op, width=34):
    """Runs `op(session, i)` (True when the request succeeded) N times at `concurrency`."""
    import requests

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
        f"{name:<{width}} c={concurrency:<2} {len(lat):>5} ok {errors[0]:>3} err  {len(lat) / secs:8.1f} req/s"
        f"  p50 {pct(lat, 50):7.2f} ms  p95 {pct(lat, 95):7.2f} ms  p99 {pct(lat, 99):7.2f} ms",
        flush=True,
    )


def header(what):
    """The line that opens a bench's output: what runs, the load, and the machine's load average."""
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"{what}: {N} requests per phase, at most {CAP:.0f} s each ({stamp}, {os.cpu_count()} cores, load average {load})")
