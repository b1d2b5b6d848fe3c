"""Oversized input: a huge REST body is a 413, a huge Socket.IO frame closes only its socket."""

from __future__ import annotations

import asyncio

import httpx
from pymongo import MongoClient

from tests.conftest import Connect
from tests.sockets.test_chat_online import reply_to, send
from tests.support.servers import ServerProcess


async def test_a_body_over_the_limit_is_413_declared_or_streamed(
    online_server: ServerProcess,
) -> None:
    huge = b'{"email": "a@b.co", "password": "' + b"x" * (2 * 1024 * 1024) + b'"}'

    async def chunks() -> object:
        for start in range(0, len(huge), 64 * 1024):
            yield huge[start : start + 64 * 1024]

    async with httpx.AsyncClient(base_url=online_server.base_url) as http:
        declared = await http.post(
            "/auth/login", content=huge, headers={"content-type": "application/json"}
        )
        streamed = await http.post(
            "/auth/login", content=chunks(), headers={"content-type": "application/json"}
        )
        still_fine = await http.get("/health")
    assert declared.status_code == streamed.status_code == 413
    assert "larger than" in declared.json()["detail"]
    assert still_fine.status_code == 200


async def test_an_oversized_frame_closes_only_that_socket(
    online_server: ServerProcess,
    connect_user: Connect,
    mongo_client: MongoClient[dict[str, object]],
    online_db_name: str,
) -> None:
    flooder_account, flooder = await connect_user(online_server)
    _calm_account, calm = await connect_user(online_server)

    # 200 KB against the server's 64 KiB frame limit.
    await flooder.sio.emit("agent:send", send("support", "y" * 200_000))
    for _ in range(50):
        if not flooder.sio.connected:
            break
        await asyncio.sleep(0.1)

    assert not flooder.sio.connected
    ack = await calm.emit("agent:send", send("support", "unaffected"))
    assert (await calm.wait_for("agent:message", reply_to(ack["messageId"])))[0]["text"]
    stored = mongo_client[online_db_name]["messages"].count_documents(
        {"user_id": flooder_account.user_id}
    )
    assert stored == 0
