"""The handshake: only a valid access token gets a socket, and identity is the token's."""

from __future__ import annotations

from datetime import timedelta

import pytest
import socketio

from agents_backend.core.security import create_token
from tests.conftest import TEST_SECRET
from tests.support.clients import RecordingClient, register
from tests.support.servers import ServerProcess


def token_for(
    user_id: str, *, minutes: int, secret: str = TEST_SECRET, kind: str = "access"
) -> str:
    token, _ = create_token(
        subject=user_id,
        token_type=kind,  # type: ignore[arg-type]
        secret=secret,
        algorithm="HS256",
        lifetime=timedelta(minutes=minutes),
    )
    return token


async def refused_reason(base_url: str, auth: dict[str, str] | None) -> str:
    """The message a browser would get in its `connect_error` handler."""
    client = socketio.AsyncClient(reconnection=False)
    reasons: list[str] = []

    async def on_connect_error(data: object) -> None:
        reasons.append(str(data.get("message") if isinstance(data, dict) else data))

    client.on("connect_error", on_connect_error)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(base_url, auth=auth, transports=["websocket"], wait_timeout=5)
    assert not client.connected
    assert len(reasons) == 1
    return reasons[0]


async def test_connect_refused_without_a_valid_access_token(online_server: ServerProcess) -> None:
    base = online_server.base_url
    account = await register(base)
    not_signed_in = "You are not signed in, or your session expired; sign in again."
    assert await refused_reason(base, None) == not_signed_in
    assert await refused_reason(base, {"token": ""}) == not_signed_in
    for bad in (
        "garbage",
        token_for(account.user_id, minutes=-1),
        token_for(account.user_id, minutes=5, secret="someone-elses-secret-long-enough-for-hs256"),
        account.refresh_token,
        token_for("no-such-user", minutes=5),
    ):
        assert await refused_reason(base, {"token": bad}) == not_signed_in


async def test_identity_comes_from_the_token_not_the_payload(
    online_server: ServerProcess, socket_clients: list[RecordingClient]
) -> None:
    alice, bob = await register(online_server.base_url), await register(online_server.base_url)
    alice_socket, bob_socket = RecordingClient(), RecordingClient()
    socket_clients += [alice_socket, bob_socket]
    await alice_socket.connect(online_server.base_url, alice.access_token)
    await bob_socket.connect(online_server.base_url, bob.access_token)

    ack = await alice_socket.emit(
        "agent:send",
        {
            "agentKey": "support",
            "contactId": "spoof",
            "message": "hello",
            "userId": bob.user_id,
            "userName": "Bob",
        },
    )
    assert ack["ok"] is True
    await alice_socket.wait_for("agent:message", lambda d: d["author"] == "agent")
    assert bob_socket.of("agent:message") == []
