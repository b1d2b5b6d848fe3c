"""A server for booking tests: real mongod, local calendar, meetings every day 08-20.

Every weekday is a working day here so tests that book "amanhã às 15h" do not depend on
the day the suite runs. All booking tests share one calendar, so each uses its own times.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from agents_backend.core.embedded_mongo import EmbeddedMongo
from tests.conftest import server_env
from tests.support.clients import Account, RecordingClient, register
from tests.support.servers import ServerProcess, running_server

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
Connect = Callable[[Account | None], Awaitable[tuple[Account, RecordingClient]]]


def days_ahead(days: int) -> date:
    return datetime.now(SAO_PAULO).date() + timedelta(days=days)


@pytest.fixture(scope="session")
def booking_db_name() -> str:
    return f"test_booking_{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def booking_server(
    mongo: EmbeddedMongo, booking_db_name: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    env = server_env(mongo, booking_db_name) | {
        "CALENDAR_WORK_DAYS": "1,2,3,4,5,6,7",
        "CALENDAR_WORK_START": "08:00",
        "CALENDAR_WORK_END": "20:00",
        "CALENDAR_MAX_DAYS_AHEAD": "30",
    }
    with running_server(env, tmp_path_factory.mktemp("logs") / "booking.log") as server:
        yield server


@pytest.fixture
def connect(booking_server: ServerProcess, socket_clients: list[RecordingClient]) -> Connect:
    """Opens a socket for an account (a new one unless given): a user or another tab."""

    async def open_socket(account: Account | None = None) -> tuple[Account, RecordingClient]:
        account = account or await register(booking_server.base_url, name="Maria Souza")
        client = RecordingClient()
        socket_clients.append(client)
        await client.connect(booking_server.base_url, account.access_token)
        return account, client

    return open_socket
