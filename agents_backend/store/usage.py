"""Token usage, one counter document per user, day and model."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agents_backend.database import Database, Document
from agents_backend.store.usage_ledger import today

if TYPE_CHECKING:
    from agents_backend.integrations.openai_client import TokenUsage


def record_usage(
    *, db: Database, user_id: str, model: str | None, usage: TokenUsage | None
) -> None:
    """Counted now, written within a second (store/usage_ledger.py). A call that reported
    no usage, or was made without a model, counts nothing."""
    if usage is None or model is None:
        return
    db.usage_ledger.add(
        user_id=user_id,
        model=model,
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
    )


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


async def tokens_used_today(*, db: Database, user_id: str) -> int:
    """Today's (UTC) tokens across every model: what the daily budget is checked against."""
    day = today()
    total = db.usage_ledger.pending_tokens(user_id=user_id, day=day)
    async for row in db.usage.find({"user_id": user_id, "day": day}, {"total_tokens": 1}):
        total += int(row.get("total_tokens", 0))
    return total
