"""Who answers a visitor: the agent, or a person of the workspace.

A conversation is `bot` (the agent answers), `waiting` (a person was asked for; the
agent is silent until one takes it or the wait runs out), `human` (a person holds it;
the agent is silent) or `closed` (the visitor's next message reopens it with the
agent). Each change is one conditional update of the conversation's document
(visitors/store.py `change`): of two people taking one conversation at once, exactly
one matches, and the other is told who was first.

Silencing the agent is two things: the gate every reply asks before it starts
(`agent_may_answer`, given to the chat core), and stopping the replies already under
way on whichever process runs them (`AgentCore.stop_replies`); the gate is asked after
a run registers for stops, so no reply slips between the two.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

from agents_backend.bots.service import AgentDirectory
from agents_backend.chat import history
from agents_backend.chat.history import now_ms
from agents_backend.chat.service import AgentCore
from agents_backend.chat.streams import ConversationKey
from agents_backend.contract import AgentMessageEvent, ErrorCode, ShowSlotPickerEvent
from agents_backend.core.database import Database, Document
from agents_backend.core.emitter import ConversationEmitter
from agents_backend.core.errors import AgentError
from agents_backend.core.visitor_ids import is_visitor_conversation
from agents_backend.visitors import store
from agents_backend.visitors.access import booking_open
from agents_backend.visitors.events import InboxEvents
from agents_backend.visitors.schemas import InboxListItem
from agents_backend.webhooks.events import WebhookEventType
from agents_backend.workspaces.service import Membership, Workspaces

# While a person holds a conversation or one was asked for, the agent does not answer.
SILENT = frozenset({"human", "waiting"})


class ConversationStates:
    def __init__(
        self,
        *,
        db: Database,
        workspaces: Workspaces,
        agents: AgentDirectory,
        core: AgentCore,
        events: InboxEvents,
        emitter: ConversationEmitter,
        handoff_timeout_seconds: float,
    ) -> None:
        self._db = db
        self._workspaces = workspaces
        self._agents = agents
        self._core = core
        self._events = events
        self._emitter = emitter
        self._handoff_timeout = handoff_timeout_seconds

    # -- access ------------------------------------------------------------------------

    async def conversation(
        self, user: Mapping[str, Any], conversation_id: str
    ) -> tuple[Document, Membership]:
        """The conversation, if it is in one of the person's workspaces; otherwise
        `conversation_not_found`, whether or not it exists elsewhere."""
        memberships = await self._workspaces.memberships(user)
        seats = {m.workspace_id: m for m in memberships}
        document = await store.find(
            db=self._db, conversation_id=conversation_id, owner_ids=list(seats)
        )
        if document is None:
            raise AgentError(ErrorCode.CONVERSATION_NOT_FOUND)
        return document, seats[str(document["owner_id"])]

    # -- the gate the chat core asks before every reply ---------------------------------

    async def agent_may_answer(self, conversation: ConversationKey) -> bool:
        if not is_visitor_conversation(conversation.contact_id):
            return True
        status = await store.status_of(db=self._db, conversation_id=conversation.contact_id)
        return status not in SILENT

    # -- a person of the workspace -------------------------------------------------------

    async def take(self, user: Mapping[str, Any], conversation_id: str) -> InboxListItem:
        """The caller holds it: the agent's reply under way is cut, and it stays silent."""
        document, _seat = await self.conversation(user, conversation_id)
        me = {"id": str(user["_id"]), "name": str(user["name"])}
        taken = await store.change(
            db=self._db,
            conversation_id=conversation_id,
            owner_id=str(document["owner_id"]),
            when={"$or": [{"status": {"$ne": "human"}}, {"assignee.id": me["id"]}]},
            update={
                "$set": {"status": "human", "assignee": me, "taken_at": now_ms()},
                "$unset": {"handoff_deadline": "", "waiting_since": ""},
            },
        )
        if taken is None:
            holder = await store.find(
                db=self._db, conversation_id=conversation_id, owner_ids=[document["owner_id"]]
            )
            name = ((holder or {}).get("assignee") or {}).get("name", "")
            raise AgentError(ErrorCode.CONVERSATION_TAKEN, name=name)
        already_mine = document.get("status") == "human" and _holder(document) == me["id"]
        if already_mine:
            return await self._events.changed(taken)
        await self._stop_agent(taken, "taken")
        await self._events.notice(taken, "joined", name=me["name"])
        return await self._events.changed(taken)

    async def hand_back(self, user: Mapping[str, Any], conversation_id: str) -> InboxListItem:
        """The agent answers again, with the person's messages in its context. The
        holder hands back; a workspace owner may hand back anyone's."""
        document, seat = await self.conversation(user, conversation_id)
        when: Document = {"status": "human"}
        if not seat.manages:
            when["assignee.id"] = str(user["_id"])
        handed = await store.change(
            db=self._db,
            conversation_id=conversation_id,
            owner_id=str(document["owner_id"]),
            when=when,
            update={"$set": {"status": "bot"}, "$unset": {"assignee": ""}},
        )
        if handed is None:
            raise AgentError(ErrorCode.CONVERSATION_NOT_HELD)
        agent = await self._agents.find(
            user_id=str(handed["owner_id"]), key=str(handed["agent_key"])
        )
        await self._events.notice(
            handed, "handedBack", name=str(user["name"]), agent=agent.name if agent else ""
        )
        return await self._events.changed(handed)

    async def close(self, user: Mapping[str, Any], conversation_id: str) -> InboxListItem:
        """Closed: the visitor is told; their next message reopens it with the agent."""
        document, _seat = await self.conversation(user, conversation_id)
        closed = await store.change(
            db=self._db,
            conversation_id=conversation_id,
            owner_id=str(document["owner_id"]),
            when={"status": {"$ne": "closed"}},
            update={
                "$set": {"status": "closed", "closed_by": str(user["_id"])},
                "$unset": {"assignee": "", "handoff_deadline": "", "waiting_since": ""},
            },
        )
        if closed is None:  # already closed: nothing changes
            return await self._events.changed(document)
        await self._stop_agent(closed, "closed")
        await self._events.notice(closed, "closed")
        row = await self._events.changed(closed)
        await self._events.webhook(
            closed, WebhookEventType.CONVERSATION_CLOSED, {"closedBy": str(user["_id"])}
        )
        return row

    async def write(
        self, user: Mapping[str, Any], conversation_id: str, text: str
    ) -> AgentMessageEvent:
        """A message of the person holding the conversation, under their name."""
        document, _seat = await self.conversation(user, conversation_id)
        if document.get("status") != "human" or _holder(document) != str(user["_id"]):
            raise AgentError(ErrorCode.CONVERSATION_NOT_HELD)
        message = await history.post_human_message(
            db=self._db,
            user_id=str(document["owner_id"]),
            agent_key=str(document["agent_key"]),
            contact_id=conversation_id,
            text=text,
            author_name=str(user["name"]),
        )
        await store.touch(db=self._db, conversation_id=conversation_id, at=message.ts)
        event = message.to_event()
        await self._emitter.to_user(str(document["owner_id"]), event)
        return event

    # -- the visitor -------------------------------------------------------------------

    async def reopen_if_closed(self, conversation_id: str, owner_id: str) -> None:
        """A closed conversation's visitor wrote again: the agent answers them."""
        reopened = await store.change(
            db=self._db,
            conversation_id=conversation_id,
            owner_id=owner_id,
            when={"status": "closed"},
            update={"$set": {"status": "bot"}, "$unset": {"closed_by": ""}},
        )
        if reopened is not None:
            await self._events.changed(reopened)

    async def request_handoff(
        self,
        conversation_id: str,
        owner_id: str,
        reason: Literal["visitor", "button", "model"],
    ) -> bool:
        """A person is asked for: the agent stops, the visitor is told how long it
        usually takes, the workspace is notified. False when a person already holds
        it or was already asked for."""
        now = now_ms()
        waiting = await store.change(
            db=self._db,
            conversation_id=conversation_id,
            owner_id=owner_id,
            when={"status": {"$in": ["bot", "closed"]}},
            update={
                "$set": {
                    "status": "waiting",
                    "waiting_since": now,
                    "handoff_deadline": now + int(self._handoff_timeout * 1000),
                }
            },
        )
        if waiting is None:
            return False
        await self._stop_agent(waiting, "handoff")
        minutes = max(1, math.ceil(self._handoff_timeout / 60))
        await self._events.notice(waiting, "waiting", minutes=minutes)
        await self._events.handoff_requested(waiting, reason)
        return True

    async def model_asks_for_person(self, conversation: ConversationKey) -> None:
        """The agent's model called `request_human` (chat/handoff.py)."""
        await self.request_handoff(conversation.contact_id, conversation.user_id, "model")

    async def expire_handoffs(self) -> int:
        """Conversations nobody took in time go back to the agent, which says so and
        offers to book a meeting (the slot picker, when the bot lets visitors book)."""
        expired = 0
        while (document := await store.next_expired_handoff(db=self._db, now=now_ms())) is not None:
            expired += 1
            agent = await self._agents.find(
                user_id=str(document["owner_id"]), key=str(document["agent_key"])
            )
            books = agent is not None and booking_open(agent)
            await self._events.notice(document, "noOneCame" if books else "noOneCameNoBooking")
            await self._events.changed(document)
            if books:
                contact = document.get("contact") or {}
                picker = ShowSlotPickerEvent(
                    agent_key=str(document["agent_key"]),
                    contact_id=str(document["_id"]),
                    message_id=str(document["_id"]),
                    email=contact.get("email"),
                    phone=contact.get("phone"),
                    customer_email=contact.get("email"),
                    customer_phone=contact.get("phone"),
                    suggested_date=None,
                    suggested_time=None,
                )
                await self._emitter.to_user(str(document["owner_id"]), picker)
        return expired

    async def _stop_agent(self, document: Document, reason: str) -> None:
        key = ConversationKey(
            str(document["owner_id"]), str(document["agent_key"]), str(document["_id"])
        )
        await self._core.stop_replies(key, reason)


def _holder(document: Document) -> str | None:
    assignee = document.get("assignee")
    return str(assignee["id"]) if assignee else None
