"""How often a streamed reply reaches the sockets.

Each `agent:stream` is a Socket.IO packet, a websocket frame and a wake-up of the
socket's writer task: a model that sends a token every few milliseconds cost more in
frames than in everything else the reply did. The pacer sends the first delta at once
(what a person perceives as the reply starting) and then joins the deltas that arrive
within `interval` of the last one sent into the next one. It holds text only until the
next delta or the end of the stream, whichever comes first; nothing is dropped.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class StreamPacer:
    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        """`clock` reads seconds from any fixed origin; tests pass a fake one."""
        self._interval = interval
        self._clock = clock
        self._held: list[str] = []
        self._last_sent: float | None = None

    def take(self, delta: str) -> str:
        """The text to send now (possibly with earlier held deltas), or "" to hold it."""
        now = self._clock()
        self._held.append(delta)
        if self._last_sent is not None and now - self._last_sent < self._interval:
            return ""
        self._last_sent = now
        return self.rest()

    def rest(self) -> str:
        """Everything held so far; the stream's end (or failure) sends it."""
        text = "".join(self._held)
        self._held.clear()
        return text
