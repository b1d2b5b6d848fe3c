"""A page loaded, or a tab opened, while a reply streams gets the text so far and then
the live deltas: no gap and no repeated text, on the process that streams it and, with
Redis, on any other.

Real uvicorn processes, mongod and redis-server; the model is the local
OpenAI-compatible server, streaming slowly so the reads land mid-reply.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis

from agents_backend.chat.streams import (
    ConversationKey,
    MemoryStreams,
    RedisStreams,
    StreamBuffer,
    StreamId,
)
from agents_backend.core.embedded_mongo import EmbeddedMongo
from tests.conftest import model_env, server_env
from tests.reliability.test_delivery import open_socket as tab
from tests.support.clients import Account, RecordingClient, history_page, register
from tests.support.fake_openai import FakeOpenAI, Reply
from tests.support.servers import ServerProcess, start_server
from tests.support.services import Service, start_redis

LONG_REPLY = (
    "Here is the plan in full: first the discovery call, then a proposal, then a short "
    "pilot with your team, and finally the contract, all within three weeks."
)


def slow_reply() -> Reply:
    return Reply(LONG_REPLY, chunk_delay=0.12, chunk_size=5)


async def history(server: ServerProcess, account: Account, contact: str) -> dict[str, Any]:
    return await history_page(account, "support", contact, base_url=server.base_url)


async def reload_mid_stream(
    streaming_on: ServerProcess,
    reloaded_on: ServerProcess,
    fake_llm: FakeOpenAI,
    clients: list[RecordingClient],
) -> None:
    """A reply streams to one tab; another tab opens (socket first, then the history, as
    the SPA does) and must end up with exactly the reply's text."""
    account = await register(streaming_on.base_url)
    first = await tab(streaming_on, account, clients)
    contact = f"c-{uuid.uuid4().hex[:6]}"
    fake_llm.script("stream", slow_reply())
    ack = await first.emit(
        "agent:send",
        {
            "agentKey": "support",
            "contactId": contact,
            "message": "The plan?",
            "clientMessageId": "m1",
        },
    )
    assert ack["ok"] is True
    await first.wait_for("agent:stream", count=3)

    late = await tab(reloaded_on, account, clients)
    page = await history(reloaded_on, account, contact)
    [streaming] = page["streaming"]
    assert streaming["replyTo"] == ack["messageId"] and streaming["attempt"] == 1
    assert streaming["nextSeq"] >= 3 and LONG_REPLY.startswith(streaming["text"])
    # The page holds the question but no reply yet: the snapshot is the reply so far.
    assert [m["author"] for m in page["messages"]] == ["user"]

    final = await late.wait_for("agent:message", lambda m: m.get("author") == "agent", timeout=30)
    assert final[0]["id"] == streaming["id"] and final[0]["text"] == LONG_REPLY
    live = {d["seq"]: d["delta"] for d in late.of("agent:stream") if d["id"] == streaming["id"]}
    after = sorted(seq for seq in live if seq >= streaming["nextSeq"])
    # Every delta past the snapshot reached the late tab: nothing missing, nothing twice.
    assert after == list(range(streaming["nextSeq"], streaming["nextSeq"] + len(after)))
    assert streaming["text"] + "".join(live[seq] for seq in after) == LONG_REPLY
    # Both tabs saw the same deltas for the same seqs.
    everything = {d["seq"]: d["delta"] for d in first.of("agent:stream")}
    assert all(everything[seq] == delta for seq, delta in live.items())

    done = await history(reloaded_on, account, contact)
    assert done["streaming"] == []
    assert [(m["author"], m["text"]) for m in done["messages"]][-1] == ("agent", LONG_REPLY)


async def test_a_tab_opened_mid_stream_gets_the_text_so_far_then_the_rest(
    online_server: ServerProcess, fake_llm: FakeOpenAI, socket_clients: list[RecordingClient]
) -> None:
    await reload_mid_stream(online_server, online_server, fake_llm, socket_clients)


@pytest.fixture(scope="module")
def redis_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    service = start_redis(tmp_path_factory.mktemp("redis"))
    yield service
    service.stop()


@pytest.fixture(scope="module")
def two_processes(
    mongo: EmbeddedMongo,
    fake_llm_server: FakeOpenAI,
    redis_service: Service,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[list[ServerProcess]]:
    logs = tmp_path_factory.mktemp("two")
    env = (
        server_env(mongo, f"test_resume_{uuid.uuid4().hex[:8]}")
        | model_env(fake_llm_server)
        | {"SOCKETIO_REDIS_URL": f"redis://127.0.0.1:{redis_service.port}/0"}
    )
    servers = [start_server(env, logs / f"server-{n}.log") for n in range(2)]
    yield servers
    for server in servers:
        server.stop()


async def test_a_reload_reaching_another_process_resumes_from_redis(
    two_processes: list[ServerProcess],
    redis_service: Service,
    fake_llm: FakeOpenAI,
    socket_clients: list[RecordingClient],
) -> None:
    streaming_on, reloaded_on = two_processes
    await reload_mid_stream(streaming_on, reloaded_on, fake_llm, socket_clients)
    client = aioredis.Redis(port=redis_service.port)
    try:  # a finished reply leaves nothing behind
        assert await client.keys("agents:stream*") == []
    finally:
        await client.aclose()


@pytest.fixture(params=["memory", "redis"])
async def buffer(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "memory":
        yield MemoryStreams()
        return
    service = start_redis(tmp_path)
    client = aioredis.Redis(port=service.port)
    yield RedisStreams(client)
    await client.aclose()
    service.stop()


async def test_each_attempt_restarts_the_text_and_conversations_stay_apart(
    buffer: StreamBuffer,
) -> None:
    ours, theirs = ConversationKey("u1", "sdr", "c1"), ConversationKey("u2", "sdr", "c1")
    for seq, delta in enumerate(["Hel", "lo ", "there"]):
        await buffer.append(StreamId(ours, "r1", "q1", 1), seq, delta)
    await buffer.append(StreamId(theirs, "r9", "q9", 1), 0, "Other")

    [first] = await buffer.snapshots(ours)
    assert (first.reply_id, first.reply_to, first.attempt) == ("r1", "q1", 1)
    assert (first.text, first.next_seq) == ("Hello there", 3)

    # The process died; a takeover streams attempt 2 from its first delta.
    await buffer.append(StreamId(ours, "r1", "q1", 2), 0, "Hi")
    # A late delta of the attempt that died changes nothing.
    await buffer.append(StreamId(ours, "r1", "q1", 1), 3, " late")
    [second] = await buffer.snapshots(ours)
    assert (second.attempt, second.text, second.next_seq) == (2, "Hi", 1)

    await buffer.finish(StreamId(ours, "r1", "q1", 2))
    assert await buffer.snapshots(ours) == []
    assert [s.text for s in await buffer.snapshots(theirs)] == ["Other"]
