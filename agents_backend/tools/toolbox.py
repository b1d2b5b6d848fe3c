"""`AgentToolBox`: the chat core's `ToolBox` (chat/tooling.py), over scheduling and tasks.

It decides which tools an agent's model is offered in a conversation, and runs each
call: the arguments checked (tools/arguments.py), the contact grounded in what the
person wrote (tools/grounding.py), then the tool itself. Whatever goes wrong becomes a
result the model reads, never an exception in the reply: the model's mistakes are
`refused` (with a code), a calendar or database that fails is `failed`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from pymongo.errors import PyMongoError

from agents_backend.bots.models import AgentProfile
from agents_backend.chat.tooling import ToolContext, ToolResult
from agents_backend.contract import ErrorCode, ToolName
from agents_backend.core.database import Database
from agents_backend.core.errors import AgentError
from agents_backend.core.identity import SessionUser
from agents_backend.core.visitor_ids import is_visitor_conversation
from agents_backend.integrations.openai_client import ToolCall
from agents_backend.scheduling.service import SchedulingService
from agents_backend.tasks.service import AutoCreateSwitches
from agents_backend.tools import definitions
from agents_backend.tools.arguments import Refusal
from agents_backend.tools.meetings import LeadHook, MeetingTools
from agents_backend.tools.results import failed, refused
from agents_backend.tools.task_tool import TaskTool
from agents_backend.webhooks.service import WebhookOutbox

logger = logging.getLogger(__name__)

# Booking errors that are the call's fault (the model can correct them or tell the
# person); any other `AgentError` means the tool could not do its job.
_REFUSED_CODES = frozenset(
    {
        ErrorCode.INVALID_DATE,
        ErrorCode.INVALID_TIME,
        ErrorCode.INVALID_DURATION,
        ErrorCode.INVALID_EMAIL,
        ErrorCode.INVALID_PHONE,
        ErrorCode.DATE_TOO_FAR,
        ErrorCode.SLOT_UNAVAILABLE,
        ErrorCode.SLOT_TAKEN,
        ErrorCode.SCHEDULING_DISABLED,
        ErrorCode.BOOKING_DISABLED,
    }
)

Runner = Callable[[str, ToolContext], Awaitable[ToolResult]]


class AgentToolBox:
    def __init__(
        self,
        *,
        db: Database,
        scheduling: SchedulingService,
        switches: AutoCreateSwitches,
        webhooks: WebhookOutbox | None = None,
        default_duration_minutes: int = 60,
        on_lead: LeadHook | None = None,
    ) -> None:
        """`on_lead` records a website visitor's contact when the agent books for them
        (the inbox's lead, as the visitor's own slot picker does)."""
        self._scheduling = scheduling
        self._switches = switches
        meetings = MeetingTools(
            db=db,
            scheduling=scheduling,
            default_duration_minutes=default_duration_minutes,
            on_lead=on_lead,
        )
        tasks = TaskTool(db=db, scheduling=scheduling, webhooks=webhooks)
        self._runners: dict[ToolName, Runner] = {
            definitions.CHECK_AVAILABILITY: meetings.check_availability,
            definitions.BOOK_MEETING: meetings.book_meeting,
            definitions.OPEN_SLOT_PICKER: meetings.open_slot_picker,
            definitions.CREATE_TASK: tasks.create_task,
        }

    async def offered(
        self, *, user: SessionUser, agent: AgentProfile, contact_id: str
    ) -> Sequence[dict[str, Any]]:
        names = await self._offered_names(user=user, agent=agent, contact_id=contact_id)
        today, timezone = self._scheduling.today(), self._scheduling.timezone
        tools: list[dict[str, Any]] = []
        if definitions.BOOK_MEETING in names:
            tools += definitions.scheduling_tools(today, timezone)
        if definitions.CREATE_TASK in names:
            tools += definitions.task_tools(today, timezone)
        return tools

    async def _offered_names(
        self, *, user: SessionUser, agent: AgentProfile, contact_id: str
    ) -> frozenset[ToolName]:
        """Scheduling: the bot allows it and its calendar takes meetings (and, for a
        website visitor, its owner lets visitors book). Tasks: the bot allows it or the
        owner switched auto-create on, never for a visitor (the task list is the
        owner's, not something a stranger may write to)."""
        visitor = is_visitor_conversation(contact_id)
        names: set[ToolName] = set()
        if "scheduling" in agent.tools and agent.scheduling_enabled:
            publication = agent.publication
            if not visitor or (publication is not None and publication.booking_enabled):
                names.update(definitions.SCHEDULING)
        if not visitor and (
            "tasks" in agent.tools
            or await self._switches.enabled(user_id=user.id, agent_key=agent.key)
        ):
            names.update(definitions.TASKS)
        return frozenset(names)

    async def run(self, call: ToolCall, context: ToolContext) -> ToolResult:
        name = _tool_name(call.name)
        if name is None:
            raise ValueError(f"{call.name!r} is not one of the agent's tools")
        try:
            offered = await self._offered_names(
                user=context.user, agent=context.agent, contact_id=context.message.contact_id
            )
            if name not in offered:
                return refused(name, "not_offered", "This function is not available here.")
            return await self._runners[name](call.arguments, context)
        except Refusal as refusal:
            return refused(name, refusal.code, refusal.message)
        except AgentError as exc:
            if exc.code in _REFUSED_CODES:
                return refused(name, exc.code.value, exc.text("en"))
            logger.warning("tool %s failed: %s", name, exc.code.value)
            return failed(name, exc.code.value, exc.text("en"))
        except PyMongoError:
            logger.exception("database failure in tool %s", name)
            return failed(
                name, ErrorCode.UNAVAILABLE.value, "The service is unavailable; nothing was done."
            )


def _tool_name(name: str) -> ToolName | None:
    for known in definitions.ALL:
        if known == name:
            return known
    return None
