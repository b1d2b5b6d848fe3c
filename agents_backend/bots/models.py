"""What an agent is: a built-in or a user's bot, and when its calendar takes meetings."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from pydantic import BaseModel, Field, field_serializer, model_validator

from agents_backend.contract import ToolSet


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


class Publication(BaseModel):
    """A bot published to visitors: a share link and a website widget (bots/publishing.py).

    `slug` names it in `/c/{slug}` and `data-agent`; it stays when the bot is taken
    offline, so a link handed out works again once the bot is back.
    """

    enabled: bool = False
    slug: str
    # Sites whose pages may embed the widget (`scheme://host[:port]`); the share link's
    # own origin is always allowed.
    allowed_origins: list[str] = Field(default_factory=list)
    greeting: str | None = None
    # Tokens a day its visitors may spend (its owner pays); 0: no model, offline replies.
    daily_token_budget: int = 100_000
    booking_enabled: bool = True


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
    # What the model may do by calling functions (agents_backend/tools/); `scheduling`
    # counts only while `scheduling_enabled` (the calendar takes meetings).
    tools: list[ToolSet] = Field(default_factory=list)
    # Booking: None means the server's defaults (CALENDAR_WORK_*, GOOGLE_CALENDAR_ID).
    working_hours: WorkingHours | None = None
    calendar_id: str | None = None
    builtin: bool = True
    user_id: str | None = None
    # Custom bots only: the owner's own OpenAI key as Fernet ciphertext (see crypto.py),
    # never the key itself; `repr=False` keeps even the ciphertext out of logs.
    openai_key_encrypted: str | None = Field(default=None, repr=False)
    openai_account: str | None = None
    publication: Publication | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> AgentProfile:
        fields = {k: v for k, v in document.items() if k != "_id"}
        if "tools" not in fields:
            # Stored before bots had tools: one that books meetings books through them.
            fields["tools"] = ["scheduling"] if fields.get("scheduling_enabled") else []
        return cls.model_validate(fields)

    def to_document(self) -> dict[str, Any]:
        return {"_id": self.storage_id, **self.model_dump()}

    @property
    def storage_id(self) -> str:
        return self.key if self.user_id is None else f"{self.user_id}:{self.key}"
