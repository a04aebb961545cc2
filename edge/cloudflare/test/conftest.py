"""Shared fixtures: the worker's base URL and test tokens (set by with-workerd.mjs), SDK clients
and a raw HTTP helper for checks below the SDK (headers, status codes, stored bytes)."""

import os
import uuid

import pytest
import requests

import datarobot as dr
from datarobot.client import set_client

BASE = os.environ.get("EDGE_URL", "")
API = f"{BASE}/api/v2"
TOKEN_A = os.environ.get("EDGE_TOKEN_A", "")  # alice @ acme
TOKEN_B = os.environ.get("EDGE_TOKEN_B", "")  # bob @ acme (same tenant, other user)
TOKEN_C = os.environ.get("EDGE_TOKEN_C", "")  # carol @ globex (hashed table entry)


def pytest_configure(config):
    # urllib3 2.x warns about the SDK's own Retry(allowed_methods=[]) on every client.
    config.addinivalue_line("filterwarnings", "ignore:Using an empty collection for 'allowed_methods':FutureWarning")
    if not (BASE and TOKEN_A and TOKEN_B and TOKEN_C):
        raise pytest.UsageError("run through scripts/test-edge.sh (EDGE_URL and EDGE_TOKEN_* unset)")


def use(token, token_type="Token"):
    """Points the unmodified SDK's global client at the worker, as a user would."""
    client = dr.Client(endpoint=API, token=token, token_type=token_type)
    set_client(client)
    return client


@pytest.fixture
def alice():
    return use(TOKEN_A)


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


class Raw:
    """Plain HTTP to the worker with a chosen token (None = no Authorization header)."""

    def __init__(self, token, scheme="Token"):
        self.headers = {} if token is None else {"Authorization": f"{scheme} {token}"}

    def __call__(self, method, path, json=None, headers=None, params=None):
        h = {**self.headers, **(headers or {})}
        return requests.request(method, f"{API}/{path}", json=json, headers=h, params=params, timeout=30)


@pytest.fixture
def raw_a():
    return Raw(TOKEN_A)


@pytest.fixture
def raw_b():
    return Raw(TOKEN_B, "Bearer")


@pytest.fixture
def raw_c():
    return Raw(TOKEN_C)
