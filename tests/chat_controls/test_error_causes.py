"""Errors named by their cause: a model server nobody answers at is `model_unreachable`,
one that takes too long is `llm_timeout` (issue 16, point 5)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from agents_backend.core.embedded_mongo import EmbeddedMongo, free_port
from tests.chat_controls.helpers import Mongo, send, stored
from tests.conftest import Connect, server_env
from tests.support.fake_openai import FakeOpenAI, Hang
from tests.support.servers import ServerProcess, running_server


@pytest.fixture(scope="module")
def unreachable_db() -> str:
    return f"test_unreachable_{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def unreachable_server(
    mongo: EmbeddedMongo, unreachable_db: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """A server whose model lives on a port nothing listens on (connection refused)."""
    env = server_env(mongo, unreachable_db) | {
        "OPENAI_API_KEY": "sk-test-server-key",
        "OPENAI_BASE_URL": f"http://127.0.0.1:{free_port()}/v1",
        "OPENAI_MODEL": "gpt-test",
        "OPENAI_TIMEOUT_SECONDS": "5",
        "OPENAI_MAX_RETRIES": "1",
    }
    with running_server(env, tmp_path_factory.mktemp("logs") / "unreachable.log") as server:
        yield server


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Could not reach the model server"),
        ("pt-BR", "Não foi possível contatar o servidor do modelo"),
    ],
)
async def test_a_model_server_that_refuses_connections_is_unreachable_not_slow(
    unreachable_server: ServerProcess,
    connect_user: Connect,
    mongo_client: Mongo,
    unreachable_db: str,
    language: str,
    text: str,
) -> None:
    _account, client = await connect_user(unreachable_server)
    message = "Hello there, are you up?" if language == "en" else "Olá, tudo bem com você hoje?"

    ack = await client.emit("agent:send", send(message))

    error = (await client.wait_for("agent:error", timeout=8))[0]
    assert error["code"] == "model_unreachable"
    assert error["error"].startswith(text)
    assert error["messageId"] == ack["messageId"]
    kept = stored(mongo_client, unreachable_db, ack["messageId"])
    assert kept["text"] == message and kept["reply_state"] == "failed"


async def test_a_model_that_hangs_is_still_a_timeout(
    online_server: ServerProcess, fake_llm: FakeOpenAI, connect_user: Connect
) -> None:
    fake_llm.script("stream", Hang(8), Hang(8))
    _account, client = await connect_user(online_server)

    await client.emit("agent:send", send("Are you there?"))

    error = (await client.wait_for("agent:error", timeout=15))[0]
    assert error["code"] == "llm_timeout"
