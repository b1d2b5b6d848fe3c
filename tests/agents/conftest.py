"""Fixtures for the data-path tests: a fresh database whose write commands are counted."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from pymongo import AsyncMongoClient, monitoring

from agents_backend.core.database import Database, Document
from agents_backend.core.embedded_mongo import EmbeddedMongo


class WriteCommands(monitoring.CommandListener):
    """Counts the write commands that reached the server."""

    def __init__(self) -> None:
        self.writes: list[int] = []  # operations per command

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name in ("insert", "update"):
            key = "documents" if event.command_name == "insert" else "updates"
            self.writes.append(len(event.command.get(key, [])))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@pytest.fixture
async def watched(mongo: EmbeddedMongo) -> AsyncIterator[tuple[Database, WriteCommands]]:
    listener = WriteCommands()
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        mongo.uri, event_listeners=[listener], tz_aware=True
    )
    db = Database(client=client, db=client[f"test_group_{uuid.uuid4().hex[:8]}"])
    await db.create_indexes()
    yield db, listener
    await client.drop_database(db.db.name)
    await db.close()
