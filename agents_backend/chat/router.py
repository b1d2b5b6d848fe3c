"""The agents a user may talk to, and their conversation history."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Path, Query, Response, status

from agents_backend.auth.deps import CurrentUser, UserLanguage
from agents_backend.bots.builtin import localized
from agents_backend.bots.models import AgentProfile
from agents_backend.bots.service import AgentDirectory
from agents_backend.chat.schemas import AgentList, AgentPublic, MessagePage
from agents_backend.chat.service import AgentCore
from agents_backend.chat.store import page_around, page_messages
from agents_backend.chat.streams import Snapshot
from agents_backend.contract import ErrorCode
from agents_backend.core.database import Database
from agents_backend.core.deps import DbDep, SettingsDep
from agents_backend.core.http_errors import ApiError
from agents_backend.core.registry import service
from agents_backend.tasks.service import AutoCreateSwitches

router = APIRouter(prefix="/agents", tags=["agents"])

AgentsDep = Annotated[AgentDirectory, Depends(service(AgentDirectory))]
SwitchesDep = Annotated[AutoCreateSwitches, Depends(service(AutoCreateSwitches))]
CoreDep = Annotated[AgentCore, Depends(service(AgentCore))]


def agent_public(agent: AgentProfile, *, auto_create: bool = False) -> AgentPublic:
    return AgentPublic(
        key=agent.key,
        name=agent.name,
        emoji=agent.emoji,
        description=agent.description,
        specialties=agent.specialties,
        model=agent.model,
        temperature=agent.temperature,
        scheduling_enabled=agent.scheduling_enabled,
        builtin=agent.builtin,
        auto_create=auto_create,
    )


@router.get("", response_model=AgentList, response_model_by_alias=True)
async def list_agents(
    user: CurrentUser,
    language: UserLanguage,
    agents_dir: AgentsDep,
    switches_dir: SwitchesDep,
    settings: SettingsDep,
) -> AgentList:
    """Built-ins (in the caller's language) and the caller's own bots."""
    agents = await agents_dir.list_for_user(user["_id"])
    switches = await switches_dir.by_agent(user["_id"])
    return AgentList(
        agents=[
            agent_public(localized(a, language), auto_create=switches.get(a.key, False))
            for a in agents
        ],
        offline=not settings.llm_enabled,
        max_message_chars=settings.max_message_chars,
    )


@router.get(
    "/{key}/conversations/{contact_id}/messages",
    response_model=MessagePage,
    response_model_by_alias=True,
)
async def list_conversation_messages(
    user: CurrentUser,
    db: DbDep,
    agents: AgentsDep,
    core: CoreDep,
    key: Annotated[str, Path(max_length=64)],
    contact_id: Annotated[str, Path(max_length=128)],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[str | None, Query(description="Page back from this message id.")] = None,
    after: Annotated[str | None, Query(description="Messages after this id (catch-up).")] = None,
    around: Annotated[
        str | None, Query(max_length=64, description="A page centred on this message id.")
    ] = None,
) -> Response:
    """Oldest first. Without a cursor: the newest page of the conversation. Replies
    streaming right now come with their text so far (a page loaded mid-stream)."""
    if sum(cursor is not None for cursor in (before, after, around)) > 1:
        raise ApiError(status.HTTP_422_UNPROCESSABLE_CONTENT, ErrorCode.CONFLICTING_CURSORS)
    agent = await agents.find(user_id=user["_id"], key=key)
    if agent is None:
        raise ApiError(status.HTTP_404_NOT_FOUND, ErrorCode.AGENT_NOT_FOUND, key=key)
    if around is not None:
        return await _page_around(db, user["_id"], agent.key, contact_id, around, limit)
    page = await page_messages(
        db=db,
        user_id=user["_id"],
        agent_key=agent.key,
        contact_id=contact_id,
        limit=limit,
        before=before,
        after=after,
    )
    if page is None:
        raise ApiError(status.HTTP_404_NOT_FOUND, ErrorCode.MESSAGE_NOT_FOUND)
    messages, has_more = page
    streaming: list[Snapshot] = []
    if before is None:  # read after the page: a reply stored meanwhile is in the page
        snapshots = await core.streaming(
            user_id=user["_id"], agent_key=agent.key, contact_id=contact_id
        )
        stored = {m.id for m in messages if m.author == "agent" and not m.incomplete}
        streaming = [s for s in snapshots if s.reply_id not in stored]
    # The payloads are built by `to_event` already; validating them again into a
    # MessagePage and re-encoding through FastAPI's generic path was most of this
    # route's CPU. `response_model` still documents the shape in OpenAPI.
    return Response(
        content=orjson.dumps(
            {
                "messages": [m.to_event().to_wire() for m in messages],
                "hasMore": has_more,
                "streaming": [streaming_reply(s) for s in streaming],
                "hasMoreNewer": False,
            }
        ),
        media_type="application/json",
    )


async def _page_around(
    db: Database, user_id: str, agent_key: str, contact_id: str, message_id: str, limit: int
) -> Response:
    """A search result in context: the message with its neighbours (no streaming part:
    the person jumped into the past; the SPA catches up forward from this page)."""
    page = await page_around(
        db=db,
        user_id=user_id,
        agent_key=agent_key,
        contact_id=contact_id,
        message_id=message_id,
        limit=limit,
    )
    if page is None:
        raise ApiError(status.HTTP_404_NOT_FOUND, ErrorCode.MESSAGE_NOT_FOUND)
    return Response(
        content=orjson.dumps(
            {
                "messages": [m.to_event().to_wire() for m in page.messages],
                "hasMore": page.has_older,
                "streaming": [],
                "hasMoreNewer": page.has_newer,
            }
        ),
        media_type="application/json",
    )


def streaming_reply(snapshot: Snapshot) -> dict[str, object]:
    return snapshot.to_reply().model_dump(by_alias=True)
