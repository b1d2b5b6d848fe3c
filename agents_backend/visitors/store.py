"""`visitor_conversations`: one document per visitor conversation, for the owner's list.

The messages themselves live with every other conversation's (chat's `messages`, under
the bot's owner, the conversation id as contact id). This collection holds what the
owner's inbox lists and filters on: when it started, its last activity, its status and
the lead's contact as the visitor gave it. Every query is scoped by owner.
"""

from __future__ import annotations

from typing import Any

from agents_backend.core.database import Database, Document

CONTACT_FIELDS = ("name", "email", "phone")


async def record_activity(
    *,
    db: Database,
    conversation_id: str,
    owner_id: str,
    agent_key: str,
    at: int,
    contact: dict[str, str] | None = None,
) -> None:
    """Creates the conversation on its first message, then keeps its last activity and
    the contact details found so far (a later value replaces an earlier one)."""
    update: Document = {
        "$max": {"last_activity": at},
        "$setOnInsert": {"created_at": at, "status": "bot"},
    }
    found = {
        f"contact.{field}": value
        for field, value in (contact or {}).items()
        if field in CONTACT_FIELDS and value
    }
    if found:
        update["$set"] = found
    await db.visitor_conversations.update_one(
        {"_id": conversation_id, "owner_id": owner_id, "agent_key": agent_key},
        update,
        upsert=True,
    )


async def list_for_owner(
    *, db: Database, owner_id: str, agent_key: str | None, limit: int
) -> list[Document]:
    """Newest activity first."""
    query: dict[str, Any] = {"owner_id": owner_id}
    if agent_key is not None:
        query["agent_key"] = agent_key
    cursor = db.visitor_conversations.find(query).sort("last_activity", -1).limit(limit)
    return [document async for document in cursor]
