"""A website visitor's socket (namespace `/public`), as the widget's iframe opens it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import socketio

from tests.support.clients import EventLog

NAMESPACE = "/public"


class Refused(Exception):
    """The server refused the connection: `code` and `retry_after` from its data."""

    def __init__(self, message: str, data: dict[str, Any]) -> None:
        super().__init__(message)
        self.message = message
        self.code = data.get("code")
        self.retry_after = data.get("retryAfter")


@dataclass
class VisitorClient(EventLog):
    """Records every event of `/public` in order; `refusal` holds a connect_error."""

    sio: socketio.AsyncClient = field(
        default_factory=lambda: socketio.AsyncClient(reconnection=False)
    )
    refusal: Refused | None = None
    _closed: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        async def refused(data: Any) -> None:
            data = data if isinstance(data, dict) else {"message": str(data)}
            self.refusal = Refused(str(data.get("message")), data.get("data") or data)

        self.sio.on("*", self.record, namespace=NAMESPACE)

        async def closed(*_args: Any) -> None:
            self._closed.set()

        self.sio.on("connect_error", refused, namespace=NAMESPACE)
        self.sio.on("disconnect", closed, namespace=NAMESPACE)

    async def connect(
        self,
        base_url: str,
        auth: dict[str, Any],
        *,
        origin: str | None = "own",
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Connects and returns `visitor:session`; raises `Refused` when refused.
        `origin="own"` sends the server's own origin, as the widget's iframe does."""
        sent = dict(headers or {})
        if origin == "own":
            sent["Origin"] = base_url
        elif origin is not None:
            sent["Origin"] = origin
        try:
            await self.sio.connect(
                base_url,
                auth=auth,
                headers=sent,
                namespaces=[NAMESPACE],
                transports=["websocket"],
                wait_timeout=5,
            )
        except socketio.exceptions.ConnectionError as exc:
            if self.refusal is not None:
                raise self.refusal from exc
            raise Refused(str(exc), {}) from exc
        sessions = await self.wait_for("visitor:session")
        session: dict[str, Any] = sessions[-1]
        return session

    async def emit(self, event: str, data: Any, timeout: float = 10.0) -> Any:
        return await self.sio.call(event, data, namespace=NAMESPACE, timeout=timeout)

    async def wait_closed(self, timeout: float = 5.0) -> None:
        """Until the server closed this visitor's socket."""
        await asyncio.wait_for(self._closed.wait(), timeout)

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()
