"""Hardening (issue 10) against workerd: request size, nesting, numbers, malformed path ids and
dot segments. Paths are sent byte for byte with http.client (requests/urllib3 would normalise
`..` on the client side)."""

import http.client
import json
import urllib.parse

import pytest

from conftest import BASE, TOKEN_A, unique

MAX_BODY_BYTES = 1024 * 1024


def send(method, path, body=None, headers=None, token=TOKEN_A, chunked=False):
    """One request with `path` (below /api/v2/) exactly as given → (status, parsed JSON or bytes)."""
    u = urllib.parse.urlsplit(BASE)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    h = {"Authorization": f"Token {token}", **(headers or {})}
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
        h.setdefault("Content-Type", "application/json")
    if isinstance(body, str):
        body = body.encode()
    try:
        conn.request(method, "/api/v2/" + path, body=body, headers=h, encode_chunked=chunked)
        r = conn.getresponse()
        data = r.read()
    finally:
        conn.close()
    if r.getheader("Content-Type") == "application/json":
        return r.status, json.loads(data)
    return r.status, data


@pytest.fixture
def space():
    status, s = send("POST", "memory/new/", {"description": unique("hardening")})
    assert status == 201
    yield s["memorySpaceId"]
    send("DELETE", f"memory/{s['memorySpaceId']}/")


@pytest.fixture
def session(space):
    status, s = send("POST", f"memory/{space}/sessions/", {"participants": ["u1"], "lifecycleStrategies": []})
    assert status == 201
    return s["id"]


def event_text(body_json):
    """A wire event whose `body` is the given JSON text, spliced in verbatim."""
    return '{"body": ' + body_json + ', "emitter": {"type": "user", "id": "u1"}, "type": "message"}'


def events(space, session):
    status, out = send("GET", f"memory/{space}/sessions/{session}/events/")
    assert status == 200
    return out["items"]


def test_event_body_nested_10000_deep_is_422_naming_the_depth_limit(space, session):
    deep = "[" * 10_000 + "]" * 10_000
    status, out = send("POST", f"memory/{space}/sessions/{session}/events/", event_text(deep))
    assert status == 422, out
    assert out["code"] == "validation"
    assert "nested deeper than 64" in out["detail"][0]["msg"]
    assert events(space, session) == []
    ok = "[" * 60 + "]" * 60
    status, out = send("POST", f"memory/{space}/sessions/{session}/events/", event_text(ok))
    assert status == 201, out


@pytest.mark.parametrize("bad", ["%ZZ", "%FF", "%", "ab%", "%E2%82", "%C3"])
def test_bad_percent_escapes_and_truncated_utf8_in_a_path_id_are_400_in_the_api_error_shape(space, bad):
    for method, path, body in [
        ("GET", f"memory/{space}/sessions/{bad}/", None),
        ("PATCH", f"memory/{space}/sessions/{bad}/", {"description": "x"}),
        ("DELETE", f"memory/{space}/sessions/{bad}/", None),
        ("GET", f"memory/{space}/sessions/{bad}/events/", None),
        ("POST", f"memory/{space}/sessions/{bad}/events/batch/", {"events": []}),
        ("PATCH", f"memory/{space}/sessions/{bad}/events/0/", {"body": {}}),
    ]:
        status, out = send(method, path, body)
        assert status in (400, 404), (method, path, status, out)
        assert isinstance(out, dict) and "detail" in out, (method, path, out)
    # The space is untouched.
    assert send("GET", f"memory/{space}/")[0] == 200


def send_big(path, size, chunked):
    """POSTs a `size`-byte body, tolerating the server answering (and closing) before it is sent."""
    u = urllib.parse.urlsplit(BASE)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    conn.putrequest("POST", "/api/v2/" + path)
    conn.putheader("Authorization", f"Token {TOKEN_A}")
    conn.putheader("Content-Type", "application/json")
    conn.putheader(*(("Transfer-Encoding", "chunked") if chunked else ("Content-Length", str(size))))
    conn.endheaders()
    block = b"[" + b"0," * 32767 + b"0"  # 64 KiB of a JSON array's worth of numbers
    sent = 0
    try:
        while sent < size:
            conn.send(b"%x\r\n%s\r\n" % (len(block), block) if chunked else block)
            sent += len(block)
        if chunked:
            conn.send(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered early and closed: read what it said
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, json.loads(data), sent


def test_a_12_mb_request_is_413_before_it_reaches_the_durable_object(space, session):
    path = f"memory/{space}/sessions/{session}/events/batch/"
    status, out, _ = send_big(path, 12 * 1024 * 1024, chunked=False)
    assert status == 413, out
    assert out["maxBytes"] == MAX_BODY_BYTES and out["code"] == "too_large"
    # Without a Content-Length (chunked), the cap is enforced while reading.
    status, out, _ = send_big(path, 12 * 1024 * 1024, chunked=True)
    assert status == 413, out
    # Just under the cap is served, and the object that never saw the 12 MB is fine.
    items = [{"body": {"content": "y" * 4000}, "emitter": {"type": "user", "id": "u1"}} for _ in range(200)]
    status, out = send("POST", path, {"events": items})
    assert status == 201, out
    assert len(events(space, session)) == 100  # one page
    status, out = send("GET", f"memory/{space}/sessions/{session}/")
    assert status == 200


@pytest.mark.parametrize("number", ["1e309", "-1e309", "9" * 400, "0.1000000000000000000001", "9007199254740993"])
def test_a_body_number_a_double_would_change_is_rejected_never_stored_as_something_else(space, session, number):
    status, out = send("POST", f"memory/{space}/sessions/{session}/events/", event_text('{"n": ' + number + "}"))
    assert status == 422, out
    assert "cannot be stored exactly" in out["detail"][0]["msg"]
    assert events(space, session) == []
    # Numbers a double holds are stored exactly as sent (as values).
    status, out = send("POST", f"memory/{space}/sessions/{session}/events/", event_text('{"n": [1.5, 1e300, 9007199254740992]}'))
    assert status == 201
    assert out["body"] == {"n": [1.5, 1e300, 9007199254740992]}


@pytest.mark.parametrize("dots", ["%2e%2e", ".%2E", "%2E.", ".."])
def test_dot_segment_session_ids_reach_the_space_and_a_deleted_space_is_restored(dots):
    status, s = send("POST", "memory/new/", {"description": "keep me", "deduplicationKey": unique("dot")})
    space = s["memorySpaceId"]
    status, sess = send("POST", f"memory/{space}/sessions/", {"participants": ["u1"], "lifecycleStrategies": []})
    send("POST", f"memory/{space}/sessions/{sess['id']}/events/", event_text('{"content": "precious"}'))
    # The platform resolves the dot segment before the Worker runs: this is the space's URL.
    status, out = send("GET", f"memory/{space}/sessions/{dots}/")
    assert status == 200 and out.get("memorySpaceId") == space
    # A session update there is refused: its fields are not the space's.
    status, out = send("PATCH", f"memory/{space}/sessions/{dots}/", {"description": "hijacked", "metadata": {"a": 1}})
    assert status == 422, out
    assert out["detail"][0]["loc"] == ["body", "metadata"]
    assert send("GET", f"memory/{space}/")[1]["description"] == "keep me"
    # A delete there deletes the space (indistinguishable from DELETE memory/{s}/) ...
    status, _ = send("DELETE", f"memory/{space}/sessions/{dots}/")
    assert status == 204
    assert send("GET", f"memory/{space}/")[0] == 404
    # ... and is undone by restore, with everything the space held and its key.
    status, out = send("POST", f"memory/{space}/restore/")
    assert status == 200, out
    assert out["memorySpaceId"] == space and out["deduplicationKey"] == s["deduplicationKey"]
    assert [e["body"] for e in events(space, sess["id"])] == [{"content": "precious"}]
    status, listed = send("GET", "memory/", headers={})
    assert space in [x["memorySpaceId"] for x in listed["items"]]
    status, out = send("POST", "memory/new/", {"deduplicationKey": s["deduplicationKey"]})
    assert status == 409 and out["existingMemorySpaceId"] == space
    # Restoring a live space returns it unchanged; nobody else can restore it.
    assert send("POST", f"memory/{space}/restore/")[0] == 200
    send("DELETE", f"memory/{space}/")
    from conftest import TOKEN_B

    assert send("POST", f"memory/{space}/restore/", token=TOKEN_B)[0] == 404
    assert send("POST", f"memory/{space}/restore/")[0] == 200
    send("DELETE", f"memory/{space}/")
