"""Group commit: the hot path's writes, coalesced into one `bulk_write` per round trip.

Every exchange writes the person's message, then the reply, the question's reply state
and a usage counter. One round trip per write made MongoDB the largest cost of an
exchange (pymongo spends about as much CPU on a one-document command as on a
hundred-document one). Here a write joins a queue; one flusher per collection sends
everything queued as a single unordered `bulk_write` and, while that is in flight, the
next writes queue up behind it. Alone, a write goes out at once (no timer, no added
latency); under load, concurrent exchanges share round trips.

Each caller still awaits its own write and gets its own error: a duplicate key for one
insert fails that insert only, exactly as `insert_one` would have.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from pymongo import InsertOne, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError, WriteConcernError, WriteError

Document = dict[str, Any]
Write = InsertOne[Document] | UpdateOne

# One bulk command stays well under MongoDB's 100,000-operation and 48 MB batch limits.
_MAX_BATCH = 1000
_DUPLICATE_KEY = 11000


def _write_error(error: Document) -> WriteError:
    """The error `insert_one`/`update_one` would have raised for this operation."""
    code = error.get("code")
    message = str(error.get("errmsg", "write failed"))
    if code == _DUPLICATE_KEY:
        return DuplicateKeyError(message, code, error)
    return WriteError(message, code, error)


class GroupCommit:
    """Coalesces the writes to one collection; see the module docstring."""

    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._collection = collection
        self._queue: list[tuple[Write, asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def write(self, operation: Write) -> None:
        """Returns once the write is acknowledged; raises what the single write would."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((operation, future))
        if self._flusher is None:
            self._flusher = asyncio.ensure_future(self._flush())
        await future

    async def insert(self, document: Document) -> None:
        await self.write(InsertOne(document))

    async def update(self, query: Document, update: Document, *, upsert: bool = False) -> None:
        await self.write(UpdateOne(query, update, upsert=upsert))

    async def _flush(self) -> None:
        try:
            while self._queue:
                batch, self._queue = self._queue[:_MAX_BATCH], self._queue[_MAX_BATCH:]
                await self._send(batch)
        finally:
            self._flusher = None

    async def _send(self, batch: list[tuple[Write, asyncio.Future[None]]]) -> None:
        failures: dict[int, BaseException] = {}
        try:
            await self._collection.bulk_write([operation for operation, _ in batch], ordered=False)
        except BulkWriteError as exc:
            details: Mapping[str, Any] = exc.details
            for error in details.get("writeErrors", []):
                failures[int(error["index"])] = _write_error(error)
            concern = details.get("writeConcernErrors") or []
            if concern:
                everyone = WriteConcernError(str(concern[0].get("errmsg")), None, concern[0])
                failures = {index: failures.get(index, everyone) for index in range(len(batch))}
        except BaseException as exc:  # the connection, a timeout, cancellation: all failed
            failures = {index: exc for index in range(len(batch))}
            if not isinstance(exc, Exception):
                for _, future in batch:
                    if not future.done():
                        future.cancel()
                raise
        for index, (_, future) in enumerate(batch):
            if future.done():  # its caller was cancelled; the write still happened
                continue
            failure = failures.get(index)
            if failure is None:
                future.set_result(None)
            else:
                future.set_exception(failure)
