"""The chat path's fast pieces: the model stream parser and the Socket.IO JSON codec on
their own; admission control on a real server whose model hangs; the remembered
auto-create switch on a real mongod.

The rest of the end-to-end behaviour (real SDK, real socket, real mongod) is in
tests/sockets.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient

from agents_backend.core.database import Database
from agents_backend.core.embedded_mongo import EmbeddedMongo
from agents_backend.integrations.openai_client import LLMError, TokenUsage, _SSEParser
from agents_backend.realtime.json_codec import CODEC
from agents_backend.tasks.service import AutoCreateSwitches
from tests.conftest import model_env, server_env
from tests.sockets.test_chat_online import reply_to, send
from tests.support.clients import RecordingClient, register
from tests.support.fake_openai import FakeOpenAI, Held, Reply
from tests.support.servers import running_server


def event(data: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(data).encode() + b"\n\n"


def delta(text: str) -> bytes:
    return event({"choices": [{"index": 0, "delta": {"content": text}}]})


def test_the_parser_joins_lines_split_across_network_reads() -> None:
    parser = _SSEParser()
    raw = delta("Hel") + delta("lo") + b": keep-alive comment\n\n"
    first, second = raw[:9], raw[9:]

    assert parser.feed(first) == ([], None)
    assert parser.feed(second) == (["Hel", "lo"], None)


def test_the_parser_reads_usage_and_ignores_what_follows_done() -> None:
    parser = _SSEParser()
    usage = event({"choices": [], "usage": {"prompt_tokens": 11, "completion_tokens": 7}})

    deltas, found = parser.feed(usage + b"data: [DONE]\n\n" + delta("late"))

    assert deltas == []
    assert found == TokenUsage(prompt_tokens=11, completion_tokens=7)
    assert parser.done


def test_an_error_event_mid_stream_is_an_llm_error() -> None:
    parser = _SSEParser()

    with pytest.raises(LLMError) as raised:
        parser.feed(delta("partial") + event({"error": {"message": "overloaded"}}))

    assert raised.value.code == "llm_error"


def test_the_socket_codec_matches_the_stdlib_and_falls_back_where_orjson_refuses() -> None:
    payload = {"agentKey": "sdr", "text": "Olá, ação!", "n": 3, "nested": {"ok": True}}

    assert json.loads(CODEC.dumps(payload, separators=(",", ":"))) == payload
    assert CODEC.loads(json.dumps(payload)) == payload
    assert CODEC.dumps({1: "int key"}) == json.dumps({1: "int key"})
    assert CODEC.loads("[NaN]")[0] != CODEC.loads("[NaN]")[0]  # NaN, as json.loads gives


async def test_a_message_beyond_the_reply_limit_is_refused_as_busy_and_not_stored(
    mongo: EmbeddedMongo,
    fake_llm: FakeOpenAI,
    mongo_client: MongoClient[dict[str, object]],
    socket_clients: list[RecordingClient],
    tmp_path: Path,
) -> None:
    """A real server allowed one reply at a time, whose model call hangs until released."""
    name = f"test_busy_{uuid.uuid4().hex[:8]}"
    env = (
        server_env(mongo, name)
        | model_env(fake_llm)
        | {
            "MAX_CONCURRENT_REPLIES": "1",
            "OPENAI_MODEL": "gpt-test",
            "OPENAI_TIMEOUT_SECONDS": "30",
            "OPENAI_MAX_RETRIES": "0",
            "NLU_REFINE_BELOW": "0",  # the reply stream is the only model call
        }
    )
    held = Held(then=Reply("Our plans start at the basic tier."))
    fake_llm.script("stream", held)
    messages = mongo_client[name]["messages"]
    second = send("sdr", "And the prices?", contact="second", clientMessageId="cm-second")

    with running_server(env, tmp_path / "busy.log") as server:
        account = await register(server.base_url)
        client = RecordingClient()
        socket_clients.append(client)
        await client.connect(server.base_url, account.access_token)
        try:
            first = await client.emit(
                "agent:send", send("sdr", "Tell me about your plans", contact="first")
            )
            assert first["ok"] is True
            await held.wait_arrived()  # the one reply slot is taken, by a hanging model

            refused = await client.emit("agent:send", second)

            assert refused["ok"] is False
            assert set(refused["error"]) == {"code", "message", "retryAfter"}
            assert (refused["error"]["code"], refused["error"]["retryAfter"]) == ("busy", 1)
            error = (await client.wait_for("agent:error", lambda d: d.get("code") == "busy"))[0]
            assert (error["contactId"], error["retryAfter"]) == ("second", 1)
            # Refused before it was stored: nothing to lose, nothing announced.
            assert messages.count_documents({"client_message_id": "cm-second"}) == 0
            assert messages.count_documents({"user_id": account.user_id}) == 1
            assert not client.of("agent:message", lambda d: d.get("contactId") == "second")
        finally:
            held.release()

        reply = await client.wait_for("agent:message", reply_to(first["messageId"]))
        assert reply[0]["text"] == "Our plans start at the basic tier."
        # The run's last event: after it, the reply slot is free again.
        await client.wait_for(
            "agent:typing", lambda d: d["contactId"] == "first" and d["typing"] is False
        )

        resent = await client.emit("agent:send", second)  # the same clientMessageId

        assert resent["ok"] is True and resent["duplicate"] is False
        answer = await client.wait_for("agent:message", reply_to(resent["messageId"]))
        assert answer[0]["text"] == "Echo: And the prices?"
        assert messages.count_documents({"client_message_id": "cm-second"}) == 1


async def test_a_flipped_auto_create_switch_is_served_at_once_and_a_flip_elsewhere_after_the_ttl(
    mongo: EmbeddedMongo,
) -> None:
    name = f"test_switches_{uuid.uuid4().hex[:8]}"
    db = Database.connect(mongo.uri, name)
    # Another process: its own client on the same database.
    other_db = Database.connect(mongo.uri, name)
    elsewhere = AutoCreateSwitches(db=other_db)
    try:
        here = AutoCreateSwitches(db=db, ttl_seconds=3600)
        assert await here.enabled(user_id="u1", agent_key="sdr") is False

        assert await here.set(user_id="u1", agent_key="sdr", enabled=True) is True
        assert await here.enabled(user_id="u1", agent_key="sdr") is True  # at once
        stored = await db.agent_settings.find_one({"user_id": "u1", "agent_key": "sdr"})
        assert stored is not None and stored["auto_create"] is True

        # A flip made through another process is not seen within the TTL: the switch is
        # read from memory, not from the database on every message...
        await elsewhere.set(user_id="u1", agent_key="sdr", enabled=False)
        assert await here.enabled(user_id="u1", agent_key="sdr") is True
        # ...while a flip made here is served at once.
        assert await here.set(user_id="u1", agent_key="sdr", enabled=False) is False
        assert await here.enabled(user_id="u1", agent_key="sdr") is False

        # Once the TTL has passed, the other process's flip is seen.
        brief = AutoCreateSwitches(db=db, ttl_seconds=0.05)
        assert await brief.enabled(user_id="u2", agent_key="support") is False
        await elsewhere.set(user_id="u2", agent_key="support", enabled=True)
        deadline = time.monotonic() + 10
        while not await brief.enabled(user_id="u2", agent_key="support"):
            assert time.monotonic() < deadline, "the flip made elsewhere was never seen"
            await asyncio.sleep(0.01)
        assert await here.enabled(user_id="u2", agent_key="support") is True  # never cached
    finally:
        await db.client.drop_database(name)
        await db.close()
        await other_db.close()
