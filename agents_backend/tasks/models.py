"""A task: an action item from a conversation (or a booking), owned by one user."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from agents_backend.contract import Task as TaskView


def _utc_iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, the same text the REST responses (pydantic) give."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class Task(BaseModel):
    """An action item from a conversation (or a booking), owned by one user."""

    id: str
    user_id: str
    title: str
    status: str = "open"
    due_date: str | None = None  # YYYY-MM-DD in the calendar's zone
    agent_key: str | None = None
    contact_id: str | None = None
    source_message_id: str | None = None
    source: str = "chat"
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> Task:
        return cls.model_validate({**document, "id": str(document["_id"])})

    def to_event(self) -> TaskView:
        """The `task` of `agent:task-created` and of GET /tasks (camelCase)."""
        return TaskView(
            id=self.id,
            title=self.title,
            status=self.status,
            due_date=self.due_date,
            agent_key=self.agent_key,
            contact_id=self.contact_id,
            source_message_id=self.source_message_id,
            source=self.source,
            created_at=_utc_iso(self.created_at),
            updated_at=_utc_iso(self.updated_at),
        )
