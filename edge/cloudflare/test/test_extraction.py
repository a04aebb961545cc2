"""Extraction on the edge: the sweep alarm fires an extract_memories strategy and runs the job
with the Worker's LLM — an OpenAI-compatible server on 127.0.0.1 started by the test script
(test/openai-stub.mjs) — end to end: the stub gets the space's model, our prompt and the API
key from the Worker's secret; the memories are written; and the DataRobot API shows the
session hidden while it waits and deleted afterwards."""

import os
import time

import requests

from datarobot.errors import ClientError
from datarobot.models.memory import MemorySpace, Session

from conftest import unique

STUB = os.environ.get("LLM_STUB_URL", "")


def stub_requests():
    return requests.get(f"{STUB}/requests", timeout=10).json()


def wait_for(fn, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.25)
    return fn()


def jobs(raw, sid):
    return raw("GET", f"memory/{sid}/extraction-jobs/").json()["items"]


def test_the_sweep_alarm_extracts_a_session_with_the_workers_llm_and_the_session_is_deleted_after(alice, raw_a):
    assert STUB, "run through scripts/test-edge.sh (LLM_STUB_URL unset)"
    space = MemorySpace.create(description=unique("extract"), llm_model_name="stub-model", custom_instructions="Only durable facts.")
    session = Session.create(space.id, participants=["u1"], lifecycle_strategies=[
        {"type": "extract_memories", "trigger": {"idle": 4}, "opts": {"agentId": "edge-bot", "metadata": {"channel": "web"}}},
    ])
    # Idle for 4 s on workerd's real clock: the posts and the read below come before the sweep.
    session.post_events([
        {"body": {"content": "Hi! I live in Lisbon"}, "emitter": {"type": "user", "id": "u1"}, "event_type": "message"},
        {"body": {"content": "Noted."}, "emitter": {"type": "agent", "id": "bot"}, "event_type": "message"},
        {"body": {"content": "I like green tea. I work at Acme"}, "emitter": {"type": "user", "id": "u1"}, "event_type": "message"},
    ])
    assert Session.get(space.id, session.id).id == session.id

    done = wait_for(lambda: [j for j in jobs(raw_a, space.id) if j["status"] == "done" and j["sessionDeleted"]])
    assert done, f"the alarm did not extract the session: {jobs(raw_a, space.id)}"
    job = done[0]
    assert job["sessionId"] == session.id
    assert job["stats"]["created"] == 3
    assert len(job["memoryIds"]) == 3
    assert job["breakdown"] == {"preference": 1, "profile": 2}
    assert job["options"]["agentId"] == "edge-bot"
    assert job["usage"]["totalTokens"] > 0
    assert job["llm"]["llmModelName"] == "stub-model"

    sent = [r for r in stub_requests() if session.id in r["body"]["messages"][1]["content"]]
    assert len(sent) == 1
    req = sent[0]
    assert req["authorization"] == "Bearer test-llm-key", "the key comes from the Worker's secret"
    assert req["path"] == "/v1/chat/completions"
    assert req["body"]["model"] == "stub-model"
    assert req["body"]["response_format"] == {"type": "json_object"}
    assert req["body"]["messages"][0]["role"] == "system"
    assert "Only durable facts." in req["body"]["messages"][0]["content"]
    assert "[0] user (u1): Hi! I live in Lisbon" in req["body"]["messages"][1]["content"]

    # The DataRobot API shows the session deleted.
    try:
        Session.get(space.id, session.id)
        raise AssertionError("the session should be deleted")
    except ClientError as e:
        assert e.status_code == 404
    assert session.id not in [s.id for s in Session.list(space.id)]
    assert raw_a("GET", f"memory/{space.id}/sessions/{session.id}/events/").status_code == 404
    space.delete()


def test_a_malformed_model_answer_fails_the_attempt_with_the_raw_text_kept(raw_a):
    sid = raw_a("POST", "memory/new/", json={"llmModelName": "stub-model"}).json()["memorySpaceId"]
    r = raw_a("POST", f"memory/{sid}/sessions/", json={"participants": ["u1"], "lifecycleStrategies": [
        {"type": "extract_memories", "trigger": {"eventCount": 1}, "opts": {"softDelete": False}},
    ]})
    ses = r.json()["id"]
    raw_a("POST", f"memory/{sid}/sessions/{ses}/events/", json={"body": {"content": "MALFORMED-ONCE I like jazz"}, "emitter": {"type": "user", "id": "u1"}})
    failed = wait_for(lambda: [j for j in jobs(raw_a, sid) if j.get("lastError")])
    assert failed, jobs(raw_a, sid)
    err = failed[0]["lastError"]
    assert (err["code"], err["reason"]) == ("upstream", "malformed_output")
    assert err["rawOutput"].startswith("Sure, here are the memories")
    # The retry waits for its 30 s backoff; the session stays live meanwhile (softDelete false).
    assert raw_a("GET", f"memory/{sid}/sessions/{ses}/").status_code == 200

    raw_a("DELETE", f"memory/{sid}/")
