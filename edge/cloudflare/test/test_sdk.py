"""The unmodified DataRobot SDK (datarobot 3.20, datarobot.models.memory) against the worker.
Every call's result is asserted field by field, not just "did not raise"."""

from datetime import datetime, timedelta, timezone

import pytest

import datarobot as dr
from datarobot.errors import ClientError, MemorySessionDeduplicationError, MemorySpaceDeduplicationError
from datarobot.models.memory import Event, MemorySpace, Session

from conftest import unique

# As the SDK hands it back: it drops nested nulls (the wire carries "opts": null).
DEFAULT_STRATEGY = {"type": "soft_delete", "trigger": {"ttl": 15_552_000}}


def aware(t):
    assert isinstance(t, datetime) and t.tzinfo is not None, t
    return t


def test_client_checks_the_server_version(alice):
    # dr.Client() already called GET /version/ and accepted it; call it again explicitly.
    assert alice.get("version/").json() == {"versionString": "2.49.0"}


def test_memory_space_create_get_list_update_delete(alice):
    before = datetime.now(timezone.utc) - timedelta(minutes=5)
    space = MemorySpace.create(
        description="support bot memory",
        llm_model_name="gpt-4o",
        llm_base_url="https://llm.example.com/v1",
        custom_instructions="Extract preferences only.",
    )
    assert isinstance(space, MemorySpace)
    assert len(space.id) == 36 and space.id.count("-") == 4
    assert (space.user_id, space.tenant_id) == ("alice", "acme")
    assert space.description == "support bot memory"
    assert space.llm_model_name == "gpt-4o"
    assert space.llm_base_url == "https://llm.example.com/v1"
    assert space.custom_instructions == "Extract preferences only."
    assert space.deduplication_key is None
    assert aware(space.created_at) > before

    got = MemorySpace.get(space.id)
    assert (got.id, got.description, got.llm_model_name, got.created_at) == (space.id, space.description, "gpt-4o", space.created_at)

    listed = MemorySpace.list()
    assert space.id in [s.id for s in listed]
    assert all(s.user_id == "alice" for s in listed)

    # PATCH: only passed fields; None clears.
    space.update(description=None, llm_model_name="gpt-4o-mini")
    assert space.description is None and space.llm_model_name == "gpt-4o-mini"
    assert space.llm_base_url == "https://llm.example.com/v1"
    again = MemorySpace.get(space.id)
    assert (again.description, again.llm_model_name, again.custom_instructions) == (None, "gpt-4o-mini", "Extract preferences only.")
    space.update()  # no arguments: no call, no change
    assert MemorySpace.get(space.id).llm_model_name == "gpt-4o-mini"

    space.delete()
    with pytest.raises(ClientError) as e:
        MemorySpace.get(space.id)
    assert e.value.status_code == 404
    assert space.id not in [s.id for s in MemorySpace.list()]


def test_memory_space_list_paginates_in_creation_order(alice):
    tag = unique("page")
    made = [MemorySpace.create(description=f"{tag}-{i}") for i in range(3)]
    ids = [s.id for s in MemorySpace.list(limit=100)]
    positions = [ids.index(s.id) for s in made]
    assert positions == sorted(positions), "creation order"
    first = positions[0]
    page = MemorySpace.list(offset=first + 1, limit=2)
    assert [s.id for s in page] == [made[1].id, made[2].id]
    assert len(MemorySpace.list(limit=1)) == 1
    for s in made:
        s.delete()


def test_memory_space_deduplication_key(alice):
    key = unique("space-key")
    first = MemorySpace.create(description="first", deduplication_key=key)
    assert first.deduplication_key == key
    with pytest.raises(MemorySpaceDeduplicationError) as e:
        MemorySpace.create(description="second", deduplication_key=key)
    assert e.value.status_code == 409
    assert e.value.existing_memory_space_id == first.id
    assert e.value.existing_memory_space_url == f"/memory/{first.id}/"
    assert e.value.deduplication_key == key
    found = MemorySpace.list(deduplication_key=key)
    assert [s.id for s in found] == [first.id]
    # Soft-deleting frees the key.
    first.delete()
    assert MemorySpace.list(deduplication_key=key) == []
    second = MemorySpace.create(description="second", deduplication_key=key)
    assert second.id != first.id and second.deduplication_key == key
    second.delete()


@pytest.fixture
def space(alice):
    s = MemorySpace.create(description=unique("sessions"))
    yield s
    s.delete()


def test_session_create_with_default_and_explicit_strategies(space):
    plain = Session.create(space.id, participants=["u1"])
    assert isinstance(plain, Session) and plain.id.startswith("ses_")
    assert plain.memory_space_id == space.id
    assert plain.participants == ["u1"]
    assert plain.lifecycle_strategies == [DEFAULT_STRATEGY]
    assert plain.version == 1
    assert plain.description is None and plain.metadata is None and plain.deduplication_key is None
    aware(plain.created_at)

    strategies = [
        {"type": "extract_memories", "trigger": {"eventCount": 100}, "opts": {"softDelete": False, "agentId": "support-bot"}},
        {"type": "soft_delete", "trigger": {"ttl": 2_592_000}},
    ]
    rich = Session.create(
        space.id,
        participants=["u1", "u2"],
        lifecycle_strategies=strategies,
        description="Billing thread",
        metadata={"thread_title": "Refund", "priority": 2},
    )
    assert rich.participants == ["u1", "u2"]
    assert rich.description == "Billing thread"
    # The SDK camelizes user payloads on the way out and snake_cases them on the way back.
    assert rich.metadata == {"thread_title": "Refund", "priority": 2}
    assert [s["type"] for s in rich.lifecycle_strategies] == ["extract_memories", "soft_delete"]
    assert rich.lifecycle_strategies[0]["trigger"] == {"event_count": 100}
    assert rich.lifecycle_strategies[0]["opts"] == {"soft_delete": False, "agent_id": "support-bot"}
    assert rich.lifecycle_strategies[1]["trigger"] == {"ttl": 2_592_000}

    got = Session.get(space.id, rich.id)
    assert (got.id, got.description, got.metadata, got.version) == (rich.id, "Billing thread", rich.metadata, 1)
    assert got.lifecycle_strategies == rich.lifecycle_strategies


def test_session_deduplication_key_twice(space):
    key = unique("ses-key")
    first = Session.create(space.id, participants=["u1"], deduplication_key=key)
    assert first.deduplication_key == key
    with pytest.raises(MemorySessionDeduplicationError) as e:
        Session.create(space.id, participants=["u1"], deduplication_key=key)
    assert e.value.status_code == 409
    assert e.value.existing_session_id == first.id
    assert e.value.existing_session_url == f"/memory/{space.id}/sessions/{first.id}/"
    assert e.value.deduplication_key == key
    first.delete()
    again = Session.create(space.id, participants=["u1"], deduplication_key=key)
    assert again.id != first.id


def test_session_list_with_filters(space):
    a = Session.create(space.id, participants=["u1"], description="Alpha ONE thread")
    b = Session.create(space.id, participants=["u2"], description="beta thread")
    c = Session.create(space.id, participants=["u1", "u3"], description="gamma alpha")
    gone = Session.create(space.id, participants=["u1"], description="alpha deleted")
    gone.delete()

    everything = Session.list(space.id)
    assert [s.id for s in everything] == [a.id, b.id, c.id]
    assert all(s.memory_space_id == space.id for s in everything)
    assert [s.id for s in Session.list(space.id, participants=["u1"])] == [a.id, c.id]
    assert [s.id for s in Session.list(space.id, participants=["u2", "u3"])] == [b.id, c.id]
    assert [s.id for s in Session.list(space.id, description="ALPHA")] == [a.id, c.id]
    assert [s.id for s in Session.list(space.id, offset=1, limit=1)] == [b.id]
    assert [s.id for s in Session.list(space.id, participants=["u1"], description="gamma")] == [c.id]
    with pytest.raises(ClientError) as e:
        Session.list(space.id, description="ab")  # the filter needs 3+ characters
    assert e.value.status_code == 422


def test_session_update_and_stale_version(space):
    s = Session.create(space.id, participants=["u1"], description="v1", metadata={"a": 1})
    stale = Session.get(space.id, s.id)
    s.update(description="v2", metadata={"b": 2})
    assert (s.description, s.metadata, s.version) == ("v2", {"b": 2}, 2)
    s.update(description="v2")  # identical content still bumps the version
    assert s.version == 3
    s.update(lifecycle_strategies=[{"type": "soft_delete", "trigger": {"idle": 3600}}])
    assert s.version == 4 and s.lifecycle_strategies == [{"type": "soft_delete", "trigger": {"idle": 3600}}]
    s.update(metadata=None)
    assert s.metadata is None and s.version == 5

    # The default If-Match is the loaded version: `stale` still holds version 1.
    with pytest.raises(ClientError) as e:
        stale.update(description="lost update")
    assert e.value.status_code == 409
    assert "Session version mismatch" in e.value.json["detail"]
    with pytest.raises(ClientError) as e:
        s.update(description="explicit stale", if_match=2)
    assert e.value.status_code == 409 and "Session version mismatch" in e.value.json["detail"]
    assert Session.get(space.id, s.id).description == "v2"

    # if_match=None opts out (last writer wins).
    stale.update(description="forced", if_match=None)
    assert stale.version == 6
    assert Session.get(space.id, s.id).description == "forced"


def test_session_delete(space):
    s = Session.create(space.id, participants=["u1"])
    s.post_event({"content": "hi"}, {"type": "user", "id": "u1"}, "message")
    s.delete()
    with pytest.raises(ClientError) as e:
        Session.get(space.id, s.id)
    assert e.value.status_code == 404
    with pytest.raises(ClientError) as e:
        s.events()
    assert e.value.status_code == 404
    assert s.id not in [x.id for x in Session.list(space.id)]


@pytest.fixture
def session(space):
    return Session.create(space.id, participants=["u1"], description="events")


def test_post_event_and_post_events(session):
    ev = session.post_event({"content": "Hello", "tool_call_id": "call-1"}, {"type": "user", "id": "u1"}, "message")
    assert isinstance(ev, Event)
    assert ev.sequence_id == 0
    assert ev.event_type == "message"
    assert ev.body == {"content": "Hello", "tool_call_id": "call-1"}
    assert (ev.emitter_type, ev.emitter_id) == ("user", "u1")
    aware(ev.created_at)

    untyped = session.post_event({"content": "no type"}, {"type": "agent"})
    assert untyped.sequence_id == 1 and untyped.event_type is None
    assert (untyped.emitter_type, untyped.emitter_id) == ("agent", None)

    batch = session.post_events([
        {"body": {"content": "a"}, "emitter": {"type": "agent", "id": "bot"}, "event_type": "tool_output"},
        {"body": {"content": "b"}, "emitter": {"type": "user", "id": "u1"}, "event_type": "message"},
        {"body": {"content": "c"}, "emitter": {"type": "agent", "id": "bot"}},
    ])
    assert [e.sequence_id for e in batch] == [2, 3, 4]
    assert [e.body["content"] for e in batch] == ["a", "b", "c"]
    assert [e.event_type for e in batch] == ["tool_output", "message", None]

    # A user emitter must be a participant: 400, and the atomic batch leaves nothing behind.
    with pytest.raises(ClientError) as e:
        session.post_event({"content": "x"}, {"type": "user", "id": "stranger"}, "message")
    assert e.value.status_code == 400
    with pytest.raises(ClientError) as e:
        session.post_events([
            {"body": {"content": "ok"}, "emitter": {"type": "agent"}},
            {"body": {"content": "bad"}, "emitter": {"type": "user", "id": "stranger"}},
        ])
    assert e.value.status_code == 400
    assert [e.sequence_id for e in session.events()] == [0, 1, 2, 3, 4]


def test_events_last_n_offset_limit_and_type(session):
    types = ["message", "tool_output", "message", "status", "message", "tool_output"]
    session.post_events([{"body": {"content": f"m{i}"}, "emitter": {"type": "agent"}, "event_type": t} for i, t in enumerate(types)])

    all_events = session.events()
    assert [e.sequence_id for e in all_events] == [0, 1, 2, 3, 4, 5]
    last = session.events(last_n=2)
    assert [e.sequence_id for e in last] == [4, 5] and [e.body["content"] for e in last] == ["m4", "m5"]
    assert [e.sequence_id for e in session.events(offset=1, limit=2)] == [1, 2]
    messages = session.events(offset=1, limit=1, event_type="message")
    assert [(e.sequence_id, e.event_type) for e in messages] == [(2, "message")]
    assert [e.sequence_id for e in session.events(event_type="tool_output")] == [1, 5]
    assert [e.sequence_id for e in session.events(last_n=2, event_type="message")] == [2, 4]
    assert session.events(offset=10) == []
    with pytest.raises(TypeError):
        session.events(offset=1, last_n=2)  # the SDK itself refuses both


def test_update_event_and_stale_created_at(session):
    ev = session.post_event({"content": "draft"}, {"type": "agent", "id": "bot"}, "message")
    updated = session.update_event(ev.sequence_id, body={"content": "final"}, created_at=ev.created_at)
    assert updated.sequence_id == ev.sequence_id
    assert updated.body == {"content": "final"}
    assert updated.event_type == "message"
    assert updated.created_at > ev.created_at  # the wire createdAt is the modification time
    stored = session.events()
    assert [(e.body, e.created_at) for e in stored] == [({"content": "final"}, updated.created_at)]

    with pytest.raises(ClientError) as e:
        session.update_event(ev.sequence_id, body={"content": "lost"}, created_at=ev.created_at)
    assert e.value.status_code == 422
    assert e.value.json["detail"] == "Patch of incorrect version of event"
    assert session.events()[0].body == {"content": "final"}

    retyped = session.update_event(ev.sequence_id, event_type="status", emitter={"type": "user", "id": "u1"})
    assert (retyped.event_type, retyped.emitter_type, retyped.emitter_id) == ("status", "user", "u1")
    assert retyped.body == {"content": "final"}
    assert session.update_event(ev.sequence_id) is None  # no changes: no call
    with pytest.raises(ClientError) as e:
        session.update_event(99, body={"content": "nope"})
    assert e.value.status_code == 404


def test_update_events_batch(session):
    posted = session.post_events([{"body": {"content": f"e{i}"}, "emitter": {"type": "agent"}, "event_type": "message"} for i in range(3)])
    out = session.update_events([
        {"sequence_id": 0, "body": {"content": "E0"}, "created_at": posted[0].created_at},
        {"sequence_id": 2, "event_type": "status"},
    ])
    assert [(e.sequence_id, e.body["content"], e.event_type) for e in out] == [(0, "E0", "message"), (2, "e2", "status")]
    assert all(o.created_at > posted[o.sequence_id].created_at for o in out)
    now = session.events()
    assert [(e.body["content"], e.event_type) for e in now] == [("E0", "message"), ("e1", "message"), ("e2", "status")]

    # A stale token anywhere rolls the whole batch back.
    with pytest.raises(ClientError) as e:
        session.update_events([
            {"sequence_id": 1, "body": {"content": "would change"}},
            {"sequence_id": 0, "body": {"content": "stale"}, "created_at": posted[0].created_at},
        ])
    assert e.value.status_code == 422 and e.value.json["detail"] == "Patch of incorrect version of event"
    assert [e.body["content"] for e in session.events()] == ["E0", "e1", "e2"]
    # Duplicate sequence ids are rejected.
    with pytest.raises(ClientError) as e:
        session.update_events([{"sequence_id": 1, "body": {"content": "x"}}, {"sequence_id": 1, "body": {"content": "y"}}])
    assert e.value.status_code == 422
    assert [e.body["content"] for e in session.events()] == ["E0", "e1", "e2"]


def test_deleted_space_hides_its_sessions(alice):
    s = MemorySpace.create(description="short-lived")
    ses = Session.create(s.id, participants=["u1"])
    s.delete()
    for call in (lambda: Session.get(s.id, ses.id), lambda: Session.list(s.id), lambda: ses.events()):
        with pytest.raises(ClientError) as e:
            call()
        assert e.value.status_code == 404
