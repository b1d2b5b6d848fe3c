"""A public door's limits: one visitor flooding, one address making visitors, and a
bot's daily token budget, each with a clear code while other visitors chat normally."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pymongo import MongoClient

from agents_backend.core.embedded_mongo import EmbeddedMongo
from tests.conftest import model_env, server_env
from tests.support.fake_openai import FakeOpenAI, Reply
from tests.support.servers import ServerProcess, running_server
from tests.support.visitors import Refused
from tests.visitors.conftest import SHOP, NewVisitor, published_bot


@pytest.fixture
def strict_db_name() -> str:
    return f"test_limits_{uuid.uuid4().hex[:8]}"


@pytest.fixture
def strict_server(
    mongo: EmbeddedMongo, fake_llm_server: FakeOpenAI, tmp_path: Path, strict_db_name: str
) -> Iterator[ServerProcess]:
    env = (
        server_env(mongo, strict_db_name)
        | model_env(fake_llm_server)
        | {
            "RATE_LIMIT_VISITOR_MESSAGES": "3/minute",
            "RATE_LIMIT_NEW_VISITORS_PER_IP": "3/hour",
            "OPENAI_MODEL": "gpt-test",
        }
    )
    with running_server(env, tmp_path / "strict.log") as server:
        yield server


def say(text: str) -> dict[str, str]:
    return {"message": text, "clientMessageId": str(uuid.uuid4())}


async def test_a_flooding_visitor_is_limited_while_another_chats(
    strict_server: ServerProcess, fake_llm: FakeOpenAI, new_visitor: NewVisitor
) -> None:
    base = strict_server.base_url
    _owner, _bot, publication = await published_bot(strict_server)
    auth = {"agent": publication["slug"], "host": SHOP, "language": "pt-BR"}
    flooder, calm = new_visitor(), new_visitor()
    await flooder.connect(base, auth)
    await calm.connect(base, auth)
    answers = [await flooder.emit("visitor:send", say(f"spam {n}")) for n in range(4)]
    assert [a["ok"] for a in answers] == [True, True, True, False]
    error = answers[-1]["error"]
    assert error["code"] == "rate_limited" and error["retryAfter"] > 0
    assert error["message"].startswith("Muitas tentativas")
    # The other visitor of the same bot is not slowed down.
    fine = await calm.emit("visitor:send", say("Olá, quero um mapa"))
    assert fine["ok"] is True
    await calm.wait_for("agent:message", lambda m: m["author"] == "agent")


async def test_an_address_making_new_visitors_is_limited_but_returning_ones_get_in(
    strict_server: ServerProcess, new_visitor: NewVisitor
) -> None:
    base = strict_server.base_url
    _owner, _bot, publication = await published_bot(strict_server)
    auth = {"agent": publication["slug"], "host": SHOP}
    sessions = [await new_visitor().connect(base, auth) for _ in range(3)]
    with pytest.raises(Refused) as refused:
        await new_visitor().connect(base, auth)
    assert refused.value.code == "too_many_visitors"
    assert isinstance(refused.value.retry_after, int) and refused.value.retry_after > 0
    back = await new_visitor().connect(base, auth | {"visitorToken": sessions[0]["visitorToken"]})
    assert back["conversationId"] == sessions[0]["conversationId"]


async def test_a_spent_daily_budget_stops_model_calls_but_keeps_the_message(
    strict_server: ServerProcess,
    fake_llm: FakeOpenAI,
    new_visitor: NewVisitor,
    mongo_client: MongoClient[dict[str, object]],
    strict_db_name: str,
) -> None:
    base = strict_server.base_url
    _owner, _bot, publication = await published_bot(strict_server, dailyTokenBudget=10)
    visitor = new_visitor()
    session = await visitor.connect(base, {"agent": publication["slug"], "host": SHOP})
    fake_llm.script("stream", Reply("One map, coming up.", prompt_tokens=11, completion_tokens=7))
    first = await visitor.emit("visitor:send", say("I want a map"))
    assert first["ok"] is True
    await visitor.wait_for("agent:message", lambda m: m["author"] == "agent")
    calls = len(fake_llm.requests_of("stream"))

    second = await visitor.emit("visitor:send", say("And another one"))
    assert second["ok"] is True  # taken in and kept
    refusal = (await visitor.wait_for("agent:error"))[0]
    assert refusal["code"] == "agent_budget_exhausted"
    assert refusal["messageId"] == second["messageId"]
    assert "kept" in refusal["error"]
    assert len(fake_llm.requests_of("stream")) == calls  # no model call
    stored = mongo_client[strict_db_name]["messages"].find_one(
        {"contact_id": session["conversationId"], "text": "And another one"}
    )
    assert stored is not None and stored["reply_state"] == "failed"
