"""Per-user, per-agent preferences (auto-create tasks), never global."""

from __future__ import annotations

from datetime import UTC, datetime

from agents_backend.core.database import Database


async def set_auto_create(*, db: Database, user_id: str, agent_key: str, enabled: bool) -> bool:
    await db.agent_settings.update_one(
        {"user_id": user_id, "agent_key": agent_key},
        {"$set": {"auto_create": enabled, "updated_at": datetime.now(UTC)}},
        upsert=True,
    )
    return enabled


async def get_auto_create(*, db: Database, user_id: str, agent_key: str) -> bool:
    document = await db.agent_settings.find_one({"user_id": user_id, "agent_key": agent_key})
    return bool(document and document.get("auto_create"))


async def auto_create_by_agent(*, db: Database, user_id: str) -> dict[str, bool]:
    """All of a user's switches in one query, for the agents list."""
    cursor = db.agent_settings.find({"user_id": user_id}, {"agent_key": 1, "auto_create": 1})
    return {d["agent_key"]: bool(d.get("auto_create")) async for d in cursor}
