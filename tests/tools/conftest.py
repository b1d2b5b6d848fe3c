"""The agent's toolbox in-process: real mongod, the local calendar, a pinned clock.

Calls are driven as the chat loop makes them (a `ToolCall` with the model's JSON text
and a `ToolContext`); what the person would receive is collected through the `Emitter`
protocol, the seam the socket layer implements.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from bson import ObjectId

from agents_backend.bots.builtin import BUILTIN_AGENTS
from agents_backend.bots.models import AgentProfile
from agents_backend.bots.service import AgentDirectory
from agents_backend.calendar_accounts.directory import SingleCalendar
from agents_backend.chat.models import ChatMessage
from agents_backend.chat.tooling import ToolContext, ToolResult
from agents_backend.contract import ServerPayload
from agents_backend.core.database import Database
from agents_backend.core.embedded_mongo import EmbeddedMongo
from agents_backend.core.identity import SessionUser
from agents_backend.integrations.calendar.local import LocalCalendar
from agents_backend.integrations.openai_client import ToolCall
from agents_backend.scheduling.config import SchedulingConfig
from agents_backend.scheduling.service import SchedulingService
from agents_backend.tasks.service import AutoCreateSwitches
from agents_backend.tools.meetings import BookedLead
from agents_backend.tools.toolbox import AgentToolBox

NOW = datetime(2026, 3, 9, 12, tzinfo=UTC)  # Monday 09:00 in Sao Paulo
TOMORROW = "2026-03-10"
USER = SessionUser(id="owner-1", name="Maria Souza", email="maria@example.com")
_ids = itertools.count(1)


class Inbox:
    """What the person's sockets would have received."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    async def to_user(self, user_id: str, payload: ServerPayload) -> None:
        self.events.append((str(payload.event), payload.to_wire()))

    def named(self, name: str) -> list[dict[str, Any]]:
        return [payload for event, payload in self.events if event == name]


@dataclass
class Kit:
    db: Database
    scheduling: SchedulingService
    switches: AutoCreateSwitches
    toolbox: AgentToolBox
    inbox: Inbox
    leads: list[BookedLead] = field(default_factory=list)

    async def sdr(self) -> AgentProfile:
        return await AgentDirectory(db=self.db, builtins=BUILTIN_AGENTS).require(
            user_id=USER.id, key="sdr"
        )

    def said(self, text: str, contact_id: str = "lead-1", agent_key: str = "sdr") -> ChatMessage:
        """A message the person wrote."""
        return message("user", text, contact_id=contact_id, agent_key=agent_key)

    async def call(
        self,
        name: str,
        arguments: dict[str, Any] | str,
        *,
        said: Sequence[ChatMessage] = (),
        agent: AgentProfile | None = None,
        user: SessionUser = USER,
        reply_id: str | None = None,
    ) -> ToolResult:
        """One call of the model's, in a conversation where the person wrote `said`
        (the last of them is the message being answered)."""
        agent = agent or await self.sdr()
        said = list(said) or [self.said("Oi", agent_key=agent.key)]
        context = ToolContext(
            user=user,
            agent=agent,
            message=said[-1],
            history=said[:-1],
            emitter=self.inbox,
            language="pt-BR",
            reply_id=reply_id or str(ObjectId()),
        )
        raw = arguments if isinstance(arguments, str) else json.dumps(arguments)
        return await self.toolbox.run(
            ToolCall(id=f"call_{next(_ids)}", name=name, arguments=raw), context
        )


def message(
    author: str, text: str, *, contact_id: str = "lead-1", agent_key: str = "sdr"
) -> ChatMessage:
    return ChatMessage.model_validate(
        {
            "id": str(ObjectId()),
            "user_id": USER.id,
            "agent_key": agent_key,
            "contact_id": contact_id,
            "author": author,
            "text": text,
            "ts": next(_ids),
        }
    )


def build(db: Database) -> Kit:
    """The toolbox as runtime.py builds it, on the local calendar and a pinned clock."""
    agents = AgentDirectory(db=db, builtins=BUILTIN_AGENTS)
    switches = AutoCreateSwitches(db=db)
    scheduling = SchedulingService(
        db=db,
        agents=agents,
        calendars=SingleCalendar(LocalCalendar()),
        config=SchedulingConfig(),
        switches=switches,
        clock=lambda: NOW,
    )
    leads: list[BookedLead] = []

    async def record_lead(lead: BookedLead) -> None:
        leads.append(lead)

    toolbox = AgentToolBox(db=db, scheduling=scheduling, switches=switches, on_lead=record_lead)
    return Kit(db, scheduling, switches, toolbox, Inbox(), leads)


@pytest.fixture
async def kit(mongo: EmbeddedMongo) -> AsyncIterator[Kit]:
    db = Database.connect(mongo.uri, f"test_tools_{uuid.uuid4().hex[:8]}")
    await db.create_indexes()
    await AgentDirectory(db=db, builtins=BUILTIN_AGENTS).seed()
    yield build(db)
    await db.client.drop_database(db.db.name)
    await db.close()
