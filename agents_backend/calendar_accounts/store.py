"""Owners' Google connections (`calendar_connections`) and consents under way
(`oauth_states`): keyword-only data functions.

A connection keeps the refresh token encrypted (the caller encrypts; nothing here sees
it in the clear) and a `generation`, new at every connect, so each process can tell that
the credentials it holds in memory are stale. A consent is found by the SHA-256 of its
`state` and taken exactly once (`find_one_and_delete`), so a replayed callback finds
nothing.
"""

from __future__ import annotations

from datetime import datetime

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from agents_backend.core.database import Database, Document


async def save_consent(
    *,
    db: Database,
    state_hash: str,
    user_id: str,
    code_verifier: str,
    redirect_uri: str,
    return_to: str,
    expires_at: datetime,
) -> None:
    await db.oauth_states.insert_one(
        {
            "_id": state_hash,
            "user_id": user_id,
            "code_verifier": code_verifier,
            "redirect_uri": redirect_uri,
            "return_to": return_to,
            "expires_at": expires_at,
        }
    )


async def take_consent(*, db: Database, state_hash: str) -> Document | None:
    """The consent, removed as it is read: a state works once."""
    return await db.oauth_states.find_one_and_delete({"_id": state_hash})


async def get_connection(*, db: Database, user_id: str) -> Document | None:
    return await db.calendar_connections.find_one({"user_id": user_id})


async def save_connection(
    *,
    db: Database,
    user_id: str,
    account: str,
    email: str | None,
    refresh_token_encrypted: str,
    scopes: list[str],
    calendar_id: str,
    now: datetime,
) -> Document:
    """Replaces any earlier connection of the owner (a reconnect is a new generation)."""
    document: Document = {
        "user_id": user_id,
        "account": account,
        "email": email,
        "refresh_token_encrypted": refresh_token_encrypted,
        "scopes": scopes,
        "calendar_id": calendar_id,
        "generation": str(ObjectId()),
        "needs_reconnect": False,
        "connected_at": now,
        "updated_at": now,
    }
    for attempt in range(2):
        try:
            saved = await db.calendar_connections.find_one_and_replace(
                {"user_id": user_id}, document, upsert=True, return_document=ReturnDocument.AFTER
            )
        except DuplicateKeyError:
            # Two callbacks of one owner inserted at once; the loser replaces the winner.
            if attempt:
                raise
            continue
        assert saved is not None  # upsert with AFTER always answers the document
        return saved
    raise AssertionError("unreachable")  # pragma: no cover


async def mark_needs_reconnect(
    *, db: Database, user_id: str, generation: str, now: datetime
) -> None:
    """Only the generation that failed: a reconnect made meanwhile stays good."""
    await db.calendar_connections.update_one(
        {"user_id": user_id, "generation": generation},
        {"$set": {"needs_reconnect": True, "updated_at": now}},
    )


async def delete_connection(*, db: Database, user_id: str) -> Document | None:
    return await db.calendar_connections.find_one_and_delete({"user_id": user_id})
