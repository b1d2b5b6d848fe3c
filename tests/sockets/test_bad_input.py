"""Malformed events get a clear `agent:error`, store nothing, and the server keeps serving."""

from __future__ import annotations

from typing import Any

import pytest
from pymongo import MongoClient

from tests.conftest import Connect
from tests.sockets.test_chat_online import reply_to, send
from tests.support.fake_openai import FakeOpenAI
from tests.support.servers import ServerProcess

BAD_SENDS: list[tuple[Any, str]] = [
    ({"agentKey": "sdr", "contactId": "c"}, "invalid_payload"),
    ({"agentKey": "sdr", "message": "hi"}, "invalid_payload"),
    ({"contactId": "c", "message": "hi"}, "invalid_payload"),
    ({"agentKey": 7, "contactId": "c", "message": "hi"}, "invalid_payload"),
    ({"agentKey": "sdr", "contactId": ["c"], "message": "hi"}, "invalid_payload"),
    ({"agentKey": "sdr", "contactId": "c", "message": 12345}, "invalid_payload"),
    ({"agentKey": "sdr", "contactId": "c", "message": "   "}, "invalid_payload"),
    (
        {"agentKey": "sdr", "contactId": "c", "message": "hi", "clientMessageId": 5},
        "invalid_payload",
    ),
    ({"agentKey": "sdr", "contactId": "c", "message": "x" * 2001}, "message_too_long"),
    ({"agentKey": "nobody", "contactId": "c", "message": "hi"}, "agent_not_found"),
    ("just a string", "invalid_payload"),
    (None, "invalid_payload"),
    ([1, 2, 3], "invalid_payload"),
]


@pytest.mark.parametrize(("payload", "code"), BAD_SENDS)
async def test_bad_agent_send_is_refused_and_nothing_is_stored(
    online_server: ServerProcess,
    fake_llm: FakeOpenAI,
    connect_user: Connect,
    mongo_client: MongoClient[dict[str, Any]],
    online_db_name: str,
    payload: Any,
    code: str,
) -> None:
    account, client = await connect_user(online_server)

    ack = await client.emit("agent:send", payload)

    assert ack["ok"] is False
    assert ack["error"]["code"] == code
    error = (await client.wait_for("agent:error"))[0]
    assert error["code"] == code
    assert error["error"]
    assert (
        mongo_client[online_db_name]["messages"].count_documents({"user_id": account.user_id}) == 0
    )
    assert fake_llm.requests_of("stream") == []

    # The same socket goes on working.
    good = await client.emit("agent:send", send("sdr", "still there?"))
    assert good["ok"] is True
    await client.wait_for("agent:message", reply_to(good["messageId"]))


@pytest.mark.parametrize(
    ("event", "payload", "code"),
    [
        ("agent:set-auto-create", {"agentKey": "sdr", "autoCreate": "yes"}, "invalid_payload"),
        ("agent:set-auto-create", {"agentKey": "sdr"}, "invalid_payload"),
        ("agent:set-auto-create", {"agentKey": "ghost", "autoCreate": True}, "agent_not_found"),
        ("agent:request-summary", {"agentKey": "sdr"}, "invalid_payload"),
        ("agent:request-summary", {"agentKey": "sdr", "contactId": 3}, "invalid_payload"),
        ("agent:no-such-event", {"agentKey": "sdr"}, "unknown_event"),
        ("send", {"agentKey": "sdr"}, "unknown_event"),
    ],
)
async def test_other_bad_events_get_agent_error(
    online_server: ServerProcess, connect_user: Connect, event: str, payload: Any, code: str
) -> None:
    _account, client = await connect_user(online_server)

    ack = await client.emit(event, payload)

    assert ack == {"ok": False, "error": {"code": code, "message": ack["error"]["message"]}}
    error = (await client.wait_for("agent:error"))[0]
    assert error["code"] == code
    assert error["agentKey"] == payload.get("agentKey")


async def test_a_socket_sending_garbage_does_not_disturb_another_user(
    online_server: ServerProcess, fake_llm: FakeOpenAI, connect_user: Connect
) -> None:
    _noisy_account, noisy = await connect_user(online_server)
    _calm_account, calm = await connect_user(online_server)
    for payload in ({"agentKey": None}, "x", 42, {"message": {"$gt": ""}}):
        await noisy.emit("agent:send", payload)

    ack = await calm.emit("agent:send", send("support", "Hi"))

    assert (await calm.wait_for("agent:message", reply_to(ack["messageId"])))[0]["text"]
    assert calm.of("agent:error") == []
