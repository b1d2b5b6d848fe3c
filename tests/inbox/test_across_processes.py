"""The inbox across server processes (Redis): the owner, on one process, watches a
visitor whose reply streams from another, and a takeover there stops it at once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from pymongo import AsyncMongoClient

from agents_backend.core.embedded_mongo import EmbeddedMongo
from tests.bots.helpers import call
from tests.conftest import model_env, server_env
from tests.support.clients import RecordingClient
from tests.support.fake_openai import FakeOpenAI, Reply
from tests.support.servers import ServerProcess
from tests.support.services import processes_sharing_redis
from tests.visitors.conftest import SHOP, NewVisitor, published_bot

LONG = " ".join(f"token{i}" for i in range(200))


DATABASE = f"test_pair_{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def pair(
    mongo: EmbeddedMongo, fake_llm_server: FakeOpenAI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[ServerProcess]]:
    env = server_env(mongo, DATABASE) | model_env(fake_llm_server) | {"OPENAI_MODEL": "gpt-test"}
    with processes_sharing_redis(env, tmp_path_factory.mktemp("pair")) as servers:
        yield servers


async def test_a_take_on_one_process_stops_the_reply_streaming_on_another(
    pair: list[ServerProcess], fake_llm: FakeOpenAI, new_visitor: NewVisitor
) -> None:
    near, far = pair
    owner, _bot, publication = await published_bot(far)
    inbox = RecordingClient()
    await inbox.connect(far.base_url, owner.access_token)  # the owner is on `far`
    visitor = new_visitor()  # the visitor, and so its reply, on `near`
    session = await visitor.connect(near.base_url, {"agent": publication["slug"], "host": SHOP})
    conversation = session["conversationId"]

    fake_llm.script("stream", Reply(LONG, chunk_delay=0.05, chunk_size=2))
    await visitor.emit("visitor:send", {"message": "conta uma história longa"})
    await inbox.wait_for("inbox:conversation")
    await inbox.wait_for("inbox:stream", count=5)  # streamed on `near`, seen on `far`

    taken = await call(owner, "POST", f"/inbox/conversations/{conversation}/take")
    assert taken.status_code == 200, taken.text
    cut = await visitor.wait_for("agent:message", lambda m: m["author"] == "agent")
    assert cut[0]["incomplete"] is True and LONG.startswith(cut[0]["text"])
    assert len(cut[0]["text"]) < len(LONG)
    watched = await inbox.wait_for("inbox:message", lambda m: m["author"] == "agent")
    assert watched[0]["text"] == cut[0]["text"]
    await inbox.close()


async def test_a_take_whose_redis_message_was_missed_still_stops_the_reply(
    pair: list[ServerProcess], mongo: EmbeddedMongo, fake_llm: FakeOpenAI, new_visitor: NewVisitor
) -> None:
    """The stop travels as a Redis message, which a subscription that is reconnecting
    misses; the conversation's stored status is the backstop the run reads again."""
    near, _far = pair
    _owner, _bot, publication = await published_bot(near)
    visitor = new_visitor()
    session = await visitor.connect(near.base_url, {"agent": publication["slug"], "host": SHOP})
    conversation = session["conversationId"]

    fake_llm.script("stream", Reply(LONG, chunk_delay=0.05, chunk_size=2))
    await visitor.emit("visitor:send", {"message": "conta uma história longa"})
    await visitor.wait_for("agent:stream", count=5)
    # A take whose stop message never arrived: only the stored status says it.
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(mongo.uri)
    try:
        taken = await client[DATABASE].visitor_conversations.update_one(
            {"_id": conversation}, {"$set": {"status": "human"}}
        )
    finally:
        await client.close()
    assert taken.modified_count == 1

    cut = await visitor.wait_for("agent:message", lambda m: m["author"] == "agent", timeout=5)
    assert cut[0]["incomplete"] is True and LONG.startswith(cut[0]["text"])
    assert len(cut[0]["text"]) < len(LONG)
