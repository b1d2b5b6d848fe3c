"""One reply at a time per conversation, on this process.

A message sent while the agent's reply streams is stored and acknowledged at once; its
reply waits for the replies before it to end, then runs and reads them in its context.
Without this two replies streamed interleaved, each blind to the other.

The order is kept per process: a person's sockets are sticky to one process (nginx), so
their conversation's replies start here. Should two processes hold one conversation
anyway, each message still gets exactly one reply (the stored reply states and leases
see to that); only the order between them is not kept.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection

from agents_backend.chat.streams import ConversationKey

Turn = Callable[[Collection[asyncio.Future[None]]], Awaitable[None]]


class ConversationTurns:
    def __init__(self) -> None:
        self._under_way: dict[ConversationKey, list[asyncio.Task[None]]] = {}

    def take(self, conversation: ConversationKey, turn: Turn) -> asyncio.Task[None]:
        """Starts `turn` with the conversation's replies under way before it (every one,
        so a run that ends early, stopped while waiting, lets nothing jump the queue)."""
        before = [t for t in self._under_way.get(conversation, []) if not t.done()]
        task = asyncio.ensure_future(turn(before))
        self._under_way[conversation] = [*before, task]
        task.add_done_callback(lambda done: self._forget(conversation, done))
        return task

    def _forget(self, conversation: ConversationKey, task: asyncio.Task[None]) -> None:
        left = [t for t in self._under_way.get(conversation, []) if t is not task]
        if left:
            self._under_way[conversation] = left
        else:
            self._under_way.pop(conversation, None)

    def busy(self, conversation: ConversationKey) -> bool:
        """Whether a reply of the conversation streams or waits here."""
        return any(not t.done() for t in self._under_way.get(conversation, []))

    async def settle(self, conversation: ConversationKey, timeout: float) -> None:
        """Until the conversation's replies here have ended (stopped ones have kept
        what they streamed), or `timeout` seconds."""
        pending = [t for t in self._under_way.get(conversation, []) if not t.done()]
        if pending:
            await asyncio.wait(pending, timeout=timeout)
