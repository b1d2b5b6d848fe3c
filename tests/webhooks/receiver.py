"""A local webhook receiver: a real HTTP server on loopback that records every request.

It answers 204, or 500 for the next `fail_next` requests, and can be told to hold
requests open (`hold()`), as a stuck CRM would, until `release()`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    answered: int | None = None  # the status the receiver gave; None while held open

    @property
    def event(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed

    @property
    def event_id(self) -> str:
        return self.headers["Agents-Webhook-Id"]


@dataclass
class Receiver:
    path: str = "/hooks/crm"
    fail_next: int = 0
    requests: list[Received] = field(default_factory=list)
    _held: asyncio.Event | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _runner: web.AppRunner | None = None
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post(self.path, self._handle)
        self._runner = web.AppRunner(app, handler_cancellation=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        self.release()
        if self._runner is not None:
            await self._runner.cleanup()

    def hold(self) -> None:
        self._held = asyncio.Event()

    def release(self) -> None:
        if self._held is not None:
            self._held.set()
            self._held = None

    async def _handle(self, request: web.Request) -> web.Response:
        received = Received(dict(request.headers), await request.read())
        self.requests.append(received)
        self._changed.set()
        if self._held is not None:
            await self._held.wait()
        status = 204
        if self.fail_next > 0:
            self.fail_next -= 1
            status = 500
        received.answered = status
        self._changed.set()
        return web.Response(status=status, text="" if status == 204 else "CRM is down")

    def delivered(self) -> list[Received]:
        return [r for r in self.requests if r.answered == 204]

    async def wait_until(
        self, condition: Callable[[Receiver], bool], what: str, timeout: float = 20.0
    ) -> None:
        async def until() -> None:
            while not condition(self):
                self._changed.clear()
                await self._changed.wait()

        try:
            await asyncio.wait_for(until(), timeout)
        except TimeoutError:
            seen = [(r.headers.get("Agents-Webhook-Event"), r.answered) for r in self.requests]
            raise AssertionError(f"receiver: no {what} within {timeout}s; got {seen}") from None

    async def wait_delivered(self, count: int, timeout: float = 20.0) -> list[Received]:
        await self.wait_until(lambda r: len(r.delivered()) >= count, f"{count} deliveries", timeout)
        return self.delivered()
