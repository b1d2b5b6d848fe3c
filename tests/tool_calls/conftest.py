"""A server whose agents have a model (the local OpenAI-compatible edge) and a calendar
that takes meetings every day 08-20, so the tools' bookings do not depend on the day."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterator

import pytest

from agents_backend.core.embedded_mongo import EmbeddedMongo
from tests.conftest import model_env, server_env
from tests.support.clients import Account, RecordingClient, register
from tests.support.fake_openai import FakeOpenAI
from tests.support.servers import ServerProcess, running_server

MAX_ROUNDS = 4
Connect = Callable[[], Awaitable[tuple[Account, RecordingClient]]]


@pytest.fixture(scope="session")
def tools_db_name() -> str:
    return f"test_tools_{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def tools_server(
    mongo: EmbeddedMongo,
    fake_llm_server: FakeOpenAI,
    tools_db_name: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ServerProcess]:
    env = (
        server_env(mongo, tools_db_name)
        | model_env(fake_llm_server)
        | {
            "OPENAI_MODEL": "gpt-test",
            "OPENAI_MAX_RETRIES": "0",
            "CALENDAR_WORK_DAYS": "1,2,3,4,5,6,7",
            "CALENDAR_WORK_START": "08:00",
            "CALENDAR_WORK_END": "20:00",
            "CALENDAR_MAX_DAYS_AHEAD": "30",
            "TOOL_MAX_ROUNDS": str(MAX_ROUNDS),
            "STREAM_INTERVAL_MS": "0",
        }
    )
    with running_server(env, tmp_path_factory.mktemp("logs") / "tools.log") as server:
        yield server


@pytest.fixture
def connect(tools_server: ServerProcess, socket_clients: list[RecordingClient]) -> Connect:
    """A new person with one socket open."""

    async def open_socket() -> tuple[Account, RecordingClient]:
        account = await register(tools_server.base_url, name="Ana Lima")
        client = RecordingClient()
        socket_clients.append(client)
        await client.connect(tools_server.base_url, account.access_token)
        return account, client

    return open_socket
