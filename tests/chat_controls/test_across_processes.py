"""Stop across server processes (Redis): a person's two tabs on two processes; the one
that did not start the reply stops it, and the process streaming it cuts it at once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from agents_backend.core.embedded_mongo import EmbeddedMongo
from tests.chat_controls.helpers import LONG, reply_of, send
from tests.conftest import model_env, server_env
from tests.support.clients import RecordingClient, register
from tests.support.fake_openai import FakeOpenAI, Reply
from tests.support.servers import ServerProcess
from tests.support.services import processes_sharing_redis


@pytest.fixture(scope="module")
def pair(
    mongo: EmbeddedMongo, fake_llm_server: FakeOpenAI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[ServerProcess]]:
    env = (
        server_env(mongo, f"test_controls_pair_{uuid.uuid4().hex[:8]}")
        | model_env(fake_llm_server)
        | {"OPENAI_MODEL": "gpt-test"}
    )
    with processes_sharing_redis(env, tmp_path_factory.mktemp("controls-pair")) as servers:
        yield servers


async def test_a_stop_from_another_process_cuts_the_reply_where_it_streams(
    pair: list[ServerProcess],
    fake_llm: FakeOpenAI,
    socket_clients: list[RecordingClient],
) -> None:
    near, far = pair
    account = await register(near.base_url)
    streaming_tab, other_tab = RecordingClient(), RecordingClient()
    socket_clients.extend([streaming_tab, other_tab])
    await streaming_tab.connect(near.base_url, account.access_token)
    await other_tab.connect(far.base_url, account.access_token)
    fake_llm.script("stream", Reply(LONG, chunk_delay=0.05, chunk_size=2))
    question = "Tell the longest story you know"
    ack = await streaming_tab.emit("agent:send", send(question))
    reply_id = (await other_tab.wait_for("agent:stream", count=3))[0]["id"]

    stop = await other_tab.emit(
        "agent:stop", {"agentKey": "support", "contactId": "c-1", "replyId": reply_id}
    )

    assert stop == {"ok": True, "stopped": True}
    kept = (await other_tab.wait_for("agent:message", reply_of(other_tab, ack["messageId"])))[0]
    assert kept["stopped"] is True and LONG.startswith(kept["text"]) and kept["text"] != LONG
    await fake_llm.wait_closed_early(question)
