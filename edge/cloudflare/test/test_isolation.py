"""Isolation over HTTP: another principal (same tenant or another tenant) sees none of alice's
spaces (404), cannot read, post into, change or delete them; a request without a valid token
gets 401 and changes nothing."""

import pytest

from datarobot.errors import ClientError
from datarobot.models.memory import MemorySpace, Session

from conftest import TOKEN_A, TOKEN_B, TOKEN_C, Raw, unique, use


@pytest.fixture
def alices():
    use(TOKEN_A)
    key = unique("shared-key")
    space = MemorySpace.create(description="alice private", deduplication_key=key)
    session = Session.create(space.id, participants=["alice"], description="alice thread", deduplication_key="ses-key")
    session.post_event({"content": "secret"}, {"type": "user", "id": "alice"}, "message")
    yield space, session, key
    use(TOKEN_A)
    space.delete()


def assert_untouched(space, session):
    use(TOKEN_A)
    assert MemorySpace.get(space.id).description == "alice private"
    s = Session.get(space.id, session.id)
    assert (s.description, s.version) == ("alice thread", 1)
    assert [(e.sequence_id, e.body) for e in s.events()] == [(0, {"content": "secret"})]
    assert len(Session.list(space.id)) == 1


@pytest.mark.parametrize("token", [TOKEN_B, TOKEN_C], ids=["same-tenant-user", "other-tenant"])
def test_other_principal_sees_nothing_through_the_sdk(alices, token):
    space, session, key = alices
    use(token)
    assert space.id not in [s.id for s in MemorySpace.list()]
    assert MemorySpace.list(deduplication_key=key) == []
    for call in (
        lambda: MemorySpace.get(space.id),
        lambda: Session.get(space.id, session.id),
        lambda: Session.list(space.id),
        lambda: Session.create(space.id, participants=["x"]),
        lambda: session.events(),
        lambda: session.post_event({"content": "intrusion"}, {"type": "agent"}, "message"),
        lambda: session.post_events([{"body": {"content": "intrusion"}, "emitter": {"type": "agent"}}]),
        lambda: session.update_event(0, body={"content": "overwritten"}),
        lambda: session.update_events([{"sequence_id": 0, "body": {"content": "overwritten"}}]),
        lambda: session.update(description="hijacked", if_match=None),
        lambda: space.update(description="hijacked"),
        lambda: session.delete(),
        lambda: space.delete(),
    ):
        with pytest.raises(ClientError) as e:
            call()
        assert e.value.status_code == 404, e.value.json
    # Deduplication keys are per principal: the same key is free for another user.
    theirs = MemorySpace.create(description="theirs", deduplication_key=key)
    owner = "bob" if token == TOKEN_B else "carol"
    assert theirs.id != space.id and (theirs.user_id, theirs.deduplication_key) == (owner, key)
    theirs.delete()
    assert_untouched(space, session)


@pytest.mark.parametrize("token", [TOKEN_B, TOKEN_C], ids=["same-tenant-user", "other-tenant"])
def test_other_principal_gets_404_over_raw_http(alices, token):
    space, session, _ = alices
    raw = Raw(token, "Bearer")
    base = f"memory/{space.id}/sessions/{session.id}"
    for method, path, body in [
        ("GET", f"memory/{space.id}/", None),
        ("GET", f"memory/{space.id}/extraction-jobs/", None),
        ("GET", f"{base}/", None),
        ("GET", f"{base}/events/?lastN=5", None),
        ("POST", f"{base}/events/", {"body": {"content": "x"}, "emitter": {"type": "agent"}}),
        ("POST", f"{base}/events/batch/", {"events": [{"body": {"content": "x"}, "emitter": {"type": "agent"}}]}),
        ("PATCH", f"{base}/events/0/", {"body": {"content": "x"}}),
        ("PATCH", f"{base}/", {"description": "x"}),
        ("DELETE", f"{base}/", None),
        ("DELETE", f"memory/{space.id}/", None),
    ]:
        r = raw(method, path, json=body)
        assert r.status_code == 404, (method, path, r.status_code, r.text)
        assert r.headers["Content-Type"] == "application/json"
    assert_untouched(space, session)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Token wrong-token"},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic dG9rZW4tYWxpY2U6"},
        {"Authorization": "token-alice"},
        # The key of a hashed table entry is not a credential.
        {"Authorization": "Token sha256:0000000000000000000000000000000000000000000000000000000000000000"},
    ],
    ids=["none", "unknown", "empty", "basic", "no-scheme", "hash-as-token"],
)
def test_invalid_or_missing_token_is_401_and_touches_nothing(alices, headers):
    space, session, _ = alices
    raw = Raw(None)
    base = f"memory/{space.id}/sessions/{session.id}"
    for method, path, body in [
        ("GET", "version/", None),
        ("GET", "memory/", None),
        ("POST", "memory/new/", {"description": "sneaky"}),
        ("GET", f"memory/{space.id}/", None),
        ("POST", f"{base}/events/", {"body": {"content": "x"}, "emitter": {"type": "agent"}}),
        ("PATCH", f"{base}/", {"description": "x"}),
        ("DELETE", f"memory/{space.id}/", None),
        ("GET", "no/such/route", None),
    ]:
        r = raw(method, path, json=body, headers=headers)
        assert r.status_code == 401, (method, path, r.status_code)
        assert r.headers["Content-Type"] == "application/json"
        assert r.json()["detail"] == "Invalid or missing API token"
    assert_untouched(space, session)
    use(TOKEN_A)
    assert "sneaky" not in [s.description for s in MemorySpace.list()]


def test_same_user_sees_its_space_with_either_scheme(alices):
    space, session, _ = alices
    for scheme in ("Token", "Bearer", "bearer"):
        r = Raw(TOKEN_A, scheme)("GET", f"memory/{space.id}/sessions/{session.id}/events/")
        assert r.status_code == 200 and [e["body"] for e in r.json()["items"]] == [{"content": "secret"}]
