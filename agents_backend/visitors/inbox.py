"""The owner's list of their published bots' visitor conversations (read-only here).

Each conversation with its lead's contact, its last message and its bookings: what an
owner scans to see who talked to their bots and who booked.
"""

from __future__ import annotations

from collections import defaultdict

from agents_backend.bots.service import AgentDirectory
from agents_backend.chat import history
from agents_backend.contract import BookedEvent
from agents_backend.core.database import Database
from agents_backend.core.visitor_ids import is_visitor_conversation
from agents_backend.scheduling.service import SchedulingService
from agents_backend.visitors import store
from agents_backend.visitors.schemas import InboxConversation, LeadContact


async def visitor_conversations(
    *,
    db: Database,
    agents: AgentDirectory,
    scheduling: SchedulingService,
    owner_id: str,
    agent_key: str | None,
    limit: int,
) -> list[InboxConversation]:
    documents = await store.list_for_owner(
        db=db, owner_id=owner_id, agent_key=agent_key, limit=limit
    )
    bookings: dict[str, list[BookedEvent]] = defaultdict(list)
    if documents:
        for booking in await scheduling.list_bookings(user_id=owner_id, include_inactive=False):
            if is_visitor_conversation(booking.contact_id):
                bookings[booking.contact_id].append(booking)
    found = []
    for document in documents:
        agent = await agents.find(user_id=owner_id, key=document["agent_key"])
        if agent is None:  # deleted with its conversations a moment ago
            continue
        last = await history.recent(
            db=db,
            user_id=owner_id,
            agent_key=agent.key,
            contact_id=document["_id"],
            limit=1,
        )
        last_message = last[-1].to_event() if last else None
        found.append(
            InboxConversation(
                id=document["_id"],
                agent_key=agent.key,
                agent_name=agent.name,
                agent_emoji=agent.emoji,
                status=document.get("status", "bot"),
                contact=LeadContact.model_validate(document.get("contact") or {}),
                last_message=last_message,
                last_activity=max(
                    int(document["last_activity"]), last_message.timestamp if last_message else 0
                ),
                created_at=int(document["created_at"]),
                bookings=bookings.get(document["_id"], []),
            )
        )
    return found
