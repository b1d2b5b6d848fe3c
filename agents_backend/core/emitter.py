"""How services reach a person's sockets; the socket layer implements it."""

from __future__ import annotations

from typing import Any, Protocol

from agents_backend.contract import ServerEvent

Ack = dict[str, Any]


class Emitter(Protocol):
    async def to_user(self, user_id: str, event: ServerEvent, data: dict[str, Any]) -> None: ...
