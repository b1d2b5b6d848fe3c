"""REST bodies of a workspace's inbox of visitor conversations (`/inbox`)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints

from agents_backend.contract import AgentMessageEvent, InboxConversation, StreamingReply
from agents_backend.core.schemas import CamelIn, CamelOut


class InboxListItem(InboxConversation):
    unread: int = Field(description="The visitor's messages the caller has not read.")


class InboxConversationList(CamelOut):
    conversations: list[InboxListItem] = Field(description="Newest activity first.")


class InboxConversationDetail(CamelOut):
    conversation: InboxListItem
    findings: dict[str, Any] = Field(
        description="What NLU found in the visitor's messages: intents, emails, phones, dates."
    )
    summary: str | None = Field(description="The latest summary of the conversation.")


class InboxMessagePage(CamelOut):
    messages: list[AgentMessageEvent] = Field(description="Oldest first.")
    has_more: bool
    streaming: list[StreamingReply]


class HumanMessageIn(CamelIn):
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
    client_message_id: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None
