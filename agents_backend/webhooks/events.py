"""What a webhook delivers: the event types, the body every receiver gets, and the
`data` of the events this package's own sources publish.

Every delivery's body is one `WebhookEvent` as JSON:

    {"id": "evt_…", "type": "meeting.booked", "createdAt": "2025-05-01T12:00:00.123Z",
     "workspaceId": "…", "data": {…}}

The body is rendered once, when the event is published, and stored with each delivery:
every retry and every resend carries the same bytes and the same `id`, on which
receivers de-duplicate (delivery is at least once).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field
from pydantic_core import to_jsonable_python

from agents_backend.contract import BookedEvent, Task, WireModel


class WebhookEventType(StrEnum):
    CONVERSATION_CREATED = "conversation.created"
    LEAD_UPDATED = "lead.updated"  # the visitor's contact (email, phone, name) was found
    MEETING_BOOKED = "meeting.booked"
    MEETING_CANCELLED = "meeting.cancelled"
    HANDOFF_REQUESTED = "handoff.requested"
    CONVERSATION_CLOSED = "conversation.closed"
    TASK_CREATED = "task.created"


class WebhookEvent(WireModel):
    """The JSON body of every delivery."""

    id: str = Field(description="`evt_…`: the same on every retry and resend; de-duplicate on it.")
    type: WebhookEventType
    created_at: str = Field(description="When it happened: ISO 8601 in UTC.")
    workspace_id: str = Field(description="The workspace (its owner's user id).")
    data: dict[str, Any]


class MeetingEventData(WireModel):
    """`data` of `meeting.booked` and `meeting.cancelled`."""

    conversation_id: str = Field(description="The conversation that booked (its contactId).")
    agent_key: str
    booking: BookedEvent


class TaskEventData(WireModel):
    """`data` of `task.created`."""

    conversation_id: str | None = Field(description="The conversation it came from, if any.")
    task: Task


def new_event_id() -> str:
    return "evt_" + secrets.token_urlsafe(18)


def utc_iso(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and a `Z`."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def as_json_data(data: BaseModel | Mapping[str, Any]) -> dict[str, Any]:
    """An event's `data` as JSON values: a model in its wire (camelCase) form."""
    if isinstance(data, BaseModel):
        dumped: dict[str, Any] = data.model_dump(mode="json", by_alias=True)
        return dumped
    jsonable: dict[str, Any] = to_jsonable_python(dict(data))
    return jsonable


def render(event: WebhookEvent) -> str:
    """The exact body sent (and signed): compact JSON, UTF-8."""
    return json.dumps(
        event.model_dump(mode="json", by_alias=True), ensure_ascii=False, separators=(",", ":")
    )
