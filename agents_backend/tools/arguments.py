"""The model's arguments, checked like any input from outside.

A model may send malformed JSON, a field the schema does not have, "60" for a number,
a day that does not exist or lies in the past. Each is refused with a stable code the
model reads back (and the reply stores), never an exception and never a guess.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from agents_backend.scheduling.validation import MAX_DURATION, MIN_DURATION
from agents_backend.tools.definitions import TITLE_CHARS

_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Refusal(Exception):
    """A call not run: `code` is stable, `message` a short English reason for the model."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _calendar_day(value: object) -> date:
    if not isinstance(value, str) or not _DAY_RE.match(value):
        raise ValueError("must be a YYYY-MM-DD text")
    return date.fromisoformat(value)  # a ValueError for 2026-02-30


# Only YYYY-MM-DD: pydantic's own date parsing would also take a date-time or a number.
Day = Annotated[date, BeforeValidator(_calendar_day)]
Time = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
Duration = Annotated[int, Field(ge=MIN_DURATION, le=MAX_DURATION)]


class _Arguments(BaseModel):
    # strict: "60" is not 60, and nothing the schema did not offer is accepted.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class CheckAvailabilityArgs(_Arguments):
    date: Day
    duration_minutes: Duration | None = Field(default=None, alias="durationMinutes")


class BookMeetingArgs(_Arguments):
    date: Day
    time: Time
    email: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=320)]
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)] | None = None
    duration_minutes: Duration | None = Field(default=None, alias="durationMinutes")


class CreateTaskArgs(_Arguments):
    title: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_CHARS)
    ]
    due_date: Day | None = Field(default=None, alias="dueDate")


class OpenSlotPickerArgs(_Arguments):
    date: Day | None = None


# The code of a field's wrong value (its alias, as the model wrote it).
_FIELD_CODES = {
    "date": "invalid_date",
    "dueDate": "invalid_date",
    "time": "invalid_time",
    "durationMinutes": "invalid_duration",
    "email": "invalid_email",
    "phone": "invalid_phone",
    "title": "invalid_title",
}

Args = TypeVar("Args", bound=_Arguments)


def parse(model: type[Args], raw: str) -> Args:
    """The call's arguments validated, or a `Refusal` naming the first problem."""
    try:
        # Models send "" for a call without arguments.
        return model.model_validate_json(raw.strip() or "{}")
    except ValidationError as exc:
        raise _refusal(exc.errors()[0]) from None


def _refusal(error: Any) -> Refusal:
    kind = str(error.get("type", ""))
    location = error.get("loc") or ()
    field = str(location[0]) if location else ""
    if kind == "json_invalid":
        return Refusal("invalid_json", "The arguments are not valid JSON.")
    if kind == "extra_forbidden":
        return Refusal("unknown_field", f"'{field}' is not an argument of this function.")
    if kind == "missing":
        return Refusal("missing_field", f"'{field}' is required.")
    if field in _FIELD_CODES:
        reason = str(error.get("msg", "invalid value"))
        return Refusal(_FIELD_CODES[field], f"'{field}': {reason}.")
    return Refusal("invalid_arguments", "The arguments must be a JSON object as the schema says.")


def check_day(day: date, *, today: date, last_day: date) -> None:
    """A day a meeting (or a due date) can be on: not past, not beyond the horizon."""
    if day < today:
        raise Refusal(
            "date_in_past", f"{day.isoformat()} is in the past; today is {today.isoformat()}."
        )
    if day > last_day:
        raise Refusal("date_too_far", f"Meetings can be booked up to {last_day.isoformat()} only.")
