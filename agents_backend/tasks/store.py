"""Tasks: a user's action items, from conversations or from booked meetings.

`create_task` is idempotent per source: the unique `source_unique` index lets the n-th
item of one source message become one task at most, so a retried extraction or a
booking confirmed twice finds the first task instead of adding a second.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from agents_backend.core.database import Database, Document, stored_now
from agents_backend.core.ids import parse_object_id
from agents_backend.tasks.models import Task


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class TaskSource(StrEnum):
    CHAT = "chat"  # extracted from a conversation (auto-create)
    MEETING = "meeting"  # a booked meeting
    MANUAL = "manual"  # written by the person on the Tasks page
    AGENT = "agent"  # the agent's model asked for it (its `create_task` tool)


async def create_task(
    *,
    db: Database,
    user_id: str,
    title: str,
    due_date: str | None = None,
    agent_key: str | None = None,
    contact_id: str | None = None,
    source_message_id: str | None = None,
    source_index: int = 0,
    source: TaskSource = TaskSource.CHAT,
) -> tuple[Task, bool]:
    """Stores a task; returns it and whether this call created it.

    With a `source_message_id` (a chat message id, or a booking's event id) the call is
    idempotent: the same (source, index) returns the task already stored.
    """
    now = stored_now()
    document: Document = {
        "_id": ObjectId(),
        "user_id": user_id,
        "title": title,
        "status": TaskStatus.OPEN.value,
        "due_date": due_date,
        "agent_key": agent_key,
        "contact_id": contact_id,
        "source": source.value,
        "created_at": now,
        "updated_at": now,
    }
    if source_message_id is not None:
        document["source_message_id"] = source_message_id
        document["source_index"] = source_index
    try:
        await db.tasks.insert_one(document)
    except DuplicateKeyError:
        existing = await db.tasks.find_one(
            {
                "user_id": user_id,
                "source_message_id": source_message_id,
                "source_index": source_index,
            }
        )
        if existing is None:  # pragma: no cover - the index guarantees a winner exists
            raise
        return Task.from_document(existing), False
    return Task.from_document(document), True


async def list_tasks(
    *,
    db: Database,
    user_id: str,
    status: TaskStatus | None = None,
    agent_key: str | None = None,
    contact_id: str | None = None,
    limit: int = 100,
) -> list[Task]:
    """Newest first, always within one user."""
    query: Document = {"user_id": user_id}
    if status is not None:
        query["status"] = status.value
    if agent_key is not None:
        query["agent_key"] = agent_key
    if contact_id is not None:
        query["contact_id"] = contact_id
    cursor = db.tasks.find(query).sort([("created_at", -1), ("_id", -1)]).limit(limit)
    return [Task.from_document(document) async for document in cursor]


async def update_task(
    *, db: Database, user_id: str, task_id: str, changes: dict[str, Any]
) -> Task | None:
    """None when the id is malformed or not one of this user's tasks."""
    oid = parse_object_id(task_id)
    if oid is None:
        return None
    document = await db.tasks.find_one_and_update(
        {"_id": oid, "user_id": user_id},
        {"$set": {**changes, "updated_at": stored_now()}},
        return_document=ReturnDocument.AFTER,
    )
    return Task.from_document(document) if document else None


async def delete_task(*, db: Database, user_id: str, task_id: str) -> bool:
    oid = parse_object_id(task_id)
    if oid is None:
        return False
    result = await db.tasks.delete_one({"_id": oid, "user_id": user_id})
    return result.deleted_count == 1


async def cancel_source_tasks(*, db: Database, user_id: str, source_message_id: str) -> int:
    """The still open tasks of one source (a cancelled booking's meeting task) become
    cancelled; returns how many did."""
    result = await db.tasks.update_many(
        {
            "user_id": user_id,
            "source_message_id": source_message_id,
            "status": TaskStatus.OPEN.value,
        },
        {"$set": {"status": TaskStatus.CANCELLED.value, "updated_at": stored_now()}},
    )
    return result.modified_count
