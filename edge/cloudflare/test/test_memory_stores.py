"""The memory-store API (/v1/memory_stores) through the unmodified `anthropic` SDK from PyPI,
pointed at the worker by base URL only: the store calls (create, retrieve, update with a
metadata merge patch, list with auto-pagination, archive, delete), error classes, and
per-principal isolation. The memories and versions of a store are not served yet (501)."""

import anthropic
import pytest
import requests

from conftest import BASE, TOKEN_A, TOKEN_B, TOKEN_C, unique


def client(token):
    return anthropic.Anthropic(base_url=BASE, api_key=token, max_retries=0)


@pytest.fixture
def stores():
    return client(TOKEN_A).beta.memory_stores


def test_store_create_retrieve_update_archive_delete(stores):
    s = stores.create(name=unique("notes"), description="team notes", metadata={"a": "1", "b": "2"})
    assert s.id.startswith("memstore_") and s.type == "memory_store" and s.archived_at is None
    got = stores.retrieve(s.id)
    assert (got.id, got.name, got.description, got.metadata) == (s.id, s.name, "team notes", {"a": "1", "b": "2"})
    u = stores.update(s.id, metadata={"a": None, "c": "3"}, description="")
    assert (u.metadata, u.description, u.name) == ({"b": "2", "c": "3"}, "", s.name)
    a = stores.archive(s.id)
    assert a.archived_at is not None
    assert stores.archive(s.id).archived_at == a.archived_at, "archive is idempotent"
    with pytest.raises(anthropic.BadRequestError):
        stores.update(s.id, name="renamed")
    d = stores.delete(s.id)
    assert (d.id, d.type) == (s.id, "memory_store_deleted")
    with pytest.raises(anthropic.NotFoundError):
        stores.retrieve(s.id)


def test_list_auto_paginates_and_hides_archived_stores(stores):
    made = [stores.create(name=unique(f"page{i}")).id for i in range(5)]
    stores.archive(made[2])
    listed = [s.id for s in stores.list(limit=2)]
    assert [i for i in listed if i in made] == [m for m in made if m != made[2]]
    with_archived = [s.id for s in stores.list(limit=100, include_archived=True)]
    assert [i for i in with_archived if i in made] == made
    assert list(stores.list(created_at_lte="2000-01-01T00:00:00Z")) == []


def test_another_principal_gets_not_found_and_no_token_is_401():
    mine = client(TOKEN_A).beta.memory_stores.create(name=unique("private"))
    for token in (TOKEN_B, TOKEN_C):
        other = client(token).beta.memory_stores
        with pytest.raises(anthropic.NotFoundError):
            other.retrieve(mine.id)
        with pytest.raises(anthropic.NotFoundError):
            other.delete(mine.id)
        assert mine.id not in [s.id for s in other.list(limit=100)]
    r = requests.delete(f"{BASE}/v1/memory_stores/{mine.id}")
    assert r.status_code == 401 and r.json()["error"]["type"] == "authentication_error"
    assert client(TOKEN_A).beta.memory_stores.retrieve(mine.id).name == mine.name


def test_errors_have_the_sdk_error_shape_and_conflicts_are_not_retried():
    r = requests.post(f"{BASE}/v1/memory_stores", data="{", headers={"Authorization": f"Bearer {TOKEN_A}"})
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/json")
    assert r.json()["type"] == "error" and r.json()["error"]["type"] == "invalid_request_error"
    s = client(TOKEN_A).beta.memory_stores.create(name=unique("later"))
    r = requests.get(f"{BASE}/v1/memory_stores/{s.id}/memories", headers={"Authorization": f"Bearer {TOKEN_A}"})
    assert r.status_code == 501 and r.json()["error"]["type"] == "api_error"
