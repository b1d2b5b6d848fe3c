"""Test-side clients: a REST account helper and a Socket.IO client that records events."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import socketio

Event = tuple[str, Any]
Predicate = Callable[[Any], bool]


@dataclass
class Account:
    base_url: str
    email: str
    password: str
    access_token: str
    refresh_token: str
    user_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


async def register(base_url: str, name: str = "Test User", email: str | None = None) -> Account:
    email = email or f"user-{uuid.uuid4().hex[:10]}@example.com"
    password = "correct horse battery staple"
    async with httpx.AsyncClient(base_url=base_url) as http:
        response = await http.post(
            "/auth/register", json={"email": email, "password": password, "name": name}
        )
    assert response.status_code == 201, response.text
    body = response.json()
    return Account(
        base_url, email, password, body["access_token"], body["refresh_token"], body["user"]["id"]
    )


async def history_page(
    account: Account, agent: str, contact: str, *, base_url: str | None = None, **params: str
) -> dict[str, Any]:
    """One page of a conversation's history (from `base_url`, else the account's server)."""
    async with httpx.AsyncClient(
        base_url=base_url or account.base_url, headers=account.headers, timeout=10
    ) as http:
        response = await http.get(
            f"/agents/{agent}/conversations/{contact}/messages", params=params
        )
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


@dataclass
class EventLog:
    """Events a socket received, in order, and a way to await the ones a test expects."""

    events: list[Event] = field(default_factory=list)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def record(self, event: str, *args: Any) -> None:
        self.events.append((event, args[0] if len(args) == 1 else list(args)))
        self._changed.set()

    def of(self, name: str, predicate: Predicate | None = None) -> list[Any]:
        return [d for e, d in self.events if e == name and (predicate is None or predicate(d))]

    async def wait_for(
        self, name: str, predicate: Predicate | None = None, timeout: float = 10.0, count: int = 1
    ) -> list[Any]:
        async def until() -> list[Any]:
            while len(found := self.of(name, predicate)) < count:
                self._changed.clear()
                await self._changed.wait()
            return found

        try:
            return await asyncio.wait_for(until(), timeout)
        except TimeoutError:
            raise AssertionError(
                f"no {count}x {name} within {timeout}s; got {[e for e, _ in self.events]}"
            ) from None


@dataclass
class RecordingClient(EventLog):
    """A real python-socketio client whose received events can be awaited in order."""

    sio: socketio.AsyncClient = field(
        default_factory=lambda: socketio.AsyncClient(reconnection=False)
    )

    def __post_init__(self) -> None:
        self.sio.on("*", self.record)

    async def connect(
        self,
        base_url: str,
        token: str | None,
        *,
        headers: dict[str, str] | None = None,
        transports: list[str] | None = None,
    ) -> None:
        auth = {"token": token} if token is not None else None
        await self.sio.connect(
            base_url,
            auth=auth,
            headers=headers or {},
            transports=transports or ["websocket"],
            wait_timeout=5,
        )

    async def emit(self, event: str, data: Any, timeout: float = 10.0) -> Any:
        return await self.sio.call(event, data, timeout=timeout)

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()
