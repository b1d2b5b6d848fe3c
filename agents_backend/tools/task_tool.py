"""`create_task`: the agent adds an action item to its owner's task list.

The task answers the person's message: its source is that message's id and a hash of
the title, so a call repeated with the same title, in one reply, in a retried one or in
a reply the person regenerated, finds the task already made instead of adding a second
one. The auto-create extraction files its tasks under the same message with small
indexes (0, 1, ...), which a title's 32-bit hash does not meet in practice.
"""

from __future__ import annotations

import zlib

from agents_backend.chat.tooling import ToolContext, ToolResult
from agents_backend.contract import TaskCreatedEvent
from agents_backend.core.database import Database
from agents_backend.scheduling.service import SchedulingService
from agents_backend.tasks.service import TaskSource, create_task, publish_task_created
from agents_backend.tools.arguments import CreateTaskArgs, Refusal, parse
from agents_backend.tools.definitions import CREATE_TASK
from agents_backend.tools.results import done
from agents_backend.webhooks.service import WebhookOutbox


class TaskTool:
    def __init__(
        self, *, db: Database, scheduling: SchedulingService, webhooks: WebhookOutbox | None
    ) -> None:
        """`scheduling` only tells today's day in the calendar's zone (no past due dates)."""
        self._db = db
        self._scheduling = scheduling
        self._webhooks = webhooks

    async def create_task(self, raw: str, context: ToolContext) -> ToolResult:
        args = parse(CreateTaskArgs, raw)
        due = args.due_date.isoformat() if args.due_date else None
        arguments = {"title": args.title} | ({"dueDate": due} if due else {})
        today = self._scheduling.today()
        if args.due_date is not None and args.due_date < today:
            raise Refusal("date_in_past", f"{due} is in the past; today is {today.isoformat()}.")
        task, created = await create_task(
            db=self._db,
            user_id=context.user.id,
            title=args.title,
            due_date=due,
            agent_key=context.agent.key,
            contact_id=context.message.contact_id,
            source_message_id=context.message.id,
            source_index=zlib.crc32(args.title.casefold().encode()),
            source=TaskSource.AGENT,
        )
        if created:
            event = TaskCreatedEvent(
                agent_key=context.agent.key,
                contact_id=context.message.contact_id,
                task=task.to_event(),
            )
            await context.emitter.to_user(context.user.id, event)
            await publish_task_created(self._webhooks, task)
        content = {
            "status": "created",
            "id": task.id,
            "title": task.title,
            "dueDate": task.due_date,
        }
        return done(CREATE_TASK, content, arguments)
