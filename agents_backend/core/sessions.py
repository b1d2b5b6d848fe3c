"""Ending live sockets from a REST route (logout, password change, account removal).

The socket layer registers how to end the sockets in a room; auth routes call `end`
without importing the socket layer (it sits above them).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

SessionEnder = Callable[[str, str], Awaitable[None]]


class LiveSessions:
    def __init__(self) -> None:
        self._ender: SessionEnder | None = None

    def register(self, ender: SessionEnder) -> None:
        self._ender = ender

    async def end(self, room: str, reason: str) -> None:
        """Tells every socket in `room` (on every process) why, and closes it."""
        if self._ender is not None:
            await self._ender(room, reason)
