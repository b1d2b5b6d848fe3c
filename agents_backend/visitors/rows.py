"""A workspace's visitor conversations as the inbox shows them: one row each.

A row joins what lives apart: the conversation's document (status, contact, counts),
its bot (name, emoji), its last message and its bookings, and how far the reader has
read it. Built here once for the list, the detail and every `inbox:*` event.
"""

from __future__ import annotations

from collections import defaultdict

from agents_backend.bots.models import AgentProfile
from agents_backend.bots.service import AgentDirectory
from agents_backend.chat import history
from agents_backend.contract import Assignee, BookedEvent, InboxConversation, LeadContact
from agents_backend.core.database import Database, Document
from agents_backend.core.visitor_ids import is_visitor_conversation
from agents_backend.scheduling.service import SchedulingService
from agents_backend.visitors import store
from agents_backend.visitors.schemas import InboxListItem


class InboxRows:
    def __init__(
        self, *, db: Database, agents: AgentDirectory, scheduling: SchedulingService
    ) -> None:
        self._db = db
        self._agents = agents
        self._scheduling = scheduling

    async def rows(self, documents: list[Document], *, reader_id: str) -> list[InboxListItem]:
        """The rows of `documents`, in their order, with the reader's unread counts; a
        conversation whose bot was deleted a moment ago is left out."""
        if not documents:
            return []
        owners = {str(d["owner_id"]) for d in documents}
        bookings = {owner: await self._bookings(owner) for owner in owners}
        agents: dict[tuple[str, str], AgentProfile | None] = {}
        read = await store.reads(
            db=self._db, user_id=reader_id, conversation_ids=[d["_id"] for d in documents]
        )
        found = []
        for document in documents:
            scope = (str(document["owner_id"]), str(document["agent_key"]))
            if scope not in agents:
                agents[scope] = await self._agents.find(user_id=scope[0], key=scope[1])
            agent = agents[scope]
            if agent is None:
                continue
            row = await self._conversation(document, agent, bookings[scope[0]])
            unread = int(document.get("visitor_messages", 0)) - read.get(document["_id"], 0)
            found.append(InboxListItem(**row.model_dump(), unread=max(0, unread)))
        return found

    async def row(self, document: Document, *, reader_id: str | None = None) -> InboxListItem:
        """One row; without a reader (an event to the whole workspace), unread is 0 and
        each client keeps its own count."""
        if reader_id is not None:
            rows = await self.rows([document], reader_id=reader_id)
            if rows:
                return rows[0]
        agent = await self._agents.find(
            user_id=str(document["owner_id"]), key=str(document["agent_key"])
        )
        bookings = await self._bookings(str(document["owner_id"]))
        if agent is None:
            raise LookupError(document["_id"])
        row = await self._conversation(document, agent, bookings)
        return InboxListItem(**row.model_dump(), unread=0)

    async def _bookings(self, owner_id: str) -> dict[str, list[BookedEvent]]:
        found: dict[str, list[BookedEvent]] = defaultdict(list)
        for booking in await self._scheduling.list_bookings(
            user_id=owner_id, include_inactive=False
        ):
            if is_visitor_conversation(booking.contact_id):
                found[booking.contact_id].append(booking)
        return found

    async def _conversation(
        self, document: Document, agent: AgentProfile, bookings: dict[str, list[BookedEvent]]
    ) -> InboxConversation:
        owner_id = str(document["owner_id"])
        last = await history.recent(
            db=self._db, user_id=owner_id, agent_key=agent.key, contact_id=document["_id"], limit=1
        )
        last_message = last[-1].to_event() if last else None
        assignee = document.get("assignee")
        return InboxConversation(
            id=document["_id"],
            workspace_id=owner_id,
            agent_key=agent.key,
            agent_name=agent.name,
            agent_emoji=agent.emoji,
            status=document.get("status", "bot"),
            assignee=Assignee(id=assignee["id"], name=assignee["name"]) if assignee else None,
            contact=LeadContact.model_validate(document.get("contact") or {}),
            last_message=last_message,
            last_activity=max(
                int(document["last_activity"]), last_message.timestamp if last_message else 0
            ),
            created_at=int(document["created_at"]),
            waiting_since=document.get("waiting_since"),
            bookings=bookings.get(document["_id"], []),
        )
