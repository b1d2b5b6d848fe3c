"""Users: one document per account, e-mail unique and stored lower-cased."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from pymongo.errors import DuplicateKeyError

from agents_backend.core.database import Database, Document


class EmailTakenError(Exception):
    pass


def normalize_email(email: str) -> str:
    return email.strip().lower()


async def create_user(*, db: Database, email: str, name: str, password_hash: str) -> Document:
    user: Document = {
        "_id": uuid.uuid4().hex,
        "email": normalize_email(email),
        "name": name.strip(),
        "password_hash": password_hash,
        "role": "user",
        "created_at": datetime.now(UTC),
    }
    try:
        await db.users.insert_one(user)
    except DuplicateKeyError as exc:
        raise EmailTakenError(email) from exc
    return user


async def get_user_by_email(*, db: Database, email: str) -> Document | None:
    return await db.users.find_one({"email": normalize_email(email)})


async def get_user(*, db: Database, user_id: str) -> Document | None:
    return await db.users.find_one({"_id": user_id})


async def set_password_hash(*, db: Database, user_id: str, password_hash: str) -> None:
    await db.users.update_one({"_id": user_id}, {"$set": {"password_hash": password_hash}})
