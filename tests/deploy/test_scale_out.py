"""Two backend processes behind the repository's nginx config, sharing rooms via Redis.

Everything is real: redis-server, nginx, two uvicorn processes, mongod, and Socket.IO
clients that only ever talk to nginx.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import aiohttp
import httpx
import pytest
import socketio

from agents_backend.core.embedded_mongo import EmbeddedMongo
from tests.conftest import server_env
from tests.sockets.test_chat_online import reply_to, send
from tests.support.clients import RecordingClient, register
from tests.support.servers import ROOT, ServerProcess, start_server
from tests.support.services import Service, start_nginx, start_redis

SPA_DIST = ROOT / "agents_frontend" / "dist"


@dataclass
class Stack:
    url: str
    backends: list[ServerProcess]
    redis: Service
    nginx: Service


@pytest.fixture(scope="module")
def stack(mongo: EmbeddedMongo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    work = tmp_path_factory.mktemp("stack")
    redis = start_redis(work)
    env = server_env(mongo, f"test_stack_{uuid.uuid4().hex[:8]}") | {
        "SOCKETIO_REDIS_URL": f"redis://127.0.0.1:{redis.port}/0"
    }
    backends = [start_server(env, work / f"backend-{n}.log") for n in range(2)]
    assert (SPA_DIST / "index.html").is_file(), "build the SPA first (make frontend)"
    nginx = start_nginx(
        work / "nginx",
        backends=[b.base_url.removeprefix("http://") for b in backends],
        spa_root=SPA_DIST,
    )
    yield Stack(f"http://127.0.0.1:{nginx.port}", backends, redis, nginx)
    nginx.stop()
    for backend in backends:
        backend.stop()
    redis.stop()


def affinity_per_instance(stack: Stack) -> dict[str, str]:
    """Affinity cookie values that nginx pins to each backend, found through /ready."""
    found: dict[str, str] = {}
    for n in range(64):
        cookie = f"probe-{n}"
        ready = httpx.get(stack.url + "/ready", cookies={"agents_affinity": cookie}, timeout=5)
        assert ready.status_code == 200, ready.text
        found.setdefault(ready.json()["instance"], cookie)
        if len(found) == len(stack.backends):
            return found
    raise AssertionError(f"nginx sent every probe to {list(found)}")


async def test_one_users_tabs_on_two_processes_both_see_each_reply(
    stack: Stack, socket_clients: list[RecordingClient]
) -> None:
    cookies = list(affinity_per_instance(stack).values())
    account = await register(stack.url)
    tabs = [RecordingClient() for _ in cookies]
    socket_clients.extend(tabs)
    for tab, cookie in zip(tabs, cookies, strict=True):
        await tab.connect(
            stack.url, account.access_token, headers={"Cookie": f"agents_affinity={cookie}"}
        )

    for sender, receiver in ((tabs[0], tabs[1]), (tabs[1], tabs[0])):
        ack = await sender.emit("agent:send", send("support", f"hello from {id(sender)}"))
        assert ack["ok"] is True
        reply = (await receiver.wait_for("agent:message", reply_to(ack["messageId"])))[0]
        assert reply["text"].startswith("[Offline mode]") or reply["text"].startswith("[Modo")
        assert receiver.of("agent:message", lambda d, i=ack["messageId"]: d["id"] == i)


async def test_long_polling_stays_on_one_backend_through_the_affinity_cookie(
    stack: Stack,
) -> None:
    account = await register(stack.url)
    # aiohttp ignores cookies from IP-address hosts unless told otherwise.
    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    client = RecordingClient(sio=socketio.AsyncClient(reconnection=False, http_session=session))
    try:
        await client.connect(stack.url, account.access_token, transports=["polling"])
        for n in range(3):
            ack = await client.emit("agent:send", send("support", f"polling {n}"))
            await client.wait_for("agent:message", reply_to(ack["messageId"]))
    finally:
        await client.close()
        await session.close()


def test_nginx_serves_the_built_spa_with_caching_gzip_and_security_headers(
    stack: Stack,
) -> None:
    deep_link = httpx.get(stack.url + "/chat/sdr/lead-42")  # a client-side route
    assert deep_link.status_code == 200
    assert deep_link.text == (SPA_DIST / "index.html").read_text()
    assert deep_link.headers["cache-control"] == "no-cache"
    for header in ("x-content-type-options", "x-frame-options", "content-security-policy"):
        assert header in deep_link.headers

    scripts = re.findall(r'src="(/assets/[^"]+\.js)"', deep_link.text)
    assert scripts, "index.html names no hashed script"
    asset = httpx.get(stack.url + scripts[0], headers={"Accept-Encoding": "gzip"})
    assert asset.status_code == 200
    assert "immutable" in asset.headers["cache-control"]
    assert asset.headers.get("content-encoding") == "gzip"
    assert asset.text == (SPA_DIST / scripts[0].lstrip("/")).read_text()  # httpx un-gzips
    assert "x-frame-options" in asset.headers

    api = httpx.get(stack.url + "/health")
    assert api.json()["database"] == "reachable"
    assert api.headers["x-request-id"]  # nginx's id reached the backend and came back


def test_nginx_refuses_oversized_bodies_and_hides_metrics(stack: Stack) -> None:
    huge = httpx.post(stack.url + "/auth/login", content=b"x" * (2 * 1024 * 1024))
    assert huge.status_code == 413
    # Loopback is the "monitoring network" here, so metrics pass; the rule exists.
    assert httpx.get(stack.url + "/metrics").status_code == 200


async def test_metrics_count_sockets_and_messages(stack: Stack) -> None:
    backend = stack.backends[0]
    account = await register(backend.base_url)
    client = RecordingClient()
    try:
        await client.connect(backend.base_url, account.access_token)
        ack = await client.emit("agent:send", send("support", "count me"))
        await client.wait_for("agent:message", reply_to(ack["messageId"]))
        async with httpx.AsyncClient() as http:
            metrics = (await http.get(backend.base_url + "/metrics")).text
    finally:
        await client.close()
    samples = dict(
        line.rsplit(" ", 1) for line in metrics.splitlines() if line and not line.startswith("#")
    )
    assert float(samples["agents_connected_sockets"]) >= 1
    assert float(samples['agents_messages_total{author="user"}']) >= 1
    assert float(samples['agents_messages_total{author="agent"}']) >= 1
    # This stack is offline: the model families are declared, with no samples yet.
    assert "# TYPE agents_llm_request_seconds histogram" in metrics


def test_readiness_follows_redis(stack: Stack) -> None:
    backend = stack.backends[1]
    assert httpx.get(backend.base_url + "/ready").json()["checks"] == {
        "database": True,
        "redis": True,
    }
    stack.redis.stop()
    down = httpx.get(backend.base_url + "/ready", timeout=10)
    assert down.status_code == 503
    assert down.json()["checks"]["redis"] is False
    assert httpx.get(backend.base_url + "/health").status_code == 200  # alive, just not ready
