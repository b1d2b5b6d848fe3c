"""`create_task`, the function a booked meeting calls: idempotent per source, on real MongoDB."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from agents_backend.core.database import Database
from agents_backend.core.embedded_mongo import EmbeddedMongo
from agents_backend.tasks.store import TaskSource, create_task, list_tasks


@pytest.fixture
async def database(mongo: EmbeddedMongo) -> AsyncIterator[Database]:
    db = Database.connect(mongo.uri, f"test_tasks_{uuid.uuid4().hex[:8]}")
    await db.create_indexes()
    yield db
    await db.client.drop_database(db.db.name)
    await db.close()


async def test_the_same_source_never_makes_a_second_task(database: Database) -> None:
    first, created = await create_task(
        db=database,
        user_id="u1",
        title="Reunião com Ana",
        due_date="2031-03-04",
        agent_key="sdr",
        contact_id="ana",
        source_message_id="event-123",
        source=TaskSource.MEETING,
    )
    again, created_again = await create_task(
        db=database,
        user_id="u1",
        title="Reunião com Ana (again)",
        source_message_id="event-123",
        source=TaskSource.MEETING,
    )
    second_item, created_second = await create_task(
        db=database,
        user_id="u1",
        title="Enviar pauta",
        source_message_id="event-123",
        source_index=1,
    )

    assert (created, created_again, created_second) == (True, False, True)
    assert again.id == first.id
    assert again.title == "Reunião com Ana"
    assert first.source == "meeting"
    assert second_item.id != first.id
    assert len(await list_tasks(db=database, user_id="u1")) == 2
    assert await list_tasks(db=database, user_id="u2") == []


async def test_tasks_without_a_source_are_independent(database: Database) -> None:
    for _ in range(2):
        await create_task(db=database, user_id="u1", title="Same title")
    assert len(await list_tasks(db=database, user_id="u1")) == 2
