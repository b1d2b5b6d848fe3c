"""REST bodies of the owner's view of visitor conversations (`/inbox`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from agents_backend.contract import AgentMessageEvent, BookedEvent
from agents_backend.core.schemas import CamelOut

ConversationStatus = Literal["bot", "waiting", "human", "closed"]


class LeadContact(CamelOut):
    """What the visitor gave: in the chat (found by NLU) or in the booking form."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None


class InboxConversation(CamelOut):
    id: str = Field(description="The conversation id: the contactId of its messages.")
    agent_key: str
    agent_name: str
    agent_emoji: str
    status: ConversationStatus
    contact: LeadContact
    last_message: AgentMessageEvent | None
    last_activity: int = Field(description="Epoch milliseconds.")
    created_at: int = Field(description="Epoch milliseconds.")
    bookings: list[BookedEvent]


class InboxConversationList(CamelOut):
    conversations: list[InboxConversation] = Field(description="Newest activity first.")
