"""Reading a workspace's inbox: the list, one conversation's detail and its messages,
and how far the reader has read (unread counts).

Every read is scoped by the caller's workspaces (visitors/takeover.py
`ConversationStates.conversation`): another workspace's conversation is not found.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agents_backend.chat import history
from agents_backend.chat.models import ChatMessage
from agents_backend.chat.service import AgentCore
from agents_backend.contract import ErrorCode
from agents_backend.core.database import Database
from agents_backend.core.errors import AgentError
from agents_backend.core.visitor_ids import PREFIX
from agents_backend.visitors import store
from agents_backend.visitors.rows import InboxRows
from agents_backend.visitors.schemas import (
    InboxConversationDetail,
    InboxListItem,
    InboxMessagePage,
)
from agents_backend.visitors.takeover import ConversationStates
from agents_backend.workspaces.service import Workspaces

# The messages the findings and the summary are drawn from.
FINDINGS_MESSAGES = 100


class InboxReader:
    def __init__(
        self,
        *,
        db: Database,
        workspaces: Workspaces,
        rows: InboxRows,
        states: ConversationStates,
        core: AgentCore,
    ) -> None:
        self._db = db
        self._workspaces = workspaces
        self._rows = rows
        self._states = states
        self._core = core

    async def conversations(
        self,
        user: Mapping[str, Any],
        *,
        workspace: str | None,
        status: str | None,
        agent_key: str | None,
        q: str | None,
        limit: int,
    ) -> list[InboxListItem]:
        """Newest activity first, across the caller's workspaces (or the one asked for)."""
        if workspace is not None:
            owner_ids = [(await self._workspaces.require(user, workspace)).workspace_id]
        else:
            owner_ids = [m.workspace_id for m in await self._workspaces.memberships(user)]
        search = (q or "").strip() or None
        mentioning = (
            await history.conversations_mentioning(
                db=self._db, user_ids=owner_ids, text=search, contact_prefix=PREFIX
            )
            if search
            else None
        )
        documents = await store.list_for(
            db=self._db,
            owner_ids=owner_ids,
            agent_key=agent_key,
            status=status,
            search=search,
            matching_ids=mentioning,
            limit=limit,
        )
        return await self._rows.rows(documents, reader_id=str(user["_id"]))

    async def detail(
        self, user: Mapping[str, Any], conversation_id: str
    ) -> InboxConversationDetail:
        """The row, what NLU found in the visitor's messages, and a summary."""
        document, _seat = await self._states.conversation(user, conversation_id)
        row = await self._rows.row(document, reader_id=str(user["_id"]))
        recent = await history.recent(
            db=self._db,
            user_id=row.workspace_id,
            agent_key=row.agent_key,
            contact_id=conversation_id,
            limit=FINDINGS_MESSAGES,
        )
        return InboxConversationDetail(
            conversation=row,
            findings=_findings(recent),
            summary=history.quick_summary(recent) if recent else None,
        )

    async def messages(
        self, user: Mapping[str, Any], conversation_id: str, *, before: str | None, limit: int
    ) -> InboxMessagePage:
        document, _seat = await self._states.conversation(user, conversation_id)
        owner_id, agent_key = str(document["owner_id"]), str(document["agent_key"])
        page = await history.earlier(
            db=self._db,
            user_id=owner_id,
            agent_key=agent_key,
            contact_id=conversation_id,
            limit=limit,
            before=before,
        )
        if page is None:
            raise AgentError(ErrorCode.MESSAGE_NOT_FOUND)
        found, has_more = page
        streaming = (
            []
            if before is not None  # an older page: what streams now is not in it
            else await self._core.still_streaming(
                user_id=owner_id, agent_key=agent_key, contact_id=conversation_id, shown=found
            )
        )
        return InboxMessagePage(
            messages=[m.to_event() for m in found], has_more=has_more, streaming=streaming
        )

    async def mark_read(self, user: Mapping[str, Any], conversation_id: str) -> None:
        document, _seat = await self._states.conversation(user, conversation_id)
        await store.mark_read(
            db=self._db,
            conversation_id=conversation_id,
            user_id=str(user["_id"]),
            count=int(document.get("visitor_messages", 0)),
        )


def _findings(messages: list[ChatMessage]) -> dict[str, Any]:
    """Everything NLU found in the visitor's messages, each value once, newest last."""
    intents: list[str] = []
    emails: list[str] = []
    phones: list[str] = []
    dates: list[str] = []
    for message in messages:
        nlp = message.nlp or {}
        if message.author != "user" or not nlp:
            continue
        for values, value in (
            (intents, nlp.get("intent")),
            (emails, nlp.get("email")),
            (phones, nlp.get("phone")),
            (dates, nlp.get("datetime") or nlp.get("date")),
        ):
            if value and value not in values:
                values.append(str(value))
    language = next(
        (m.nlp.get("language") for m in reversed(messages) if m.author == "user" and m.nlp),
        None,
    )
    return {
        "intents": intents,
        "emails": emails,
        "phones": phones,
        "dates": dates,
        "language": language,
    }
