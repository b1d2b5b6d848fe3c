"""Failover behind nginx: when the backend holding a client's socket dies mid-reply, the
client reconnects through nginx to the other backend and the survivor finishes the reply.

Everything is real: redis-server, nginx with the repository's config, two uvicorn
processes, mongod and the local OpenAI-compatible server. The backend is killed with
SIGKILL, so nothing of its own hands the reply over: the survivor's sweeper takes it
once its lease expires, and its events reach the socket through the Redis manager.
"""

from __future__ import annotations

import asyncio
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
import socketio
from bson import ObjectId
from pymongo import MongoClient
from yarl import URL

from agents_backend.core.embedded_mongo import EmbeddedMongo
from tests.conftest import model_env, server_env
from tests.deploy.test_scale_out import (
    AFFINITY,
    SPA_DIST,
    Stack,
    affinity_per_instance,
    metric_settles,
)
from tests.reliability.test_reply_leases import (
    LONG_REPLY,
    QUESTION,
    leases,
    model_calls_for,
    send,
    wait_until,
)
from tests.support.clients import RecordingClient, register
from tests.support.fake_openai import FakeOpenAI, Reply
from tests.support.servers import ServerProcess, start_server
from tests.support.services import Service, start_nginx, start_redis


@pytest.fixture
def failover_stack(
    mongo: EmbeddedMongo, fake_llm: FakeOpenAI, tmp_path: Path
) -> Iterator[tuple[Stack, str]]:
    """Two backends behind nginx on Redis, for one test (it kills one); and the db name."""
    assert (SPA_DIST / "index.html").is_file(), "build the SPA first (make frontend)"
    database = f"test_failover_{uuid.uuid4().hex[:8]}"
    redis = start_redis(tmp_path)
    env = (
        server_env(mongo, database)
        | model_env(fake_llm)
        | leases(lease=1.0, sweep=0.25)
        | {"SOCKETIO_REDIS_URL": f"redis://127.0.0.1:{redis.port}/0"}
    )
    backends: list[ServerProcess] = []
    nginx: Service | None = None
    try:
        for n in range(2):  # one at a time, so a failed start still stops the first
            backends.append(start_server(env, tmp_path / f"backend-{n}.log"))
        nginx = start_nginx(
            tmp_path / "nginx",
            backends=[b.base_url.removeprefix("http://") for b in backends],
            spa_root=SPA_DIST,
        )
        url = f"http://127.0.0.1:{nginx.port}"
        yield Stack(url, backends, redis, nginx, tmp_path / "nginx" / "nginx.log"), database
    finally:
        if nginx is not None:
            nginx.stop()
        for backend in backends:
            backend.stop()
        redis.stop()


def reconnecting_client(url: str, cookie: str) -> tuple[RecordingClient, aiohttp.ClientSession]:
    """A client that reconnects by itself, re-sending its auth, and records each connect
    as a `connect` event with the new socket id. Its affinity cookie lives in a cookie jar
    that outlives the connection, as in a browser (engine.io moves a `Cookie` header into
    the session it closes on disconnect, so a header would be lost on reconnect)."""
    jar = aiohttp.CookieJar(unsafe=True)  # unsafe: keep cookies for an IP-address host
    jar.update_cookies({AFFINITY: cookie}, URL(url))
    session = aiohttp.ClientSession(cookie_jar=jar)
    sio = socketio.AsyncClient(
        reconnection=True, reconnection_delay=0.2, randomization_factor=0, http_session=session
    )
    client = RecordingClient(sio=sio)

    async def on_connect() -> None:
        client.events.append(("connect", sio.get_sid()))
        client._changed.set()

    sio.on("connect", on_connect)
    return client, session


async def websocket_upstreams(stack: Stack, count: int) -> list[str]:
    """nginx's upstream for each Socket.IO websocket, logged once the tunnel closed."""
    deadline = asyncio.get_running_loop().time() + 10
    while True:
        found = [e["upstream"] for e in stack.access_log() if e["uri"].startswith("/socket.io/")]
        if len(found) >= count or asyncio.get_running_loop().time() > deadline:
            return found
        await asyncio.sleep(0.05)


async def test_killing_the_backend_holding_the_socket_mid_reply_moves_the_client_and_finishes_it(
    failover_stack: tuple[Stack, str], fake_llm: FakeOpenAI, mongo: EmbeddedMongo
) -> None:
    stack, database = failover_stack
    pins = affinity_per_instance(stack)
    victim_instance, cookie = next(iter(pins.items()))
    [victim] = [b for b in stack.backends if victim_instance.endswith(f":{b.process.pid}")]
    [survivor] = [b for b in stack.backends if b is not victim]
    account = await register(stack.url)
    client, session = reconnecting_client(stack.url, cookie)
    # The first attempt streams on the victim; the survivor's takeover plays the second.
    slow = Reply(LONG_REPLY, chunk_delay=0.25, chunk_size=3)
    fake_llm.script("stream", slow, Reply(LONG_REPLY, chunk_delay=0.1, chunk_size=3))
    try:
        await client.connect(stack.url, account.access_token)
        await metric_settles(victim.base_url, "agents_connected_sockets", 1)
        [first_sid] = client.of("connect")
        ack = await client.emit("agent:send", send(QUESTION, "failover-1"))
        assert ack["ok"] is True
        message_id = ack["messageId"]
        await client.wait_for("agent:stream", count=4)
        victim.process.send_signal(signal.SIGKILL)
        await asyncio.to_thread(victim.process.wait, 10)

        connects = await client.wait_for("connect", count=2, timeout=20)
        final = await client.wait_for(
            "agent:message",
            lambda m: m.get("replyTo") == message_id and not m.get("incomplete"),
            timeout=30,
        )
        await metric_settles(survivor.base_url, "agents_connected_sockets", 1)
    finally:
        await client.close()
        await session.close()

    # nginx hashed the same pin to the dead backend, was refused, and went on to the other.
    victim_at, survivor_at = (b.base_url.removeprefix("http://") for b in (victim, survivor))
    assert await websocket_upstreams(stack, 2) == [victim_at, f"{victim_at}, {survivor_at}"]

    assert connects[1] != first_sid and client.sio.connection_url == stack.url
    streams = client.of("agent:stream")
    assert {s["attempt"] for s in streams[:4]} == {1}
    second = [s for s in streams if s["attempt"] == 2]
    assert second, f"no delta of the survivor's attempt reached the client: {streams}"
    assert {s["id"] for s in second} == {final[0]["id"]}
    assert final[0]["text"] == LONG_REPLY

    with MongoClient(mongo.uri) as db_client:
        db = db_client[database]
        assert db.messages.count_documents({"author": "user"}) == 1
        replies = list(db.messages.find({"author": "agent"}))
        # With the NLU refinement under way, the state lands a moment after the reply.
        await wait_until(
            lambda: db.messages.find_one({"_id": ObjectId(message_id)})["reply_state"] == "done"
        )
        asked = db.messages.find_one({"_id": ObjectId(message_id)})
    assert [(r["reply_to"], r["text"], r["incomplete"]) for r in replies] == [
        (message_id, LONG_REPLY, False)
    ]
    assert asked is not None and asked["attempts"] == 2
    assert model_calls_for(fake_llm, QUESTION) == 2
