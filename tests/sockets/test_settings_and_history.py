"""Per-user state: the auto-create switch and conversation history never cross users."""

from __future__ import annotations

from typing import Any

import httpx
from pymongo import MongoClient

from tests.conftest import Connect
from tests.sockets.test_chat_online import reply_to, send
from tests.support.clients import Account, RecordingClient
from tests.support.servers import ServerProcess


async def test_auto_create_is_stored_per_user_and_agent(
    offline_server: ServerProcess,
    connect_user: Connect,
    mongo_client: MongoClient[dict[str, Any]],
    offline_db_name: str,
) -> None:
    alice, alice_socket = await connect_user(offline_server)
    bob, bob_socket = await connect_user(offline_server)

    ack = await alice_socket.emit("agent:set-auto-create", {"agentKey": "sdr", "autoCreate": True})

    assert ack["ok"] is True
    update = (await alice_socket.wait_for("agent:auto-create-updated"))[0]
    assert update == {"agentKey": "sdr", "autoCreate": True}
    await bob_socket.emit("agent:set-auto-create", {"agentKey": "support", "autoCreate": False})
    await bob_socket.wait_for("agent:auto-create-updated")
    assert bob_socket.of("agent:auto-create-updated") == [
        {"agentKey": "support", "autoCreate": False}
    ]
    settings = mongo_client[offline_db_name]["agent_settings"]
    stored = {
        (s["user_id"], s["agent_key"]): s["auto_create"]
        for s in settings.find({"user_id": {"$in": [alice.user_id, bob.user_id]}})
    }
    assert stored == {(alice.user_id, "sdr"): True, (bob.user_id, "support"): False}
    # A reload (the agents list) shows each person their own switches.
    async with httpx.AsyncClient(base_url=offline_server.base_url) as http:
        for account, expected in (
            (alice, {"sdr": True, "support": False}),
            (bob, {"sdr": False, "support": False}),
        ):
            listed = (await http.get("/agents", headers=account.headers)).json()["agents"]
            shown = {a["key"]: a["autoCreate"] for a in listed if a["key"] in expected}
            assert shown == expected


async def _exchange(client: RecordingClient, text: str, contact: str) -> None:
    ack = await client.emit("agent:send", send("support", text, contact))
    await client.wait_for("agent:message", reply_to(ack["messageId"]))


async def _history(server: ServerProcess, account: Account, contact: str, **params: Any) -> Any:
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        return await http.get(
            f"/agents/support/conversations/{contact}/messages",
            params=params,
            headers=account.headers,
        )


async def test_history_pages_oldest_first_and_is_private(
    offline_server: ServerProcess, connect_user: Connect
) -> None:
    alice, alice_socket = await connect_user(offline_server)
    bob, _bob_socket = await connect_user(offline_server)
    for n in range(3):
        await _exchange(alice_socket, f"question {n}", "shared-contact")

    full = (await _history(offline_server, alice, "shared-contact")).json()
    texts = [m["text"] for m in full["messages"]]
    assert [t for t in texts if t.startswith("question")] == [
        "question 0",
        "question 1",
        "question 2",
    ]
    assert len(texts) == 6 and full["hasMore"] is False
    timestamps = [m["timestamp"] for m in full["messages"]]
    assert timestamps == sorted(timestamps)

    newest = (await _history(offline_server, alice, "shared-contact", limit=4)).json()
    assert newest["hasMore"] is True
    assert [m["id"] for m in newest["messages"]] == [m["id"] for m in full["messages"][2:]]
    older = (
        await _history(
            offline_server, alice, "shared-contact", limit=4, before=newest["messages"][0]["id"]
        )
    ).json()
    assert [m["id"] for m in older["messages"]] == [m["id"] for m in full["messages"][:2]]
    assert older["hasMore"] is False
    missed = (
        await _history(offline_server, alice, "shared-contact", after=full["messages"][3]["id"])
    ).json()
    assert [m["id"] for m in missed["messages"]] == [m["id"] for m in full["messages"][4:]]

    # Bob asks for the same agent and contact id: he has no such conversation.
    bobs = (await _history(offline_server, bob, "shared-contact")).json()
    assert bobs == {"messages": [], "hasMore": False, "streaming": [], "hasMoreNewer": False}
    # Nor can he use one of Alice's message ids as a cursor.
    foreign_cursor = await _history(
        offline_server, bob, "shared-contact", before=full["messages"][1]["id"]
    )
    assert foreign_cursor.status_code == 404


async def test_history_errors_are_clear(
    offline_server: ServerProcess, connect_user: Connect
) -> None:
    alice, _socket = await connect_user(offline_server)
    async with httpx.AsyncClient(base_url=offline_server.base_url) as http:
        unknown_agent = await http.get(
            "/agents/nope/conversations/c/messages", headers=alice.headers
        )
        no_token = await http.get("/agents/support/conversations/c/messages")
        bad_limit = await http.get(
            "/agents/support/conversations/c/messages", params={"limit": 0}, headers=alice.headers
        )
        bad_cursor = await http.get(
            "/agents/support/conversations/c/messages",
            params={"before": "not-an-id"},
            headers=alice.headers,
        )
    assert (unknown_agent.status_code, unknown_agent.json()["code"]) == (404, "agent_not_found")
    assert unknown_agent.json()["detail"] == "No agent 'nope' is available to you."
    assert no_token.status_code == 401
    assert bad_limit.status_code == 422
    assert (bad_cursor.status_code, bad_cursor.json()["code"]) == (404, "message_not_found")
