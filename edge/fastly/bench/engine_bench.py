"""Bench: the engine over FastlyKv in Viceroy, through the engine-probe test service on loopback:
one `post_event` per request and `list_events(lastN=20)`, each a bounded load (load.py) at
concurrency 1 and 8. Prints requests/s and p50/p95/p99 latency; never fails. Run through
scripts/bench-fastly.sh (it starts and stops Viceroy)."""

import os

import requests

from load import header, phase

BASE = os.environ["PROBE_URL"]


def main():
    header("fastly engine bench (Viceroy on loopback)")
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
