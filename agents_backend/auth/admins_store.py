"""The administrator role on accounts: who holds it, granting and revoking it.

The role is a field of the user document (`role: "admin"`), read on every request by
`require_admin`, so a change takes effect at the target's next request.
"""

from __future__ import annotations

from pymongo import ReturnDocument

from agents_backend.core.database import Database, Document

ADMIN = "admin"
USER = "user"


async def list_users(*, db: Database, limit: int = 1000) -> list[Document]:
    """Oldest account first (the first administrator usually)."""
    cursor = (
        db.users.find({}, {"name": 1, "email": 1, "role": 1, "created_at": 1})
        .sort([("created_at", 1), ("_id", 1)])
        .limit(limit)
    )
    return [user async for user in cursor]


async def set_role(*, db: Database, user_id: str, role: str) -> Document | None:
    """The account after the change; None when there is no such account."""
    return await db.users.find_one_and_update(
        {"_id": user_id},
        {"$set": {"role": role}},
        projection={"name": 1, "email": 1, "role": 1, "created_at": 1},
        return_document=ReturnDocument.AFTER,
    )


async def count_admins(*, db: Database) -> int:
    return await db.users.count_documents({"role": ADMIN})


async def promote_emails(*, db: Database, emails: list[str]) -> int:
    """The accounts with these (lower-cased) e-mails become administrators."""
    if not emails:
        return 0
    result = await db.users.update_many(
        {"email": {"$in": emails}, "role": {"$ne": ADMIN}}, {"$set": {"role": ADMIN}}
    )
    return result.modified_count
