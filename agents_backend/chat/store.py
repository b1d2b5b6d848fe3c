"""Messages, always scoped by (user, agent, contact) so no query can cross users."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from agents_backend.chat.models import ChatMessage
from agents_backend.core.database import Database, Document, containing
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


# The text index's name for each language NLU finds (its stemmer); anything else is
# indexed word for word. Only these values may be stored: MongoDB refuses an insert
# whose `text_language` it has no stemmer for.
_TEXT_LANGUAGES = {"pt": "portuguese", "en": "english"}


def text_language(language: object) -> str:
    """The `text_language` of a message written in `language` ("pt", "en" or unknown)."""
    return _TEXT_LANGUAGES.get(language, "none") if isinstance(language, str) else "none"


def _nlp_language(nlp: dict[str, Any] | None) -> object:
    return nlp.get("language") if nlp else None


@dataclass(frozen=True)
class Lease:
    """Who is answering a message, and until when (epoch ms) unless they renew."""

    owner: str
    until: int


async def insert_user_message(
    *,
    db: Database,
    user_id: str,
    agent_key: str,
    contact_id: str,
    text: str,
    client_message_id: str | None,
    nlp: dict[str, Any] | None,
    lease: Lease,
    edits: str | None = None,
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
        "text_language": text_language(_nlp_language(nlp)),
        "ts": now_ms(),
        "nlp": nlp,
        "reply_state": ReplyState.GENERATING.value,
        "reply_id": str(ObjectId()),
        "attempts": 1,
        "lease_owner": lease.owner,
        "lease_until": lease.until,
    }
    if client_message_id is not None:
        document["client_message_id"] = client_message_id
    if edits is not None:
        document["edits"] = edits  # the message this one rewrites (kept, superseded)
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


def _claimable(now: int, *, retry: bool) -> Document:
    """A reply nobody is generating: its lease expired (the process that held it died or
    handed it over), or, for the person's own retry, its last attempt failed."""
    expired: Document = {"reply_state": ReplyState.GENERATING.value, "lease_until": {"$lt": now}}
    if not retry:
        return expired
    idle = [ReplyState.PENDING.value, ReplyState.FAILED.value]
    return {"$or": [expired, {"reply_state": {"$in": idle}}]}


@dataclass(frozen=True)
class Claim:
    message: ChatMessage  # as claimed: generating, under the new lease, attempt counted
    took_over: bool  # the earlier attempt's process died (not a retry of a failure)


async def claim_reply(
    *, db: Database, message_id: str, lease: Lease, now: int, retry: bool
) -> Claim | None:
    """The message, for exactly one caller per attempt: the one that will generate it.

    `retry` (a resend by the person) may also take a failed reply; the sweeper takes only
    expired leases. A reply that is done, or under a live lease, is never generated twice:
    the filter and the update are one atomic step, so of two processes one wins.
    """
    changes: Document = {
        "reply_state": ReplyState.GENERATING.value,
        "lease_owner": lease.owner,
        "lease_until": lease.until,
    }
    before = await db.messages.find_one_and_update(
        {"_id": ObjectId(message_id), **_claimable(now, retry=retry)},
        {"$set": changes, "$inc": {"attempts": 1}},
        return_document=ReturnDocument.BEFORE,
    )
    if before is None:
        return None
    after = {**before, **changes, "attempts": int(before.get("attempts", 1)) + 1}
    took_over = before.get("reply_state") == ReplyState.GENERATING.value
    return Claim(ChatMessage.from_document(after), took_over)


async def renew_lease(*, db: Database, message_id: str, lease: Lease, partial_reply: str) -> bool:
    """Extends the lease and keeps the text streamed so far (for whoever takes over if
    this process dies). False: the lease is no longer ours (it expired and was taken)."""
    result = await db.messages.update_one(
        {
            "_id": ObjectId(message_id),
            "reply_state": ReplyState.GENERATING.value,
            "lease_owner": lease.owner,
        },
        {"$set": {"lease_until": lease.until, "partial_reply": partial_reply}},
    )
    return result.matched_count == 1


async def release_lease(*, db: Database, message_id: str, owner: str, partial_reply: str) -> bool:
    """Hands the reply over at once (graceful shutdown): the lease is expired, so the next
    sweep of any process, or the next start, takes it with the text so far."""
    result = await db.messages.update_one(
        {
            "_id": ObjectId(message_id),
            "reply_state": ReplyState.GENERATING.value,
            "lease_owner": owner,
        },
        {"$set": {"lease_until": 0, "partial_reply": partial_reply}},
    )
    return result.matched_count == 1


async def expired_leases(*, db: Database, now: int, limit: int) -> list[ChatMessage]:
    """Messages whose reply lost its process, oldest lease first (bounded work per sweep)."""
    cursor = (
        db.messages.find(
            {"reply_state": ReplyState.GENERATING.value, "lease_until": {"$lt": now}},
        )
        .sort("lease_until", 1)
        .limit(limit)
    )
    return [ChatMessage.from_document(document) async for document in cursor]


async def give_up(*, db: Database, message_id: str, now: int) -> bool:
    """Marks a reply that ran out of attempts failed (once, whoever asks first); the
    person can still retry it."""
    result = await db.messages.update_one(
        {"_id": ObjectId(message_id), **_claimable(now, retry=False)},
        {
            "$set": {"reply_state": ReplyState.FAILED.value},
            "$unset": {"lease_owner": "", "lease_until": "", "partial_reply": ""},
        },
    )
    return result.modified_count == 1


async def finish_reply(
    *, db: Database, message_id: str, state: ReplyState, nlp: dict[str, Any] | None = None
) -> None:
    update: Document = {"$set": {"reply_state": state.value}}
    if nlp is not None:
        update["$set"]["nlp"] = nlp
        update["$set"]["text_language"] = text_language(_nlp_language(nlp))
    if state is not ReplyState.GENERATING:
        update["$unset"] = {"lease_owner": "", "lease_until": "", "partial_reply": ""}
    await db.message_writes.update({"_id": ObjectId(message_id)}, update)


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
    replace: bool = False,
    author_name: str | None = None,
    language: str | None = None,
    stopped: bool = False,
    superseded: bool = False,
    tool_calls: list[dict[str, Any]] | None = None,
) -> ChatMessage:
    """`language` ("pt"/"en", the conversation's) picks the stemmer search uses for it;
    `tool_calls`: the tools the reply called (chat/tool_rounds.py), kept with it."""
    document: Document = {
        "_id": ObjectId(message_id) if message_id else ObjectId(),
        "user_id": user_id,
        "agent_key": agent_key,
        "contact_id": contact_id,
        "author": author,
        "text": text,
        "text_language": text_language(language),
        "ts": now_ms(),
        "reply_to": reply_to,
        "offline": offline,
        "incomplete": incomplete,
        "model": model,
    }
    if author_name is not None:
        document["author_name"] = author_name
    if stopped:
        document["stopped"] = True
    if superseded:
        document["superseded"] = True
    if tool_calls:
        document["tool_calls"] = tool_calls
    if replace:
        # A later attempt: the reply takes the place of the one an earlier attempt cut.
        await db.messages.replace_one({"_id": document["_id"]}, document, upsert=True)
    else:
        await db.message_writes.insert(document)
    MESSAGES.labels(author=author).inc()
    return ChatMessage.from_document(document)


def _conversation(user_id: str, agent_key: str, contact_id: str) -> Document:
    return {"user_id": user_id, "agent_key": agent_key, "contact_id": contact_id}


# A regenerated reply, or an edited message and what followed it, stays in the data
# marked `superseded`; no history, context, summary or search reads it again.
SHOWN: Document = {"superseded": {"$ne": True}}


def shown_in(user_id: str, agent_key: str, contact_id: str) -> Document:
    """The conversation's messages a person sees (and the model reads)."""
    return {**_conversation(user_id, agent_key, contact_id), **SHOWN}


def conversation_scope(user_id: str, agent_key: str, contact_id: str) -> Document:
    """Every message of the conversation, superseded ones included."""
    return _conversation(user_id, agent_key, contact_id)


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
    query = shown_in(user_id, agent_key, contact_id)
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
    query = shown_in(user_id, agent_key, contact_id)
    cursor_id = before or after
    if cursor_id is not None:
        oid = parse_object_id(cursor_id)
        # A superseded message still anchors a cursor (a client may hold its id).
        scope = _conversation(user_id, agent_key, contact_id)
        anchor = await db.messages.find_one({**scope, "_id": oid}) if oid else None
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


async def conversations_mentioning(
    *, db: Database, user_ids: list[str], text: str, contact_prefix: str, limit: int
) -> list[str]:
    """Contact ids (starting with `contact_prefix`) of conversations with a message
    containing `text`, case-insensitively; newest first."""
    pipeline: list[Document] = [
        {
            "$match": {
                "user_id": {"$in": user_ids},
                "contact_id": {"$regex": "^" + re.escape(contact_prefix)},
                "text": containing(text),
                **SHOWN,
            }
        },
        {"$group": {"_id": "$contact_id", "last": {"$max": "$ts"}}},
        {"$sort": {"last": -1}},
        {"$limit": limit},
    ]
    cursor = await db.messages.aggregate(pipeline)
    return [str(found["_id"]) async for found in cursor]


@dataclass(frozen=True)
class AroundPage:
    """A page centred on one message, oldest first, and whether more exist either side."""

    messages: list[ChatMessage]
    has_older: bool
    has_newer: bool


async def page_around(
    *, db: Database, user_id: str, agent_key: str, contact_id: str, message_id: str, limit: int
) -> AroundPage | None:
    """Up to `limit` messages with `message_id` in the middle (a search result shown in
    context); None when it is not a message of this conversation."""
    oid = parse_object_id(message_id)
    if oid is None:
        return None
    anchor = await db.messages.find_one({**shown_in(user_id, agent_key, contact_id), "_id": oid})
    if anchor is None:
        return None
    older_count = (limit - 1) // 2
    older = await page_messages(
        db=db,
        user_id=user_id,
        agent_key=agent_key,
        contact_id=contact_id,
        limit=older_count,
        before=message_id,
    )
    newer = await page_messages(
        db=db,
        user_id=user_id,
        agent_key=agent_key,
        contact_id=contact_id,
        limit=limit - 1 - older_count,
        after=message_id,
    )
    if older is None or newer is None:  # deleted meanwhile
        return None
    return AroundPage(
        [*older[0], ChatMessage.from_document(anchor), *newer[0]],
        has_older=older[1],
        has_newer=newer[1],
    )
