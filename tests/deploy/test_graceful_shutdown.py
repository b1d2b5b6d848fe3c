"""SIGTERM while a reply is streaming: the process finishes and stores it, then exits."""

from __future__ import annotations

import asyncio
import signal
import uuid
from pathlib import Path

from bson import ObjectId
from pymongo import MongoClient

from agents_backend.core.embedded_mongo import EmbeddedMongo
from tests.conftest import model_env, server_env
from tests.sockets.test_chat_online import send
from tests.support.clients import RecordingClient, register
from tests.support.fake_openai import FakeOpenAI, Reply
from tests.support.servers import start_server

SLOW_REPLY = "This answer streams slowly, one small piece at a time, until it is whole."


async def test_sigterm_lets_the_streaming_reply_finish(
    mongo: EmbeddedMongo, fake_llm: FakeOpenAI, tmp_path: Path
) -> None:
    database = f"test_shutdown_{uuid.uuid4().hex[:8]}"
    env = server_env(mongo, database) | model_env(fake_llm) | {"OPENAI_MAX_RETRIES": "0"}
    server = start_server(env, tmp_path / "server.log")
    client = RecordingClient()
    try:
        account = await register(server.base_url)
        await client.connect(server.base_url, account.access_token)
        fake_llm.script("stream", Reply(SLOW_REPLY, chunk_delay=0.15, chunk_size=4))
        ack = await client.emit("agent:send", send("support", "Tell me everything"))
        await client.wait_for("agent:stream")

        server.process.terminate()
        exit_code = await asyncio.to_thread(server.process.wait, 30)
    finally:
        await client.close()
        server.stop()

    # uvicorn re-raises SIGTERM once its shutdown is complete, so "killed by SIGTERM"
    # after a complete application shutdown is the clean outcome.
    assert exit_code in (0, -signal.SIGTERM), server.log()
    assert "Application shutdown complete" in server.log()
    with MongoClient(mongo.uri) as direct:
        reply = direct[database]["messages"].find_one(
            {"reply_to": ack["messageId"], "author": "agent"}
        )
        user_message = direct[database]["messages"].find_one({"_id": ObjectId(ack["messageId"])})
    assert reply is not None, server.log()
    assert reply["text"] == SLOW_REPLY
    assert reply["incomplete"] is False
    assert user_message is not None and user_message["reply_state"] == "done"
