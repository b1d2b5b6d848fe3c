"""Agents as stored: built-ins (no owner) and custom bots (owned by one user).

Every read and write is filtered by `user_id`, so another user's bot simply does not
exist for a caller; routes turn that `None` into a 404 without a separate check.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Iterable
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from agents_backend.bots.models import AgentProfile, Publication
from agents_backend.core.database import Database, Document, stored_now

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_SLUG_CHARS = 32
_KEY_ATTEMPTS = 5


class KeyCollisionError(Exception):
    """No free key after several random suffixes; practically unreachable."""


class SlugTakenError(Exception):
    """Another bot's publication already has this slug."""


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


async def set_publication(
    *, db: Database, user_id: str, key: str, publication: Publication
) -> AgentProfile | None:
    """Stores the bot's publication (whole); None when the caller has no such bot."""
    try:
        document = await db.agents.find_one_and_update(
            _mine(user_id, key),
            {"$set": {"publication": publication.model_dump(), "updated_at": stored_now()}},
            return_document=ReturnDocument.AFTER,
        )
    except DuplicateKeyError as exc:
        raise SlugTakenError(publication.slug) from exc
    return AgentProfile.from_document(document) if document else None


async def find_published(*, db: Database, slug: str) -> AgentProfile | None:
    """The bot published under `slug`, while it is online."""
    document = await db.agents.find_one(
        {"publication.slug": slug, "publication.enabled": True, "builtin": False}
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
    await db.visitor_conversations.delete_many({"owner_id": user_id, "agent_key": key})
    return True


async def seed_builtin_agents(*, db: Database, agents: Iterable[AgentProfile]) -> None:
    """Seeding overwrites the stored copy: built-ins come from code, so a deploy updates them."""
    for agent in agents:
        await db.agents.replace_one({"_id": agent.storage_id}, agent.to_document(), upsert=True)


async def find_agent_for_user(*, db: Database, user_id: str, key: str) -> AgentProfile | None:
    """A built-in or a custom bot the user owns; another user's bot does not exist here."""
    document = await db.agents.find_one(
        {"key": key, "$or": [{"user_id": None}, {"user_id": user_id}]},
        sort=[("user_id", -1)],
    )
    return AgentProfile.from_document(document) if document else None


async def list_agents_for_user(*, db: Database, user_id: str) -> list[AgentProfile]:
    cursor = db.agents.find({"$or": [{"user_id": None}, {"user_id": user_id}]}).sort(
        [("builtin", -1), ("name", 1)]
    )
    return [AgentProfile.from_document(document) async for document in cursor]
