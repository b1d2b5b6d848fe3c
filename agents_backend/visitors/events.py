"""Telling everyone a visitor conversation changed: the workspace's inbox (every
member's tabs, through the workspace's room), the visitor (their status line and a
System notice in their language) and the workspace's webhooks.

One place, so a takeover, a hand-back, a close, a handoff request and its timeout all
announce themselves the same way.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from agents_backend.chat import history
from agents_backend.contract import (
    InboxConversationEvent,
    InboxHandoffEvent,
    VisitorStatusEvent,
)
from agents_backend.core import i18n
from agents_backend.core.database import Database, Document
from agents_backend.core.emitter import ConversationEmitter
from agents_backend.visitors.rows import InboxRows
from agents_backend.visitors.schemas import InboxListItem
from agents_backend.webhooks.events import WebhookEventType
from agents_backend.webhooks.service import WebhookOutbox

logger = logging.getLogger(__name__)


class InboxEvents:
    def __init__(
        self,
        *,
        db: Database,
        rows: InboxRows,
        emitter: ConversationEmitter,
        outbox: WebhookOutbox | None = None,
    ) -> None:
        self._db = db
        self._rows = rows
        self._emitter = emitter
        self._outbox = outbox

    async def changed(self, document: Document) -> InboxListItem:
        """The conversation's row to the workspace, its status to the visitor."""
        row = await self._rows.row(document)
        await self._emitter.to_user(row.workspace_id, InboxConversationEvent(conversation=row))
        assignee = document.get("assignee")
        status = VisitorStatusEvent(
            status=row.status, human_name=assignee["name"] if assignee else None
        )
        await self._emitter.to_visitor(row.id, status)
        return row

    async def notice(self, document: Document, key: str, /, **params: object) -> None:
        """A System message in the conversation, in the visitor's language: both sides
        read it, and the agent's context has it."""
        language = i18n.pick(document.get("language"))
        note = await history.post_system_note(
            db=self._db,
            user_id=str(document["owner_id"]),
            agent_key=str(document["agent_key"]),
            contact_id=str(document["_id"]),
            text=i18n.text(language, f"inbox.{key}", **params),
        )
        await self._emitter.to_user(str(document["owner_id"]), note.to_event())

    async def handoff_requested(
        self, document: Document, reason: Literal["visitor", "button", "model"]
    ) -> None:
        row = await self.changed(document)
        await self._emitter.to_user(
            row.workspace_id, InboxHandoffEvent(conversation=row, reason=reason)
        )
        await self.webhook(
            document,
            WebhookEventType.HANDOFF_REQUESTED,
            {"reason": reason, "contact": _contact(row)},
        )

    async def webhook(
        self, document: Document, event_type: WebhookEventType, data: dict[str, Any]
    ) -> None:
        """Queued for the workspace's endpoints; a failure to queue is logged, never
        raised into the chat."""
        if self._outbox is None:
            return
        body = {"conversationId": document["_id"], "agentKey": document["agent_key"], **data}
        try:
            await self._outbox.publish(
                str(document["owner_id"]), event_type, body, conversation_id=str(document["_id"])
            )
        except Exception:  # the outbox logs its own; this only guards the chat
            logger.exception("could not queue %s for %s", event_type, document["_id"])


def _contact(row: InboxListItem) -> dict[str, Any]:
    return row.contact.model_dump(by_alias=True)
