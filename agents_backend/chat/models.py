"""A stored message as every layer above the database sees it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from agents_backend.contract import AgentMessageEvent, Author, ToolCallRecord


class ChatMessage(BaseModel):
    """A stored message as every layer above the database sees it."""

    id: str
    user_id: str
    agent_key: str
    contact_id: str
    author: Author
    text: str
    ts: int
    client_message_id: str | None = None
    nlp: dict[str, Any] | None = None
    offline: bool = False
    incomplete: bool = False
    reply_to: str | None = None
    reply_state: str | None = None
    # A user message's reply: its id (the same for every attempt, so a retried reply
    # replaces the one cut short), which attempt this is, and the text an earlier attempt
    # had streamed when its process died.
    reply_id: str | None = None
    attempts: int = 1
    partial_reply: str | None = None
    author_name: str | None = None  # a `human` message's writer
    # A reply the person stopped (its text so far kept); a message regenerated or edited
    # away (kept in the data, never shown); the message an edited one rewrites.
    stopped: bool = False
    superseded: bool = False
    edits: str | None = None
    # The tools an agent's reply called, in order: name, arguments (as validated),
    # outcome and code (chat/tool_rounds.py).
    tool_calls: list[dict[str, Any]] | None = None

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> ChatMessage:
        return cls.model_validate({**document, "id": str(document["_id"])})

    def to_event(self) -> AgentMessageEvent:
        """The `agent:message` payload (camelCase, epoch-ms timestamp) of DESIGN.md."""
        return AgentMessageEvent(
            agent_key=self.agent_key,
            contact_id=self.contact_id,
            id=self.id,
            author=self.author,
            text=self.text,
            timestamp=self.ts,
            offline=self.offline,
            nlp=self.nlp,
            client_message_id=self.client_message_id,
            reply_to=self.reply_to,
            incomplete=True if self.incomplete else None,
            author_name=self.author_name,
            stopped=True if self.stopped else None,
            edits=self.edits,
            tool_calls=[
                ToolCallRecord.model_validate(
                    {"name": c["name"], "outcome": c["outcome"], "code": c.get("code")}
                )
                for c in self.tool_calls
            ]
            if self.tool_calls
            else None,
        )
