"""Waiting for what the server writes a moment after it answers (usage counters)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(read: Callable[[], T | None], timeout: float = 5.0) -> T | None:
    """`read()` once it returns something, or its last answer after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while (found := read()) is None and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)  # another process writes it: there is no event to await
    return found
