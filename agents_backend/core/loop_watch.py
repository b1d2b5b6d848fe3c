"""Whether this process's event loop keeps up, for `/ready` and `/metrics`.

A loop blocked by a CPU-bound call (or a stalled process) answers nothing while it is
blocked: every socket and request of the process waits. A probe cannot ask such a loop
anything until it is free again, so the watcher remembers: a ticker wakes every
`interval` and records how late it woke. `/ready` reports the process not ready while the
worst lateness in the last `window` seconds is over `max_lag` (the load balancer stops
sending it new work for a while), and also when the ticker itself is overdue right now.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque

from agents_backend.core.metrics import EVENT_LOOP_LAG


class LoopWatch:
    def __init__(self, *, max_lag: float, interval: float = 0.25, window: float = 10.0) -> None:
        self._max_lag = max_lag
        self._interval = interval
        self._window = window
        self._lags: deque[tuple[float, float]] = deque()  # (when, how late), oldest first
        self._last_tick = time.monotonic()

    async def run_forever(self) -> None:
        while True:
            expected = time.monotonic() + self._interval
            await asyncio.sleep(self._interval)
            now = time.monotonic()
            self._record(now, max(0.0, now - expected))

    def _record(self, now: float, lag: float) -> None:
        self._last_tick = now
        EVENT_LOOP_LAG.observe(lag)
        self._lags.append((now, lag))
        while self._lags and self._lags[0][0] < now - self._window:
            self._lags.popleft()

    def worst_recent_lag(self) -> float:
        now = time.monotonic()
        overdue = max(0.0, now - self._last_tick - self._interval)
        recent = (lag for when, lag in self._lags if when >= now - self._window)
        return max(overdue, max(recent, default=0.0))

    async def keeps_up(self) -> bool:
        """The readiness check: False for `window` seconds after a stall over `max_lag`."""
        return self.worst_recent_lag() <= self._max_lag
