"""Auto-created tasks: action items in a chat become tasks only when the user asked for it."""

from __future__ import annotations

from typing import Any

from pymongo import MongoClient

from tests.bots.helpers import BOT_KEY, call, create_bot, exchange
from tests.conftest import Connect
from tests.support.clients import RecordingClient
from tests.support.fake_openai import FakeOpenAI, Reply
from tests.support.servers import ServerProcess

Mongo = MongoClient[dict[str, Any]]


async def auto_create(client: RecordingClient, agent: str, enabled: bool) -> None:
    ack = await client.emit("agent:set-auto-create", {"agentKey": agent, "autoCreate": enabled})
    assert ack["ok"] is True, ack


async def test_with_auto_create_off_a_reminder_creates_no_task(
    online_server: ServerProcess, fake_llm: FakeOpenAI, connect_user: Connect
) -> None:
    account, client = await connect_user(online_server)

    await exchange(client, "sdr", "me lembre de enviar a proposta sexta")

    assert client.of("agent:task-created") == []
    assert (await call(account, "GET", "/tasks")).json()["tasks"] == []


async def test_with_auto_create_on_a_reminder_becomes_a_task(
    online_server: ServerProcess,
    fake_llm: FakeOpenAI,
    connect_user: Connect,
    mongo_client: Mongo,
    online_db_name: str,
) -> None:
    account, client = await connect_user(online_server)
    await auto_create(client, "sdr", True)

    message_id = await exchange(client, "sdr", "me lembre de enviar a proposta sexta", "ana")

    event = (await client.wait_for("agent:task-created"))[0]
    own = client.of("agent:message", lambda d: d["id"] == message_id)[0]
    task = event["task"]
    assert (event["agentKey"], event["contactId"]) == ("sdr", "ana")
    assert task["title"] == "Enviar a proposta sexta"
    assert task["dueDate"] == own["nlp"]["date"]
    assert task["sourceMessageId"] == message_id
    assert task["status"] == "open"
    listed = (await call(account, "GET", "/tasks")).json()["tasks"]
    assert [t["id"] for t in listed] == [task["id"]]
    assert mongo_client[online_db_name]["tasks"].count_documents({"user_id": account.user_id}) == 1


async def test_auto_create_is_per_agent_and_can_be_switched_off(
    online_server: ServerProcess, fake_llm: FakeOpenAI, connect_user: Connect
) -> None:
    account, client = await connect_user(online_server)
    await auto_create(client, "sdr", True)

    await exchange(client, "support", "remind me to send the contract tomorrow")
    await auto_create(client, "sdr", False)
    await exchange(client, "sdr", "remind me to send the contract tomorrow")

    assert client.of("agent:task-created") == []
    assert (await call(account, "GET", "/tasks")).json()["tasks"] == []


async def test_the_model_extracts_action_items_with_the_bots_own_key(
    online_server: ServerProcess, fake_llm: FakeOpenAI, connect_user: Connect
) -> None:
    account, client = await connect_user(online_server)
    bot = await create_bot(account, openaiApiKey=BOT_KEY, model="gpt-4o-mini")
    await auto_create(client, bot["key"], True)
    fake_llm.script(
        "json",
        Reply(
            '{"tasks": [{"title": "Send the signed contract to Ana", "dueDate": "2031-05-02"},'
            ' {"title": "book the kickoff call", "dueDate": "someday"}]}'
        ),
    )

    message_id = await exchange(client, bot["key"], "send the contract tomorrow")

    tasks = [e["task"] for e in await client.wait_for("agent:task-created", count=2)]
    assert [(t["title"], t["dueDate"]) for t in tasks] == [
        ("Send the signed contract to Ana", "2031-05-02"),
        ("Book the kickoff call", None),
    ]
    assert {t["sourceMessageId"] for t in tasks} == {message_id}
    extraction = fake_llm.requests_of("json")[-1]
    assert extraction.authorization == f"Bearer {BOT_KEY}"
    assert "Person: send the contract tomorrow" in extraction.messages[-1]["content"]
    usage = (await call(account, "GET", "/usage")).json()["usage"]
    assert [(u["model"], u["requests"]) for u in usage] == [("gpt-4o-mini", 2)]


async def test_when_the_model_finds_nothing_its_judgement_wins_over_the_rules(
    online_server: ServerProcess, fake_llm: FakeOpenAI, connect_user: Connect
) -> None:
    account, client = await connect_user(online_server)
    await auto_create(client, "support", True)
    fake_llm.script("json", Reply('{"tasks": []}'))

    await exchange(client, "support", "I need to send the logs tomorrow")

    assert client.of("agent:task-created") == []
    assert (await call(account, "GET", "/tasks")).json()["tasks"] == []


async def test_on_the_offline_server_the_rules_create_the_task(
    offline_server: ServerProcess, connect_user: Connect
) -> None:
    account, client = await connect_user(offline_server)
    await auto_create(client, "support", True)

    await exchange(client, "support", "Remind me to send the contract tomorrow")

    task = (await client.wait_for("agent:task-created"))[0]["task"]
    assert task["title"] == "Send the contract tomorrow"
    assert task["dueDate"]
    assert len((await call(account, "GET", "/tasks")).json()["tasks"]) == 1
