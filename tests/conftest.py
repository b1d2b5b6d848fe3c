"""Session-wide real services: one mongod, one fake OpenAI edge, two servers.

The "online" server talks to the local OpenAI-compatible server through the real SDK;
the "offline" one has no key and answers through the offline responder. Each run uses
fresh database names, so nothing leaks between runs.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest
from pymongo import MongoClient

from agents_backend.core.embedded_mongo import EmbeddedMongo
from tests.support.clients import Account, RecordingClient, register
from tests.support.fake_openai import FakeOpenAI
from tests.support.servers import ServerProcess, running_server

TEST_SECRET = "test-secret-that-is-long-enough-for-hs256-signing"
# A fixed Fernet key (32 url-safe base64 bytes), so tests can decrypt what was stored.
TEST_ENCRYPTION_KEY = "dGVzdC1lbmNyeXB0aW9uLWtleS0zMi1ieXRlcyEhISE="


@pytest.fixture(scope="session")
def mongo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedMongo]:
    with EmbeddedMongo(db_path=tmp_path_factory.mktemp("mongod")) as server:
        yield server


@pytest.fixture(scope="session")
def fake_llm_server() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fake_llm(fake_llm_server: FakeOpenAI) -> Iterator[FakeOpenAI]:
    fake_llm_server.reset()
    yield fake_llm_server
    fake_llm_server.reset()


def server_env(mongo: EmbeddedMongo, database: str) -> dict[str, str]:
    return {
        "MONGODB_URI": mongo.uri,
        "MONGODB_DATABASE": database,
        "JWT_SECRET": TEST_SECRET,
        "ENCRYPTION_KEY": TEST_ENCRYPTION_KEY,
        "DEBUG": "false",
        "CORS_ORIGINS": "http://localhost:5173",
        # Every test user comes from 127.0.0.1; the limits themselves have their own tests.
        "RATE_LIMIT_LOGINS_PER_IP": "100000/minute",
        "RATE_LIMIT_CONNECTIONS_PER_IP": "100000/minute",
        "RATE_LIMIT_NEW_VISITORS_PER_IP": "100000/hour",
        "RATE_LIMIT_VISITOR_MESSAGES": "100000/minute",
    }


def model_env(fake_llm: FakeOpenAI, api_key: str = "sk-test-server-key") -> dict[str, str]:
    """Point a server at the local OpenAI-compatible edge."""
    return {"OPENAI_API_KEY": api_key, "OPENAI_BASE_URL": fake_llm.base_url}


@pytest.fixture(scope="session")
def online_db_name() -> str:
    return f"test_online_{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def online_server(
    mongo: EmbeddedMongo,
    fake_llm_server: FakeOpenAI,
    online_db_name: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ServerProcess]:
    env = (
        server_env(mongo, online_db_name)
        | model_env(fake_llm_server)
        | {
            "OPENAI_MODEL": "gpt-test",
            "OPENAI_TIMEOUT_SECONDS": "1.5",
            "OPENAI_MAX_RETRIES": "1",
            "MAX_MESSAGE_CHARS": "2000",
        }
    )
    with running_server(env, tmp_path_factory.mktemp("logs") / "online.log") as server:
        yield server


@pytest.fixture(scope="session")
def offline_db_name() -> str:
    return f"test_offline_{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def offline_server(
    mongo: EmbeddedMongo, offline_db_name: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    env = server_env(mongo, offline_db_name)
    with running_server(env, tmp_path_factory.mktemp("logs") / "offline.log") as server:
        yield server


@pytest.fixture
def mongo_client(mongo: EmbeddedMongo) -> Iterator[MongoClient[dict[str, object]]]:
    """A direct look at what the server stored, to check nothing was lost or leaked."""
    with MongoClient(mongo.uri) as client:
        yield client


@pytest.fixture
async def socket_clients() -> AsyncIterator[list[RecordingClient]]:
    """Collects the clients a test opens and closes them whatever happens."""
    clients: list[RecordingClient] = []
    yield clients
    for client in clients:
        await client.close()


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
