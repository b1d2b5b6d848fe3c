"""The owner's inbox of visitor conversations: `GET /inbox/conversations`.

Read-only for now (taking a conversation over comes with the inbox issue). A
conversation's messages are read through the history route every conversation has,
`GET /agents/{agentKey}/conversations/{id}/messages`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from agents_backend.auth.deps import CurrentUser
from agents_backend.bots.service import AgentDirectory
from agents_backend.core.deps import DbDep
from agents_backend.core.registry import service
from agents_backend.scheduling.service import SchedulingService
from agents_backend.visitors.inbox import visitor_conversations
from agents_backend.visitors.schemas import InboxConversationList

router = APIRouter(prefix="/inbox", tags=["inbox"])

AgentsDep = Annotated[AgentDirectory, Depends(service(AgentDirectory))]
SchedulingDep = Annotated[SchedulingService, Depends(service(SchedulingService))]


@router.get("/conversations", response_model=InboxConversationList, response_model_by_alias=True)
async def list_visitor_conversations(
    user: CurrentUser,
    db: DbDep,
    agents: AgentsDep,
    scheduling: SchedulingDep,
    agent_key: Annotated[str | None, Query(alias="agentKey", max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> InboxConversationList:
    """The caller's published bots' visitor conversations, newest activity first, each
    with the lead's contact, its last message and its bookings."""
    return InboxConversationList(
        conversations=await visitor_conversations(
            db=db,
            agents=agents,
            scheduling=scheduling,
            owner_id=user["_id"],
            agent_key=agent_key,
            limit=limit,
        )
    )
