from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from tests.support.clients import Account, RecordingClient, register
from tests.support.servers import ServerProcess

Connect = Callable[[ServerProcess], Awaitable[tuple[Account, RecordingClient]]]


@pytest.fixture
def connect_user(socket_clients: list[RecordingClient]) -> Connect:
    """Registers a fresh user on a server and opens one socket for them."""

    async def connect(server: ServerProcess) -> tuple[Account, RecordingClient]:
        account = await register(server.base_url)
        client = RecordingClient()
        socket_clients.append(client)
        await client.connect(server.base_url, account.access_token)
        return account, client

    return connect
