"""The usage ledger (store/usage_ledger.py) on a real mongod: token counts are summed in
memory, written together, counted by the budget before they are written, and never lost
to a failed write."""

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


async def test_a_burst_of_replies_is_written_as_one_command_with_exact_sums(
    watched: tuple[Database, WriteCommands],
) -> None:
    db, listener = watched
    for n in range(40):
        record_usage(db=db, user_id=f"u{n % 4}", model="gpt-test", usage=TokenUsage(10, n))
    assert await tokens_used_today(db=db, user_id="u1") == sum(10 + n for n in range(1, 40, 4))
    assert listener.writes == []  # nothing written yet...

    await asyncio.sleep(1.5)  # ...until the ledger's flush, a second later

    assert listener.writes == [4]  # one command, one counter per user
    rows = {row["user_id"]: row for row in await db.usage.find({}).to_list()}
    assert rows["u1"]["requests"] == 10
    assert rows["u1"]["total_tokens"] == sum(10 + n for n in range(1, 40, 4))
    assert await tokens_used_today(db=db, user_id="u1") == rows["u1"]["total_tokens"]


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
    ledger = UsageLedger(client["nowhere"]["usage"], interval=60)
    try:
        ledger.add(user_id="u1", model="m", prompt_tokens=5, completion_tokens=5)
        with pytest.raises(PyMongoError):
            await ledger.flush()
        ledger.add(user_id="u1", model="m", prompt_tokens=1, completion_tokens=1)
        assert ledger.pending_tokens(user_id="u1", day=today()) == 12
        await ledger.forget("u1")  # the account was removed: nothing of it is written later
        assert ledger.pending_tokens(user_id="u1", day=today()) == 0
    finally:
        await ledger.close()
        await client.close()
