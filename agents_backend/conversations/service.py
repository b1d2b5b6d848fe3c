"""A person's conversations with an agent: listed newest first, renamed, deleted, searched.

Only the person's own conversations: an agent they cannot see, a conversation they
never wrote in, or a website visitor's conversation (the inbox's) is "not found".
"""

from __future__ import annotations

import asyncio
from typing import cast

from agents_backend.bots.service import AgentDirectory
from agents_backend.chat.history import now_ms
from agents_backend.chat.service import AgentCore
from agents_backend.chat.streams import ConversationKey
from agents_backend.contract import Author, ErrorCode
from agents_backend.conversations import store
from agents_backend.conversations.schemas import (
    ConversationList,
    ConversationSummary,
    LastMessage,
    MessageHit,
    MessageSearch,
    TitleSource,
)
from agents_backend.conversations.snippets import (
    PREVIEW_CHARS,
    TITLE_CHARS,
    search_words,
    shorten,
    snippet,
)
from agents_backend.core.database import Database
from agents_backend.core.errors import AgentError
from agents_backend.core.visitor_ids import is_visitor_conversation


def _cursor(row: store.Activity) -> str:
    return f"{row.last_ts}:{row.contact_id}"


def _after_cursor(rows: list[store.Activity], before: str | None) -> list[store.Activity]:
    """The rows older than the cursor `<lastActivity>:<contactId>` of the last row seen."""
    if before is None:
        return rows
    ts_text, _, contact_id = before.partition(":")
    if not ts_text.isdigit():
        raise AgentError(ErrorCode.INVALID_CURSOR)
    key = (-int(ts_text), contact_id)
    return [r for r in rows if (-r.last_ts, r.contact_id) > key]


async def _require_agent(agents: AgentDirectory, user_id: str, agent_key: str) -> str:
    agent = await agents.find(user_id=user_id, key=agent_key)
    if agent is None:
        raise AgentError(ErrorCode.AGENT_NOT_FOUND, key=agent_key)
    return agent.key


async def list_conversations(
    *,
    db: Database,
    agents: AgentDirectory,
    user_id: str,
    agent_key: str,
    limit: int,
    before: str | None = None,
) -> ConversationList:
    """A page of the person's conversations with the agent, newest activity first."""
    key = await _require_agent(agents, user_id, agent_key)
    rows = await store.activity(db=db, user_id=user_id, agent_key=key)
    rows.sort(key=lambda r: (-r.last_ts, r.contact_id))
    rows = _after_cursor(rows, before)
    page, has_more = rows[:limit], len(rows) > limit
    ids = [r.contact_id for r in page]
    found, titles = await asyncio.gather(
        store.details(db=db, user_id=user_id, agent_key=key, contact_ids=ids),
        store.custom_titles(db=db, user_id=user_id, agent_key=key, contact_ids=ids),
    )
    summaries = [
        _summary(row, found.get(row.contact_id), titles.get(row.contact_id)) for row in page
    ]
    return ConversationList(
        conversations=summaries,
        has_more=has_more,
        next_cursor=_cursor(page[-1]) if has_more and page else None,
    )


def _summary(
    row: store.Activity, details: store.Details | None, custom: str | None
) -> ConversationSummary:
    source: TitleSource = "custom" if custom else "first_message"
    title = (
        custom or (shorten(details.first_text, TITLE_CHARS) if details else "") or row.contact_id
    )
    return ConversationSummary(
        contact_id=row.contact_id,
        title=title,
        title_source=source,
        last_activity=row.last_ts,
        last_message=LastMessage(
            author=cast(Author, details.last_author),
            text=shorten(details.last_text, PREVIEW_CHARS),
        )
        if details
        else None,
        message_count=details.count if details else 0,
    )


async def _require_conversation(
    db: Database, agents: AgentDirectory, user_id: str, agent_key: str, contact_id: str
) -> str:
    key = await _require_agent(agents, user_id, agent_key)
    if is_visitor_conversation(contact_id) or not await store.exists(
        db=db, user_id=user_id, agent_key=key, contact_id=contact_id
    ):
        raise AgentError(ErrorCode.CONVERSATION_NOT_FOUND)
    return key


async def rename(
    *,
    db: Database,
    agents: AgentDirectory,
    user_id: str,
    agent_key: str,
    contact_id: str,
    title: str,
) -> ConversationSummary:
    """Gives the conversation the person's own title; the updated row."""
    key = await _require_conversation(db, agents, user_id, agent_key, contact_id)
    await store.set_title(
        db=db, user_id=user_id, agent_key=key, contact_id=contact_id, title=title, now_ms=now_ms()
    )
    last = await store.last_activity(db=db, user_id=user_id, agent_key=key, contact_id=contact_id)
    if last is None:  # deleted meanwhile
        raise AgentError(ErrorCode.CONVERSATION_NOT_FOUND)
    row = store.Activity(contact_id, last)
    found = await store.details(db=db, user_id=user_id, agent_key=key, contact_ids=[contact_id])
    return _summary(row, found.get(contact_id), title)


async def delete(
    *,
    db: Database,
    agents: AgentDirectory,
    core: AgentCore,
    user_id: str,
    agent_key: str,
    contact_id: str,
) -> None:
    """Deletes the conversation's messages and title for this person. Tasks made from it
    and meetings booked in it stay: they are records of their own (a task keeps naming
    the conversation it came from). A reply streaming in it is stopped first, keeping
    nothing, so it cannot bring the conversation back."""
    key = await _require_conversation(db, agents, user_id, agent_key, contact_id)
    await core.forget_replies(ConversationKey(user_id, key, contact_id))
    await store.delete(db=db, user_id=user_id, agent_key=key, contact_id=contact_id)


async def search(
    *, db: Database, user_id: str, query: str, agent_key: str | None, limit: int
) -> MessageSearch:
    """The person's messages with any of the words (or their inflections), best first.

    Each message was indexed with its own language's stemmer; the words are stemmed once
    per language and the results merged, so "agendamento" finds "agendar" and
    "meetings" finds "meeting" whichever language the person wrote in.
    """
    terms = search_words(query)
    if not terms:
        raise AgentError(ErrorCode.SEARCH_QUERY_EMPTY)
    words = " ".join(terms)
    batches = await asyncio.gather(
        *(
            store.search(
                db=db,
                user_id=user_id,
                words=words,
                language=language,
                agent_key=agent_key,
                limit=limit,
            )
            for language in store.SEARCH_LANGUAGES
        )
    )
    best: dict[str, store.Found] = {}
    for batch in batches:
        for found in batch:
            kept = best.get(found.id)
            if kept is None or found.score > kept.score:
                best[found.id] = found
    ranked = sorted(best.values(), key=lambda f: (-f.score, -f.ts))[:limit]
    return MessageSearch(results=[_hit(found, terms) for found in ranked])


def _hit(found: store.Found, terms: list[str]) -> MessageHit:
    text, highlights = snippet(found.text, terms)
    return MessageHit(
        agent_key=found.agent_key,
        contact_id=found.contact_id,
        message_id=found.id,
        author=cast(Author, found.author),
        snippet=text,
        highlights=highlights,
        timestamp=found.ts,
        score=round(found.score, 4),
    )
