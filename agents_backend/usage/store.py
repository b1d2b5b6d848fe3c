"""Token usage, one counter document per user, day and model."""

from __future__ import annotations

from agents_backend.core.database import Database, Document


async def usage_for_user(*, db: Database, user_id: str) -> list[Document]:
    await db.usage_ledger.flush()
    cursor = db.usage.find({"user_id": user_id}, {"_id": 0}).sort([("day", -1), ("model", 1)])
    return [document async for document in cursor]


async def usage_rows(
    *, db: Database, user_id: str | None, since: str | None = None, until: str | None = None
) -> list[Document]:
    """Counters between two UTC days (inclusive); every user's when `user_id` is None."""
    await db.usage_ledger.flush()
    query: Document = {} if user_id is None else {"user_id": user_id}
    days: Document = {}
    if since is not None:
        days["$gte"] = since
    if until is not None:
        days["$lte"] = until
    if days:
        query["day"] = days
    cursor = db.usage.find(query, {"_id": 0}).sort([("day", -1), ("model", 1), ("user_id", 1)])
    return [document async for document in cursor]
