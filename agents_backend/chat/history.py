"""A conversation as other features read and add to it (booking reads the transcript
and posts its System message here), without reaching into chat's store."""

from __future__ import annotations

from agents_backend.chat import store
from agents_backend.chat.models import ChatMessage
from agents_backend.core.database import Database


async def recent(
    *, db: Database, user_id: str, agent_key: str, contact_id: str, limit: int
) -> list[ChatMessage]:
    """The conversation's last `limit` messages, oldest first."""
    return await store.recent_messages(
        db=db, user_id=user_id, agent_key=agent_key, contact_id=contact_id, limit=limit
    )


async def post_system_note(
    *, db: Database, user_id: str, agent_key: str, contact_id: str, text: str
) -> ChatMessage:
    """A System message (a booking, say) stored in the conversation like any other."""
    return await store.insert_agent_message(
        db=db,
        user_id=user_id,
        agent_key=agent_key,
        contact_id=contact_id,
        text=text,
        author="system",
    )
