"""The REST boundary's malformed-request table (issue 10), against workerd: every route and
method of the API gets every malformed body, query and header in the table below, sent byte for
byte. Whatever comes back must be a client error in the API's error shape (never a 5xx), and a
refused write must leave the space exactly as it was (space, sessions, events)."""

import json

import pytest

from conftest import TOKEN_B, unique
from test_hardening import send

# Bodies as raw bytes: broken JSON, wrong shapes, hostile values.
BODIES = [
    ("empty", b""),
    ("not json", b"{nope"),
    ("truncated", b'{"description": "x'),
    ("array", b"[]"),
    ("string", b'"x"'),
    ("number", b"1"),
    ("null", b"null"),
    ("NaN literal", b'{"description": NaN}'),
    ("1e309", b'{"description": "x", "metadata": {"n": 1e309}}'),
    ("400 digits", b'{"metadata": {"n": ' + b"9" * 400 + b"}}"),
    ("lone surrogate", b'{"description": "\\ud800"}'),
    ("invalid utf-8", b'{"description": "\xff\xfe"}'),
    ("nested 10000", b'{"metadata": ' + b'{"a":' * 10_000 + b"1" + b"}" * 10_000 + b"}"),
    ("unknown field", b'{"descripton": "typo"}'),
    ("wrong types", b'{"description": 5, "participants": "u1", "lifecycleStrategies": {}, "events": 3, "body": null}'),
    ("__proto__", b'{"__proto__": {"admin": true}, "metadata": {"__proto__": 1}}'),
    ("huge string", b'{"description": "' + b"x" * 300_000 + b'"}'),
    ("duplicate keys", b'{"description": "a", "description": "b", "participants": [], "participants": 1}'),
    ("events wrong", b'{"events": [{"body": 1}, 7, null, {"emitter": {"type": "nobody"}}]}'),
]

QUERIES = ["limit=abc", "limit=-1", "limit=1e309", "offset=NaN", "limit=99999999999999999999", "lastN=%FF", "offset=1&offset=2", "type=%00"]


def routes(space, session):
    """(method, path) for every route and allowed method, aimed at live ids."""
    s, e = f"memory/{space}", f"memory/{space}/sessions/{session}"
    return [
        ("GET", "version/"),
        ("GET", "memory/"),
        ("POST", "memory/new/"),
        ("GET", f"{s}/"),
        ("PATCH", f"{s}/"),
        ("GET", f"{s}/extraction-jobs/"),
        ("POST", f"{s}/restore/"),
        ("GET", f"{s}/sessions/"),
        ("POST", f"{s}/sessions/"),
        ("GET", f"{e}/"),
        ("PATCH", f"{e}/"),
        ("GET", f"{e}/events/"),
        ("POST", f"{e}/events/"),
        ("POST", f"{e}/events/batch/"),
        ("PATCH", f"{e}/events/batch/"),
        ("PATCH", f"{e}/events/0/"),
    ]


def snapshot(space, session):
    """What the API shows of the space (timestamps of reads excluded by construction)."""
    out = []
    for path in [f"memory/{space}/", f"memory/{space}/sessions/", f"memory/{space}/sessions/{session}/events/"]:
        status, body = send("GET", path)
        out.append((path, status, body))
    return json.dumps(out, sort_keys=True)


def check(method, path, status, out, what):
    assert status < 500, (what, method, path, status, out)
    if status >= 400:
        assert isinstance(out, dict) and ("detail" in out or "code" in out), (what, method, path, status, out)


@pytest.fixture
def world():
    status, s = send("POST", "memory/new/", {"description": unique("rest-table")})
    assert status == 201
    space = s["memorySpaceId"]
    status, sess = send("POST", f"memory/{space}/sessions/", {"participants": ["u1"], "lifecycleStrategies": []})
    assert status == 201
    status, _ = send("POST", f"memory/{space}/sessions/{sess['id']}/events/", {"body": {"keep": 1}, "emitter": {"type": "user", "id": "u1"}})
    assert status == 201
    yield space, sess["id"]
    send("DELETE", f"memory/{space}/")


def test_every_route_refuses_every_malformed_body_with_a_client_error_and_changes_nothing(world):
    space, session = world
    before = snapshot(space, session)
    sent = 0
    for method, path in routes(space, session):
        for name, body in BODIES:
            for ctype in ["application/json", "text/plain"]:
                status, out = send(method, path, body, headers={"Content-Type": ctype})
                sent += 1
                check(method, path, status, out, name)
                if path == "memory/new/" and status == 201:
                    send("DELETE", f"memory/{out['memorySpaceId']}/")  # a body it accepted
                elif method != "GET" and status >= 400:
                    after = snapshot(space, session)
                    assert after == before, (name, method, path, status, out)
                elif method != "GET" and status < 300:
                    before = snapshot(space, session)  # an accepted write (e.g. an empty PATCH)
    assert sent == len(routes(space, session)) * len(BODIES) * 2


def test_every_route_refuses_malformed_queries_and_ids_with_a_client_error(world):
    space, session = world
    before = snapshot(space, session)
    for method, path in routes(space, session):
        for q in QUERIES:
            status, out = send(method, f"{path}?{q}", b"{}" if method != "GET" else None)
            check(method, path, status, out, q)
    ids = ["0", "x" * 5000, "%00", "%2F", "ses_" + "z" * 26, "00000000-0000-0000-0000-000000000000", "%E2%82", "\u00e9".encode().decode("latin1")]
    for bad in ids:
        for method, path in [("GET", f"memory/{space}/sessions/{bad}/"), ("PATCH", f"memory/{space}/sessions/{bad}/events/0/"), ("GET", f"memory/{bad}/"), ("DELETE", f"memory/{bad}/sessions/{session}/")]:
            try:
                status, out = send(method, path, b'{"body": 1}' if method == "PATCH" else None)
            except (UnicodeEncodeError, ValueError):
                continue  # http.client refuses to send it: nothing reached the server
            check(method, path, status, out, bad)
    # Methods a route does not serve, and another user's token, on every route.
    for method, path in routes(space, session):
        status, out = send("PUT", path, b"{}")
        check("PUT", path, status, out, "PUT")
        assert status in (404, 405), (path, status)
        if path not in ("version/", "memory/", "memory/new/"):
            status, out = send(method, path, b"{}" if method != "GET" else None, token=TOKEN_B)
            check(method, path, status, out, "other user")
            # 422: the body `{}` is refused before the space is looked up (the same answer
            # whether or not the space exists, so nothing leaks).
            assert status in (403, 404, 422), (method, path, status, out)
    assert snapshot(space, session) == before


# ---- The memory-store API (/v1/memory_stores): the same table for its routes ----------------

MS_BODIES = [b for b in BODIES] + [
    ("path without slash", b'{"path": "a.md", "content": "x"}'),
    ("path with ..", b'{"path": "/a/../b", "content": "x"}'),
    ("path with format char", '{"path": "/a\u200bb", "content": "x"}'.encode()),
    ("21 segments", b'{"path": "/' + b"/".join([b"s"] * 21) + b'", "content": "x"}'),
    ("content not string", b'{"path": "/n.md", "content": 5}'),
    ("bad precondition", b'{"content": "x", "precondition": {"type": "etag", "content_sha256": "zz"}}'),
    ("precondition not object", b'{"content": "x", "precondition": "abc"}'),
    ("name too long", b'{"name": "' + b"n" * 300 + b'"}'),
    ("metadata not strings", b'{"name": "x", "metadata": {"k": [1]}}'),
]

MS_QUERIES = ["limit=abc", "limit=0", "limit=101", "limit=1e309", "page=zzz", "page=p-1", "depth=-1", "view=huge",
              "path_prefix=nope", "path_prefix=/a", "operation=renamed", "created_at[gte]=yesterday",
              "expected_content_sha256=xyz", "include_archived=maybe", "view=%FF"]


def ms_send(method, path, body=None, headers=None, token="alice"):
    """One request to /v1/memory_stores{path} exactly as given → (status, parsed JSON or bytes, response)."""
    import http.client
    import urllib.parse

    from conftest import BASE, TOKEN_A

    token = TOKEN_A if token == "alice" else token
    u = urllib.parse.urlsplit(BASE)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    h = {} if token is None else {"Authorization": f"Bearer {token}"}
    h.update(headers or {})
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
        h.setdefault("Content-Type", "application/json")
    try:
        conn.request(method, "/v1/memory_stores" + path, body=body, headers=h)
        r = conn.getresponse()
        data = r.read()
    finally:
        conn.close()
    out = json.loads(data) if r.getheader("Content-Type", "").startswith("application/json") else data
    return r.status, out, r


def ms_routes(store, memory, version):
    s = f"/{store}"
    return [
        ("GET", ""),
        ("POST", ""),
        ("GET", s),
        ("POST", s),
        ("POST", f"{s}/archive"),
        ("GET", f"{s}/memories"),
        ("POST", f"{s}/memories"),
        ("GET", f"{s}/memories/{memory}"),
        ("POST", f"{s}/memories/{memory}"),
        ("DELETE", f"{s}/memories/{memory}"),
        ("GET", f"{s}/memory_versions"),
        ("GET", f"{s}/memory_versions/{version}"),
        ("POST", f"{s}/memory_versions/{version}/redact"),
    ]


def ms_snapshot(store):
    out = []
    for path in [f"/{store}", f"/{store}/memories?view=full&limit=20", f"/{store}/memory_versions?view=full&limit=20"]:
        status, body, _ = ms_send("GET", path)
        out.append((path, status, body))
    return json.dumps(out, sort_keys=True)


def ms_check(method, path, status, out, what):
    assert status < 500, (what, method, path, status, out)
    if status >= 400:
        assert isinstance(out, dict) and out.get("type") == "error" and "type" in out.get("error", {}), (what, method, path, status, out)


@pytest.fixture
def ms_world():
    status, s, _ = ms_send("POST", "", {"name": unique("ms-table")})
    assert status == 200
    store = s["id"]
    status, m, _ = ms_send("POST", f"/{store}/memories", {"path": "/keep.md", "content": "keep"})
    assert status == 200
    yield store, m["id"], m["memory_version_id"]
    ms_send("DELETE", f"/{store}")


def test_memory_store_routes_refuse_every_malformed_body_with_a_client_error_and_change_nothing(ms_world):
    store, memory, version = ms_world
    before = ms_snapshot(store)
    for method, path in ms_routes(store, memory, version):
        if method != "POST":
            continue
        if path.endswith("/archive"):
            continue  # takes no body and would archive the store: covered by the SDK suite
        for name, body in MS_BODIES:
            status, out, _ = ms_send(method, path, body, headers={"Content-Type": "application/json"})
            ms_check(method, path, status, out, name)
            if path == "" and status == 200:
                ms_send("DELETE", f"/{out['id']}")  # a store body it accepted (e.g. `{"name": …}` rows)
            elif status == 200:
                before = ms_snapshot(store)  # an accepted write (an update that changed nothing, a new memory)
            else:
                assert ms_snapshot(store) == before, (name, method, path, status, out)


def test_memory_store_routes_refuse_malformed_queries_ids_methods_and_other_principals(ms_world):
    store, memory, version = ms_world
    before = ms_snapshot(store)
    for method, path in ms_routes(store, memory, version):
        if method != "GET":
            continue
        for q in MS_QUERIES:
            status, out, _ = ms_send(method, f"{path}?{q}")
            ms_check(method, path, status, out, q)
    bad_ids = ["0", "x" * 5000, "%00", "%2F", "memstore_" + "z" * 26, "%E2%82", "mem_" + "0" * 26, "memver_..%2F"]
    for bad in bad_ids:
        for method, path in [("GET", f"/{bad}"), ("GET", f"/{store}/memories/{bad}"), ("DELETE", f"/{store}/memories/{bad}"),
                             ("GET", f"/{store}/memory_versions/{bad}"), ("POST", f"/{store}/memory_versions/{bad}/redact"),
                             ("GET", f"/{bad}/memories")]:
            status, out, _ = ms_send(method, path)
            ms_check(method, path, status, out, bad)
            assert status in (400, 404), (method, path, status, out)
    for method, path in ms_routes(store, memory, version):
        status, out, r = ms_send("PUT", path, b"{}")
        ms_check("PUT", path, status, out, "PUT")
        assert status in (404, 405), (path, status)
        if path:
            status, out, _ = ms_send(method, path, b"{}" if method == "POST" else None, token=TOKEN_B)
            ms_check(method, path, status, out, "other user")
            assert status in (400, 404), (method, path, status, out)
        status, out, _ = ms_send(method, path, b"{}" if method == "POST" else None, token=None)
        assert status == 401 and out["error"]["type"] == "authentication_error", (method, path, status, out)
    assert ms_snapshot(store) == before
