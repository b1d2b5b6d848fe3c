"""The Socket.IO contract: event names and the payload of every client event.

Shared by the socket layer (which validates) and the agent services (which emit), and
mirrored one to one by the SPA's TypeScript types.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Key = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
ContactId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]


class ClientEvent(StrEnum):
    SEND = "agent:send"
    SET_AUTO_CREATE = "agent:set-auto-create"
    REQUEST_SUMMARY = "agent:request-summary"
    SCHEDULE_CONFIRM = "agent:schedule-confirm"


class ServerEvent(StrEnum):
    MESSAGE = "agent:message"
    TYPING = "agent:typing"
    STREAM = "agent:stream"
    SUGGESTIONS = "agent:suggestions"
    SHOW_SLOT_PICKER = "agent:show-slot-picker"
    AUTO_CREATE_UPDATED = "agent:auto-create-updated"
    SUMMARY = "agent:summary"
    SCHEDULE_CONFIRM = "agent:schedule-confirm"
    TASK_CREATED = "agent:task-created"
    ERROR = "agent:error"
    SESSION_ENDED = "agent:session-ended"


class Payload(BaseModel):
    """Strict: a number where a string belongs is an error, not something to coerce."""

    model_config = ConfigDict(strict=True, extra="ignore", str_strip_whitespace=True)


class SendPayload(Payload):
    agent_key: Key = Field(alias="agentKey")
    contact_id: ContactId = Field(alias="contactId")
    # The length limit is the server's setting (MAX_MESSAGE_CHARS), checked by the core;
    # this bound only keeps validation itself cheap on absurd input.
    message: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    client_message_id: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = (
        Field(default=None, alias="clientMessageId")
    )


class SetAutoCreatePayload(Payload):
    agent_key: Key = Field(alias="agentKey")
    auto_create: bool = Field(alias="autoCreate")


class ConversationPayload(Payload):
    agent_key: Key = Field(alias="agentKey")
    contact_id: ContactId = Field(alias="contactId")


class ScheduleConfirmPayload(Payload):
    """`agent:schedule-confirm`: the slot the person picked and how to reach them.

    Date, time and e-mail may be left out when the conversation already gave them: the
    server then uses what NLU understood of the person's latest message (the slot
    picker's `suggestedDate`, `suggestedTime` and `email`). Formats are checked by the
    booking service, so a bad value gets a specific error rather than a schema dump.
    """

    agent_key: Key = Field(alias="agentKey")
    contact_id: ContactId = Field(alias="contactId")
    date: Annotated[str, StringConstraints(max_length=32)] | None = None
    time: Annotated[str, StringConstraints(max_length=16)] | None = None
    email: Annotated[str, StringConstraints(max_length=320)] | None = None
    phone: Annotated[str, StringConstraints(max_length=32)] | None = None
    duration_minutes: int | None = Field(default=None, alias="durationMinutes")
