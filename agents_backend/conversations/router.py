"""A person's conversations per agent (list, rename, delete) and search in their messages.

`GET /agents/{key}/conversations` lists; `PATCH|DELETE .../{contactId}` rename and
delete; `GET /search/messages?q=` searches. Another person's conversation, like one
that never existed, is a 404.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status

from agents_backend.auth.deps import CurrentUser
from agents_backend.bots.service import AgentDirectory
from agents_backend.chat.service import AgentCore
from agents_backend.conversations import service
from agents_backend.conversations.schemas import (
    ConversationList,
    ConversationRename,
    ConversationSummary,
    MessageSearch,
)
from agents_backend.core.deps import DbDep
from agents_backend.core.registry import service as registered

router = APIRouter(tags=["conversations"])

AgentsDep = Annotated[AgentDirectory, Depends(registered(AgentDirectory))]
CoreDep = Annotated[AgentCore, Depends(registered(AgentCore))]
AgentKey = Annotated[str, Path(max_length=64)]
ContactId = Annotated[str, Path(max_length=128)]


@router.get(
    "/agents/{key}/conversations", response_model=ConversationList, response_model_by_alias=True
)
async def list_conversations(
    user: CurrentUser,
    db: DbDep,
    agents: AgentsDep,
    key: AgentKey,
    limit: Annotated[int, Query(ge=1, le=100)] = 30,
    before: Annotated[
        str | None, Query(max_length=200, description="`nextCursor` of the previous page.")
    ] = None,
) -> ConversationList:
    """The caller's conversations with this agent, newest activity first (website
    visitors' conversations are the inbox's, not listed here)."""
    return await service.list_conversations(
        db=db, agents=agents, user_id=user["_id"], agent_key=key, limit=limit, before=before
    )


@router.patch(
    "/agents/{key}/conversations/{contact_id}",
    response_model=ConversationSummary,
    response_model_by_alias=True,
)
async def rename_conversation(
    user: CurrentUser,
    db: DbDep,
    agents: AgentsDep,
    key: AgentKey,
    contact_id: ContactId,
    body: ConversationRename,
) -> ConversationSummary:
    """Gives the conversation the caller's own title (1 to 120 characters)."""
    return await service.rename(
        db=db,
        agents=agents,
        user_id=user["_id"],
        agent_key=key,
        contact_id=contact_id,
        title=body.title,
    )


@router.delete("/agents/{key}/conversations/{contact_id}", status_code=204)
async def delete_conversation(
    user: CurrentUser,
    db: DbDep,
    agents: AgentsDep,
    core: CoreDep,
    key: AgentKey,
    contact_id: ContactId,
) -> Response:
    """Deletes the conversation's messages and title for the caller (tasks and meetings
    made from it stay); a reply under way stops first and keeps nothing."""
    await service.delete(
        db=db,
        agents=agents,
        core=core,
        user_id=user["_id"],
        agent_key=key,
        contact_id=contact_id,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/search/messages", response_model=MessageSearch, response_model_by_alias=True)
async def search_messages(
    user: CurrentUser,
    db: DbDep,
    q: Annotated[str, Query(min_length=1, max_length=200, description="Words to find.")],
    agent_key: Annotated[str | None, Query(alias="agentKey", max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> MessageSearch:
    """The caller's own messages with any of the words or their inflections (Portuguese
    and English stemming), best match first."""
    return await service.search(
        db=db, user_id=user["_id"], query=q, agent_key=agent_key, limit=limit
    )
