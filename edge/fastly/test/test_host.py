"""What the Fastly host itself does before the REST surface: header bytes that are not UTF-8,
a body streamed without a Content-Length past the cap, credentials from the secret store."""

import os
import socket
from urllib.parse import urlparse

import requests

BASE = os.environ.get("EDGE_URL", "")
TOKEN = os.environ.get("EDGE_TOKEN_A", "")


def raw_http(request: bytes) -> bytes:
    u = urlparse(BASE)
    with socket.create_connection((u.hostname, u.port), timeout=30) as s:
        s.sendall(request)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return out
            out += chunk


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def test_a_header_value_that_is_not_utf8_is_answered_not_crashed():
    r = raw_http(
        b"GET /api/v2/memory/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        + f"Authorization: Token {TOKEN}\r\n".encode()
        + b"X-Odd: caf\xe9\r\n\r\n"
    )
    assert status_of(r) == 200, r[:200]
    r = raw_http(b"GET /api/v2/memory/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Token \xff\xfe\r\n\r\n")
    assert status_of(r) == 401, r[:200]


def test_a_chunked_body_over_one_mib_is_413_without_a_content_length():
    def chunks():
        for _ in range(17):
            yield b" " * 65536  # 1,114,112 bytes in total

    r = requests.post(
        f"{BASE}/api/v2/memory/new/",
        data=chunks(),
        headers={"Authorization": f"Token {TOKEN}", "Content-Type": "application/json"},
        timeout=30,
    )
    assert r.status_code == 413, r.text


def test_tokens_come_from_the_secret_store_and_hashed_entries_are_not_credentials():
    ok = requests.get(f"{BASE}/api/v2/memory/", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    assert ok.status_code == 200
    for h in ({}, {"Authorization": "Token nope"}, {"Authorization": "Basic " + TOKEN}):
        assert requests.get(f"{BASE}/api/v2/memory/", headers=h, timeout=30).status_code == 401
    # carol's entry is stored hashed: its key is not a token.
    import hashlib

    digest = hashlib.sha256(os.environ.get("EDGE_TOKEN_C", "").encode()).hexdigest()
    r = requests.get(f"{BASE}/api/v2/memory/", headers={"Authorization": f"Token sha256:{digest}"}, timeout=30)
    assert r.status_code == 401
