"""The shape of what NLU understands of one message.

Kept apart from the engine so that everything that consumes an analysis (the offline
responder, suggestions, the slot picker, the socket payloads) depends on a small,
stable model and not on the rules that produce it.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import BaseModel, Field

Language = Literal["pt", "en"]


if TYPE_CHECKING:
    from agents_backend.integrations.openai_client import TokenUsage


class Intent(StrEnum):
    """Intents the product reacts to; `schedule_meeting` is the seed's name."""

    SCHEDULE_MEETING = "schedule_meeting"
    GREETING = "greeting"
    FAREWELL = "farewell"
    THANKS = "thanks"
    QUESTION = "question"
    PROVIDE_CONTACT = "provide_contact"
    CREATE_TASK = "create_task"
    HUMAN_HANDOFF = "human_handoff"
    GENERAL = "general"


class Entity(BaseModel):
    """One span found in the text; offsets are character indexes into the original."""

    type: Literal["email", "phone", "datetime", "date", "time"]
    value: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class NLUResult(BaseModel):
    """The analysis sent to clients as `nlp` and stored beside the message.

    `datetime` is ISO 8601 with the calendar's offset when both a day and a time were
    understood; `date` (YYYY-MM-DD) and `time` (HH:MM) are kept separately because a
    person often gives only one of them ("amanhã", "at 3pm").
    """

    intent: Intent = Intent.GENERAL
    confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    email: str | None = None
    phone: str | None = None
    datetime: str | None = None
    date: str | None = None
    time: str | None = None
    entities: list[Entity] = Field(default_factory=list)
    language: Language = "pt"
    source: Literal["rules", "llm"] = "rules"


# Told the model and the tokens a refinement spent, so they count in the person's usage.
UsageSink = Callable[[str, "TokenUsage"], None]


class NLURefiner(Protocol):
    """A model-backed extractor that may improve on the rule pass.

    Returns a loose dict (the model's JSON); the engine validates and merges it, so a
    refiner never has to be trusted to produce a valid `NLUResult`.
    """

    async def extract(
        self, text: str, hint: NLUResult, on_usage: UsageSink | None = None
    ) -> dict[str, Any]: ...
