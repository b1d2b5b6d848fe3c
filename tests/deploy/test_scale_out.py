"""Two backend processes behind the repository's nginx config, sharing rooms via Redis.

Everything is real: redis-server, nginx, two uvicorn processes, mongod, and Socket.IO
clients that only ever talk to nginx.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import pytest
import socketio

from agents_backend.core.embedded_mongo import EmbeddedMongo
from tests.bots.helpers import bot_body
from tests.conftest import server_env
from tests.sockets.test_chat_online import reply_to, send
from tests.support.clients import RecordingClient, register
from tests.support.servers import ROOT, ServerProcess, start_server
from tests.support.services import Service, start_nginx, start_redis

SPA_DIST = ROOT / "agents_frontend" / "dist"
AFFINITY = "agents_affinity"


@dataclass
class Stack:
    url: str
    backends: list[ServerProcess]
    redis: Service
    nginx: Service
    nginx_log: Path

    @property
    def port(self) -> int:
        return self.nginx.port

    def access_log(self) -> list[dict[str, Any]]:
        """nginx's JSON access log (nginx/nginx.conf `log_format json`), oldest first:
        whole lines only, as nginx may be writing the next one while this reads."""
        text = self.nginx_log.read_text(errors="replace")
        lines = text[: text.rfind("\n") + 1].splitlines()
        return [json.loads(line) for line in lines if line.startswith('{"time"')]

    def backend_at(self, address: str) -> ServerProcess:
        """The backend nginx named as `$upstream_addr` ("127.0.0.1:port")."""
        found = [b for b in self.backends if b.base_url == f"http://{address}"]
        assert len(found) == 1, f"{address!r} is not one backend of {self.backends}"
        return found[0]


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
    url = f"http://127.0.0.1:{nginx.port}"
    yield Stack(url, backends, redis, nginx, nginx_log=work / "nginx" / "nginx.log")
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
    seen_before = len(stack.access_log())
    # aiohttp ignores cookies from IP-address hosts unless told otherwise.
    jar = aiohttp.CookieJar(unsafe=True)
    session = aiohttp.ClientSession(cookie_jar=jar)
    client = RecordingClient(sio=socketio.AsyncClient(reconnection=False, http_session=session))
    try:
        await client.connect(stack.url, account.access_token, transports=["polling"])
        # The handshake came back with nginx's affinity cookie: a fresh $request_id.
        handed_out = [c.value for c in jar if c.key == AFFINITY]
        assert len(handed_out) == 1 and re.fullmatch(r"[0-9a-f]{32}", handed_out[0]), handed_out
        sid = client.sio.eio.sid
        for n in range(3):
            ack = await client.emit("agent:send", send("support", f"polling {n}"))
            assert ack["ok"] is True
            await client.wait_for("agent:message", reply_to(ack["messageId"]))
        # Every later response handed the same value back; the client never got another.
        assert [c.value for c in jar if c.key == AFFINITY] == handed_out
    finally:
        await client.close()
        await session.close()

    polls = [
        entry
        for entry in stack.access_log()[seen_before:]
        if entry["uri"].startswith("/socket.io/") and "transport=polling" in entry["uri"]
    ]
    handshakes = [e for e in polls if "sid=" not in e["uri"]]
    of_this_socket = [e for e in polls if f"sid={sid}" in e["uri"]]
    seen = [(e["method"], e["uri"], e["status"], e["upstream"]) for e in polls]
    assert len(handshakes) == 1, seen  # nothing else talked to nginx meanwhile
    # Posts: the namespace connect and three sends; polls: the connect's answer and one
    # per reply at least (each send waited for its reply). Every one of them reached the
    # backend that holds the session (another would answer 400).
    assert sum(e["method"] == "POST" for e in of_this_socket) >= 4, seen
    assert sum(e["method"] == "GET" for e in of_this_socket) >= 4, seen
    assert {e["upstream"] for e in handshakes + of_this_socket} == {handshakes[0]["upstream"]}, seen
    # All answered, except perhaps the long poll the client abandons when it closes
    # (nginx logs that one as 499, "client closed request").
    abandoned = [e for e in of_this_socket if e["status"] == 499]
    assert len(abandoned) <= 1 and all(e["method"] == "GET" for e in abandoned), seen
    assert {e["status"] for e in handshakes + of_this_socket if e not in abandoned} == {200}, seen

    # The cookie is the pin: a plain request carrying it reaches that same process.
    instance = stack.backend_at(handshakes[0]["upstream"])
    async with httpx.AsyncClient(cookies={AFFINITY: handed_out[0]}) as http:
        ready = await http.get(stack.url + "/ready", timeout=5)
    assert ready.json()["instance"].endswith(f":{instance.process.pid}")


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


async def test_nginx_serves_the_widget_and_lets_only_a_bots_sites_frame_its_chat(
    stack: Stack,
) -> None:
    owner = await register(stack.url)
    headers = {"Authorization": f"Bearer {owner.access_token}"}
    async with httpx.AsyncClient(base_url=stack.url, headers=headers) as http:
        bot = (await http.post("/custom-bots", json=bot_body())).json()["bot"]
        published = await http.put(
            f"/custom-bots/{bot['key']}/public",
            json={"enabled": True, "allowedOrigins": ["https://shop.example.com"]},
        )
        slug = published.json()["slug"]
        inbox = await http.get("/inbox/conversations")
        page = await http.get(f"/c/{slug}?embed=1")
        unknown = await http.get("/c/not-a-bot")
        script = await http.get("/widget.js")
    assert inbox.status_code == 200 and inbox.json() == {"conversations": []}

    assert page.status_code == 200
    assert page.text == (SPA_DIST / "visitor.html").read_text()
    policy = page.headers["content-security-policy"]
    assert policy.endswith("frame-ancestors 'self' https://shop.example.com")
    assert "x-frame-options" not in page.headers  # it would forbid every site
    assert unknown.status_code == 404
    assert unknown.headers["content-security-policy"].endswith("frame-ancestors 'self'")

    assert script.status_code == 200
    assert script.text == (SPA_DIST / "widget.js").read_text()
    assert "max-age=86400" in script.headers["cache-control"]
    assert script.headers["cross-origin-resource-policy"] == "cross-origin"


def raw_get(port: int, target: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    """One HTTP/1.1 request with `target` sent exactly as written (httpx would normalise
    `..` and percent-escapes away before nginx ever saw them)."""
    lines = [f"GET {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        response = b""
        while chunk := conn.recv(65536):
            response += chunk
    head, _, body = response.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body.decode(errors="replace")


METRICS_PATHS = [
    "/metrics",
    "/metrics?format=prometheus",
    "//metrics",
    "/%6Detrics",
    "/health/../metrics",
    "/health/%2e%2e/metrics",
    "/socket.io/../metrics",
]
# Headers an outside client might try in order to look internal; nginx trusts none.
LOOKS_INTERNAL = {"X-Forwarded-For": "127.0.0.1", "X-Real-IP": "10.0.0.1"}


def test_nginx_refuses_oversized_bodies_and_hides_metrics(stack: Stack) -> None:
    seen_before = len(stack.access_log())
    huge = httpx.post(stack.url + "/auth/login", content=b"x" * (2 * 1024 * 1024))
    assert huge.status_code == 413

    for target in METRICS_PATHS:
        for headers in ({}, LOOKS_INTERNAL):
            status, body = raw_get(stack.port, target, headers)
            assert status == 404, (target, headers, status)
            assert "agents_" not in body and "# TYPE" not in body, (target, body[:200])

    # nginx answered all of that itself: no request reached a backend.
    probes = [e for e in stack.access_log()[seen_before:] if e["uri"] in METRICS_PATHS]
    assert sorted(e["uri"] for e in probes) == sorted(METRICS_PATHS * 2)
    assert {(e["status"], e["upstream"]) for e in probes} == {(404, "")}
    # The 413 is logged once nginx has discarded the rest of the body, which can be later.
    deadline = time.monotonic() + 10
    while not (refused := [e for e in stack.access_log()[seen_before:] if e["status"] == 413]):
        assert time.monotonic() < deadline, "nginx never logged the 413"
        time.sleep(0.05)
    assert [(e["method"], e["uri"], e["upstream"]) for e in refused] == [
        ("POST", "/auth/login", "")
    ]
    # ...and the 404 is nginx hiding the route, not the route missing: on the internal
    # network, where Prometheus scrapes, every replica serves its metrics.
    for backend in stack.backends:
        direct = httpx.get(backend.base_url + "/metrics", timeout=5)
        assert direct.status_code == 200
        assert "# TYPE agents_connected_sockets gauge" in direct.text


async def metrics_text(base_url: str) -> str:
    async with httpx.AsyncClient() as http:
        response = await http.get(base_url + "/metrics", timeout=5)
    assert response.status_code == 200
    return response.text


async def metric_samples(base_url: str) -> dict[str, float]:
    text = await metrics_text(base_url)
    return {
        name: float(value)
        for name, value in (
            line.rsplit(" ", 1) for line in text.splitlines() if line and not line.startswith("#")
        )
    }


async def metric_settles(base_url: str, name: str, value: float, timeout: float = 10.0) -> None:
    """Waits for a gauge that another event updates a moment later (a disconnect)."""
    deadline = time.monotonic() + timeout
    while (found := (await metric_samples(base_url)).get(name)) != value:
        assert time.monotonic() < deadline, f"{name} stayed {found}, expected {value}"
        await asyncio.sleep(0.05)


USER = 'agents_messages_total{author="user"}'
AGENT = 'agents_messages_total{author="agent"}'
SOCKETS = "agents_connected_sockets"


async def test_metrics_count_sockets_and_messages(stack: Stack) -> None:
    backend, other = stack.backends
    # The earlier tests' sockets are closed; their disconnects may still be landing.
    await metric_settles(backend.base_url, SOCKETS, 0)
    before = await metric_samples(backend.base_url)
    other_before = await metric_samples(other.base_url)
    account = await register(backend.base_url)
    client = RecordingClient()
    try:
        await client.connect(backend.base_url, account.access_token)
        assert (await metric_samples(backend.base_url))[SOCKETS] == 1

        ack = await client.emit("agent:send", send("support", "count me"))
        await client.wait_for("agent:message", reply_to(ack["messageId"]))
        during = await metric_samples(backend.base_url)
    finally:
        await client.close()

    assert during.get(USER, 0) - before.get(USER, 0) == 1
    assert during.get(AGENT, 0) - before.get(AGENT, 0) == 1
    await metric_settles(backend.base_url, SOCKETS, 0)
    # Counters are per process: the other replica (which got the events through Redis)
    # stored nothing and counted nothing.
    after_other = await metric_samples(other.base_url)
    for name in (USER, AGENT, SOCKETS):
        assert after_other.get(name, 0) == other_before.get(name, 0), name
    # This stack is offline: the model families are declared, with no samples yet.
    metrics = await metrics_text(backend.base_url)
    assert "# TYPE agents_llm_request_seconds histogram" in metrics
    assert "agents_llm_request_seconds_count" not in metrics


def test_readiness_follows_redis(stack: Stack) -> None:
    backend = stack.backends[1]
    assert httpx.get(backend.base_url + "/ready").json()["checks"] == {
        "database": True,
        "event_loop": True,
        "redis": True,
    }
    stack.redis.stop()
    down = httpx.get(backend.base_url + "/ready", timeout=10)
    assert down.status_code == 503
    assert down.json()["checks"]["redis"] is False
    assert httpx.get(backend.base_url + "/health").status_code == 200  # alive, just not ready
