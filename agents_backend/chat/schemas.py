"""REST bodies of /agents: the agents a person may talk to and their history."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from agents_backend.contract import AgentMessageEvent, StreamingReply


class AgentPublic(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    key: str
    name: str
    emoji: str
    description: str
    specialties: list[str]
    model: str | None
    temperature: float
    scheduling_enabled: bool = Field(serialization_alias="schedulingEnabled")
    builtin: bool
    auto_create: bool = Field(
        default=False,
        serialization_alias="autoCreate",
        description="Whether this user has auto-created tasks on for this agent.",
    )


class AgentList(BaseModel):
    agents: list[AgentPublic]
    offline: bool = Field(description="True when the server answers without an AI model.")
    max_message_chars: int = Field(
        serialization_alias="maxMessageChars",
        description="The longest message the server takes (characters); longer is refused.",
    )


class MessagePage(BaseModel):
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    messages: list[AgentMessageEvent] = Field(description="agent:message payloads, oldest first.")
    has_more: bool = Field(serialization_alias="hasMore")
    streaming: list[StreamingReply] = Field(
        default_factory=list,
        description="Replies streaming right now (not on pages read with `before`).",
    )
    has_more_newer: bool = Field(
        default=False,
        serialization_alias="hasMoreNewer",
        description="A page read `around` a message: whether newer messages follow it.",
    )
