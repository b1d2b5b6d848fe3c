"""Who writes the agent's reply: the model, or the offline responder.

Both stream, so the socket path is the same whichever answers.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from agents_backend.bots.models import AgentProfile
from agents_backend.chat.context import build_prompt
from agents_backend.chat.models import ChatMessage
from agents_backend.chat.offline import offline_reply
from agents_backend.integrations.openai_client import (
    OpenAIChat,
    PromptMessage,
    TokenUsage,
    ToolCall,
)
from agents_backend.nlu.models import NLUResult

# What a responder streams: text deltas, the usage, the tools called. A generator, so a
# stopped run closes it (and with it the model's HTTP stream).
ReplyPieces = AsyncGenerator[str | TokenUsage | ToolCall, None]


@dataclass(frozen=True)
class ReplyRequest:
    agent: AgentProfile
    history: Sequence[ChatMessage]
    message: ChatMessage
    nlu: NLUResult
    # Function tools the model may call (OpenAI's format); the offline responder has none.
    tools: Sequence[dict[str, Any]] = ()
    # The tool rounds so far (chat/tool_rounds.py): the model's turns that called tools
    # and their results, after the person's message.
    rounds: Sequence[PromptMessage] = ()

    def prompt(self) -> list[PromptMessage]:
        """What the model is sent for this request."""
        base = build_prompt(
            agent=self.agent, history=self.history, message=self.message, nlu=self.nlu
        )
        return [*base, *self.rounds]


class Responder(Protocol):
    offline: bool

    def model_for(self, agent: AgentProfile) -> str | None: ...

    def reply(self, request: ReplyRequest) -> ReplyPieces: ...


class OpenAIResponder:
    offline = False

    def __init__(self, *, chat: OpenAIChat, default_model: str) -> None:
        self._chat = chat
        self._default_model = default_model

    def model_for(self, agent: AgentProfile) -> str:
        return agent.model or self._default_model

    def reply(self, request: ReplyRequest) -> ReplyPieces:
        return self._chat.stream(
            messages=request.prompt(),
            model=self.model_for(request.agent),
            temperature=request.agent.temperature,
            tools=request.tools,
        )


_WORDS = re.compile(r"\S+\s*")


class OfflineResponder:
    offline = True

    def model_for(self, agent: AgentProfile) -> None:
        return None

    async def reply(self, request: ReplyRequest) -> ReplyPieces:
        for word in _WORDS.findall(offline_reply(request.agent, request.nlu)):
            yield word
