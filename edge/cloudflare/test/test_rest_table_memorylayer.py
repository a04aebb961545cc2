"""The malformed-request table for the MemoryLayer API (/v1): every route and method gets every
malformed body of test_rest_table.BODIES and every malformed query and id, sent byte for byte.
Whatever comes back must be a client error with a JSON `detail` (never a 5xx), and a refused
write must leave the principal's memories, associations, sessions and working memory as they
were. Another principal's token gets 404 on every route naming alice's ids."""

import http.client
import json
import urllib.parse
import uuid

import pytest

from conftest import BASE, TOKEN_A, TOKEN_B
from test_rest_table import BODIES, QUERIES


def send(method, path, body=None, headers=None, token=TOKEN_A):
    """One request to `/v1/` + path exactly as given → (status, parsed JSON or bytes)."""
    u = urllib.parse.urlsplit(BASE)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    h = {"Authorization": f"Bearer {token}", **(headers or {})}
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
        h.setdefault("Content-Type", "application/json")
    try:
        conn.request(method, "/v1/" + path, body=body, headers=h)
        r = conn.getresponse()
        data = r.read()
    finally:
        conn.close()
    if (r.getheader("Content-Type") or "").startswith("application/json"):
        return r.status, json.loads(data)
    return r.status, data


def routes(w, m, s, a):
    """(method, path) for every route and method that takes a body or a query, at live ids."""
    return [
        ("GET", "memories"),
        ("POST", "memories"),
        ("POST", "memories/recall"),
        ("POST", "memories/reflect"),
        ("POST", "memories/batch"),
        ("GET", f"memories/{m}"),
        ("PUT", f"memories/{m}"),
        ("POST", f"memories/{m}/decay"),
        ("POST", f"memories/{m}/associate"),
        ("GET", f"memories/{m}/associations"),
        ("PATCH", f"memories/{m}/associations/{a}"),
        ("POST", f"memories/{m}/traverse"),
        ("GET", "sessions"),
        ("POST", "sessions"),
        ("GET", "sessions/briefing"),
        ("GET", f"sessions/{s}"),
        ("GET", f"sessions/{s}/memory"),
        ("POST", f"sessions/{s}/memory"),
        ("POST", f"sessions/{s}/touch"),
        ("POST", f"sessions/{s}/commit"),
        ("GET", "workspaces"),
        ("POST", "workspaces"),
        ("GET", f"workspaces/{w}"),
        ("PUT", f"workspaces/{w}"),
        ("GET", f"workspaces/{w}/schema"),
        ("POST", "context/execute"),
    ]


def snapshot(w, m, s):
    """What the API shows of alice's workspace (reads that do not move any clock)."""
    out = []
    for path in [f"memories/{m}", f"memories/{m}/associations", f"memories?workspace_id={w}&limit=200",
                 f"workspaces/{w}", f"sessions?workspace_id={w}"]:
        out.append((path, *send("GET", path)))
    return json.dumps(out, sort_keys=True)


def unsupported(path, status, out):
    """The 501s that are not about the input: the sandbox (not served) and the calls that need a
    host LLM (commit, reflect) on a host without one."""
    needs_llm = path.endswith("/commit") or path == "memories/reflect"
    return status == 501 and out.get("code") == "unsupported" and (path.startswith("context/") or needs_llm)


def check(method, path, status, out, what):
    assert status < 500 or unsupported(path, status, out), (what, method, path, status, out)
    if status >= 400:
        assert isinstance(out, dict) and "detail" in out, (what, method, path, status, out)


@pytest.fixture
def world():
    w = f"table-{uuid.uuid4().hex[:10]}"
    st, m = send("POST", "memories", {"content": "table memory", "workspace_id": w})
    assert st == 201, m
    st, m2 = send("POST", "memories", {"content": "table target", "workspace_id": w})
    assert st == 201, m2
    m, m2 = m["memory"]["id"], m2["memory"]["id"]
    st, a = send("POST", f"memories/{m}/associate", {"target_id": m2, "relationship": "related_to"})
    assert st == 201, a
    st, s = send("POST", "sessions", {"workspace_id": w, "ttl_seconds": 3600})
    assert st == 201, s
    st, _ = send("POST", f"sessions/{s['id']}/memory", {"key": "keep", "value": 1})
    assert st == 201
    return w, m, s["id"], a["id"]


def test_every_memorylayer_route_refuses_every_malformed_body_with_a_client_error(world):
    w, m, s, a = world
    before = snapshot(w, m, s)
    sent = 0
    for method, path in routes(w, m, s, a):
        for name, body in BODIES:
            for ctype in ["application/json", "text/plain"]:
                status, out = send(method, path, body, headers={"Content-Type": ctype})
                sent += 1
                check(method, path, status, out, name)
                if method != "GET" and status >= 400:
                    assert snapshot(w, m, s) == before, (name, method, path, status, out)
                elif method != "GET" and status < 300:
                    before = snapshot(w, m, s)  # an accepted write (an empty decay, a new session)
    assert sent == len(routes(w, m, s, a)) * len(BODIES) * 2


def test_every_memorylayer_route_refuses_malformed_queries_ids_and_other_principals(world):
    w, m, s, a = world
    before = snapshot(w, m, s)
    for method, path in routes(w, m, s, a):
        for q in QUERIES + ["hard=maybe", "direction=sideways", "workspace_id=%FF", "key=%E2%82"]:
            status, out = send(method, f"{path}?{q}", b"{}" if method != "GET" else None)
            check(method, path, status, out, q)
            if method != "GET" and status < 300:
                before = snapshot(w, m, s)  # `{}` is a valid body for some writes (decay, sessions)
    ids = ["0", "x" * 5000, "%00", "%2F", "mry_" + "z" * 26, "ses_" + "z" * 26, "%E2%82", "asc_x"]
    for bad in ids:
        for method, path in [("GET", f"memories/{bad}"), ("DELETE", f"memories/{bad}"),
                             ("PATCH", f"memories/{m}/associations/{bad}"), ("GET", f"sessions/{bad}"),
                             ("DELETE", f"sessions/{bad}"), ("GET", f"workspaces/{bad}")]:
            status, out = send(method, path, b'{"strength": 0.5}' if method == "PATCH" else None)
            check(method, path, status, out, bad)
            assert status in (400, 404, 422), (method, path, status, out)
    for method, path in routes(w, m, s, a):
        status, out = send("TRACE" if method == "GET" else "OPTIONS", path)
        check(method, path, status, out, "method")
        # Bob names alice's ids: not found (routes naming no id act in bob's own namespace).
        if any(x in path for x in (m, s, w)):
            status, out = send(method, path, b"{}" if method != "GET" else None, token=TOKEN_B)
            assert status in (404, 422), (method, path, status, out)
            check(method, path, status, out, "other principal")
    for method, path in [("DELETE", f"memories/{m}"), ("DELETE", f"memories/{m}/associations/{a}"),
                         ("DELETE", f"sessions/{s}")]:
        status, out = send(method, path, token=TOKEN_B)
        assert status == 404, (method, path, status, out)
    assert snapshot(w, m, s) == before
