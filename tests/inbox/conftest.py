"""An inbox server: online (the local model server), a short wait for a person."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from agents_backend.core.embedded_mongo import EmbeddedMongo
from tests.conftest import model_env, server_env
from tests.support.fake_openai import FakeOpenAI
from tests.support.servers import ServerProcess, running_server
from tests.visitors.conftest import new_visitor, visitors

__all__ = ["inbox_server", "new_visitor", "visitors"]

HANDOFF_SECONDS = 1.5


@pytest.fixture(scope="module")
def inbox_server(
    mongo: EmbeddedMongo, fake_llm_server: FakeOpenAI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    env = (
        server_env(mongo, f"test_inbox_{uuid.uuid4().hex[:8]}")
        | model_env(fake_llm_server)
        | {
            "OPENAI_MODEL": "gpt-test",
            "HANDOFF_TIMEOUT_SECONDS": str(HANDOFF_SECONDS),
            "CALENDAR_WORK_DAYS": "1,2,3,4,5,6,7",
        }
    )
    with running_server(env, tmp_path_factory.mktemp("logs") / "inbox.log") as server:
        yield server
