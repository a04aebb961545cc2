"""The wire contract below the SDK (compat/datarobot-rest.md §1.2–1.4): exact headers, status
codes and bodies, verbatim user payloads, trailing slashes, both If-Match spellings, both
createdAt spellings, limits, and the eager lifecycle alarm."""

import time

import pytest
import requests

from datarobot.models.memory import MemorySpace, Session

from conftest import API, unique


@pytest.fixture
def space(raw_a):
    r = raw_a("POST", "memory/new/", json={"description": unique("wire")})
    assert r.status_code == 201
    s = r.json()
    yield s
    raw_a("DELETE", f"memory/{s['memorySpaceId']}/")


@pytest.fixture
def session(raw_a, space):
    r = raw_a("POST", f"memory/{space['memorySpaceId']}/sessions/", json={"participants": ["u1"], "lifecycleStrategies": []})
    assert r.status_code == 201
    return f"memory/{space['memorySpaceId']}/sessions/{r.json()['id']}"


def test_smoke_sequence_shapes(raw_a, space, session):
    assert raw_a("GET", "version/").json() == {"versionString": "2.49.0"}
    assert set(space) == {"memorySpaceId", "userId", "tenantId", "description", "llmModelName", "llmBaseUrl", "customInstructions", "createdAt", "deduplicationKey"}
    s = raw_a("GET", f"{session}/").json()
    assert set(s) == {"id", "participants", "description", "metadata", "createdAt", "lifecycleStrategies", "version", "deduplicationKey"}
    assert s["lifecycleStrategies"] == [{"type": "soft_delete", "trigger": {"ttl": 15552000}, "opts": None}]
    assert s["version"] == 1
    r = raw_a("POST", f"{session}/events/", json={"body": {"content": "hi"}, "emitter": {"type": "user", "id": "u1"}, "type": "message"})
    assert r.status_code == 201
    ev = r.json()
    assert ev == {"sequenceId": 0, "eventType": "message", "body": {"content": "hi"}, "emitterType": "user", "emitterId": "u1", "createdAt": ev["createdAt"]}
    assert ev["createdAt"].endswith("Z")
    r = raw_a("POST", f"{session}/events/batch/", json={"events": [{"body": {"content": "a"}, "emitter": {"type": "agent"}, "type": "message"}, {"body": {"content": "b"}, "emitter": {"type": "agent"}}]})
    assert r.status_code == 201 and [e["sequenceId"] for e in r.json()["items"]] == [1, 2]
    assert [e["sequenceId"] for e in raw_a("GET", f"{session}/events/?lastN=2").json()["items"]] == [1, 2]
    assert [e["sequenceId"] for e in raw_a("GET", f"{session}/events/?offset=1&limit=1&eventType=message").json()["items"]] == [1]
    r = raw_a("DELETE", f"{session}/")
    assert r.status_code == 204 and r.content == b""


def test_user_payloads_are_stored_verbatim(raw_a, space, session):
    body = {"tool_call_id": "x", "userID": 1, "HTTPServer": {"snake_key": [{"camelKey": None}]}, "content": "ü ✓"}
    meta = {"thread_title": "t", "nested": {"someKey": {"other_key": 1}}}
    sid = space["memorySpaceId"]
    r = raw_a("POST", f"memory/{sid}/sessions/", json={"participants": ["u1"], "metadata": meta, "lifecycleStrategies": [{"type": "extract_memories", "trigger": {"eventCount": 5}, "opts": {"softDelete": False, "agentId": "a", "metadata": {"k_1": 1}}}]})
    assert r.status_code == 201 and r.json()["metadata"] == meta
    assert r.json()["lifecycleStrategies"] == [{"type": "extract_memories", "trigger": {"eventCount": 5}, "opts": {"softDelete": False, "agentId": "a", "metadata": {"k_1": 1}}}]
    path = f"memory/{sid}/sessions/{r.json()['id']}"
    assert raw_a("GET", f"{path}/").json()["metadata"] == meta
    assert raw_a("POST", f"{path}/events/", json={"body": body, "emitter": {"type": "agent"}}).json()["body"] == body
    assert raw_a("GET", f"{path}/events/").json()["items"][0]["body"] == body


def test_sdk_camelized_payload_is_kept_as_sent(alice, raw_a, space):
    # The models SDK camelizes user keys on the way out; the server keeps what the wire carried.
    ses = Session.create(space["memorySpaceId"], participants=["u1"], metadata={"thread_title": "x"})
    ses.post_event({"tool_call_id": "c1", "content": "hi"}, {"type": "agent"}, "tool_output")
    path = f"memory/{space['memorySpaceId']}/sessions/{ses.id}"
    assert raw_a("GET", f"{path}/").json()["metadata"] == {"threadTitle": "x"}
    assert raw_a("GET", f"{path}/events/").json()["items"][0]["body"] == {"toolCallId": "c1", "content": "hi"}


def test_error_bodies_have_exact_json_content_type(raw_a, space, session):
    sid = space["memorySpaceId"]
    cases = [
        (raw_a("GET", f"memory/{sid}/sessions/ses_00000000000000000000000000/"), 404),
        (raw_a("GET", "memory/00000000-0000-4000-8000-000000000000/"), 404),
        (raw_a("GET", "memory/not-a-uuid/"), 404),
        (raw_a("PATCH", f"{session}/", json={"description": "x"}, headers={"If-Match": '"9"'}), 409),
        (raw_a("POST", f"{session}/events/", json={"body": {}, "emitter": {"type": "user", "id": "nobody"}}), 400),
        (raw_a("GET", f"{session}/events/?lastN=0"), 422),
        (raw_a("GET", f"{session}/events/?lastN=2&offset=1"), 422),
        (raw_a("GET", f"{session}/events/?limit=101"), 422),
        (raw_a("POST", f"{session}/events/batch/", json={"events": [{"body": {}, "emitter": {"type": "agent"}}] * 201}), 422),
        (raw_a("POST", "memory/new/", json={"llmModelName": "x" * 201}), 422),
        (raw_a("POST", f"memory/{sid}/sessions/", json={"participants": ["u1"], "lifecycleStrategies": [{"type": "soft_delete", "trigger": {"never": True}}]}), 422),
        (raw_a("POST", f"{session}/events/", json="not an object"), 422),
        (raw_a("DELETE", f"{session}/events/999/"), 404),
        (raw_a("PUT", f"memory/{sid}/"), 405),
    ]
    for r, status in cases:
        assert r.status_code == status, (r.request.method, r.request.url, r.status_code, r.text)
        assert r.headers["Content-Type"] == "application/json"
        assert "detail" in r.json()
    # An empty body is an empty object (missing body/emitter → 422); malformed JSON is 422 too.
    for data in (b"", b"{not json"):
        r = requests.post(f"{API}/{session}/events/", data=data, headers={**raw_a.headers, "Content-Type": "application/json"}, timeout=30)
        assert r.status_code == 422 and r.headers["Content-Type"] == "application/json", (data, r.text)


def test_routes_need_their_trailing_slash(raw_a, space, session):
    sid = space["memorySpaceId"]
    for path in ["version", "memory", f"memory/{sid}", f"{session}", f"{session}/events", f"{session}/events/batch"]:
        r = raw_a("GET", path)
        assert r.status_code == 404, path
        assert r.headers["Content-Type"] == "application/json"
    assert raw_a("GET", f"memory/{sid}/").status_code == 200


def test_if_match_quoted_unquoted_and_weak(raw_a, session):
    for header, version in [('"1"', 2), ("2", 3), ('W/"3"', 4)]:
        r = raw_a("PATCH", f"{session}/", json={"description": f"v{version}"}, headers={"If-Match": header})
        assert r.status_code == 200 and r.json()["version"] == version
    r = raw_a("PATCH", f"{session}/", json={"description": "stale"}, headers={"If-Match": "1"})
    assert r.status_code == 409 and r.json()["detail"].startswith("Session version mismatch")
    r = raw_a("PATCH", f"{session}/", json={"description": "garbage"}, headers={"If-Match": "abc"})
    assert r.status_code == 422
    assert raw_a("GET", f"{session}/").json()["description"] == "v4"


def test_created_at_token_in_both_spellings(raw_a, session):
    ev = raw_a("POST", f"{session}/events/", json={"body": {"n": 0}, "emitter": {"type": "agent"}}).json()
    z = ev["createdAt"]
    offset = z.replace("Z", "+00:00")
    r = raw_a("PATCH", f"{session}/events/0/", json={"body": {"n": 1}}, params={"createdAt": offset})
    assert r.status_code == 200 and r.json()["body"] == {"n": 1} and r.json()["createdAt"] > z
    r2 = raw_a("PATCH", f"{session}/events/0/", json={"body": {"n": 2}}, params={"createdAt": r.json()["createdAt"]})
    assert r2.status_code == 200 and r2.json()["body"] == {"n": 2}
    stale = raw_a("PATCH", f"{session}/events/0/", json={"body": {"n": 3}}, params={"createdAt": z})
    assert stale.status_code == 422 and stale.json()["detail"] == "Patch of incorrect version of event"
    assert raw_a("PATCH", f"{session}/events/0/", json={"body": {"n": 3}}, params={"createdAt": "yesterday"}).status_code == 422
    # Batch: createdAt inside each item; `type` in, `eventType` out.
    r = raw_a("PATCH", f"{session}/events/batch/", json={"events": [{"sequenceId": 0, "type": "status", "createdAt": r2.json()["createdAt"]}]})
    assert r.status_code == 200 and r.json()["items"][0]["eventType"] == "status" and r.json()["items"][0]["body"] == {"n": 2}
    assert raw_a("GET", f"{session}/events/").json()["items"][0]["eventType"] == "status"


def test_deleted_things_are_404(raw_a, space, session):
    raw_a("POST", f"{session}/events/", json={"body": {}, "emitter": {"type": "agent"}})
    assert raw_a("DELETE", f"{session}/").status_code == 204
    assert raw_a("GET", f"{session}/").status_code == 404
    assert raw_a("GET", f"{session}/events/").status_code == 404
    assert raw_a("DELETE", f"{session}/").status_code == 404
    sid = space["memorySpaceId"]
    assert raw_a("DELETE", f"memory/{sid}/").status_code == 204
    assert raw_a("GET", f"memory/{sid}/").status_code == 404
    assert raw_a("DELETE", f"memory/{sid}/").status_code == 404


def test_alarm_sweep_fires_due_triggers_without_a_request_touching_the_session(raw_a, space):
    # The test workerd runs the sweep alarm every second. The extraction-jobs route only reads
    # the outbox (it never evaluates sessions), so a job there was queued by the alarm's sweep.
    # The ttl leaves the check that creating queues nothing 3 s on workerd's real clock.
    sid = space["memorySpaceId"]
    r = raw_a("POST", f"memory/{sid}/sessions/", json={"participants": ["u1"], "lifecycleStrategies": [{"type": "extract_memories", "trigger": {"ttl": 3}, "opts": {"softDelete": False}}]})
    assert r.status_code == 201
    ses = r.json()["id"]
    assert raw_a("GET", f"memory/{sid}/extraction-jobs/").json() == {"items": []}
    jobs = []
    deadline = time.monotonic() + 10
    while not jobs and time.monotonic() < deadline:
        time.sleep(0.25)
        jobs = raw_a("GET", f"memory/{sid}/extraction-jobs/").json()["items"]
    assert len(jobs) == 1, "the sweep alarm did not queue the due extraction job"
    # The same alarm then runs the job with the Worker's LLM (test_extraction.py), so it may
    # already be running or done.
    assert (jobs[0]["sessionId"], jobs[0]["strategyIndex"]) == (ses, 0)
    assert jobs[0]["status"] in ("pending", "running", "done")
    # The session itself is still live (softDelete: false).
    assert raw_a("GET", f"memory/{sid}/sessions/{ses}/").status_code == 200


def test_space_list_by_dedup_key_and_paging(raw_a):
    key = unique("k")
    a = raw_a("POST", "memory/new/", json={"deduplicationKey": key}).json()
    dup = raw_a("POST", "memory/new/", json={"deduplicationKey": key})
    assert dup.status_code == 409 and dup.json() == {
        "detail": dup.json()["detail"],
        "errorName": "MemorySpaceDeduplicationConflict",
        "deduplicationKey": key,
        "existingMemorySpaceId": a["memorySpaceId"],
        "existingMemorySpaceUrl": f"/memory/{a['memorySpaceId']}/",
    }
    assert [s["memorySpaceId"] for s in raw_a("GET", "memory/", params={"deduplicationKey": key}).json()["items"]] == [a["memorySpaceId"]]
    assert raw_a("GET", "memory/", params={"deduplicationKey": key, "offset": 1}).json() == {"items": []}
    assert raw_a("GET", "memory/", params={"limit": 0}).status_code == 422
    assert raw_a("GET", "memory/", params={"limit": 101}).status_code == 422
    raw_a("DELETE", f"memory/{a['memorySpaceId']}/")
