"""Many clients appending to one session at once through Viceroy (each request its own wasm
instance, run in parallel, over one KV store): every acknowledged event is stored exactly once
at the sequence id it was acknowledged with, nothing refused is visible, and sequence ids are
dense. Checked through the service's DataRobot API and, below the REST surface, through the
engine-probe test service (the engine's post_event/list_events over FastlyKv)."""

import os
import threading
import uuid

import requests

EDGE = os.environ.get("EDGE_URL", "")
PROBE = os.environ.get("PROBE_URL", "")
H = {"Authorization": f"Token {os.environ.get('EDGE_TOKEN_A', '')}"}
CLIENTS = 8
APPENDS = 15
MESSAGE = {"emitter": {"type": "user", "id": "u1"}}


def race_appends(post, page):
    """`post(session, content)` → the response of one append; `page(offset, limit)` → stored
    events. Runs CLIENTS threads of APPENDS appends each and checks what is stored."""
    acked, refused, errors = [], [], []
    lock = threading.Lock()

    def client(c):
        s = requests.Session()
        for i in range(APPENDS):
            content = f"c{c}-{i}-{uuid.uuid4().hex[:6]}"
            r = post(s, content)
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
    assert len(acked) >= CLIENTS * APPENDS // 2, f"too few appends succeeded: {len(acked)}, refused {len(refused)}"

    stored, offset = [], 0
    while True:
        items = page(offset, 100)
        stored += items
        offset += len(items)
        if len(items) < 100:
            break
    contents = [e["body"]["content"] for e in stored]
    assert [e["sequenceId"] for e in stored] == list(range(len(stored))), "sequence ids not dense"
    assert len(contents) == len(set(contents)), "an event is stored twice"
    at = {e["body"]["content"]: e["sequenceId"] for e in stored}
    for content, seq in acked:
        assert at.get(content) == seq, f"acknowledged {content} at {seq}, stored at {at.get(content)}"
    assert set(refused).isdisjoint(at), "a refused append is visible"
    assert len(stored) == len(acked)


def test_concurrent_appends_to_one_session_keep_every_acknowledged_event_once_with_dense_ids():
    api = f"{EDGE}/api/v2/memory"
    space = requests.post(f"{api}/new/", headers=H, timeout=60, json={"description": "race"}).json()["memorySpaceId"]
    ses = requests.post(f"{api}/{space}/sessions/", headers=H, timeout=60, json={"participants": ["u1"]}).json()["id"]
    events = f"{api}/{space}/sessions/{ses}/events/"
    race_appends(
        lambda s, content: s.post(events, headers=H, timeout=60, json={**MESSAGE, "body": {"content": content}, "type": "message"}),
        lambda offset, limit: requests.get(events, headers=H, timeout=60, params={"offset": offset, "limit": limit}).json()["items"],
    )
    requests.delete(f"{api}/{space}/", headers=H, timeout=60)


def test_concurrent_engine_appends_over_fastly_kv_keep_every_acknowledged_event_once_with_dense_ids():
    ids = requests.post(f"{PROBE}/probe/sessions", timeout=60).json()
    events = f"{PROBE}/probe/{ids['space']}/{ids['session']}/events"
    race_appends(
        lambda s, content: s.post(events, timeout=60, json={**MESSAGE, "body": {"content": content}, "eventType": "message"}),
        lambda offset, limit: requests.get(events, timeout=60, params={"offset": offset, "limit": limit}).json()["items"],
    )
