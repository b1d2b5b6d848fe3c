"""REST bodies of /tasks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, StringConstraints

from agents_backend.core.schemas import CamelIn, CamelOut

TaskTitle = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
TaskStatusName = Literal["open", "done", "cancelled"]


class TaskCreate(CamelIn):
    """POST /tasks: a task written by hand; `agentKey` ties it to one of the person's agents."""

    title: TaskTitle
    due_date: date | None = None
    agent_key: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None


class TaskUpdate(CamelIn):
    """Only what is sent changes; `dueDate: null` clears the due date."""

    title: TaskTitle | None = None
    status: TaskStatusName | None = None
    due_date: date | None = None


class TaskPublic(CamelOut):
    id: str
    title: str
    status: str
    due_date: date | None
    agent_key: str | None
    contact_id: str | None
    source_message_id: str | None
    source: str
    created_at: datetime
    updated_at: datetime


class TaskList(BaseModel):
    tasks: list[TaskPublic]
