"""A conversation as other features read and add to it (booking reads the transcript
and posts its System message here), without reaching into chat's store."""

from __future__ import annotations

from agents_backend.chat import store
from agents_backend.chat.models import ChatMessage
from agents_backend.chat.offline import offline_summary
from agents_backend.contract import Language
from agents_backend.core import i18n
from agents_backend.core.database import Database


async def recent(
    *, db: Database, user_id: str, agent_key: str, contact_id: str, limit: int
) -> list[ChatMessage]:
    """The conversation's last `limit` messages, oldest first."""
    return await store.recent_messages(
        db=db, user_id=user_id, agent_key=agent_key, contact_id=contact_id, limit=limit
    )


async def latest(
    *, db: Database, user_id: str, agent_key: str, contact_id: str, limit: int
) -> tuple[list[ChatMessage], bool]:
    """The conversation's newest `limit` messages, oldest first, and whether older exist."""
    page = await earlier(
        db=db, user_id=user_id, agent_key=agent_key, contact_id=contact_id, limit=limit
    )
    assert page is not None  # only a cursor that is not in the conversation gives None
    return page


async def earlier(
    *,
    db: Database,
    user_id: str,
    agent_key: str,
    contact_id: str,
    limit: int,
    before: str | None = None,
) -> tuple[list[ChatMessage], bool] | None:
    """`limit` messages before the message `before` (the newest without it), oldest
    first, and whether older exist; None when `before` is not in the conversation."""
    return await store.page_messages(
        db=db,
        user_id=user_id,
        agent_key=agent_key,
        contact_id=contact_id,
        limit=limit,
        before=before,
    )


async def post_human_message(
    *, db: Database, user_id: str, agent_key: str, contact_id: str, text: str, author_name: str
) -> ChatMessage:
    """A person of the team writing in a conversation they took over."""
    return await store.insert_agent_message(
        db=db,
        user_id=user_id,
        agent_key=agent_key,
        contact_id=contact_id,
        text=text,
        author="human",
        author_name=author_name,
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


def conversation_language(messages: list[ChatMessage]) -> Language | None:
    """The language the person last wrote in (NLU's finding), if any message says."""
    for message in reversed(messages):
        if message.author == "user" and message.nlp:
            found = i18n.as_language(message.nlp.get("language"))
            if found is not None:
                return found
    return None


async def conversations_mentioning(
    *, db: Database, user_ids: list[str], text: str, contact_prefix: str, limit: int = 200
) -> list[str]:
    """The conversations (contact ids with that prefix) where someone wrote `text`."""
    return await store.conversations_mentioning(
        db=db, user_ids=user_ids, text=text, contact_prefix=contact_prefix, limit=limit
    )


def quick_summary(messages: list[ChatMessage]) -> str:
    """A summary from what the rules extracted: free, instant, no model call."""
    return offline_summary(messages)


def now_ms() -> int:
    """Epoch milliseconds, the clock messages are stamped with."""
    return store.now_ms()
