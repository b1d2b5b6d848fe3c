"""How services reach a person's sockets; the socket layer implements it.

Services emit only the wire contract's models (`agents_backend.contract`): each knows
its event name, so no payload is a dict literal that could drift from the SPA's types.
"""

from __future__ import annotations

from typing import Any, Protocol

from agents_backend.contract import ServerPayload

Ack = dict[str, Any]


class Emitter(Protocol):
    async def to_user(self, user_id: str, payload: ServerPayload) -> None: ...


class ConversationEmitter(Emitter, Protocol):
    """Also reaches a website visitor's own sockets (their conversation's room)."""

    async def to_visitor(self, conversation_id: str, payload: ServerPayload) -> None: ...
