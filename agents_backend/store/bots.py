"""Custom bots: agents owned by one user, stored in `agents` beside the built-ins.

Every read and write is filtered by `user_id`, so another user's bot simply does not
exist for a caller; routes turn that `None` into a 404 without a separate check.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from agents_backend.database import Database, Document, stored_now
from agents_backend.domain import AgentProfile

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_SLUG_CHARS = 32
_KEY_ATTEMPTS = 5


class KeyCollisionError(Exception):
    """No free key after several random suffixes; practically unreachable."""


def bot_key(name: str) -> str:
    """A readable, URL-safe key: `vendedor-junior-3f9a1c`.

    The random suffix is what keeps a bot from ever taking a built-in's key (`sdr`) or
    another user's: keys are one namespace, enforced by the unique `key_unique` index.
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = _NOT_SLUG.sub("-", ascii_name.lower()).strip("-")[:_SLUG_CHARS].strip("-")
    return f"{slug or 'bot'}-{secrets.token_hex(3)}"


def _mine(user_id: str, key: str) -> Document:
    return {"user_id": user_id, "key": key, "builtin": False}


async def create_bot(*, db: Database, user_id: str, fields: dict[str, Any]) -> AgentProfile:
    """Stores a new bot; `fields` are AgentProfile fields (the key already encrypted)."""
    now = stored_now()
    for _ in range(_KEY_ATTEMPTS):
        key = bot_key(str(fields["name"]))
        bot = AgentProfile.model_validate(
            {
                **fields,
                "key": key,
                "user_id": user_id,
                "builtin": False,
                "created_at": now,
                "updated_at": now,
            }
        )
        try:
            await db.agents.insert_one({"_id": bot.storage_id, **bot.model_dump(mode="python")})
        except DuplicateKeyError:
            continue
        return bot
    raise KeyCollisionError(fields["name"])


async def get_bot(*, db: Database, user_id: str, key: str) -> AgentProfile | None:
    document = await db.agents.find_one(_mine(user_id, key))
    return AgentProfile.from_document(document) if document else None


async def list_bots(*, db: Database, user_id: str) -> list[AgentProfile]:
    cursor = db.agents.find({"user_id": user_id, "builtin": False}).sort("created_at", -1)
    return [AgentProfile.from_document(document) async for document in cursor]


async def update_bot(
    *, db: Database, user_id: str, key: str, changes: dict[str, Any]
) -> AgentProfile | None:
    """Applies `changes` (AgentProfile fields; None values clear optional ones)."""
    document = await db.agents.find_one_and_update(
        _mine(user_id, key),
        {"$set": {**changes, "updated_at": stored_now()}},
        return_document=ReturnDocument.AFTER,
    )
    return AgentProfile.from_document(document) if document else None


async def delete_bot(*, db: Database, user_id: str, key: str) -> bool:
    """Removes the bot, its conversations and its settings; the user's tasks stay.

    Tasks are the person's to-do list and outlive the bot that suggested them; the
    conversations could no longer be opened (the history route needs the agent).
    """
    result = await db.agents.delete_one(_mine(user_id, key))
    if result.deleted_count == 0:
        return False
    scope = {"user_id": user_id, "agent_key": key}
    await db.messages.delete_many(scope)
    await db.agent_settings.delete_many(scope)
    return True
