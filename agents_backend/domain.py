"""Domain models shared by every layer: what an agent and a message are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

from pydantic import BaseModel, Field, field_serializer, model_validator


class WorkingHours(BaseModel):
    """When an agent's calendar takes meetings, in the calendar's time zone (wall clock)."""

    weekdays: list[int] = Field(default_factory=lambda: [1, 2, 3, 4, 5])  # ISO, 1 = Monday
    start: time = time(9, 0)
    end: time = time(18, 0)

    @field_serializer("start", "end")
    def _as_text(self, value: time) -> str:
        """ "HH:MM" text, because BSON (the agents collection) cannot store a bare time."""
        return value.strftime("%H:%M")

    @model_validator(mode="after")
    def sensible(self) -> WorkingHours:
        if not self.weekdays or any(day < 1 or day > 7 for day in self.weekdays):
            raise ValueError("weekdays must be ISO weekdays from 1 (Monday) to 7 (Sunday)")
        if self.start >= self.end:
            raise ValueError("working hours must start before they end")
        return self


class AgentProfile(BaseModel):
    key: str
    name: str
    emoji: str
    description: str = ""
    system_prompt: str
    specialties: list[str] = Field(default_factory=list)
    model: str | None = None
    temperature: float = 0.7
    scheduling_enabled: bool = False
    # Booking: None means the server's defaults (CALENDAR_WORK_*, GOOGLE_CALENDAR_ID).
    working_hours: WorkingHours | None = None
    calendar_id: str | None = None
    builtin: bool = True
    user_id: str | None = None
    # Custom bots only: the owner's own OpenAI key as Fernet ciphertext (see crypto.py),
    # never the key itself; `repr=False` keeps even the ciphertext out of logs.
    openai_key_encrypted: str | None = Field(default=None, repr=False)
    openai_account: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> AgentProfile:
        return cls.model_validate({k: v for k, v in document.items() if k != "_id"})

    def to_document(self) -> dict[str, Any]:
        return {"_id": self.storage_id, **self.model_dump()}

    @property
    def storage_id(self) -> str:
        return self.key if self.user_id is None else f"{self.user_id}:{self.key}"


class ChatMessage(BaseModel):
    """A stored message as every layer above the database sees it."""

    id: str
    user_id: str
    agent_key: str
    contact_id: str
    author: str
    text: str
    ts: int
    client_message_id: str | None = None
    nlp: dict[str, Any] | None = None
    offline: bool = False
    incomplete: bool = False
    reply_to: str | None = None
    reply_state: str | None = None

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> ChatMessage:
        return cls.model_validate({**document, "id": str(document["_id"])})

    def to_event(self) -> dict[str, Any]:
        """The `agent:message` payload (camelCase, epoch-ms timestamp) of DESIGN.md."""
        event: dict[str, Any] = {
            "agentKey": self.agent_key,
            "contactId": self.contact_id,
            "id": self.id,
            "author": self.author,
            "text": self.text,
            "timestamp": self.ts,
            "offline": self.offline,
        }
        if self.nlp is not None:
            event["nlp"] = self.nlp
        if self.client_message_id is not None:
            event["clientMessageId"] = self.client_message_id
        if self.reply_to is not None:
            event["replyTo"] = self.reply_to
        if self.incomplete:
            event["incomplete"] = True
        return event


@dataclass(frozen=True, slots=True)
class SessionUser:
    """Who a socket belongs to, taken from the access token and the users collection.

    A slotted dataclass, not a model: one lives in every connected socket's session and
    is built from already-validated data, so a pydantic instance's weight (its dict and
    field-set bookkeeping) bought nothing per idle connection.
    """

    id: str
    name: str
    email: str
    # The refresh-token family (sign-in session) the access token came from, and when
    # the access token expires: a socket lives no longer than the token it showed.
    family_id: str | None = None
    expires_at: float = float("inf")
    checked_at: float = 0.0

    @property
    def room(self) -> str:
        return f"user:{self.id}"

    @property
    def session_room(self) -> str | None:
        return f"session:{self.family_id}" if self.family_id else None


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

    def to_event(self) -> dict[str, Any]:
        """The `task` of `agent:task-created` and of GET /tasks (camelCase)."""
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status,
            "dueDate": self.due_date,
            "agentKey": self.agent_key,
            "contactId": self.contact_id,
            "sourceMessageId": self.source_message_id,
            "source": self.source,
            "createdAt": _utc_iso(self.created_at),
            "updatedAt": _utc_iso(self.updated_at),
        }
