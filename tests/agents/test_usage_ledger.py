"""The usage ledger (core/usage_ledger.py) on a real mongod: token counts are summed in
memory, written together, counted by the budget before they are written, and never lost
to a failed write.

The flush timer is a `ManualTimer` the tests fire themselves, so nothing here waits for
the ledger's one-second interval or depends on how fast the machine runs.
"""

from __future__ import annotations

import asyncio

import pytest
from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError

from agents_backend.core.database import Database, Document
from agents_backend.core.usage_ledger import UsageLedger, today
from agents_backend.integrations.openai_client import TokenUsage
from agents_backend.usage.service import record_usage, tokens_used_today
from agents_backend.usage.store import usage_rows
from tests.agents.conftest import WriteCommands
from tests.support.servers import free_port


class ManualTimer:
    """Stands in for `asyncio.sleep` as the ledger's timer: a sleep lasts until `fire()`.

    `requested` lists the seconds each timer asked for and `timers` the tasks that slept;
    `fire()` wakes every sleeper and returns once what each timer then did (the flush)
    has finished.
    """

    def __init__(self) -> None:
        self.requested: list[float] = []
        self.timers: list[asyncio.Task[object]] = []
        self._sleepers: list[tuple[asyncio.Future[None], asyncio.Task[object]]] = []

    async def sleep(self, seconds: float) -> None:
        self.requested.append(seconds)
        task = asyncio.current_task()
        assert task is not None
        self.timers.append(task)
        wake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((wake, task))
        try:
            await wake
        finally:
            if (wake, task) in self._sleepers:  # cancelled rather than fired
                self._sleepers.remove((wake, task))

    async def armed(self) -> list[float]:
        """What was requested once a timer just created has started (one loop turn)."""
        await asyncio.sleep(0)
        return self.requested

    async def fire(self) -> None:
        sleepers, self._sleepers = self._sleepers, []
        assert sleepers, "no timer is waiting"
        for wake, _task in sleepers:
            wake.set_result(None)
        await asyncio.gather(*(task for _wake, task in sleepers))


@pytest.fixture
def timer(watched: tuple[Database, WriteCommands]) -> ManualTimer:
    """The database's ledger, as production builds it (default interval), on a timer the
    test fires."""
    db, _ = watched
    manual = ManualTimer()
    db.usage_ledger = UsageLedger(db.usage, sleep=manual.sleep)
    return manual


async def test_a_burst_of_replies_is_written_as_one_command_with_exact_sums(
    watched: tuple[Database, WriteCommands], timer: ManualTimer
) -> None:
    db, listener = watched
    for n in range(40):
        record_usage(db=db, user_id=f"u{n % 4}", model="gpt-test", usage=TokenUsage(10, n))
    assert await tokens_used_today(db=db, user_id="u1") == sum(10 + n for n in range(1, 40, 4))
    assert await timer.armed() == [1.0]  # one timer for the whole burst, one second
    assert listener.writes == []  # nothing written yet...

    await timer.fire()  # ...until the timer fires

    assert listener.writes == [4]  # one command, one counter per user
    rows = {row["user_id"]: row for row in await db.usage.find({}).to_list()}
    assert rows["u1"]["requests"] == 10
    assert rows["u1"]["total_tokens"] == sum(10 + n for n in range(1, 40, 4))
    assert await tokens_used_today(db=db, user_id="u1") == rows["u1"]["total_tokens"]


async def test_the_next_reply_after_a_flush_arms_a_new_timer(
    watched: tuple[Database, WriteCommands], timer: ManualTimer
) -> None:
    db, listener = watched
    record_usage(db=db, user_id="u1", model="gpt-test", usage=TokenUsage(3, 4))
    await timer.armed()
    await timer.fire()
    assert listener.writes == [1]

    record_usage(db=db, user_id="u1", model="gpt-test", usage=TokenUsage(1, 1))
    assert await timer.armed() == [1.0, 1.0]
    assert listener.writes == [1]
    await timer.fire()

    assert listener.writes == [1, 1]
    (row,) = await db.usage.find({"user_id": "u1"}).to_list()
    assert (row["total_tokens"], row["requests"]) == (9, 2)


async def test_a_reply_counted_while_a_write_is_under_way_gets_the_next_timer(
    watched: tuple[Database, WriteCommands], timer: ManualTimer
) -> None:
    db, listener = watched
    record_usage(db=db, user_id="u1", model="gpt-test", usage=TokenUsage(3, 4))
    await timer.armed()
    firing = asyncio.ensure_future(timer.fire())
    while await tokens_used_today(db=db, user_id="u1") != 0 or not listener.writes:
        # Until the flush took the counts and its write is on the wire (it is in neither
        # the pending counts nor the rows yet): the moment to count another reply.
        if firing.done():
            break
        await asyncio.sleep(0)
    record_usage(db=db, user_id="u1", model="gpt-test", usage=TokenUsage(1, 1))
    await firing

    assert await timer.armed() == [1.0, 1.0]  # the reply counted mid-write is not stranded
    await timer.fire()
    (row,) = await db.usage.find({"user_id": "u1"}).to_list()
    assert (row["total_tokens"], row["requests"]) == (9, 2)


async def test_shutdown_writes_at_once_what_a_pending_timer_holds(
    watched: tuple[Database, WriteCommands], timer: ManualTimer
) -> None:
    db, listener = watched
    record_usage(db=db, user_id="u1", model="gpt-test", usage=TokenUsage(5, 6))
    await timer.armed()

    await db.usage_ledger.close()  # the timer never fired

    assert listener.writes == [1]
    assert [row["total_tokens"] for row in await db.usage.find({}).to_list()] == [11]
    # The pending timer was stopped, not left to write again later.
    await asyncio.wait(timer.timers)
    assert [t.cancelled() for t in timer.timers] == [True]


async def test_a_report_includes_what_was_counted_a_moment_ago(
    watched: tuple[Database, WriteCommands],
) -> None:
    db, _ = watched
    record_usage(db=db, user_id="u1", model="gpt-test", usage=TokenUsage(3, 4))
    rows = await usage_rows(db=db, user_id="u1")
    assert [(r["model"], r["total_tokens"], r["day"]) for r in rows] == [("gpt-test", 7, today())]


async def test_a_failed_write_keeps_the_counts_for_the_next_flush() -> None:
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        f"mongodb://127.0.0.1:{free_port()}", serverSelectionTimeoutMS=200
    )
    timer = ManualTimer()
    ledger = UsageLedger(client["nowhere"]["usage"], sleep=timer.sleep)
    try:
        ledger.add(user_id="u1", model="m", prompt_tokens=5, completion_tokens=5)
        with pytest.raises(PyMongoError):
            await ledger.flush()
        ledger.add(user_id="u1", model="m", prompt_tokens=1, completion_tokens=1)
        assert ledger.pending_tokens(user_id="u1", day=today()) == 12
        # The timer's own flush fails the same way: the counts stay, and it tries again.
        assert await timer.armed() == [1.0]
        await timer.fire()
        assert await timer.armed() == [1.0, 1.0]
        assert ledger.pending_tokens(user_id="u1", day=today()) == 12
        await ledger.forget("u1")  # the account was removed: nothing of it is written later
        assert ledger.pending_tokens(user_id="u1", day=today()) == 0
    finally:
        await ledger.close()
        await client.close()
