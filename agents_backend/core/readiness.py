"""What `/ready` asks: each dependency registers a check that answers True or False."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

Check = Callable[[], Awaitable[bool]]


class ReadinessChecks:
    def __init__(self) -> None:
        self._checks: dict[str, Check] = {}

    def add(self, name: str, check: Check) -> None:
        self._checks[name] = check

    async def run(self) -> dict[str, bool]:
        names = list(self._checks)
        results = await asyncio.gather(*(self._checks[n]() for n in names))
        return dict(zip(names, results, strict=True))
