"""Forged tokens: `alg: none`, another algorithm, another key. All refused, everywhere."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest
import socketio

from tests.conftest import TEST_SECRET
from tests.support.clients import register
from tests.support.servers import ServerProcess


def claims(user_id: str) -> dict[str, object]:
    now = int(time.time())
    return {"sub": user_id, "type": "access", "jti": "forged", "iat": now, "exp": now + 600}


@pytest.mark.filterwarnings("ignore:The HMAC key is")  # HS512 with our HS256-sized secret
async def test_forged_tokens_are_refused_by_rest_and_sockets(online_server: ServerProcess) -> None:
    account = await register(online_server.base_url)
    unsigned = jwt.encode(claims(account.user_id), key=None, algorithm="none")
    # The right secret with an algorithm the server was not configured for.
    other_algorithm = jwt.encode(claims(account.user_id), TEST_SECRET, algorithm="HS512")
    other_key = jwt.encode(
        claims(account.user_id), "an-attackers-secret-that-is-long-enough!", algorithm="HS256"
    )
    async with httpx.AsyncClient(base_url=online_server.base_url) as http:
        for token in (unsigned, other_algorithm, other_key):
            response = await http.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 401
            client = socketio.AsyncClient(reconnection=False)
            with pytest.raises(socketio.exceptions.ConnectionError):
                await client.connect(
                    online_server.base_url, auth={"token": token}, transports=["websocket"]
                )
        genuine = await http.get("/auth/me", headers=account.headers)
    assert genuine.status_code == 200
