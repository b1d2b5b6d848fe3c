"""The MongoDB connection and the indexes the data layer relies on.

One `AsyncMongoClient` per process, opened in the app's lifespan (it is bound to the
event loop that created it and is not fork-safe) and closed after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pymongo
from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

Document = dict[str, Any]

INDEXES: dict[str, list[IndexModel]] = {
    "users": [IndexModel([("email", ASCENDING)], unique=True, name="email_unique")],
    "refresh_tokens": [
        IndexModel([("family_id", ASCENDING)], name="family"),
        # Expired refresh tokens are garbage: MongoDB's TTL monitor removes them.
        IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="expiry_ttl"),
    ],
    "agents": [
        IndexModel([("user_id", ASCENDING), ("key", ASCENDING)], name="owner_key"),
    ],
    "messages": [
        # History reads one conversation in time order; `_id` breaks ties within a ms.
        IndexModel(
            [
                ("user_id", ASCENDING),
                ("agent_key", ASCENDING),
                ("contact_id", ASCENDING),
                ("ts", DESCENDING),
                ("_id", DESCENDING),
            ],
            name="conversation_time",
        ),
        # A resend with the same clientMessageId must find the first copy, never add one.
        IndexModel(
            [("user_id", ASCENDING), ("client_message_id", ASCENDING)],
            unique=True,
            partialFilterExpression={"client_message_id": {"$type": "string"}},
            name="client_message_unique",
        ),
    ],
    "agent_settings": [
        IndexModel(
            [("user_id", ASCENDING), ("agent_key", ASCENDING)], unique=True, name="user_agent"
        )
    ],
    "events": [],  # bookings: the scheduling issue fills these in
    "tasks": [],  # the custom-bots issue fills these in
    "usage": [
        IndexModel(
            [("user_id", ASCENDING), ("day", ASCENDING), ("model", ASCENDING)],
            unique=True,
            name="user_day_model",
        )
    ],
}


@dataclass
class Database:
    """Typed access to the collections, so no caller spells a collection name."""

    client: AsyncMongoClient[Document]
    db: AsyncDatabase[Document]

    @classmethod
    def connect(cls, uri: str, name: str, *, timeout_ms: int = 5000) -> Database:
        client: AsyncMongoClient[Document] = AsyncMongoClient(
            uri, serverSelectionTimeoutMS=timeout_ms, tz_aware=True
        )
        return cls(client=client, db=client[name])

    @property
    def users(self) -> AsyncCollection[Document]:
        return self.db["users"]

    @property
    def refresh_tokens(self) -> AsyncCollection[Document]:
        return self.db["refresh_tokens"]

    @property
    def agents(self) -> AsyncCollection[Document]:
        return self.db["agents"]

    @property
    def messages(self) -> AsyncCollection[Document]:
        return self.db["messages"]

    @property
    def agent_settings(self) -> AsyncCollection[Document]:
        return self.db["agent_settings"]

    @property
    def events(self) -> AsyncCollection[Document]:
        return self.db["events"]

    @property
    def tasks(self) -> AsyncCollection[Document]:
        return self.db["tasks"]

    @property
    def usage(self) -> AsyncCollection[Document]:
        return self.db["usage"]

    async def create_indexes(self) -> None:
        """Idempotent: MongoDB treats an identical index definition as a no-op."""
        for collection, indexes in INDEXES.items():
            if indexes:
                await self.db[collection].create_indexes(indexes)

    async def ping(self, timeout: float = 1.0) -> bool:
        try:
            with pymongo.timeout(timeout):
                await self.client.admin.command("ping")
        except PyMongoError:
            return False
        return True

    async def close(self) -> None:
        await self.client.close()
