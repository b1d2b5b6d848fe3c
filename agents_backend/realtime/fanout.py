"""Who hears a conversation's events: its owner's sockets, and a visitor's own.

Services address events to a person (`Emitter.to_user`). A website visitor's
conversation belongs to the bot's owner, so the owner's tabs get every event of it
(they watch it live); the visitor's sockets get their copy of the events that are theirs
to see (visitors/views.py). One rule here serves every path that emits: a reply, a
takeover by the sweeper, a booking, a refusal.
"""

from __future__ import annotations

from agents_backend.contract import ServerPayload
from agents_backend.core.visitor_ids import is_visitor_conversation
from agents_backend.realtime.namespace import AgentNamespace
from agents_backend.realtime.visitors import VisitorNamespace
from agents_backend.visitors.views import for_visitor


class ConversationFanout:
    def __init__(self, owners: AgentNamespace, visitors: VisitorNamespace) -> None:
        self._owners = owners
        self._visitors = visitors

    async def to_user(self, user_id: str, payload: ServerPayload) -> None:
        await self._owners.to_user(user_id, payload)
        conversation = getattr(payload, "contact_id", None)
        if isinstance(conversation, str) and is_visitor_conversation(conversation):
            shown = for_visitor(payload)
            if shown is not None:
                await self._visitors.to_conversation(conversation, shown)
