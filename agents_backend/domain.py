"""Domain models shared by every layer: what an agent and a message are."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


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
    builtin: bool = True
    user_id: str | None = None

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


class SessionUser(BaseModel):
    """Who a socket belongs to, taken from the access token and the users collection."""

    id: str
    name: str
    email: str

    @property
    def room(self) -> str:
        return f"user:{self.id}"
