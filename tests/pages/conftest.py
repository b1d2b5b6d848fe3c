"""One server for the pages' REST side: real mongod, the local calendar open every day
08-20, the local OpenAI-compatible edge (priced, so usage has a cost), a stand-in SPA
build (its index.html) and one configured administrator."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from agents_backend.core.embedded_mongo import EmbeddedMongo
from tests.conftest import model_env, server_env
from tests.support.clients import Account, RecordingClient, register
from tests.support.fake_openai import FakeOpenAI
from tests.support.servers import ServerProcess, running_server

# A published bot's visitors (fixtures), for a visitor's booking the owner cancels.
from tests.visitors.conftest import new_visitor, visitors  # noqa: F401

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
FIRST_ADMIN = f"first-admin-{uuid.uuid4().hex[:6]}@example.com"
INDEX_HTML = "<!doctype html><html><head><title>Agents</title></head><body>SPA</body></html>"
# USD per million tokens (input, output) of the model the pages' server calls.
PRICE = (1.0, 2.0)

Connect = Callable[[Account | None], Awaitable[tuple[Account, RecordingClient]]]


def days_ahead(days: int) -> date:
    return datetime.now(SAO_PAULO).date() + timedelta(days=days)


@pytest.fixture(scope="session")
def spa_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("spa")
    (root / "index.html").write_text(INDEX_HTML)
    return root


@pytest.fixture(scope="session")
def pages_db_name() -> str:
    return f"test_pages_{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def pages_server(
    mongo: EmbeddedMongo,
    fake_llm_server: FakeOpenAI,
    pages_db_name: str,
    spa_root: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ServerProcess]:
    env = (
        server_env(mongo, pages_db_name)
        | model_env(fake_llm_server)
        | {
            "OPENAI_MODEL": "gpt-test",
            "MODEL_PRICING": json.dumps({"gpt-test": list(PRICE)}),
            "SPA_DIR": str(spa_root),
            "ADMIN_EMAILS": FIRST_ADMIN.upper(),  # e-mails compare case-insensitively
            "CALENDAR_WORK_DAYS": "1,2,3,4,5,6,7",
            "CALENDAR_WORK_START": "08:00",
            "CALENDAR_WORK_END": "20:00",
            "CALENDAR_MAX_DAYS_AHEAD": "30",
        }
    )
    with running_server(env, tmp_path_factory.mktemp("logs") / "pages.log") as server:
        yield server


@pytest.fixture
def connect(pages_server: ServerProcess, socket_clients: list[RecordingClient]) -> Connect:
    """Opens a socket for an account (a new one unless given)."""

    async def open_socket(account: Account | None = None) -> tuple[Account, RecordingClient]:
        account = account or await register(pages_server.base_url, name="Ana Lima")
        client = RecordingClient()
        socket_clients.append(client)
        await client.connect(pages_server.base_url, account.access_token)
        return account, client

    return open_socket
