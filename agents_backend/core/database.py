"""The MongoDB connection and the indexes the data layer relies on.

One `AsyncMongoClient` per process, opened in the app's lifespan (it is bound to the
event loop that created it and is not fork-safe) and closed after it.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import pymongo
from pymongo import ASCENDING, DESCENDING, TEXT, AsyncMongoClient, IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from agents_backend.core.group_commit import GroupCommit
from agents_backend.core.usage_ledger import UsageLedger

Document = dict[str, Any]


def containing(text: str) -> Document:
    """A case-insensitive `$regex` condition matching `text` literally, anywhere.

    `re.escape` leaves a NUL byte as it is, and MongoDB refuses a pattern holding one
    (a search for "\\0" was a server error); PCRE's `\\x00` escape matches it instead."""
    return {"$regex": re.escape(text).replace("\x00", "\\x00"), "$options": "i"}


def stored_now() -> datetime:
    """Now, at the millisecond precision BSON keeps, so what a create returns equals
    what a later read returns."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


INDEXES: dict[str, list[IndexModel]] = {
    "users": [IndexModel([("email", ASCENDING)], unique=True, name="email_unique")],
    "refresh_tokens": [
        IndexModel([("family_id", ASCENDING)], name="family"),
        # Expired refresh tokens are garbage: MongoDB's TTL monitor removes them.
        IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="expiry_ttl"),
    ],
    "agents": [
        IndexModel([("user_id", ASCENDING), ("key", ASCENDING)], name="owner_key"),
        # One namespace for built-ins and every user's bots: a key names one agent, so a
        # bot can never shadow `sdr` or another bot, even if key generation misbehaved.
        IndexModel([("key", ASCENDING)], unique=True, name="key_unique"),
        IndexModel([("user_id", ASCENDING), ("created_at", DESCENDING)], name="owner_created"),
        # A share link names one bot, whoever picked it: visitors find the bot by it.
        IndexModel(
            [("publication.slug", ASCENDING)],
            unique=True,
            partialFilterExpression={"publication.slug": {"$type": "string"}},
            name="publication_slug_unique",
        ),
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
        # The sweeper's question, "which replies lost their process?": only messages
        # being answered are in it, so it stays as small as the replies under way.
        IndexModel(
            [("lease_until", ASCENDING)],
            partialFilterExpression={"reply_state": "generating"},
            name="reply_leases",
        ),
        # Search in a person's own messages (conversations/store.py): `user_id` first, so
        # a query reads only that person's entries. Each message is stemmed in its own
        # language (`text_language`: "portuguese", "english" or "none", set when it is
        # stored); messages stored before the field existed are indexed word for word.
        IndexModel(
            [("user_id", ASCENDING), ("text", TEXT)],
            default_language="none",
            language_override="text_language",
            name="message_search",
        ),
    ],
    # A conversation's title when the person renamed it (the first message otherwise).
    "conversation_titles": [
        IndexModel(
            [("user_id", ASCENDING), ("agent_key", ASCENDING), ("contact_id", ASCENDING)],
            unique=True,
            name="conversation_unique",
        )
    ],
    "agent_settings": [
        IndexModel(
            [("user_id", ASCENDING), ("agent_key", ASCENDING)], unique=True, name="user_agent"
        )
    ],
    "events": [
        # The no-double-booking rule: every active booking lists the 15-minute cells it
        # covers, and no two active bookings of one calendar may share a cell. Released
        # and cancelled bookings drop `active`, which takes them out of the index.
        IndexModel(
            [("calendar_id", ASCENDING), ("cells", ASCENDING)],
            unique=True,
            partialFilterExpression={"active": True},
            name="active_booking_cells_unique",
        ),
        IndexModel([("user_id", ASCENDING), ("start", ASCENDING)], name="user_start"),
        IndexModel(
            [("calendar_id", ASCENDING), ("start", ASCENDING)],
            partialFilterExpression={"active": True},
            name="active_calendar_start",
        ),
    ],
    "tasks": [
        IndexModel([("user_id", ASCENDING), ("created_at", DESCENDING)], name="owner_created"),
        IndexModel(
            [("user_id", ASCENDING), ("status", ASCENDING), ("created_at", DESCENDING)],
            name="owner_status",
        ),
        # The n-th action item of a message (or a booking) becomes at most one task, however
        # often extraction runs for it: a retry or a second confirmation finds the first.
        IndexModel(
            [("user_id", ASCENDING), ("source_message_id", ASCENDING), ("source_index", ASCENDING)],
            unique=True,
            partialFilterExpression={"source_message_id": {"$type": "string"}},
            name="source_unique",
        ),
    ],
    "usage": [
        IndexModel(
            [("user_id", ASCENDING), ("day", ASCENDING), ("model", ASCENDING)],
            unique=True,
            name="user_day_model",
        )
    ],
    # An owner's own Google Calendar: one connection per owner (its refresh token encrypted).
    "calendar_connections": [IndexModel([("user_id", ASCENDING)], unique=True, name="owner")],
    # OAuth consents under way, by the hash of their `state`; gone 10 minutes after.
    "oauth_states": [
        IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="expiry_ttl"),
        IndexModel([("user_id", ASCENDING)], name="owner"),
    ],
    "agent_usage": [
        IndexModel(
            [("agent_key", ASCENDING), ("day", ASCENDING), ("model", ASCENDING)],
            unique=True,
            name="agent_day_model",
        )
    ],
    # Owners' signed webhook endpoints, per workspace (the owner's user id).
    "webhook_endpoints": [
        IndexModel(
            [("workspace_id", ASCENDING), ("created_at", ASCENDING)], name="workspace_created"
        ),
        IndexModel([("workspace_id", ASCENDING), ("events", ASCENDING)], name="subscribers"),
    ],
    # The durable delivery queue (webhooks/worker.py) and each endpoint's delivery log.
    "webhook_deliveries": [
        # The workers' question, "what is due?": only pending deliveries are in it.
        IndexModel(
            [("next_attempt_at", ASCENDING)],
            partialFilterExpression={"status": "pending"},
            name="due",
        ),
        # In order per conversation: is an older delivery of this endpoint and
        # conversation still pending?
        IndexModel(
            [
                ("endpoint_id", ASCENDING),
                ("order_key", ASCENDING),
                ("queued_at", ASCENDING),
                ("_id", ASCENDING),
            ],
            partialFilterExpression={"status": "pending"},
            name="pending_order",
        ),
        IndexModel(
            [("endpoint_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)],
            name="endpoint_log",
        ),
        # Settled deliveries leave the log after a while (pending ones have no expiry).
        IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="log_ttl"),
        IndexModel([("workspace_id", ASCENDING)], name="workspace"),
    ],
    "visitor_conversations": [
        # The owner's list of visitor conversations, newest activity first, per bot too.
        IndexModel([("owner_id", ASCENDING), ("last_activity", DESCENDING)], name="owner_recent"),
        IndexModel(
            [("owner_id", ASCENDING), ("agent_key", ASCENDING), ("last_activity", DESCENDING)],
            name="owner_agent_recent",
        ),
        IndexModel(
            [("owner_id", ASCENDING), ("status", ASCENDING), ("last_activity", DESCENDING)],
            name="owner_status_recent",
        ),
        # The handoff timer: only conversations waiting for a person are in it.
        IndexModel(
            [("handoff_deadline", ASCENDING)],
            partialFilterExpression={"status": "waiting"},
            name="handoff_deadlines",
        ),
    ],
    # A workspace's teammates by the email they were invited with; a person's seats.
    "workspace_members": [
        IndexModel(
            [("workspace_id", ASCENDING), ("email", ASCENDING)], unique=True, name="seat_unique"
        ),
        IndexModel([("email", ASCENDING)], name="email"),
    ],
    # How far each member has read each conversation (its unread count).
    "inbox_reads": [
        IndexModel(
            [("conversation_id", ASCENDING), ("user_id", ASCENDING)], unique=True, name="reader"
        ),
    ],
}


@dataclass
class Database:
    """Typed access to the collections, so no caller spells a collection name.

    Each collection object is built once: `db["name"]` constructs a new one per access,
    and the chat path touches `messages` several times per exchange.
    """

    client: AsyncMongoClient[Document]
    db: AsyncDatabase[Document]

    @classmethod
    def connect(cls, uri: str, name: str, *, timeout_ms: int = 5000) -> Database:
        client: AsyncMongoClient[Document] = AsyncMongoClient(
            uri, serverSelectionTimeoutMS=timeout_ms, tz_aware=True
        )
        return cls(client=client, db=client[name])

    @cached_property
    def users(self) -> AsyncCollection[Document]:
        return self.db["users"]

    @cached_property
    def refresh_tokens(self) -> AsyncCollection[Document]:
        return self.db["refresh_tokens"]

    @cached_property
    def agents(self) -> AsyncCollection[Document]:
        return self.db["agents"]

    @cached_property
    def messages(self) -> AsyncCollection[Document]:
        return self.db["messages"]

    @cached_property
    def conversation_titles(self) -> AsyncCollection[Document]:
        return self.db["conversation_titles"]

    @cached_property
    def agent_settings(self) -> AsyncCollection[Document]:
        return self.db["agent_settings"]

    @cached_property
    def events(self) -> AsyncCollection[Document]:
        return self.db["events"]

    @cached_property
    def tasks(self) -> AsyncCollection[Document]:
        return self.db["tasks"]

    @cached_property
    def usage(self) -> AsyncCollection[Document]:
        return self.db["usage"]

    @cached_property
    def calendar_connections(self) -> AsyncCollection[Document]:
        return self.db["calendar_connections"]

    @cached_property
    def oauth_states(self) -> AsyncCollection[Document]:
        return self.db["oauth_states"]

    @cached_property
    def agent_usage(self) -> AsyncCollection[Document]:
        return self.db["agent_usage"]

    @cached_property
    def webhook_endpoints(self) -> AsyncCollection[Document]:
        return self.db["webhook_endpoints"]

    @cached_property
    def webhook_deliveries(self) -> AsyncCollection[Document]:
        return self.db["webhook_deliveries"]

    @cached_property
    def visitor_conversations(self) -> AsyncCollection[Document]:
        return self.db["visitor_conversations"]

    @cached_property
    def workspace_members(self) -> AsyncCollection[Document]:
        return self.db["workspace_members"]

    @cached_property
    def inbox_reads(self) -> AsyncCollection[Document]:
        return self.db["inbox_reads"]

    # The chat path's writes go through these (store/group_commit.py), so concurrent
    # exchanges share round trips; everything else writes directly.
    @cached_property
    def message_writes(self) -> GroupCommit:
        return GroupCommit(self.messages)

    @cached_property
    def usage_ledger(self) -> UsageLedger:
        return UsageLedger(self.usage)

    @cached_property
    def agent_usage_ledger(self) -> UsageLedger:
        """What each published bot's visitors spent: its daily budget counts it."""
        return UsageLedger(self.agent_usage, owner_field="agent_key")

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
        """Writes the token counters still held in memory, then disconnects."""
        with contextlib.suppress(PyMongoError):  # logged by the ledger
            await self.usage_ledger.close()
        with contextlib.suppress(PyMongoError):
            await self.agent_usage_ledger.close()
        await self.client.close()
