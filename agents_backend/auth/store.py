"""Users: one document per account, e-mail unique and stored lower-cased."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from agents_backend.core.database import Database, Document


class EmailTakenError(Exception):
    pass


def normalize_email(email: str) -> str:
    return email.strip().lower()


async def create_user(
    *,
    db: Database,
    email: str,
    name: str,
    password_hash: str,
    preferred_language: str,
    role: str = "user",
) -> Document:
    user: Document = {
        "_id": uuid.uuid4().hex,
        "email": normalize_email(email),
        "name": name.strip(),
        "password_hash": password_hash,
        "role": role,
        "preferred_language": preferred_language,
        "created_at": datetime.now(UTC),
    }
    try:
        await db.users.insert_one(user)
    except DuplicateKeyError as exc:
        raise EmailTakenError(email) from exc
    return user


async def get_user_by_email(*, db: Database, email: str) -> Document | None:
    return await db.users.find_one({"email": normalize_email(email)})


async def names_by_email(*, db: Database, emails: list[str]) -> dict[str, Document]:
    """`{email: {_id, name}}` of the accounts that exist among `emails`."""
    wanted = [normalize_email(e) for e in emails]
    cursor = db.users.find({"email": {"$in": wanted}}, {"name": 1, "email": 1})
    return {user["email"]: user async for user in cursor}


async def names_by_id(*, db: Database, user_ids: list[str]) -> dict[str, str]:
    cursor = db.users.find({"_id": {"$in": user_ids}}, {"name": 1})
    return {user["_id"]: user["name"] async for user in cursor}


async def get_user(*, db: Database, user_id: str) -> Document | None:
    return await db.users.find_one({"_id": user_id})


async def update_profile(*, db: Database, user_id: str, changes: Document) -> Document | None:
    """Sets the given fields (already validated) and returns the updated user."""
    return await db.users.find_one_and_update(
        {"_id": user_id}, {"$set": changes}, return_document=ReturnDocument.AFTER
    )


async def set_password_hash(*, db: Database, user_id: str, password_hash: str) -> None:
    await db.users.update_one({"_id": user_id}, {"$set": {"password_hash": password_hash}})


async def language_of(*, db: Database, user_id: str) -> str | None:
    found = await db.users.find_one({"_id": user_id}, {"preferred_language": 1})
    return found.get("preferred_language") if found else None
