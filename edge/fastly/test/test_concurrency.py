"""Many clients appending to one session at once through the Fastly service (Viceroy runs each
request in its own instance, in parallel, over one KV store): every acknowledged event is
stored exactly once, nothing unacknowledged appears, and sequence ids are dense."""

import os
import threading
import uuid

import requests

BASE = os.environ.get("EDGE_URL", "")
API = f"{BASE}/api/v2"
H = {"Authorization": f"Token {os.environ.get('EDGE_TOKEN_A', '')}"}
CLIENTS = 8
APPENDS = 15


def call(method, path, **kw):
    return requests.request(method, f"{API}/{path}", headers=H, timeout=60, **kw)


def test_concurrent_appends_to_one_session_keep_every_acknowledged_event_once_with_dense_ids():
    space = call("POST", "memory/new/", json={"description": "race"}).json()["memorySpaceId"]
    ses = call("POST", f"memory/{space}/sessions/", json={"participants": ["u1"]}).json()["id"]
    acked, refused, errors = [], [], []
    lock = threading.Lock()

    def client(c):
        s = requests.Session()
        for i in range(APPENDS):
            content = f"c{c}-{i}-{uuid.uuid4().hex[:6]}"
            r = s.post(
                f"{API}/memory/{space}/sessions/{ses}/events/",
                headers=H,
                timeout=60,
                json={"body": {"content": content}, "emitter": {"type": "user", "id": "u1"}, "type": "message"},
            )
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

    stored = []
    offset = 0
    while True:
        page = call("GET", f"memory/{space}/sessions/{ses}/events/", params={"offset": offset, "limit": 100}).json()["items"]
        stored += page
        offset += len(page)
        if len(page) < 100:
            break
    contents = [e["body"]["content"] for e in stored]
    # Dense sequence ids, one per stored event.
    assert [e["sequenceId"] for e in stored] == list(range(len(stored)))
    # Every acknowledged event once, at the sequence id it was acknowledged with.
    assert sorted(contents) == sorted(set(contents)), "an event is stored twice"
    by_content = {e["body"]["content"]: e["sequenceId"] for e in stored}
    for content, seq in acked:
        assert by_content.get(content) == seq, f"acknowledged {content} at {seq}, stored at {by_content.get(content)}"
    # Nothing refused is visible.
    assert set(refused).isdisjoint(by_content)
    assert len(stored) == len(acked)
    call("DELETE", f"memory/{space}/")
