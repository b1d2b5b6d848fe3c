"""Delivery under dropped sockets: nothing missed, nothing doubled (issue 8, points 1 and 2).

A client that loses its socket mid-reply reconnects and fetches `after=<last id it had>`;
a client whose ack was lost resends with the same `clientMessageId`. Real server, real
sockets, the real OpenAI SDK against the local model server.
"""

from __future__ import annotations

import uuid
from typing import Any

from pymongo import MongoClient

from tests.sockets.test_chat_online import reply_to, send
from tests.support.clients import Account, RecordingClient, history_page, register
from tests.support.fake_openai import FakeOpenAI, Reply
from tests.support.servers import ServerProcess

Mongo = MongoClient[dict[str, Any]]

LONG_REPLY = (
    "Claro! Nosso plano anual inclui suporte prioritário, integrações com o seu CRM e "
    "relatórios semanais de desempenho da equipe comercial."
)


async def history(account: Account, agent: str, contact: str, **params: str) -> list[Any]:
    messages: list[Any] = (await history_page(account, agent, contact, **params))["messages"]
    return messages


async def open_socket(
    server: ServerProcess, account: Account, clients: list[RecordingClient]
) -> RecordingClient:
    client = RecordingClient()
    clients.append(client)
    await client.connect(server.base_url, account.access_token)
    return client


async def test_a_socket_dropped_mid_reply_catches_up_with_every_message_once(
    online_server: ServerProcess, fake_llm: FakeOpenAI, socket_clients: list[RecordingClient]
) -> None:
    """The reply finishes while the person is away; `after=` brings exactly it back."""
    fake_llm.script("stream", Reply(LONG_REPLY, chunk_delay=0.1))
    account = await register(online_server.base_url)
    # A second tab of the same person stays online: it tells the test when the exchange
    # is over, so the dropped client reconnects only after it missed the whole reply.
    watcher = await open_socket(online_server, account, socket_clients)
    dropped = await open_socket(online_server, account, socket_clients)
    contact = f"lead-{uuid.uuid4().hex[:6]}"

    ack = await dropped.emit("agent:send", send("sdr", "Quanto custa o plano anual?", contact))
    assert ack["ok"] is True
    await dropped.wait_for("agent:stream")
    await dropped.close()
    seen_before_drop = {d["id"]: d for d in dropped.of("agent:message")}
    assert list(seen_before_drop) == [ack["messageId"]]  # the reply had not come yet
    await watcher.wait_for("agent:message", reply_to(ack["messageId"]))
    await watcher.wait_for("agent:typing", lambda d: d["typing"] is False)

    await open_socket(online_server, account, socket_clients)
    missed = await history(account, "sdr", contact, after=ack["messageId"])

    assert [m["author"] for m in missed] == ["agent"]
    assert missed[0]["replyTo"] == ack["messageId"]
    assert missed[0]["text"] == LONG_REPLY
    assert missed[0].get("incomplete") is not True
    combined = [*seen_before_drop.values(), *missed]
    everything = await history(account, "sdr", contact)
    assert [m["id"] for m in combined] == [m["id"] for m in everything]
    assert len({m["id"] for m in combined}) == len(combined) == 2
    assert [m["text"] for m in combined] == ["Quanto custa o plano anual?", LONG_REPLY]


async def test_a_client_reconnecting_while_the_reply_streams_misses_nothing(
    online_server: ServerProcess, fake_llm: FakeOpenAI, socket_clients: list[RecordingClient]
) -> None:
    """Reconnect first, then fetch: what the fetch misses, the new socket gets live."""
    fake_llm.script("stream", Reply(LONG_REPLY, chunk_delay=0.1))
    account = await register(online_server.base_url)
    dropped = await open_socket(online_server, account, socket_clients)
    contact = f"lead-{uuid.uuid4().hex[:6]}"

    ack = await dropped.emit("agent:send", send("sdr", "E o plano mensal?", contact))
    await dropped.wait_for("agent:stream")
    await dropped.close()
    last_seen = dropped.of("agent:message")[-1]["id"]
    assert last_seen == ack["messageId"]

    fresh = await open_socket(online_server, account, socket_clients)
    fetched = await history(account, "sdr", contact, after=last_seen)
    await fresh.wait_for("agent:typing", lambda d: d["typing"] is False, timeout=20)
    live = fresh.of("agent:message")

    # What a client shows: the messages it had, then fetched ones, then live ones, by id.
    shown: dict[str, Any] = {m["id"]: m for m in dropped.of("agent:message")}
    for message in [*fetched, *live]:
        shown.setdefault(message["id"], message)
    assert len({m["id"] for m in fetched}) == len(fetched)
    everything = await history(account, "sdr", contact)
    assert list(shown) == [m["id"] for m in everything]
    assert [m["text"] for m in shown.values()] == ["E o plano mensal?", LONG_REPLY]
    assert await history(account, "sdr", contact, after=everything[-1]["id"]) == []


async def test_a_resend_after_a_lost_ack_is_stored_and_answered_once(
    online_server: ServerProcess,
    fake_llm: FakeOpenAI,
    socket_clients: list[RecordingClient],
    mongo_client: Mongo,
    online_db_name: str,
) -> None:
    """The server stored the message but its ack never reached the client, which resends
    on a new socket: the same messageId, one stored message, one reply."""
    fake_llm.script("stream", Reply(LONG_REPLY, chunk_delay=0.05))
    account = await register(online_server.base_url)
    watcher = await open_socket(online_server, account, socket_clients)
    first = await open_socket(online_server, account, socket_clients)
    contact = f"lead-{uuid.uuid4().hex[:6]}"
    payload = send("sdr", "Vocês emitem nota fiscal?", contact, clientMessageId="tab-9-0001")

    lost_acks: list[Any] = []
    await first.sio.emit("agent:send", payload, callback=lambda *ack: lost_acks.append(ack))
    stored = (await watcher.wait_for("agent:message", lambda d: d["author"] == "user"))[0]
    await first.sio.eio.disconnect(abort=True)  # the connection dies; the ack is not read

    second = await open_socket(online_server, account, socket_clients)
    resent = await second.emit("agent:send", payload)  # the reply is still streaming
    reply = (await watcher.wait_for("agent:message", reply_to(stored["id"]), timeout=20))[0]
    await watcher.wait_for("agent:typing", lambda d: d["typing"] is False)
    again = await second.emit("agent:send", payload)  # and once more after it is done

    assert resent == {"ok": True, "messageId": stored["id"], "duplicate": True}
    assert again == {"ok": True, "messageId": stored["id"], "duplicate": True}
    assert reply["text"] == LONG_REPLY
    await assert_one_exchange(account, "sdr", contact, mongo_client[online_db_name], fake_llm)
    assert [d["id"] for d in watcher.of("agent:message")] == [stored["id"], reply["id"]]
    assert second.of("agent:message", lambda d: d["author"] == "user") == []


async def test_a_send_lost_with_its_socket_is_stored_once_by_the_resend(
    online_server: ServerProcess,
    fake_llm: FakeOpenAI,
    socket_clients: list[RecordingClient],
    mongo_client: Mongo,
    online_db_name: str,
) -> None:
    """The frame goes out right before the socket closes: python-socketio drops an event
    whose connection is already gone, so the message was never stored and never acked.
    The client's resend (no ack, so it must) is then the one that counts."""
    account = await register(online_server.base_url)
    first = await open_socket(online_server, account, socket_clients)
    contact = f"lead-{uuid.uuid4().hex[:6]}"
    payload = send("support", "My invoice is wrong", contact, clientMessageId="tab-3-0007")

    acks: list[Any] = []
    await first.sio.emit("agent:send", payload, callback=lambda *ack: acks.append(ack))
    await first.sio.eio.disconnect(abort=False)  # flushes the frame, then closes

    second = await open_socket(online_server, account, socket_clients)
    resent = await second.emit("agent:send", payload)
    await second.wait_for("agent:message", reply_to(resent["messageId"]))
    await second.wait_for("agent:typing", lambda d: d["typing"] is False)
    again = await second.emit("agent:send", payload)

    assert acks == []
    assert resent["ok"] is True and again["messageId"] == resent["messageId"]
    assert again["duplicate"] is True
    await assert_one_exchange(account, "support", contact, mongo_client[online_db_name], fake_llm)


async def assert_one_exchange(
    account: Account, agent: str, contact: str, db: Any, fake_llm: FakeOpenAI
) -> None:
    """One stored user message, one stored reply to it, one model call."""
    assert db["messages"].count_documents({"user_id": account.user_id, "author": "user"}) == 1
    assert db["messages"].count_documents({"user_id": account.user_id, "author": "agent"}) == 1
    assert len(fake_llm.requests_of("stream")) == 1
    stored = await history(account, agent, contact)
    assert [m["author"] for m in stored] == ["user", "agent"]
    assert stored[1]["replyTo"] == stored[0]["id"]
