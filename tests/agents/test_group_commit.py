"""Group commit (store/group_commit.py) on a real mongod: concurrent writes share round
trips, yet every caller gets exactly the outcome its own write would have had."""

from __future__ import annotations

import asyncio

import pytest
from pymongo import AsyncMongoClient
from pymongo.errors import DuplicateKeyError, PyMongoError

from agents_backend.chat import store as messages
from agents_backend.core.database import Database, Document
from agents_backend.core.group_commit import GroupCommit
from tests.agents.conftest import WriteCommands
from tests.support.servers import free_port


async def test_concurrent_messages_share_round_trips_and_resends_still_dedupe(
    watched: tuple[Database, WriteCommands],
) -> None:
    db, listener = watched

    async def send(n: int, client_id: str) -> bool:
        _, created = await messages.insert_user_message(
            db=db,
            user_id="u1",
            agent_key="sdr",
            contact_id=f"c{n % 5}",
            text=f"message {n}",
            client_message_id=client_id,
            nlp=None,
            lease=messages.Lease("this-test", messages.now_ms() + 30_000),
        )
        return created

    # 60 people's messages at once, plus two copies of one resend.
    created = await asyncio.gather(
        *(send(n, f"m-{n}") for n in range(60)), send(60, "resent"), send(61, "resent")
    )

    assert created.count(True) == 61 and created.count(False) == 1
    assert await db.messages.count_documents({}) == 61
    assert sum(listener.writes) == 62  # every write was sent...
    assert len(listener.writes) < 62 / 4  # ...in far fewer round trips than writes


async def test_a_failed_write_fails_only_its_own_caller(
    watched: tuple[Database, WriteCommands],
) -> None:
    db, _ = watched
    await db.messages.insert_one({"_id": "taken", "text": "first"})
    writes = GroupCommit(db.messages)

    outcomes = await asyncio.gather(
        *(writes.insert({"_id": f"new-{n}", "text": "x"}) for n in range(5)),
        writes.insert({"_id": "taken", "text": "second"}),
        writes.update({"_id": "new-0"}, {"$set": {"text": "edited"}}),
        return_exceptions=True,
    )

    failures = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(failures) == 1 and isinstance(failures[0], DuplicateKeyError)
    assert isinstance(outcomes[5], DuplicateKeyError)
    assert (await db.messages.find_one({"_id": "taken"}) or {})["text"] == "first"
    assert await db.messages.count_documents({"_id": {"$regex": "^new-"}}) == 5


async def test_a_cancelled_caller_does_not_take_the_others_down(
    watched: tuple[Database, WriteCommands],
) -> None:
    db, _ = watched
    writes = GroupCommit(db.messages)
    first = asyncio.ensure_future(writes.insert({"_id": "a"}))
    doomed = asyncio.ensure_future(writes.insert({"_id": "b"}))
    last = asyncio.ensure_future(writes.insert({"_id": "c"}))
    await asyncio.sleep(0)
    doomed.cancel()

    await asyncio.gather(first, last)

    with pytest.raises(asyncio.CancelledError):
        await doomed
    assert {d["_id"] async for d in db.messages.find({})} >= {"a", "c"}
    await writes.insert({"_id": "d"})  # and the queue keeps serving
    assert await db.messages.count_documents({"_id": "d"}) == 1


async def test_an_unreachable_database_fails_every_waiting_write_promptly() -> None:
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        f"mongodb://127.0.0.1:{free_port()}", serverSelectionTimeoutMS=300
    )
    writes = GroupCommit(client["nowhere"]["messages"])
    try:
        outcomes = await asyncio.wait_for(
            asyncio.gather(*(writes.insert({"n": n}) for n in range(10)), return_exceptions=True),
            timeout=10,
        )
    finally:
        await client.close()
    assert all(isinstance(o, PyMongoError) for o in outcomes)
