"""mongod dies mid-conversation and comes back: clear errors meanwhile, nothing acked lost."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import httpx
from pymongo import MongoClient

from agents_backend.core.embedded_mongo import EmbeddedMongo
from tests.conftest import server_env
from tests.sockets.test_chat_online import reply_to, send
from tests.support.clients import RecordingClient, register
from tests.support.servers import start_server


async def test_mongod_outage_gives_unavailable_and_service_resumes(tmp_path: Path) -> None:
    mongo = EmbeddedMongo(db_path=tmp_path / "db")
    mongo.start()
    database = f"outage_{uuid.uuid4().hex[:6]}"
    server = start_server(server_env(mongo, database), tmp_path / "server.log")
    client = RecordingClient()
    try:
        account = await register(server.base_url)
        await client.connect(server.base_url, account.access_token)
        before = await client.emit("agent:send", send("support", "before the outage"))
        await client.wait_for("agent:message", reply_to(before["messageId"]))
        # The reply task is over (tasks, usage) only once typing stops.
        await client.wait_for("agent:typing", lambda d: d["typing"] is False)

        await asyncio.to_thread(mongo.stop)
        during = await client.emit("agent:send", send("support", "during"), timeout=30)
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
            ready = await http.get("/ready")

        assert during["ok"] is False
        assert during["error"]["code"] == "unavailable"
        error = (await client.wait_for("agent:error", lambda d: d["code"] == "unavailable"))[0]
        assert error["agentKey"] == "support"
        assert ready.status_code == 503 and ready.json()["checks"]["database"] is False
        assert server.process.poll() is None

        await asyncio.to_thread(mongo.start)
        deadline = time.monotonic() + 30
        after: dict[str, object] = {"ok": False}
        while after.get("ok") is not True:
            assert time.monotonic() < deadline, "service did not resume"
            after = await client.emit("agent:send", send("support", "after"), timeout=30)
        await client.wait_for("agent:message", reply_to(str(after["messageId"])))
    finally:
        await client.close()
        server.stop()
        if mongo.process is None or mongo.process.poll() is not None:
            mongo.start()  # a failed assertion above may have left it stopped
        with MongoClient(mongo.uri) as direct:
            texts = [
                m["text"]
                for m in direct[database]["messages"].find({"author": "user"}).sort("ts", 1)
            ]
        mongo.stop()

    assert texts[0] == "before the outage"
    assert texts[-1] == "after"
    assert "during" not in texts  # refused, not half-stored
