"""The user's tasks (auto-created from chats, or from booked meetings), at /tasks.

Every query is scoped to the caller; another user's task id is a 404, the same answer
as an id that never existed, so ids reveal nothing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status

from agents_backend.auth.deps import CurrentUser
from agents_backend.bots.service import AgentDirectory
from agents_backend.contract import ErrorCode
from agents_backend.core.deps import DbDep
from agents_backend.core.http_errors import ApiError, invalid_field
from agents_backend.core.registry import service
from agents_backend.tasks import store as tasks
from agents_backend.tasks.models import Task
from agents_backend.tasks.schemas import (
    TaskCreate,
    TaskList,
    TaskPublic,
    TaskStatusName,
    TaskUpdate,
)
from agents_backend.tasks.store import TaskSource, TaskStatus

router = APIRouter(prefix="/tasks", tags=["tasks"])

TaskId = Annotated[str, Path(min_length=1, max_length=64)]

_NOT_FOUND = ApiError(status.HTTP_404_NOT_FOUND, ErrorCode.TASK_NOT_FOUND)

AgentsDep = Annotated[AgentDirectory, Depends(service(AgentDirectory))]


def task_public(task: Task) -> TaskPublic:
    return TaskPublic.model_validate(task.model_dump())


@router.get("", response_model=TaskList)
async def list_tasks(
    user: CurrentUser,
    db: DbDep,
    status_filter: Annotated[TaskStatusName | None, Query(alias="status")] = None,
    agent_key: Annotated[str | None, Query(alias="agentKey", max_length=64)] = None,
    contact_id: Annotated[str | None, Query(alias="contactId", max_length=128)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> TaskList:
    """Newest first; filters combine (status AND agentKey AND contactId)."""
    found = await tasks.list_tasks(
        db=db,
        user_id=user["_id"],
        status=TaskStatus(status_filter) if status_filter else None,
        agent_key=agent_key,
        contact_id=contact_id,
        limit=limit,
    )
    return TaskList(tasks=[task_public(t) for t in found])


@router.post("", response_model=TaskPublic, status_code=status.HTTP_201_CREATED)
async def create_task(
    body: TaskCreate, user: CurrentUser, db: DbDep, agents: AgentsDep
) -> TaskPublic:
    """A task written by hand (`source: manual`); an agent that is not the caller's is
    404 `agent_not_found`."""
    if body.agent_key is not None and not await agents.find(
        user_id=user["_id"], key=body.agent_key
    ):
        raise ApiError(status.HTTP_404_NOT_FOUND, ErrorCode.AGENT_NOT_FOUND)
    task, _created = await tasks.create_task(
        db=db,
        user_id=user["_id"],
        title=body.title,
        due_date=body.due_date.isoformat() if body.due_date else None,
        agent_key=body.agent_key,
        source=TaskSource.MANUAL,
    )
    return task_public(task)


@router.patch("/{task_id}", response_model=TaskPublic)
async def update_task(
    task_id: TaskId, body: TaskUpdate, user: CurrentUser, db: DbDep
) -> TaskPublic:
    sent = body.model_dump(include=body.model_fields_set)
    if not sent:
        raise ApiError(status.HTTP_422_UNPROCESSABLE_CONTENT, ErrorCode.EMPTY_UPDATE)
    for field in ("title", "status"):
        if field in sent and sent[field] is None:
            raise invalid_field(("body", field), "not_null")
    if "due_date" in sent and sent["due_date"] is not None:
        sent["due_date"] = sent["due_date"].isoformat()
    task = await tasks.update_task(db=db, user_id=user["_id"], task_id=task_id, changes=sent)
    if task is None:
        raise _NOT_FOUND
    return task_public(task)


@router.delete("/{task_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_task(task_id: TaskId, user: CurrentUser, db: DbDep) -> None:
    if not await tasks.delete_task(db=db, user_id=user["_id"], task_id=task_id):
        raise _NOT_FOUND
