"""Sessions end everywhere: logout, password change, account removal, token expiry."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
from pymongo import MongoClient

from agents_backend.core.security import create_token
from tests.conftest import TEST_SECRET
from tests.sockets.test_chat_online import reply_to, send
from tests.support.clients import Account, RecordingClient, register
from tests.support.servers import ServerProcess


async def open_socket(
    server: ServerProcess, token: str, clients: list[RecordingClient]
) -> RecordingClient:
    client = RecordingClient()
    clients.append(client)
    await client.connect(server.base_url, token)
    return client


async def until_disconnected(client: RecordingClient) -> None:
    for _ in range(100):
        if not client.sio.connected:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the socket is still connected")


async def second_login(server: ServerProcess, account: Account) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        response = await http.post(
            "/auth/login", json={"email": account.email, "password": account.password}
        )
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


async def test_logout_closes_that_sessions_sockets_and_no_other(
    offline_server: ServerProcess, socket_clients: list[RecordingClient]
) -> None:
    account = await register(offline_server.base_url)
    laptop = await open_socket(offline_server, account.access_token, socket_clients)
    laptop_tab = await open_socket(offline_server, account.access_token, socket_clients)
    phone_login = await second_login(offline_server, account)
    phone = await open_socket(offline_server, phone_login["access_token"], socket_clients)

    async with httpx.AsyncClient(base_url=offline_server.base_url) as http:
        out = await http.post("/auth/logout", json={"refresh_token": account.refresh_token})
    assert out.status_code == 204

    for tab in (laptop, laptop_tab):
        await until_disconnected(tab)
        assert tab.of("agent:session-ended") == [{"reason": "signed_out"}]
    ack = await phone.emit("agent:send", send("support", "still here"))
    assert (await phone.wait_for("agent:message", reply_to(ack["messageId"])))[0]["text"]


async def test_password_change_ends_every_session_of_the_account(
    offline_server: ServerProcess, socket_clients: list[RecordingClient]
) -> None:
    account = await register(offline_server.base_url)
    other_login = await second_login(offline_server, account)
    sockets = [
        await open_socket(offline_server, token, socket_clients)
        for token in (account.access_token, other_login["access_token"])
    ]
    async with httpx.AsyncClient(base_url=offline_server.base_url) as http:
        wrong = await http.post(
            "/auth/password",
            json={"current_password": "not it", "new_password": "a brand new passphrase"},
            headers=account.headers,
        )
        changed = await http.post(
            "/auth/password",
            json={"current_password": account.password, "new_password": "a brand new passphrase"},
            headers=account.headers,
        )
        old_refresh = await http.post(
            "/auth/refresh", json={"refresh_token": other_login["refresh_token"]}
        )
        old_password = await http.post(
            "/auth/login", json={"email": account.email, "password": account.password}
        )
        new_password = await http.post(
            "/auth/login", json={"email": account.email, "password": "a brand new passphrase"}
        )
    assert wrong.status_code == 403
    assert changed.status_code == 200
    for client in sockets:
        await until_disconnected(client)
        assert client.of("agent:session-ended") == [{"reason": "password_changed"}]
    assert old_refresh.status_code == 401
    assert old_password.status_code == 401
    assert new_password.status_code == 200
    fresh = await open_socket(offline_server, changed.json()["access_token"], socket_clients)
    assert fresh.sio.connected


async def test_account_removal_closes_sockets_and_removes_every_trace(
    offline_server: ServerProcess,
    socket_clients: list[RecordingClient],
    mongo_client: MongoClient[dict[str, Any]],
    offline_db_name: str,
) -> None:
    account = await register(offline_server.base_url)
    client = await open_socket(offline_server, account.access_token, socket_clients)
    await client.emit("agent:set-auto-create", {"agentKey": "sdr", "autoCreate": True})
    ack = await client.emit("agent:send", send("sdr", "me lembre de enviar a proposta amanhã"))
    await client.wait_for("agent:message", reply_to(ack["messageId"]))

    async with httpx.AsyncClient(base_url=offline_server.base_url) as http:
        refused = await http.request(
            "DELETE", "/auth/me", json={"password": "nope"}, headers=account.headers
        )
        removed = await http.request(
            "DELETE", "/auth/me", json={"password": account.password}, headers=account.headers
        )
        login = await http.post(
            "/auth/login", json={"email": account.email, "password": account.password}
        )
    assert refused.status_code == 403
    assert removed.status_code == 204
    await until_disconnected(client)
    assert client.of("agent:session-ended") == [{"reason": "account_removed"}]
    assert login.status_code == 401
    db = mongo_client[offline_db_name]
    assert db["users"].count_documents({"_id": account.user_id}) == 0
    for collection in ("messages", "tasks", "agent_settings", "refresh_tokens", "usage"):
        assert db[collection].count_documents({"user_id": account.user_id}) == 0, collection


async def test_a_socket_is_closed_when_its_access_token_expires(
    offline_server: ServerProcess, socket_clients: list[RecordingClient]
) -> None:
    account = await register(offline_server.base_url)
    short_lived, _ = create_token(
        subject=account.user_id,
        token_type="access",
        secret=TEST_SECRET,
        algorithm="HS256",
        lifetime=timedelta(seconds=3),
    )
    client = await open_socket(offline_server, short_lived, socket_clients)
    assert client.sio.connected

    await client.wait_for("agent:session-ended", timeout=10)
    await until_disconnected(client)
    assert client.of("agent:session-ended") == [{"reason": "token_expired"}]
