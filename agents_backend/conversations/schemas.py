"""REST bodies of a person's conversation list and message search."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from agents_backend.contract import Author
from agents_backend.core.schemas import CamelIn, CamelOut

TitleSource = Literal["custom", "first_message", "summary"]
"""`custom`: the person renamed it; `first_message`: what they first wrote; `summary`:
reserved for a title written from the conversation's summary (not produced yet)."""

ConversationTitle = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)
]


class LastMessage(CamelOut):
    author: Author
    text: str = Field(description="The start of the message (a preview, cut at ~140 chars).")


class ConversationSummary(CamelOut):
    contact_id: str
    title: str
    title_source: TitleSource
    last_activity: int = Field(description="Epoch ms of the conversation's newest message.")
    last_message: LastMessage | None
    message_count: int


class ConversationList(CamelOut):
    conversations: list[ConversationSummary] = Field(description="Newest activity first.")
    has_more: bool
    next_cursor: str | None = Field(description="`before` for the next page; null at the end.")


class ConversationRename(CamelIn):
    title: ConversationTitle


class Highlight(CamelOut):
    """Where a searched word is in `snippet` (character offsets, end exclusive)."""

    start: int
    end: int


class MessageHit(CamelOut):
    agent_key: str
    contact_id: str
    message_id: str
    author: Author
    snippet: str = Field(description="Plain text around the first match (never HTML).")
    highlights: list[Highlight]
    timestamp: int
    score: float


class MessageSearch(BaseModel):
    results: list[MessageHit] = Field(description="Best match first.")
