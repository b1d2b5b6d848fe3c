"""Agents as stored: built-ins (no owner) and custom bots (owned by one user)."""

from __future__ import annotations

from collections.abc import Iterable

from agents_backend.database import Database
from agents_backend.domain import AgentProfile

# The built-ins as seeded by this process. They come from code and seeding overwrites
# the stored copy, so the stored and the remembered profiles are the same; and keys are
# one namespace (a bot's key has a random suffix, `key_unique` is enforced), so a
# built-in's key always means the built-in. Every exchange looks its agent up, and this
# turns that database round trip into a dictionary read for the built-ins.
_builtins: dict[str, AgentProfile] = {}


async def seed_builtin_agents(*, db: Database, agents: Iterable[AgentProfile]) -> None:
    for agent in agents:
        await db.agents.replace_one({"_id": agent.storage_id}, agent.to_document(), upsert=True)
        _builtins[agent.key] = agent.model_copy(deep=True)


async def get_agent_for_user(*, db: Database, user_id: str, key: str) -> AgentProfile | None:
    """A built-in, or a custom bot the user owns; another user's bot does not exist here.

    Custom bots are always read from the database: an edit (a new key or prompt) made
    through any process applies from the next message.
    """
    builtin = _builtins.get(key)
    if builtin is not None:
        return builtin
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
