"""Chatting with a custom bot: its prompt, its model and its own OpenAI key reach the model."""

from __future__ import annotations

import json
from typing import Any

from pymongo import MongoClient

from tests.bots.helpers import BOT_KEY, call, create_bot, exchange, send
from tests.conftest import Connect
from tests.support.fake_openai import FakeOpenAI
from tests.support.servers import ServerProcess
from tests.support.waiting import eventually

Mongo = MongoClient[dict[str, Any]]


async def test_a_bot_answers_with_its_prompt_model_and_own_key(
    online_server: ServerProcess,
    fake_llm: FakeOpenAI,
    connect_user: Connect,
    mongo_client: Mongo,
    online_db_name: str,
) -> None:
    account, client = await connect_user(online_server)
    bot = await create_bot(account, openaiApiKey=BOT_KEY, model="gpt-4o-mini", temperature=1.3)

    await exchange(client, bot["key"], "Ahoy, what maps do you have?")

    request = fake_llm.requests_of("stream")[-1]
    assert request.authorization == f"Bearer {BOT_KEY}"
    assert request.body["model"] == "gpt-4o-mini"
    assert request.body["temperature"] == 1.3
    assert "You are Captain Hook" in request.messages[0]["content"]
    reply = client.of("agent:message", lambda d: d["author"] == "agent")[0]
    assert reply["text"] == "Echo: Ahoy, what maps do you have?"
    assert reply["agentKey"] == bot["key"]
    assert BOT_KEY not in json.dumps(client.events)
    assert BOT_KEY not in online_server.log()
    usage = await eventually(
        lambda: mongo_client[online_db_name]["usage"].find_one(
            {"user_id": account.user_id, "model": "gpt-4o-mini"}
        )
    )
    assert usage is not None and usage["completion_tokens"] == 7


async def test_a_bot_without_its_own_key_uses_the_servers(
    online_server: ServerProcess, fake_llm: FakeOpenAI, connect_user: Connect
) -> None:
    account, client = await connect_user(online_server)
    bot = await create_bot(account)

    await exchange(client, bot["key"], "Ahoy")

    request = fake_llm.requests_of("stream")[-1]
    assert request.authorization == "Bearer sk-test-server-key"
    assert request.body["model"] == "gpt-test"
    assert "You are Captain Hook" in request.messages[0]["content"]


async def test_a_changed_key_is_used_from_the_next_message(
    online_server: ServerProcess, fake_llm: FakeOpenAI, connect_user: Connect
) -> None:
    account, client = await connect_user(online_server)
    bot = await create_bot(account, openaiApiKey=BOT_KEY)
    await exchange(client, bot["key"], "First")

    await call(account, "PUT", f"/custom-bots/{bot['key']}", {"openaiApiKey": "sk-rotated-2"})
    await exchange(client, bot["key"], "Second")

    keys = [r.authorization for r in fake_llm.requests_of("stream")]
    assert keys == [f"Bearer {BOT_KEY}", "Bearer sk-rotated-2"]


async def test_a_deleted_bot_can_no_longer_be_chatted_with(
    online_server: ServerProcess, fake_llm: FakeOpenAI, connect_user: Connect
) -> None:
    account, client = await connect_user(online_server)
    bot = await create_bot(account)
    await exchange(client, bot["key"], "Ahoy")

    assert (await call(account, "DELETE", f"/custom-bots/{bot['key']}")).status_code == 204
    ack = await client.emit("agent:send", send(bot["key"], "Still there?"))

    assert ack["ok"] is False
    assert ack["error"]["code"] == "agent_not_found"
    history = await call(account, "GET", f"/agents/{bot['key']}/conversations/c-1/messages")
    assert history.status_code == 404
