"""Refresh-token rotation with reuse detection.

Each login starts a family; each refresh spends one token and issues the next in the
family. Presenting a spent token again means it was stolen or replayed, so the whole
family is revoked and every holder has to sign in again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from agents_backend.core.database import Database


class SpendResult(StrEnum):
    SPENT = "spent"
    UNKNOWN = "unknown"
    REUSED = "reused"


async def store_refresh_token(
    *, db: Database, digest: str, user_id: str, family_id: str, expires_at: datetime
) -> None:
    await db.refresh_tokens.insert_one(
        {
            "_id": digest,
            "user_id": user_id,
            "family_id": family_id,
            "expires_at": expires_at,
            "revoked_at": None,
            "created_at": datetime.now(UTC),
        }
    )


async def spend_refresh_token(*, db: Database, digest: str, user_id: str) -> SpendResult:
    """Atomically marks the token used; only one of two concurrent refreshes wins."""
    now = datetime.now(UTC)
    spent = await db.refresh_tokens.find_one_and_update(
        {"_id": digest, "user_id": user_id, "revoked_at": None, "expires_at": {"$gt": now}},
        {"$set": {"revoked_at": now}},
    )
    if spent is not None:
        return SpendResult.SPENT
    known = await db.refresh_tokens.find_one({"_id": digest, "user_id": user_id})
    if known is None:
        return SpendResult.UNKNOWN
    await revoke_family(db=db, family_id=str(known["family_id"]))
    return SpendResult.REUSED


async def revoke_family(*, db: Database, family_id: str) -> None:
    await db.refresh_tokens.update_many(
        {"family_id": family_id, "revoked_at": None}, {"$set": {"revoked_at": datetime.now(UTC)}}
    )


async def family_is_active(*, db: Database, family_id: str) -> bool:
    """A sign-in session lives while its family holds an unspent, unexpired token."""
    live = await db.refresh_tokens.find_one(
        {"family_id": family_id, "revoked_at": None, "expires_at": {"$gt": datetime.now(UTC)}},
        {"_id": 1},
    )
    return live is not None


async def revoke_user(*, db: Database, user_id: str) -> None:
    """Every session of the user: after a password change, nobody stays signed in."""
    await db.refresh_tokens.update_many(
        {"user_id": user_id, "revoked_at": None}, {"$set": {"revoked_at": datetime.now(UTC)}}
    )
