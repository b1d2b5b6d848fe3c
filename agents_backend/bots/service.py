"""Agents as the rest of the product asks for them, and a person's custom bots.

`AgentDirectory` is the one agent lookup: chat, booking and the REST routes all find an
agent through it, so "another user's bot does not exist" is decided in one place.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from agents_backend.bots import store
from agents_backend.bots.models import AgentProfile
from agents_backend.contract import ErrorCode, Language
from agents_backend.core import i18n
from agents_backend.core.config import Settings
from agents_backend.core.crypto import Cipher
from agents_backend.core.database import Database
from agents_backend.core.errors import AgentError


class AgentDirectory:
    """Built-ins from memory, custom bots from the database.

    Built-ins come from code and seeding overwrites their stored copy, and keys are one
    namespace (a bot's key has a random suffix, `key_unique` is enforced), so a
    built-in's key always means the built-in: every exchange looks its agent up, and
    this turns that round trip into a dictionary read. Custom bots are always read from
    the database, so an edit made through any process applies from the next message.
    """

    def __init__(self, *, db: Database, builtins: Iterable[AgentProfile]) -> None:
        self._db = db
        self._builtins = {agent.key: agent.model_copy(deep=True) for agent in builtins}

    async def seed(self) -> None:
        await store.seed_builtin_agents(db=self._db, agents=self._builtins.values())

    async def find(self, *, user_id: str, key: str) -> AgentProfile | None:
        builtin = self._builtins.get(key)
        if builtin is not None:
            return builtin
        return await store.find_agent_for_user(db=self._db, user_id=user_id, key=key)

    async def require(self, *, user_id: str, key: str) -> AgentProfile:
        """The agent, or the `agent_not_found` error every caller reports the same way."""
        agent = await self.find(user_id=user_id, key=key)
        if agent is None:
            raise AgentError(ErrorCode.AGENT_NOT_FOUND, key=key)
        return agent

    async def list_for_user(self, user_id: str) -> list[AgentProfile]:
        return await store.list_agents_for_user(db=self._db, user_id=user_id)

    async def published(self, slug: str) -> AgentProfile | None:
        """The bot visitors reach at `slug`, while its owner has it online."""
        return await store.find_published(db=self._db, slug=slug)


def allowed_models(settings: Settings) -> list[str]:
    allowed = [*settings.allowed_models]
    if settings.openai_model not in allowed:
        allowed.append(settings.openai_model)
    return allowed


def profile_fields(values: dict[str, Any], cipher: Cipher) -> dict[str, Any]:
    """Request fields -> stored AgentProfile fields; the key is encrypted on the way."""
    fields = dict(values)
    if "prompt" in fields:
        fields["system_prompt"] = fields.pop("prompt")
    if "openai_api_key" in fields:
        key = fields.pop("openai_api_key")
        fields["openai_key_encrypted"] = cipher.encrypt(key) if key is not None else None
    return fields


def clone_name(source: AgentProfile, requested: str | None, language: Language) -> str:
    """`SDR (copy)` / `SDR (cópia)`, cut to the 60 characters a name may have."""
    if requested:
        return requested
    suffix_length = len(i18n.text(language, "bots.copyName", name=""))
    return i18n.text(language, "bots.copyName", name=source.name[: 60 - suffix_length])


def clone_fields(source: AgentProfile) -> dict[str, Any]:
    """A new bot with the same settings (and the same encrypted key: one owner); never
    published (it gets its own link when its owner publishes it)."""
    return source.model_dump(
        exclude={"key", "user_id", "builtin", "created_at", "updated_at", "publication"}
    )
