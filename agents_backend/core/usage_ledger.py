"""Token counters, added up in memory and written together.

Every reply adds its tokens to the user's counter for the day and model. One `$inc` per
reply was one of five database round trips per exchange; the ledger sums what arrives
and writes every changed counter in one unordered `bulk_write` at most `interval`
seconds later. Reads of usage in this process flush first, so a person's own report is
exact; shutdown flushes too. A crash can lose at most the last `interval` of token
accounting, never a message. A failed write is kept and retried with the next flush.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, PyMongoError

logger = logging.getLogger(__name__)

Key = tuple[str, str, str]  # user_id, day, model
_FIELDS = ("prompt_tokens", "completion_tokens", "total_tokens", "requests")


def today() -> str:
    return datetime.now(UTC).date().isoformat()


class UsageLedger:
    def __init__(
        self,
        collection: AsyncCollection[dict[str, Any]],
        interval: float = 1.0,
        *,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        owner_field: str = "user_id",
    ) -> None:
        """`sleep` is the flush timer's wait; tests pass one they fire themselves.
        `owner_field` names whose counters these are: a person's (`user_id`), or a
        published bot's (`agent_key`, the tokens its visitors spent)."""
        self._collection = collection
        self._owner_field = owner_field
        self._interval = interval
        self._sleep = sleep
        self._pending: dict[Key, Counter[str]] = {}
        self._lock = asyncio.Lock()
        self._timer: asyncio.Task[None] | None = None

    def add(self, *, user_id: str, model: str, prompt_tokens: int, completion_tokens: int) -> None:
        counts = self._pending.setdefault((user_id, today(), model), Counter())
        counts.update(
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            total_tokens=prompt_tokens + completion_tokens,
            requests=1,
        )
        if self._timer is None or self._timer.done():
            self._timer = asyncio.ensure_future(self._flush_later())

    def pending_tokens(self, *, user_id: str, day: str) -> int:
        """Tokens not yet written: the daily budget counts them too."""
        return sum(
            counts["total_tokens"]
            for (user, when, _model), counts in self._pending.items()
            if user == user_id and when == day
        )

    async def forget(self, user_id: str) -> None:
        """An account being removed leaves no counter behind to be written later.

        Returns once a write already in flight has landed, so the deletion that follows
        also removes what it wrote.
        """
        for key in [key for key in self._pending if key[0] == user_id]:
            del self._pending[key]
        async with self._lock:
            pass

    async def flush(self) -> None:
        async with self._lock:
            batch, self._pending = self._pending, {}
            if not batch:
                return
            operations = [
                UpdateOne(
                    {self._owner_field: user, "day": day, "model": model},
                    {"$inc": {field: counts[field] for field in _FIELDS}},
                    upsert=True,
                )
                for (user, day, model), counts in batch.items()
            ]
            keys = list(batch)
            try:
                await self._collection.bulk_write(operations, ordered=False)
            except BulkWriteError as exc:
                # Unordered: everything but the listed operations was written.
                failed = [keys[int(error["index"])] for error in exc.details.get("writeErrors", [])]
                self._requeue({key: batch[key] for key in failed})
                logger.warning("could not write %d usage counters; retrying", len(failed))
                raise
            except PyMongoError:
                # Nothing acknowledged; a write lost with its reply would count twice on
                # retry, which is rarer and cheaper than losing the tokens outright.
                self._requeue(batch)
                logger.warning("could not write %d usage counters; retrying", len(batch))
                raise

    def _requeue(self, batch: dict[Key, Counter[str]]) -> None:
        for key, counts in batch.items():
            self._pending.setdefault(key, Counter()).update(counts)

    async def close(self) -> None:
        """Stops the timer and writes what is held (shutdown)."""
        if self._timer is not None and not self._timer.done():
            self._timer.cancel()
        await self.flush()

    async def _flush_later(self) -> None:
        await self._sleep(self._interval)
        with contextlib.suppress(PyMongoError):  # logged by flush; the counts were put back
            await self.flush()
        # Counts that failed, or that were added while the write was under way (this
        # timer was not done yet, so `add` armed none), get the next timer.
        if self._pending:
            self._timer = asyncio.ensure_future(self._flush_later())
