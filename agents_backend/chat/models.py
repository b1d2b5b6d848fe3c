"""A stored message as every layer above the database sees it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


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
