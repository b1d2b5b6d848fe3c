"""A workspace's inbox of visitor conversations, at `/inbox`.

Read the list, a conversation and its messages; take a conversation over, write to the
visitor, hand it back to the agent, close it. Every route checks the caller's
workspaces: another workspace's conversation is a 404, the same as one that does not
exist (a service's refusal is answered by main.py's handler, its status by
`core/http_errors.status_of`). Live updates come as `inbox:*` socket events.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, status

from agents_backend.auth.deps import CurrentUser
from agents_backend.contract import AgentMessageEvent
from agents_backend.core.registry import service
from agents_backend.visitors.inbox import InboxReader
from agents_backend.visitors.schemas import (
    HumanMessageIn,
    InboxConversationDetail,
    InboxConversationList,
    InboxListItem,
    InboxMessagePage,
)
from agents_backend.visitors.takeover import ConversationStates

router = APIRouter(prefix="/inbox", tags=["inbox"])

ReaderDep = Annotated[InboxReader, Depends(service(InboxReader))]
StatesDep = Annotated[ConversationStates, Depends(service(ConversationStates))]
ConversationId = Annotated[str, Path(max_length=64)]
Status = Literal["bot", "waiting", "human", "closed"]


@router.get("/conversations", response_model=InboxConversationList, response_model_by_alias=True)
async def list_conversations(
    user: CurrentUser,
    reader: ReaderDep,
    workspace: Annotated[str | None, Query(max_length=64)] = None,
    status_: Annotated[Status | None, Query(alias="status")] = None,
    agent_key: Annotated[str | None, Query(alias="agentKey", max_length=64)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> InboxConversationList:
    """Newest activity first, across the caller's workspaces (or `workspace`); `q`
    searches the lead's name and email and the messages' text."""
    found = await reader.conversations(
        user, workspace=workspace, status=status_, agent_key=agent_key, q=q, limit=limit
    )
    return InboxConversationList(conversations=found)


@router.get(
    "/conversations/{conversation_id}",
    response_model=InboxConversationDetail,
    response_model_by_alias=True,
)
async def read_conversation(
    conversation_id: ConversationId, user: CurrentUser, reader: ReaderDep
) -> InboxConversationDetail:
    return await reader.detail(user, conversation_id)


@router.get(
    "/conversations/{conversation_id}/messages",
    response_model=InboxMessagePage,
    response_model_by_alias=True,
    response_model_exclude_none=False,
)
async def read_messages(
    conversation_id: ConversationId,
    user: CurrentUser,
    reader: ReaderDep,
    before: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> InboxMessagePage:
    """Oldest first; `before` (a message id) pages back. The first page also has the
    agent's reply still streaming, as far as it has come."""
    return await reader.messages(user, conversation_id, before=before, limit=limit)


@router.post("/conversations/{conversation_id}/read", status_code=status.HTTP_204_NO_CONTENT)
async def mark_read(conversation_id: ConversationId, user: CurrentUser, reader: ReaderDep) -> None:
    await reader.mark_read(user, conversation_id)


@router.post(
    "/conversations/{conversation_id}/take",
    response_model=InboxListItem,
    response_model_by_alias=True,
)
async def take(
    conversation_id: ConversationId, user: CurrentUser, states: StatesDep
) -> InboxListItem:
    """The caller holds it (409 `conversation_taken` if someone else does): the agent's
    reply under way stops, and the agent stays silent until it is handed back."""
    return await states.take(user, conversation_id)


@router.post(
    "/conversations/{conversation_id}/hand-back",
    response_model=InboxListItem,
    response_model_by_alias=True,
)
async def hand_back(
    conversation_id: ConversationId, user: CurrentUser, states: StatesDep
) -> InboxListItem:
    return await states.hand_back(user, conversation_id)


@router.post(
    "/conversations/{conversation_id}/close",
    response_model=InboxListItem,
    response_model_by_alias=True,
)
async def close(
    conversation_id: ConversationId, user: CurrentUser, states: StatesDep
) -> InboxListItem:
    return await states.close(user, conversation_id)


@router.post(
    "/conversations/{conversation_id}/messages",
    response_model=AgentMessageEvent,
    response_model_by_alias=True,
    response_model_exclude_none=True,
    status_code=status.HTTP_201_CREATED,
)
async def write(
    conversation_id: ConversationId, body: HumanMessageIn, user: CurrentUser, states: StatesDep
) -> AgentMessageEvent:
    """A message to the visitor from the person holding the conversation (author
    `human`, with their name); 409 `conversation_not_held` otherwise."""
    return await states.write(user, conversation_id, body.text)
