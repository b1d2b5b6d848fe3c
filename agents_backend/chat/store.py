"""Messages, always scoped by (user, agent, contact) so no query can cross users."""

from __future__ import annotations

import time
from enum import StrEnum
from typing import Any

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from agents_backend.chat.models import ChatMessage
from agents_backend.core.database import Database, Document
from agents_backend.core.ids import parse_object_id
from agents_backend.core.metrics import MESSAGES


class ReplyState(StrEnum):
    """Where a user message is in getting its reply; makes resends safe."""

    PENDING = "pending"
    GENERATING = "generating"
    DONE = "done"
    FAILED = "failed"


def now_ms() -> int:
    return time.time_ns() // 1_000_000


async def insert_user_message(
    *,
    db: Database,
    user_id: str,
    agent_key: str,
    contact_id: str,
    text: str,
    client_message_id: str | None,
    nlp: dict[str, Any] | None,
) -> tuple[ChatMessage, bool]:
    """Stores the message unless this client id was already stored.

    Returns the stored message and whether this call created it. The unique index on
    (user_id, client_message_id) settles concurrent resends: one insert wins and the
    other reads the winner. A new message is stored already `generating`: its creator
    is the one that replies, so the first attempt needs no separate claim (one database
    round trip fewer per exchange); only a resend goes through `claim_reply`.
    """
    document: Document = {
        "_id": ObjectId(),
        "user_id": user_id,
        "agent_key": agent_key,
        "contact_id": contact_id,
        "author": "user",
        "text": text,
        "ts": now_ms(),
        "nlp": nlp,
        "reply_state": ReplyState.GENERATING.value,
    }
    if client_message_id is not None:
        document["client_message_id"] = client_message_id
    try:
        await db.message_writes.insert(document)
    except DuplicateKeyError:
        existing = await db.messages.find_one(
            {"user_id": user_id, "client_message_id": client_message_id}
        )
        if existing is None:  # pragma: no cover - the index guarantees a winner exists
            raise
        return ChatMessage.from_document(existing), False
    MESSAGES.labels(author="user").inc()
    return ChatMessage.from_document(document), True


async def claim_reply(*, db: Database, message_id: str) -> bool:
    """True for exactly one caller per attempt: the one that will generate the reply.

    A failed attempt may be claimed again (the person pressed retry); a reply that is
    done or under way is never generated twice.
    """
    result = await db.messages.update_one(
        {
            "_id": ObjectId(message_id),
            "reply_state": {"$in": [ReplyState.PENDING.value, ReplyState.FAILED.value]},
        },
        {"$set": {"reply_state": ReplyState.GENERATING.value}},
    )
    return result.modified_count == 1


async def finish_reply(
    *, db: Database, message_id: str, state: ReplyState, nlp: dict[str, Any] | None = None
) -> None:
    update: Document = {"reply_state": state.value}
    if nlp is not None:
        update["nlp"] = nlp
    await db.message_writes.update({"_id": ObjectId(message_id)}, {"$set": update})


async def insert_agent_message(
    *,
    db: Database,
    user_id: str,
    agent_key: str,
    contact_id: str,
    text: str,
    author: str = "agent",
    message_id: str | None = None,
    reply_to: str | None = None,
    offline: bool = False,
    incomplete: bool = False,
    model: str | None = None,
) -> ChatMessage:
    document: Document = {
        "_id": ObjectId(message_id) if message_id else ObjectId(),
        "user_id": user_id,
        "agent_key": agent_key,
        "contact_id": contact_id,
        "author": author,
        "text": text,
        "ts": now_ms(),
        "reply_to": reply_to,
        "offline": offline,
        "incomplete": incomplete,
        "model": model,
    }
    await db.message_writes.insert(document)
    MESSAGES.labels(author=author).inc()
    return ChatMessage.from_document(document)


def _conversation(user_id: str, agent_key: str, contact_id: str) -> Document:
    return {"user_id": user_id, "agent_key": agent_key, "contact_id": contact_id}


async def recent_messages(
    *,
    db: Database,
    user_id: str,
    agent_key: str,
    contact_id: str,
    limit: int,
    before_ts: int | None = None,
    exclude_id: str | None = None,
) -> list[ChatMessage]:
    """The last `limit` messages, oldest first: the model's context window."""
    if limit <= 0:
        return []
    query = _conversation(user_id, agent_key, contact_id)
    if before_ts is not None:
        query["ts"] = {"$lte": before_ts}
    if exclude_id is not None:
        query["_id"] = {"$ne": ObjectId(exclude_id)}
    cursor = db.messages.find(query).sort([("ts", -1), ("_id", -1)]).limit(limit)
    newest_first = [ChatMessage.from_document(document) async for document in cursor]
    return newest_first[::-1]


async def page_messages(
    *,
    db: Database,
    user_id: str,
    agent_key: str,
    contact_id: str,
    limit: int,
    before: str | None = None,
    after: str | None = None,
) -> tuple[list[ChatMessage], bool] | None:
    """A page of history, oldest first, and whether more exist in the paging direction.

    `before` pages back from a message (older messages); `after` fetches what came after
    one (what a reconnecting client missed). Returns None when a cursor id is not a
    message of this conversation, so the caller can answer 404 instead of guessing.
    """
    query = _conversation(user_id, agent_key, contact_id)
    cursor_id = before or after
    if cursor_id is not None:
        oid = parse_object_id(cursor_id)
        anchor = await db.messages.find_one({**query, "_id": oid}) if oid else None
        if anchor is None:
            return None
        op = "$lt" if before else "$gt"
        query["$or"] = [
            {"ts": {op: anchor["ts"]}},
            {"ts": anchor["ts"], "_id": {op: anchor["_id"]}},
        ]
    forward = after is not None
    direction = 1 if forward else -1
    cursor = db.messages.find(query).sort([("ts", direction), ("_id", direction)]).limit(limit + 1)
    documents = [document async for document in cursor]
    has_more = len(documents) > limit
    documents = documents[:limit]
    if not forward:
        documents.reverse()
    return [ChatMessage.from_document(document) for document in documents], has_more
