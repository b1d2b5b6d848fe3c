"""The Socket.IO origin check: configured origins and the server's own, nothing else."""

from __future__ import annotations

import aiohttp
import httpx
import pytest
import socketio

from tests.support.clients import register
from tests.support.servers import ServerProcess


async def handshake(base_url: str, token: str, origin: str) -> bool:
    async with aiohttp.ClientSession() as session:
        client = socketio.AsyncClient(reconnection=False, http_session=session)
        try:
            await client.connect(
                base_url,
                auth={"token": token},
                headers={"Origin": origin},
                transports=["websocket"],
                wait_timeout=5,
            )
        except socketio.exceptions.ConnectionError:
            return False
        await client.disconnect()
        return True


async def test_only_configured_and_own_origins_may_open_a_socket(
    online_server: ServerProcess,
) -> None:
    account = await register(online_server.base_url)
    token = account.access_token
    assert await handshake(online_server.base_url, token, "http://localhost:5173")  # CORS_ORIGINS
    assert await handshake(online_server.base_url, token, online_server.base_url)  # its own page
    assert not await handshake(online_server.base_url, token, "http://evil.example")
    assert not await handshake(online_server.base_url, token, "http://localhost:5173.evil.example")


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [("http://localhost:5173", True), ("http://evil.example", False)],
)
async def test_rest_cors_follows_the_same_list(
    online_server: ServerProcess, origin: str, allowed: bool
) -> None:
    async with httpx.AsyncClient(base_url=online_server.base_url) as http:
        preflight = await http.options(
            "/auth/login",
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        )
    assert (preflight.headers.get("access-control-allow-origin") == origin) is allowed
