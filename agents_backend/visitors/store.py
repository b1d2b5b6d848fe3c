"""`visitor_conversations`: one document per visitor conversation, for the inbox.

The messages themselves live with every other conversation's (chat's `messages`, under
the bot's owner, the conversation id as contact id). This collection holds what the
inbox lists, filters on and changes: when it started, its last activity, who answers
it (`status`, `assignee`), the lead's contact as the visitor gave it, the visitor's
language and how many messages they wrote (unread counts). Every query is scoped by the
workspace (the owner's user id), and every status change is one conditional update, so
two people acting at once cannot both win.
"""

from __future__ import annotations

from typing import Any

from pymongo import ReturnDocument

from agents_backend.core.database import Database, Document, containing

CONTACT_FIELDS = ("name", "email", "phone")


def _contact_fields(contact: dict[str, str] | None) -> Document:
    return {
        f"contact.{field}": value
        for field, value in (contact or {}).items()
        if field in CONTACT_FIELDS and value
    }


async def record_visitor_message(
    *,
    db: Database,
    conversation_id: str,
    owner_id: str,
    agent_key: str,
    at: int,
    language: str,
    contact: dict[str, str] | None = None,
) -> tuple[Document | None, Document]:
    """Creates the conversation on its first message, then counts the visitor's
    messages and keeps its last activity, language and the contact found so far (a later
    value replaces an earlier one). Returns the document before (None: created now) and
    after."""
    update: Document = {
        "$max": {"last_activity": at},
        "$inc": {"visitor_messages": 1},
        "$set": {"language": language, **_contact_fields(contact)},
        "$setOnInsert": {"created_at": at, "status": "bot"},
    }
    before = await db.visitor_conversations.find_one_and_update(
        {"_id": conversation_id, "owner_id": owner_id, "agent_key": agent_key},
        update,
        upsert=True,
        return_document=ReturnDocument.BEFORE,
    )
    after = await find(db=db, conversation_id=conversation_id, owner_ids=[owner_id])
    assert after is not None
    return before, after


async def record_contact(
    *,
    db: Database,
    conversation_id: str,
    owner_id: str,
    agent_key: str,
    at: int,
    language: str,
    contact: dict[str, str],
) -> tuple[Document | None, Document]:
    """The contact a booking form gave (a booking may come before any message); the
    document before (None: created now) and after."""
    before = await db.visitor_conversations.find_one_and_update(
        {"_id": conversation_id, "owner_id": owner_id, "agent_key": agent_key},
        {
            "$max": {"last_activity": at},
            "$set": _contact_fields(contact),
            "$setOnInsert": {
                "created_at": at,
                "status": "bot",
                "visitor_messages": 0,
                "language": language,
            },
        },
        upsert=True,
        return_document=ReturnDocument.BEFORE,
    )
    after = await find(db=db, conversation_id=conversation_id, owner_ids=[owner_id])
    assert after is not None
    return before, after


async def touch(*, db: Database, conversation_id: str, at: int) -> None:
    await db.visitor_conversations.update_one(
        {"_id": conversation_id}, {"$max": {"last_activity": at}}
    )


async def find(*, db: Database, conversation_id: str, owner_ids: list[str]) -> Document | None:
    return await db.visitor_conversations.find_one(
        {"_id": conversation_id, "owner_id": {"$in": owner_ids}}
    )


async def status_of(*, db: Database, conversation_id: str) -> str | None:
    found = await db.visitor_conversations.find_one({"_id": conversation_id}, {"status": 1})
    return None if found is None else str(found.get("status", "bot"))


async def change(
    *,
    db: Database,
    conversation_id: str,
    owner_id: str,
    when: Document,
    update: Document,
) -> Document | None:
    """One atomic status change: applied only if the conversation still matches `when`;
    the document after, or None when it no longer matched (someone else was first)."""
    return await db.visitor_conversations.find_one_and_update(
        {"_id": conversation_id, "owner_id": owner_id, **when},
        update,
        return_document=ReturnDocument.AFTER,
    )


async def next_expired_handoff(*, db: Database, now: int) -> Document | None:
    """Takes one conversation whose wait for a person is over back to the agent."""
    return await db.visitor_conversations.find_one_and_update(
        {"status": "waiting", "handoff_deadline": {"$lte": now}},
        {"$set": {"status": "bot"}, "$unset": {"handoff_deadline": "", "waiting_since": ""}},
        return_document=ReturnDocument.AFTER,
    )


async def list_for(
    *,
    db: Database,
    owner_ids: list[str],
    agent_key: str | None,
    status: str | None,
    search: str | None,
    matching_ids: list[str] | None,
    limit: int,
) -> list[Document]:
    """Newest activity first; `search` matches the lead's name or email, `matching_ids`
    adds conversations whose messages matched."""
    query: dict[str, Any] = {"owner_id": {"$in": owner_ids}}
    if agent_key is not None:
        query["agent_key"] = agent_key
    if status is not None:
        query["status"] = status
    if search:
        pattern = containing(search)
        either: list[Document] = [{"contact.name": pattern}, {"contact.email": pattern}]
        if matching_ids:
            either.append({"_id": {"$in": matching_ids}})
        query["$or"] = either
    cursor = db.visitor_conversations.find(query).sort("last_activity", -1).limit(limit)
    return [document async for document in cursor]


async def mark_read(*, db: Database, conversation_id: str, user_id: str, count: int) -> None:
    await db.inbox_reads.update_one(
        {"conversation_id": conversation_id, "user_id": user_id},
        {"$max": {"read": count}},
        upsert=True,
    )


async def reads(*, db: Database, user_id: str, conversation_ids: list[str]) -> dict[str, int]:
    cursor = db.inbox_reads.find({"user_id": user_id, "conversation_id": {"$in": conversation_ids}})
    return {r["conversation_id"]: int(r.get("read", 0)) async for r in cursor}


async def start(
    *,
    db: Database,
    conversation_id: str,
    owner_id: str,
    agent_key: str,
    at: int,
    language: str,
) -> Document:
    """A conversation begun by a request rather than a message (the handoff button)."""
    await db.visitor_conversations.update_one(
        {"_id": conversation_id, "owner_id": owner_id, "agent_key": agent_key},
        {
            "$setOnInsert": {
                "created_at": at,
                "last_activity": at,
                "status": "bot",
                "visitor_messages": 0,
                "language": language,
            }
        },
        upsert=True,
    )
    found = await find(db=db, conversation_id=conversation_id, owner_ids=[owner_id])
    assert found is not None
    return found
