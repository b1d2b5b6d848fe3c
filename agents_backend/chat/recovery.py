"""The sweeper every process runs: replies whose process died are finished by another.

Each sweep asks for a bounded number of messages whose reply lease expired (the index
`reply_leases` holds only replies under way), and takes each over through the same
atomic claim a resend uses, so of two processes sweeping at once exactly one answers a
message. A message out of attempts is marked failed and the person told, with a retry.
Bounded work: at most `batch` messages per sweep, and none while this process is at its
reply limit (the next sweep, here or elsewhere, gets them).
"""

from __future__ import annotations

import asyncio
import logging

from pymongo.errors import PyMongoError

from agents_backend.chat import store as messages
from agents_backend.chat.service import AgentCore
from agents_backend.core.database import Database
from agents_backend.core.emitter import Emitter
from agents_backend.core.metrics import REPLY_ATTEMPTS_EXHAUSTED, REPLY_LEASES_EXPIRED

logger = logging.getLogger(__name__)


class ReplySweeper:
    def __init__(
        self,
        *,
        core: AgentCore,
        db: Database,
        emitter: Emitter,
        interval: float,
        batch: int,
        max_attempts: int,
    ) -> None:
        self._core = core
        self._db = db
        self._emitter = emitter
        self._interval = interval
        self._batch = batch
        self._max_attempts = max_attempts

    async def run_forever(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.sweep()
            except PyMongoError:
                logger.warning("reply sweep failed; the next one retries", exc_info=True)

    async def sweep(self) -> int:
        """One pass; returns how many replies this process took over."""
        found = await messages.expired_leases(db=self._db, now=messages.now_ms(), limit=self._batch)
        taken = 0
        for message in found:
            REPLY_LEASES_EXPIRED.inc()
            if message.attempts >= self._max_attempts:
                if await self._core.abandon(message, self._emitter):
                    REPLY_ATTEMPTS_EXHAUSTED.inc()
                continue
            if not self._core.has_capacity():
                break
            if await self._core.take_over(message.id, self._emitter):
                taken += 1
        return taken
