"""Who hears a conversation's events: its owner's sockets, a visitor's own, and the
workspace's inbox.

Services address events to a person (`Emitter.to_user`). A website visitor's
conversation belongs to the bot's owner, whose user id is also the workspace's id. So
for a visitor conversation: the owner's tabs get every event (`agent:*`), the visitor's
sockets get their copy of the events that are theirs to see (visitors/views.py), and
every member of the workspace (owner and teammates, on any process) gets the inbox's
copy (`inbox:message`, `inbox:stream`, `inbox:typing`). The inbox's own events
(`inbox:conversation`, `inbox:handoff`) go to the workspace only. One rule here serves
every path that emits: a reply, a takeover by the sweeper, a booking, a refusal.
"""

from __future__ import annotations

from agents_backend.contract import InboxConversationEvent, InboxHandoffEvent, ServerPayload
from agents_backend.core.rooms import workspace_room
from agents_backend.core.visitor_ids import is_visitor_conversation
from agents_backend.realtime.namespace import AgentNamespace
from agents_backend.realtime.visitors import VisitorNamespace
from agents_backend.visitors.views import for_inbox, for_visitor

_WORKSPACE_ONLY = (InboxConversationEvent, InboxHandoffEvent)


class ConversationFanout:
    def __init__(self, owners: AgentNamespace, visitors: VisitorNamespace) -> None:
        self._owners = owners
        self._visitors = visitors

    async def to_user(self, user_id: str, payload: ServerPayload) -> None:
        if isinstance(payload, _WORKSPACE_ONLY):
            await self._owners.to_room(workspace_room(user_id), payload)
            return
        await self._owners.to_user(user_id, payload)
        conversation = getattr(payload, "contact_id", None)
        if isinstance(conversation, str) and is_visitor_conversation(conversation):
            shown = for_visitor(payload)
            if shown is not None:
                await self._visitors.to_conversation(conversation, shown)
            watched = for_inbox(payload)
            if watched is not None:
                await self._owners.to_room(workspace_room(user_id), watched)

    async def to_visitor(self, conversation_id: str, payload: ServerPayload) -> None:
        await self._visitors.to_conversation(conversation_id, payload)
