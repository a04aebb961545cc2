"""The memory-store API (/v1/memory_stores) through the unmodified `anthropic` SDK from PyPI,
pointed at the worker by base URL only: every call of `client.beta.memory_stores` — stores
(create, retrieve, update with a metadata merge patch, list with auto-pagination, archive,
delete), memories (create, retrieve, update with a content_sha256 precondition and rename,
list with path_prefix/depth roll-ups, delete with expected_content_sha256) and memory versions
(list with filters, retrieve, redact) — error classes, and per-principal isolation."""

import hashlib

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
    s = client(TOKEN_A).beta.memory_stores.create(name=unique("conflict"))
    auth = {"Authorization": f"Bearer {TOKEN_A}"}
    url = f"{BASE}/v1/memory_stores/{s.id}/memories"
    assert requests.post(url, json={"path": "/a.md", "content": "x"}, headers=auth).status_code == 200
    r = requests.post(url, json={"path": "/a.md", "content": "y"}, headers=auth)
    assert r.status_code == 409 and r.headers["x-should-retry"] == "false"
    assert r.json()["error"]["type"] == "memory_path_conflict_error"


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
def store(stores):
    s = stores.create(name=unique("mem"))
    yield s.id
    stores.delete(s.id)


def test_memory_create_retrieve_update_rename_delete(stores, store):
    m = stores.memories.create(store, path="/notes/a.md", content="hello")
    assert m.type == "memory" and m.id.startswith("mem_") and m.memory_version_id.startswith("memver_")
    assert (m.path, m.content, m.content_sha256, m.content_size_bytes) == ("/notes/a.md", None, sha("hello"), 5)
    assert m.memory_store_id == store
    full = stores.memories.retrieve(m.id, memory_store_id=store)
    assert full.content == "hello", "retrieve defaults to the full view"
    assert stores.memories.retrieve(m.id, memory_store_id=store, view="basic").content is None
    u = stores.memories.update(
        m.id,
        memory_store_id=store,
        content="hello world",
        path="/notes/b.md",
        precondition={"type": "content_sha256", "content_sha256": sha("hello")},
        view="full",
    )
    assert (u.id, u.path, u.content, u.content_sha256) == (m.id, "/notes/b.md", "hello world", sha("hello world"))
    assert u.memory_version_id != m.memory_version_id
    d = stores.memories.delete(m.id, memory_store_id=store, expected_content_sha256=sha("hello world"))
    assert (d.id, d.type) == (m.id, "memory_deleted")
    with pytest.raises(anthropic.NotFoundError):
        stores.memories.retrieve(m.id, memory_store_id=store)


def test_a_stale_precondition_is_a_409_the_sdk_does_not_retry(store):
    retrying = anthropic.Anthropic(base_url=BASE, api_key=TOKEN_A, max_retries=2).beta.memory_stores
    m = retrying.memories.create(store, path="/p.md", content="one")
    stale = {"type": "content_sha256", "content_sha256": sha("zero")}
    with pytest.raises(anthropic.ConflictError) as e:
        retrying.memories.update(m.id, memory_store_id=store, content="two", precondition=stale)
    assert e.value.body["error"]["type"] == "memory_precondition_failed_error"
    assert e.value.response.headers["x-should-retry"] == "false"
    assert retrying.memories.retrieve(m.id, memory_store_id=store).content == "one", "nothing changed"
    with pytest.raises(anthropic.ConflictError):
        retrying.memories.delete(m.id, memory_store_id=store, expected_content_sha256=sha("zero"))
    with pytest.raises(anthropic.ConflictError) as e:
        retrying.memories.create(store, path="/p.md/child.md", content="x")
    err = e.value.body["error"]
    assert err["type"] == "memory_path_conflict_error"
    assert (err["conflicting_memory_id"], err["conflicting_path"]) == (m.id, "/p.md")
    # An update that already applied, retried with the old precondition: 200, same version.
    pre = {"type": "content_sha256", "content_sha256": sha("one")}
    first = retrying.memories.update(m.id, memory_store_id=store, content="two", precondition=pre)
    again = retrying.memories.update(m.id, memory_store_id=store, content="two", precondition=pre)
    assert again.memory_version_id == first.memory_version_id


def test_list_auto_paginates_with_depth_rollups_and_full_view(stores, store):
    for p in ["/a/x/1.md", "/a/x/2.md", "/a/y.md", "/b.md", "/c/z/3.md", "/notes-old/q.md"]:
        stores.memories.create(store, path=p, content=f"content of {p}")
    top = [(i.type, i.path) for i in stores.memories.list(store, depth=1, limit=2)]
    assert top == [("memory_prefix", "/a/"), ("memory", "/b.md"), ("memory_prefix", "/c/"), ("memory_prefix", "/notes-old/")]
    under_a = [(i.type, i.path) for i in stores.memories.list(store, path_prefix="/a/", depth=1, limit=1)]
    assert under_a == [("memory_prefix", "/a/x/"), ("memory", "/a/y.md")]
    everything = list(stores.memories.list(store, limit=4, view="full"))
    assert [m.path for m in everything] == ["/a/x/1.md", "/a/x/2.md", "/a/y.md", "/b.md", "/c/z/3.md", "/notes-old/q.md"]
    assert all(m.content == f"content of {m.path}" for m in everything)
    assert all(m.content is None for m in stores.memories.list(store, path_prefix="/a/x/"))
    with pytest.raises(anthropic.BadRequestError):
        list(stores.memories.list(store, path_prefix="/a"))


def test_versions_list_retrieve_redact(stores, store):
    m = stores.memories.create(store, path="/v.md", content="one")
    stores.memories.update(m.id, memory_store_id=store, content="two")
    stores.memories.delete(m.id, memory_store_id=store)
    versions = list(stores.memory_versions.list(store, memory_id=m.id, limit=1))
    assert [v.operation for v in versions] == ["deleted", "modified", "created"]
    assert versions[0].content_sha256 is None and versions[2].content_sha256 == sha("one")
    assert [v.operation for v in stores.memory_versions.list(store, operation="created")] == ["created"]
    assert list(stores.memory_versions.list(store, created_at_lte="2000-01-01T00:00:00Z")) == []
    assert list(stores.memory_versions.list(store, session_id="sesn_nobody")) == []
    first = stores.memory_versions.retrieve(versions[2].id, memory_store_id=store)
    assert (first.content, first.path, first.memory_id, first.redacted_at) == ("one", "/v.md", m.id, None)
    red = stores.memory_versions.redact(first.id, memory_store_id=store)
    assert (red.content, red.path, red.content_sha256, red.content_size_bytes) == (None, None, None, None)
    assert red.redacted_at is not None
    assert stores.memory_versions.retrieve(first.id, memory_store_id=store).redacted_at == red.redacted_at


def test_an_archived_store_is_read_only_for_memories_but_delete_and_redact_work(stores, store):
    m = stores.memories.create(store, path="/k.md", content="one")
    stores.memories.update(m.id, memory_store_id=store, content="two")
    stores.archive(store)
    with pytest.raises(anthropic.BadRequestError):
        stores.memories.create(store, path="/new.md", content="x")
    with pytest.raises(anthropic.BadRequestError):
        stores.memories.update(m.id, memory_store_id=store, content="three")
    old = [v for v in stores.memory_versions.list(store, memory_id=m.id) if v.operation == "created"][0]
    assert stores.memory_versions.redact(old.id, memory_store_id=store).redacted_at is not None
    assert stores.memories.delete(m.id, memory_store_id=store).type == "memory_deleted"


def test_memories_and_versions_of_another_principal_are_not_found(store):
    mine = client(TOKEN_A).beta.memory_stores
    m = mine.memories.create(store, path="/secret.md", content="mine")
    for token in (TOKEN_B, TOKEN_C):
        other = client(token).beta.memory_stores
        calls = [
            lambda: other.memories.retrieve(m.id, memory_store_id=store),
            lambda: other.memories.update(m.id, memory_store_id=store, content="theirs"),
            lambda: other.memories.delete(m.id, memory_store_id=store),
            lambda: other.memories.create(store, path="/x.md", content="x"),
            lambda: list(other.memories.list(store)),
            lambda: list(other.memory_versions.list(store)),
            lambda: other.memory_versions.retrieve(m.memory_version_id, memory_store_id=store),
            lambda: other.memory_versions.redact(m.memory_version_id, memory_store_id=store),
        ]
        for call in calls:
            with pytest.raises(anthropic.NotFoundError):
                call()
    for method, path in [("GET", f"{store}/memories/{m.id}"), ("DELETE", f"{store}/memories/{m.id}"), ("POST", f"{store}/memory_versions/{m.memory_version_id}/redact")]:
        r = requests.request(method, f"{BASE}/v1/memory_stores/{path}")
        assert r.status_code == 401 and r.json()["error"]["type"] == "authentication_error"
    assert mine.memories.retrieve(m.id, memory_store_id=store).content == "mine"
