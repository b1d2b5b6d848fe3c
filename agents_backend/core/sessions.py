"""Ending live sockets from a REST route (logout, password change, account removal, a bot
taken offline).

Each socket namespace registers how to end the sockets in a room; routes call `end`
without importing the socket layer (it sits above them).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

SessionEnder = Callable[[str, str], Awaitable[None]]


class LiveSessions:
    def __init__(self) -> None:
        self._enders: list[SessionEnder] = []

    def register(self, ender: SessionEnder) -> None:
        self._enders.append(ender)

    async def end(self, room: str, reason: str) -> None:
        """Tells every socket in `room` (on every process) why, and closes it."""
        for ender in self._enders:
            await ender(room, reason)
