"""The tool rounds of one reply: which calls run, how, and what the model reads next.

A model given the agent's tools (chat/tooling.py) may answer a round with calls instead
of (or after) text. Each call of a tool the toolbox offered runs under a time limit,
between two `agent:tool-status` events (the person's "checking availability…" line),
and its result goes back to the model as a `tool` message after the model's own turn
(the `assistant` message carrying the calls); the next round then streams. Calls of
anything else (an invented name; `request_human`, which chat/reply.py handles as
before) do not start a round. At most `max_rounds` requests are made per message: calls
asked for in the last one are not run but recorded as refused `tool_limit`, and the
reply says it stopped.

Every call is stored with the reply (name, arguments as the toolbox validated them,
outcome, code), and a `book_meeting` that booked is what lets the reply's prose say so
(chat/claims.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, get_args

from agents_backend.chat.responders import ReplyRequest
from agents_backend.chat.tooling import ToolBox, ToolContext, ToolResult
from agents_backend.contract import ToolName, ToolOutcome
from agents_backend.integrations.openai_client import PromptMessage, TokenUsage, ToolCall

logger = logging.getLogger(__name__)

TOOL_NAMES: frozenset[str] = frozenset(get_args(ToolName))
# The tools that book or pick a time: offered, the model decides when a picker opens.
SCHEDULING_TOOLS = frozenset({"check_availability", "book_meeting", "open_slot_picker"})
TOOL_LIMIT = "tool_limit"

# Tools still finishing after their time ran out (kept referenced until they end).
_LATE: set[asyncio.Task[ToolResult]] = set()

# Sends a status line (`agent:tool-status`) for the run's reply.
StatusSender = Callable[[ToolName, bool, ToolOutcome | None], Awaitable[None]]


def tool_names(tools: Sequence[dict[str, Any]]) -> set[str]:
    """The function names of OpenAI-format tools."""
    return {str((tool.get("function") or {}).get("name", "")) for tool in tools}


def add_usage(total: TokenUsage | None, more: TokenUsage | None) -> TokenUsage | None:
    """Tokens of several rounds together (None: nothing reported yet)."""
    if more is None:
        return total
    if total is None:
        return more
    return TokenUsage(
        prompt_tokens=total.prompt_tokens + more.prompt_tokens,
        completion_tokens=total.completion_tokens + more.completion_tokens,
    )


def next_request(
    request: ReplyRequest, text: str, calls: Sequence[ToolCall], results: Sequence[ToolResult]
) -> ReplyRequest:
    """The request of the next round: this round's turn of the model and its results."""
    turn = PromptMessage("assistant", text.strip(), tool_calls=tuple(calls))
    answers = [
        PromptMessage(
            "tool",
            json.dumps(result.content, ensure_ascii=False, default=str),
            tool_call_id=call.id,
        )
        for call, result in zip(calls, results, strict=True)
    ]
    return replace(request, rounds=(*request.rounds, turn, *answers))


@dataclass
class ToolRounds:
    """One reply's calls: run through the toolbox, recorded in order."""

    toolbox: ToolBox | None
    offered: frozenset[str]
    timeout: float
    records: list[dict[str, Any]] = field(default_factory=list)
    booked: bool = False

    def own(self, calls: Sequence[ToolCall]) -> list[ToolCall]:
        """The calls that are the toolbox's to run (offered in this conversation)."""
        if self.toolbox is None:
            return []
        return [c for c in calls if c.name in self.offered and c.name in TOOL_NAMES]

    def called(self, name: ToolName) -> bool:
        """Whether the model called `name` in this reply (whatever came of it)."""
        return any(record["name"] == name for record in self.records)

    def refuse_over_limit(self, calls: Sequence[ToolCall]) -> None:
        """Calls asked for in the last round: not run, recorded as refused."""
        for call in calls:
            self.records.append(
                {"name": call.name, "arguments": {}, "outcome": "refused", "code": TOOL_LIMIT}
            )

    async def run(
        self, calls: Sequence[ToolCall], context: ToolContext, status: StatusSender
    ) -> list[ToolResult]:
        """Runs the calls one after the other (a booking after the availability it
        read), each between its two status lines."""
        results: list[ToolResult] = []
        for call in calls:
            name: ToolName = call.name  # type: ignore[assignment]  # checked in own()
            await status(name, True, None)
            result = await self._run_one(call, name, context)
            await status(name, False, result.outcome)
            self.booked |= result.booked and result.outcome == "ok"
            self.records.append(
                {
                    "name": name,
                    "arguments": result.arguments,
                    "outcome": result.outcome,
                    "code": result.code,
                }
            )
            results.append(result)
        return results

    async def _run_one(self, call: ToolCall, name: ToolName, context: ToolContext) -> ToolResult:
        assert self.toolbox is not None
        # Shielded: a booking cut half-way (its reservation made, its calendar call not)
        # would be worse than one that finishes late; the model is told it timed out, and
        # the booking, if it lands, reaches the person as its card and System message.
        work = asyncio.ensure_future(self.toolbox.run(call, context))
        try:
            return await asyncio.wait_for(asyncio.shield(work), self.timeout)
        except TimeoutError:
            _LATE.add(work)
            work.add_done_callback(_late_done)
            return _failed(name, "timeout", "The tool did not answer in time.")
        except Exception:
            logger.exception("tool %s failed", name)
            return _failed(name, "error", "The tool failed.")


def _late_done(work: asyncio.Task[ToolResult]) -> None:
    _LATE.discard(work)
    if not work.cancelled() and work.exception() is not None:
        logger.error("a tool failed after its time ran out", exc_info=work.exception())


def _failed(name: ToolName, code: str, message: str) -> ToolResult:
    return ToolResult(
        name=name,
        outcome="failed",
        content={"status": "failed", "code": code, "message": message},
        code=code,
    )
