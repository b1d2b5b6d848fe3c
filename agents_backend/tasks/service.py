"""Tasks as other features use them: the auto-create switch, idempotent creation, and
telling the owner's webhooks of a new task."""

from __future__ import annotations

import time

from agents_backend.core.database import Database
from agents_backend.tasks import settings_store
from agents_backend.tasks.models import Task

# Other features create tasks through this module, never through the store.
from agents_backend.tasks.store import TaskSource, cancel_source_tasks, create_task
from agents_backend.webhooks.events import TaskEventData
from agents_backend.webhooks.service import WebhookEventType, WebhookOutbox

__all__ = [
    "AutoCreateSwitches",
    "TaskSource",
    "cancel_source_tasks",
    "create_task",
    "publish_task_created",
]

# How long a remembered auto-create switch is trusted. This process updates it at once
# when the switch is flipped here; the bound is for a flip made through another process
# (scale-out), which this one sees within these seconds.
AUTO_CREATE_TTL_SECONDS = 30.0
_AUTO_CREATE_ENTRIES = 10_000


class AutoCreateSwitches:
    """Per person and agent: does a conversation turn into tasks? Never global."""

    def __init__(self, *, db: Database, ttl_seconds: float = AUTO_CREATE_TTL_SECONDS) -> None:
        self._db = db
        self._ttl = ttl_seconds
        # (user_id, agent_key) -> (enabled, monotonic expiry). Read on every exchange, so
        # remembered briefly instead of being a database round trip per message.
        self._remembered: dict[tuple[str, str], tuple[bool, float]] = {}

    async def set(self, *, user_id: str, agent_key: str, enabled: bool) -> bool:
        stored = await settings_store.set_auto_create(
            db=self._db, user_id=user_id, agent_key=agent_key, enabled=enabled
        )
        self._remember(user_id, agent_key, stored)
        return stored

    async def enabled(self, *, user_id: str, agent_key: str) -> bool:
        found = self._remembered.get((user_id, agent_key))
        if found is not None and found[1] > time.monotonic():
            return found[0]
        enabled = await settings_store.get_auto_create(
            db=self._db, user_id=user_id, agent_key=agent_key
        )
        self._remember(user_id, agent_key, enabled)
        return enabled

    async def by_agent(self, user_id: str) -> dict[str, bool]:
        """All of a person's switches in one query, for the agents list."""
        return await settings_store.auto_create_by_agent(db=self._db, user_id=user_id)

    def _remember(self, user_id: str, agent_key: str, enabled: bool) -> None:
        if len(self._remembered) >= _AUTO_CREATE_ENTRIES:
            now = time.monotonic()
            self._remembered = {k: v for k, v in self._remembered.items() if v[1] > now}
            if len(self._remembered) >= _AUTO_CREATE_ENTRIES:
                self._remembered.clear()
        self._remembered[(user_id, agent_key)] = (enabled, time.monotonic() + self._ttl)


async def publish_task_created(webhooks: WebhookOutbox | None, task: Task) -> None:
    """`task.created` for the task's owner's workspace, in its conversation's order."""
    if webhooks is None:
        return
    data = TaskEventData(conversation_id=task.contact_id, task=task.to_event())
    await webhooks.publish(
        task.user_id, WebhookEventType.TASK_CREATED, data, conversation_id=task.contact_id
    )
