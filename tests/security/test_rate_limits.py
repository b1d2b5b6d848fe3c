"""Abuse limits on a server configured tight: messages, logins, connections."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
import socketio

from agents_backend.core.embedded_mongo import EmbeddedMongo
from tests.conftest import server_env
from tests.sockets.test_chat_online import send
from tests.support.clients import RecordingClient, register
from tests.support.servers import ServerProcess, running_server


@pytest.fixture(scope="module")
def strict_server(
    mongo: EmbeddedMongo, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    # Per hour, not per minute: the sliding window weighs the previous window by what is
    # left of it, so attempts made just before a minute boundary counted for less than
    # the limit and the fourth got through (about 5% of runs); an hour makes that rare.
    env = server_env(mongo, f"test_limits_{uuid.uuid4().hex[:8]}") | {
        "RATE_LIMIT_MESSAGES": "3/hour",
        "RATE_LIMIT_LOGINS_PER_ACCOUNT": "3/hour",
        "RATE_LIMIT_LOGINS_PER_IP": "12/hour",
        "RATE_LIMIT_CONNECTIONS_PER_IP": "6/hour",
    }
    with running_server(env, tmp_path_factory.mktemp("limits") / "server.log") as server:
        yield server


async def test_messages_per_user_per_minute(
    strict_server: ServerProcess, socket_clients: list[RecordingClient]
) -> None:
    account = await register(strict_server.base_url)
    client = RecordingClient()
    socket_clients.append(client)
    await client.connect(strict_server.base_url, account.access_token)

    acks = [await client.emit("agent:send", send("support", f"message {n}")) for n in range(4)]

    assert [ack["ok"] for ack in acks] == [True, True, True, False]
    refused = acks[-1]["error"]
    assert refused["code"] == "rate_limited"
    assert 1 <= refused["retryAfter"] <= 3600
    error = (await client.wait_for("agent:error", lambda d: d["code"] == "rate_limited"))[0]
    assert error["retryAfter"] == refused["retryAfter"]
    stored = await _history_texts(strict_server, account.headers)
    assert "message 3" not in stored and "message 2" in stored


async def _history_texts(server: ServerProcess, headers: dict[str, str]) -> list[str]:
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        page = await http.get("/agents/support/conversations/contact-1/messages", headers=headers)
    return [m["text"] for m in page.json()["messages"]]


async def test_login_attempts_per_account_get_429_with_retry_after(
    strict_server: ServerProcess,
) -> None:
    account = await register(strict_server.base_url)
    async with httpx.AsyncClient(base_url=strict_server.base_url) as http:
        wrong = [
            await http.post("/auth/login", json={"email": account.email, "password": "guess"})
            for _ in range(3)
        ]
        right_but_limited = await http.post(
            "/auth/login", json={"email": account.email, "password": account.password}
        )
    assert [r.status_code for r in wrong] == [401, 401, 401]
    assert right_but_limited.status_code == 429
    assert 1 <= int(right_but_limited.headers["retry-after"]) <= 3600
    assert "Too many attempts" in right_but_limited.json()["detail"]


async def test_socket_connections_per_ip(strict_server: ServerProcess) -> None:
    account = await register(strict_server.base_url)
    clients = [socketio.AsyncClient(reconnection=False) for _ in range(8)]
    connected = 0
    refusal: list[str] = []
    try:
        for client in clients:
            client.on("connect_error", lambda data: refusal.append(str(data)))
            try:
                await client.connect(
                    strict_server.base_url,
                    auth={"token": account.access_token},
                    transports=["websocket"],
                )
                connected += 1
            except socketio.exceptions.ConnectionError:
                pass
    finally:
        for client in clients:
            if client.connected:
                await client.disconnect()
    # The limit is per IP across the whole module, so some may already be used.
    assert connected < len(clients)
    assert any("too many connections" in reason.lower() for reason in refusal)
