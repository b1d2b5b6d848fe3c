"""Turning an exchange into tasks, when the person switched auto-create on.

With a model, it reads the exchange and lists the action items (an LLM catches "I'll
send you the contract tomorrow" in the agent's own reply, which rules cannot). Without
one, or when its answer is unusable, the rule-based NLU is the fallback: a message
whose intent is `create_task` becomes one task, due on the date the NLU resolved.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from agents_backend.bots.models import AgentProfile
from agents_backend.core.database import Database
from agents_backend.integrations.openai_client import LLMError, OpenAIChat, PromptMessage
from agents_backend.nlu.models import Intent, NLUResult
from agents_backend.tasks.models import Task
from agents_backend.tasks.service import AutoCreateSwitches, create_task, publish_task_created
from agents_backend.usage.service import record_usage
from agents_backend.webhooks.service import WebhookOutbox

logger = logging.getLogger(__name__)

MAX_ITEMS = 5
TITLE_CHARS = 200

_INSTRUCTIONS = (
    "You find action items in one exchange between a person and an assistant: things the "
    "person asked to be reminded of or must do, and things the assistant promised to do "
    "for them. Answer with JSON only, shaped "
    '{"tasks": [{"title": "...", "dueDate": "YYYY-MM-DD" or null}]}. A title is short and '
    "imperative, in the language of the person's message. Resolve relative dates "
    '("sexta", "tomorrow") against today. No action item: {"tasks": []}.'
)

# What a reminder is wrapped in, not what it is: "me lembre de enviar X" -> "Enviar X".
_WRAPPER = re.compile(
    r"^\W*(?:(?:por\s+favor|please|pls)[\s,]+)?"
    r"(?:me\s+lembr(?:e|a|ar)\s+(?:de\s+|que\s+)?|lembr(?:e|a)-?me\s+(?:de\s+)?"
    r"|lembrete\s*:?\s*|remind\s+me\s+(?:to\s+|that\s+|about\s+)?"
    r"|(?:don'?t|do\s+not)\s+forget\s+(?:to\s+)?|n[aã]o\s+(?:esquecer|esque[cç]a)\s+(?:de\s+)?"
    r"|(?:todo|to-do|tarefa|task)\s*:\s*"
    r"|(?:eu\s+)?(?:preciso|tenho\s+que)\s+(?:de\s+)?|(?:i\s+)?(?:need|have)\s+to\s+)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ActionItem:
    title: str
    due_date: str | None = None


def task_title(text: str) -> str:
    """A readable title from a message: wrapper words off, capitalised, bounded."""
    core = _WRAPPER.sub("", text.strip(), count=1).strip().rstrip(".!;,").strip() or text.strip()
    title = core[:1].upper() + core[1:]
    if len(title) > TITLE_CHARS:
        title = title[: TITLE_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return title


def rule_items(text: str, nlu: NLUResult) -> list[ActionItem]:
    if nlu.intent is not Intent.CREATE_TASK:
        return []
    return [ActionItem(title=task_title(text), due_date=nlu.date)]


def _valid_day(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip()[:10]).isoformat()
    except ValueError:
        return None


def parse_llm_items(data: dict[str, Any]) -> list[ActionItem] | None:
    """The model's items that survive validation; None when the answer is unusable."""
    tasks = data.get("tasks")
    if not isinstance(tasks, list):
        return None
    items = []
    for entry in tasks[:MAX_ITEMS]:
        if not isinstance(entry, dict):
            continue
        title = entry.get("title")
        if not isinstance(title, str) or not title.strip():
            continue
        due = _valid_day(entry.get("dueDate", entry.get("due_date")))
        items.append(ActionItem(title=task_title(title), due_date=due))
    return items


class ExchangeMessage(Protocol):
    """What extraction reads of a stored message (chat's `ChatMessage` has all of it)."""

    id: str
    user_id: str
    agent_key: str
    contact_id: str
    text: str


class TaskCreator:
    def __init__(
        self,
        *,
        db: Database,
        timezone: str,
        switches: AutoCreateSwitches,
        webhooks: WebhookOutbox | None = None,
    ) -> None:
        """`webhooks` is told of each task created (`task.created`, to the owner's
        workspace's endpoints)."""
        self._db = db
        self._tz = ZoneInfo(timezone)
        self._switches = switches
        self._webhooks = webhooks

    async def from_exchange(
        self,
        *,
        agent: AgentProfile,
        message: ExchangeMessage,
        reply: ExchangeMessage,
        nlu: NLUResult,
        chat: OpenAIChat | None,
        model: str | None,
    ) -> list[Task]:
        """The tasks this exchange created (none when auto-create is off for the agent)."""
        enabled = await self._switches.enabled(user_id=message.user_id, agent_key=agent.key)
        if not enabled:
            return []
        items = None
        if chat is not None and model is not None:
            items = await self._llm_items(message, reply, chat, model)
        if items is None:
            items = rule_items(message.text, nlu)
        if len(items) == 1 and items[0].due_date is None and nlu.date:
            # The rules computed "sexta" from the clock; better than no date at all.
            items = [ActionItem(title=items[0].title, due_date=nlu.date)]
        created = []
        for index, item in enumerate(items):
            task, new = await create_task(
                db=self._db,
                user_id=message.user_id,
                title=item.title,
                due_date=item.due_date,
                agent_key=agent.key,
                contact_id=message.contact_id,
                source_message_id=message.id,
                source_index=index,
            )
            if new:
                created.append(task)
                await publish_task_created(self._webhooks, task)
        return created

    async def _llm_items(
        self, message: ExchangeMessage, reply: ExchangeMessage, chat: OpenAIChat, model: str
    ) -> list[ActionItem] | None:
        today = datetime.now(self._tz).date()
        try:
            data, usage = await chat.complete_json(
                messages=[
                    PromptMessage("system", _INSTRUCTIONS),
                    PromptMessage("system", f"Today is {today.isoformat()}, {today:%A}."),
                    PromptMessage("user", f"Person: {message.text}\nAssistant: {reply.text}"),
                ],
                model=model,
            )
        except LLMError as exc:
            logger.warning("task extraction by the model failed (%s); using the rules", exc.code)
            return None
        record_usage(
            db=self._db,
            user_id=message.user_id,
            model=model,
            usage=usage,
            agent_key=message.agent_key,
            contact_id=message.contact_id,
        )
        items = parse_llm_items(data)
        if items is None:
            logger.warning("task extraction by the model gave no task list; using the rules")
        return items
