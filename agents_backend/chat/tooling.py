"""What a reply run needs of the agent's tools, without knowing how they work.

The tools themselves (agents_backend/tools/: availability, booking, tasks, the slot
picker) sit above chat: they use scheduling and tasks, which chat must not import. The
core is handed a `ToolBox` at start (runtime.py, `AgentCore.use_tools`); a reply run asks
it which functions to offer the model and runs each call the model makes through it.
The run owns the rounds (how many, the status line, storing the calls with the reply);
the toolbox owns what one call means, and never trusts the model's arguments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from agents_backend.bots.models import AgentProfile
from agents_backend.chat.models import ChatMessage
from agents_backend.contract import Language, ToolName, ToolOutcome
from agents_backend.core.emitter import Emitter
from agents_backend.core.identity import SessionUser
from agents_backend.integrations.openai_client import ToolCall


@dataclass(frozen=True)
class ToolContext:
    """The conversation a call is made in: whose it is, what the person wrote in it."""

    user: SessionUser  # the agent's owner (for a website visitor's conversation too)
    agent: AgentProfile
    message: ChatMessage  # the person's message being answered
    # The conversation before it, oldest first (what the person wrote there grounds the
    # e-mail and phone a call may use).
    history: Sequence[ChatMessage]
    emitter: Emitter
    language: Language
    reply_id: str


@dataclass(frozen=True)
class ToolResult:
    """One call's outcome: what the model is told, and what is stored with the reply."""

    name: ToolName
    outcome: ToolOutcome
    # Told back to the model as the `tool` message (JSON): the slots, the booking, the
    # alternatives to a taken slot, or why the call was refused.
    content: dict[str, Any]
    # Why it was refused or failed (`slot_taken`, `email_not_given`, `invalid_date`...).
    code: str | None = None
    # The arguments as validated (stored with the reply; never the model's raw text).
    arguments: dict[str, Any] = field(default_factory=dict)
    # A `book_meeting` that booked: the only thing that lets a reply say "booked".
    booked: bool = False


class ToolBox(Protocol):
    async def offered(
        self, *, user: SessionUser, agent: AgentProfile, contact_id: str
    ) -> Sequence[dict[str, Any]]:
        """The function tools (OpenAI's format) this agent's model may call in this
        conversation; none for an agent without tools."""
        ...

    async def run(self, call: ToolCall, context: ToolContext) -> ToolResult:
        """Runs one call; never raises for the model's mistakes (they are a refused
        result the model reads), nor for a tool that fails (a failed result)."""
        ...
