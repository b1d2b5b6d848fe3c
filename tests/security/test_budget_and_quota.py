"""The per-user daily token budget, and a provider whose quota is used up."""

from __future__ import annotations

import uuid
from pathlib import Path

from pymongo import MongoClient

from agents_backend.core.embedded_mongo import EmbeddedMongo
from tests.conftest import Connect, model_env, server_env
from tests.sockets.test_chat_online import reply_to, send
from tests.support.clients import RecordingClient, register
from tests.support.fake_openai import FakeOpenAI, Fault
from tests.support.servers import ServerProcess, start_server


async def test_insufficient_quota_is_not_retried_and_says_ai_unavailable(
    online_server: ServerProcess, fake_llm: FakeOpenAI, connect_user: Connect
) -> None:
    fake_llm.script("stream", Fault(429, code="insufficient_quota", message="quota exceeded"))
    _account, client = await connect_user(online_server)

    await client.emit("agent:send", send("support", "Hello?"))

    error = (await client.wait_for("agent:error"))[0]
    assert error["code"] == "llm_quota"
    assert error["error"].startswith("AI unavailable")
    assert len(fake_llm.requests_of("stream")) == 1


async def test_daily_token_budget_is_checked_before_the_model_is_called(
    mongo: EmbeddedMongo, fake_llm: FakeOpenAI, tmp_path: Path
) -> None:
    database = f"test_budget_{uuid.uuid4().hex[:8]}"
    env = (
        server_env(mongo, database)
        | model_env(fake_llm)
        | {
            "NLU_REFINE_BELOW": "0",
            "DAILY_TOKEN_BUDGET": "30",  # the fake model reports 18 tokens per reply
        }
    )
    server = start_server(env, tmp_path / "server.log")
    client = RecordingClient()
    try:
        account = await register(server.base_url)
        await client.connect(server.base_url, account.access_token)
        for done, text in enumerate(("first question", "second question"), start=1):
            ack = await client.emit("agent:send", send("support", text))
            await client.wait_for("agent:message", reply_to(ack["messageId"]))
            # Usage is recorded as the reply task ends, just before typing stops.
            await client.wait_for("agent:typing", lambda d: d["typing"] is False, count=done)
        refused = await client.emit("agent:send", send("support", "third question"))
    finally:
        await client.close()
        server.stop()

    assert refused["ok"] is False
    assert refused["error"]["code"] == "token_budget_exceeded"
    assert len(fake_llm.requests_of("stream")) == 2
    with MongoClient(mongo.uri) as direct:
        texts = [m["text"] for m in direct[database]["messages"].find({"author": "user"})]
    assert texts == ["first question", "second question"]


async def test_retry_after_is_honoured_within_the_request_timeout_and_no_longer(
    online_server: ServerProcess, fake_llm: FakeOpenAI, connect_user: Connect
) -> None:
    # OPENAI_TIMEOUT_SECONDS is 1.5 on this server: waiting 1 s is fine, an hour is not.
    fake_llm.script("stream", Fault(429, {"retry-after": "1"}))
    _account, client = await connect_user(online_server)
    ack = await client.emit("agent:send", send("support", "worth the wait"))
    reply = (await client.wait_for("agent:message", reply_to(ack["messageId"])))[0]
    assert reply["text"] == "Echo: worth the wait"
    assert len(fake_llm.requests_of("stream")) == 2

    fake_llm.reset()
    fake_llm.script("stream", Fault(429, {"retry-after": "3600"}))
    await client.emit("agent:send", send("support", "not worth an hour"))
    error = (await client.wait_for("agent:error"))[0]
    assert error["code"] == "llm_rate_limited"
    assert len(fake_llm.requests_of("stream")) == 1
