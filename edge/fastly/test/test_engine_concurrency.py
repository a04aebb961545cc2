"""Many clients appending to one session at once through Viceroy (each request its own wasm
instance, run in parallel, over one KV store) with the engine over FastlyKv (the engine-probe
test service): every acknowledged event is stored exactly once at the sequence id it was
acknowledged with, nothing refused is visible, and sequence ids are dense."""

import os
import threading
import uuid

import requests

BASE = os.environ.get("PROBE_URL", "")
CLIENTS = 8
APPENDS = 15


def test_concurrent_appends_to_one_session_keep_every_acknowledged_event_once_with_dense_ids():
    ids = requests.post(f"{BASE}/probe/sessions", timeout=60).json()
    events = f"{BASE}/probe/{ids['space']}/{ids['session']}/events"
    acked, refused, errors = [], [], []
    lock = threading.Lock()

    def client(c):
        s = requests.Session()
        for i in range(APPENDS):
            content = f"c{c}-{i}-{uuid.uuid4().hex[:6]}"
            r = s.post(events, timeout=60, json={"body": {"content": content}, "emitter": {"type": "user", "id": "u1"}, "eventType": "message"})
            with lock:
                if r.status_code == 201:
                    acked.append((content, r.json()["sequenceId"]))
                elif r.status_code == 409:
                    refused.append(content)  # a lost race the engine gave up retrying
                else:
                    errors.append((r.status_code, r.text))

    threads = [threading.Thread(target=client, args=(c,)) for c in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"acknowledged {len(acked)}, refused {len(refused)}")
    assert errors == []
    assert len(acked) >= CLIENTS * APPENDS // 2, f"too few appends succeeded: {len(acked)}"

    stored, offset = [], 0
    while True:
        page = requests.get(events, params={"offset": offset, "limit": 100}, timeout=60).json()["items"]
        stored += page
        offset += len(page)
        if len(page) < 100:
            break
    contents = [e["body"]["content"] for e in stored]
    assert [e["sequenceId"] for e in stored] == list(range(len(stored))), "sequence ids not dense"
    assert len(contents) == len(set(contents)), "an event is stored twice"
    at = {e["body"]["content"]: e["sequenceId"] for e in stored}
    for content, seq in acked:
        assert at.get(content) == seq, f"acknowledged {content} at {seq}, stored at {at.get(content)}"
    assert set(refused).isdisjoint(at)
    assert len(stored) == len(acked)
