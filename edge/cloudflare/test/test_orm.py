"""The SDK's async ORM (datarobot.application_utils.persistence, DRMemoryServiceClient with
Bearer auth and raw camelCase keys) against the worker; every result asserted."""

import asyncio
from typing import Annotated

import pytest

from datarobot.application_utils.persistence import (
    DRConcurrencyField,
    DRDeduplicationKey,
    DREvent,
    DRMemoryBadRequestError,
    DRMemoryNotFoundError,
    DRMemoryServiceClient,
    DRMemorySpace,
    DRMemoryVersionConflictError,
    DRRangeKey,
    DRSession,
)

from conftest import API, TOKEN_A, TOKEN_C, unique


class ChatSession(DRSession):
    __description_prefix__ = "chat"
    tenant: Annotated[str, DRRangeKey]
    topic: Annotated[str, DRRangeKey]
    chat_id: Annotated[str, DRDeduplicationKey]
    rev: Annotated[int, DRConcurrencyField]
    title: str


class ChatMessage(DREvent, session=ChatSession):
    __event_type__ = "message"
    score: float


class StatusEvent(DREvent, session=ChatSession):
    __event_type__ = "status"


def run(coro):
    return asyncio.run(coro)


def test_orm_spaces():
    async def go():
        async with DRMemoryServiceClient(endpoint=API, api_token=TOKEN_A) as client:
            assert client.base_url.rstrip("/").endswith("/api/v2/memory")
            key = unique("orm-space")
            space = await DRMemorySpace.post(client, description="orm space", deduplication_key=key, llm_model_name="gpt-4o")
            assert (space.user_id, space.tenant_id, space.description, space.llm_model_name) == ("alice", "acme", "orm space", "gpt-4o")
            assert space.created_at.endswith("Z")
            # 409 → adopt: the same key returns the existing space.
            again = await DRMemorySpace.post(client, description="ignored", deduplication_key=key)
            assert again.id == space.id and again.description == "orm space"
            got = await DRMemorySpace.get(client, space.id)
            assert (got.id, got.deduplication_key) == (space.id, key)
            listed = await DRMemorySpace.list(client, deduplication_key=key)
            assert [s.id for s in listed] == [space.id]
            assert space.id in [s.id for s in await DRMemorySpace.list(client, limit=100)]
            await space.patch(description="renamed", custom_instructions="be brief")
            assert (space.description, space.custom_instructions, space.llm_model_name) == ("renamed", "be brief", "gpt-4o")
            assert (await DRMemorySpace.get(client, space.id)).description == "renamed"
            await space.delete()
            with pytest.raises(DRMemoryNotFoundError):
                await DRMemorySpace.get(client, space.id)
            assert await DRMemorySpace.list(client, deduplication_key=key) == []

    run(go())


def test_orm_sessions_and_events():
    async def go():
        async with DRMemoryServiceClient(endpoint=API, api_token=TOKEN_A) as client:
            space = await DRMemorySpace.post(client, description=unique("orm"))
            try:
                s = await ChatSession.post(space, tenant="acme", topic="billing", chat_id="c-1", title="Refund")
                assert s.id.startswith("ses_") and s.version == 1 and s.rev == 1
                assert (s.tenant, s.topic, s.chat_id, s.title) == ("acme", "billing", "c-1", "Refund")
                assert s.participants == ["000000000000000000000000"]
                assert s.lifecycle_strategies == [{"type": "soft_delete", "trigger": {"ttl": 63_072_000}, "opts": None}]
                # Dedup conflict → adopt the existing session.
                same = await ChatSession.post(space, tenant="acme", topic="other", chat_id="c-1", title="dup")
                assert (same.id, same.topic, same.title) == (s.id, "billing", "Refund")
                other = await ChatSession.post(space, tenant="acme", topic="support", chat_id="c-2", title="Login")
                foreign = await ChatSession.post(space, tenant="globex", topic="billing", chat_id="c-3", title="Other")

                assert (await ChatSession.get(space, id=s.id)).title == "Refund"
                by_key = await ChatSession.get(space, chat_id="c-2")
                assert by_key.id == other.id and by_key.topic == "support"
                with pytest.raises(DRMemoryNotFoundError):
                    await ChatSession.get(space, chat_id="missing")
                assert [x.id for x in await ChatSession.list(space, tenant="acme")] == [s.id, other.id]
                assert [x.id for x in await ChatSession.list(space, tenant="acme", topic="billing")] == [s.id]
                assert [x.id for x in await ChatSession.list(space)] == [s.id, other.id, foreign.id]

                stale = await ChatSession.get(space, id=s.id)
                await s.patch(title="Refund v2", topic="support")
                assert (s.version, s.rev, s.title, s.topic) == (2, 2, "Refund v2", "support")
                with pytest.raises(DRMemoryVersionConflictError):
                    await stale.patch(title="lost")
                await s.patch_lifecycle_strategies([{"type": "soft_delete", "trigger": {"idle": 86_400}}])
                assert s.version == 3 and s.lifecycle_strategies == [{"type": "soft_delete", "trigger": {"idle": 86_400}, "opts": None}]

                m0 = await ChatMessage.post(s, content="Hello", emitter_type="agent", score=0.5)
                assert (m0.sequence_id, m0.content, m0.emitter_type, m0.score) == (0, "Hello", "agent", 0.5)
                with pytest.raises(DRMemoryBadRequestError):
                    await ChatMessage.post(s, content="x", emitter_type="user", emitter_id="not-a-participant", score=0)
                batch = await ChatMessage.post_batch(s, [
                    {"content": "a", "emitter_type": "agent", "score": 1.0},
                    {"content": "b", "emitter_type": "user", "emitter_id": "000000000000000000000000", "score": 2.0},
                ])
                assert [(m.sequence_id, m.content, m.score) for m in batch] == [(1, "a", 1.0), (2, "b", 2.0)]
                st = await StatusEvent.post(s, content="typing", emitter_type="agent")
                assert st.sequence_id == 3

                msgs = await ChatMessage.list(s, type="message")
                assert [m.sequence_id for m in msgs] == [0, 1, 2]
                assert [m.sequence_id for m in await ChatMessage.list(s, offset=1, limit=2)] == [1, 2]
                assert [m.content for m in await ChatMessage.last(s, n=2)] == ["b", "typing"]
                assert [m.content for m in await ChatMessage.last(s, n=1, type="message")] == ["b"]

                old_token = m0.created_at
                await m0.patch(content="Hello!", score=0.75)
                assert (m0.content, m0.score) == ("Hello!", 0.75) and m0.created_at > old_token
                stale_msg = (await ChatMessage.list(s, limit=1))[0]
                await m0.patch(content="Hello!!")
                with pytest.raises(DRMemoryVersionConflictError):
                    await stale_msg.patch(content="lost")
                stale_first = (await ChatMessage.list(s, offset=1, limit=1))[0]
                out = await ChatMessage.patch_batch(s, [(batch[0], {"content": "A"}), (batch[1], {"score": 9.0})])
                assert [(m.sequence_id, m.content, m.score) for m in out] == [(1, "A", 1.0), (2, "b", 9.0)]
                assert batch[0].content == "A" and batch[0].created_at == out[0].created_at  # refreshed in place
                with pytest.raises(DRMemoryVersionConflictError):
                    await ChatMessage.patch_batch(s, [(batch[1], {"content": "would change"}), (stale_first, {"content": "stale"})])
                assert [m.content for m in await ChatMessage.list(s)] == ["Hello!!", "A", "b", "typing"]
                # Per-event delete: later ids stay, list/last/offset count what is left.
                await st.delete()
                assert [m.content for m in await ChatMessage.list(s)] == ["Hello!!", "A", "b"]
                await batch[0].delete()
                assert [(m.sequence_id, m.content) for m in await ChatMessage.list(s)] == [(0, "Hello!!"), (2, "b")]
                assert [m.sequence_id for m in await ChatMessage.list(s, offset=1, limit=1)] == [2]
                assert [m.content for m in await ChatMessage.last(s, n=2)] == ["Hello!!", "b"]
                with pytest.raises(DRMemoryNotFoundError):
                    await st.delete()
                with pytest.raises(DRMemoryNotFoundError):
                    await batch[0].patch(content="deleted")
                after = await StatusEvent.post(s, content="done", emitter_type="agent")
                assert after.sequence_id == 4

                await other.delete()
                with pytest.raises(DRMemoryNotFoundError):
                    await ChatSession.get(space, id=other.id)
                assert [x.id for x in await ChatSession.list(space, tenant="acme")] == [s.id]
            finally:
                await space.delete()

    run(go())


def test_orm_other_principal_is_isolated():
    async def go():
        async with DRMemoryServiceClient(endpoint=API, api_token=TOKEN_A) as alice, DRMemoryServiceClient(endpoint=API, api_token=TOKEN_C) as carol:
            space = await DRMemorySpace.post(alice, description="alice orm")
            try:
                with pytest.raises(DRMemoryNotFoundError):
                    await DRMemorySpace.get(carol, space.id)
                assert space.id not in [x.id for x in await DRMemorySpace.list(carol)]
                seen_by_carol = DRMemorySpace(carol, id=space.id, user_id="carol", tenant_id="globex")
                with pytest.raises(DRMemoryNotFoundError):
                    await ChatSession.post(seen_by_carol, tenant="x", topic="y", chat_id="z", title="t")
                assert await ChatSession.list(space) == []
            finally:
                await space.delete()

    run(go())
