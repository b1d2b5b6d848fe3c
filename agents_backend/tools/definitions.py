"""What the model is told about each tool: OpenAI function schemas.

The descriptions are the model's only manual, so they say when to call each function,
what its result means, and the one rule that matters most: a meeting is booked only
when `book_meeting` answers `"status": "booked"`. Dates are the calendar's days, so the
schemas carry today's date and the time zone (a model cannot resolve "amanhã" without
knowing what today is).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from agents_backend.contract import ToolName
from agents_backend.scheduling.validation import MAX_DURATION, MIN_DURATION

CHECK_AVAILABILITY: Final[ToolName] = "check_availability"
BOOK_MEETING: Final[ToolName] = "book_meeting"
CREATE_TASK: Final[ToolName] = "create_task"
OPEN_SLOT_PICKER: Final[ToolName] = "open_slot_picker"

SCHEDULING: Final[tuple[ToolName, ...]] = (CHECK_AVAILABILITY, BOOK_MEETING, OPEN_SLOT_PICKER)
TASKS: Final[tuple[ToolName, ...]] = (CREATE_TASK,)
ALL: Final[tuple[ToolName, ...]] = SCHEDULING + TASKS

TITLE_CHARS = 200
_DAY_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
_TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d$"


def _function(
    name: ToolName, description: str, properties: dict[str, Any], required: list[str]
) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": False,
            },
        },
    }


def _day(today: date, timezone: str, what: str) -> dict[str, Any]:
    return {
        "type": "string",
        "pattern": _DAY_PATTERN,
        "description": (
            f"{what}, YYYY-MM-DD in the calendar's time zone ({timezone}). "
            f"Today is {today.isoformat()} ({today:%A}); never a past day."
        ),
    }


def _duration() -> dict[str, Any]:
    return {
        "type": "integer",
        "minimum": MIN_DURATION,
        "maximum": MAX_DURATION,
        "description": "Meeting length in minutes (default 60).",
    }


def scheduling_tools(today: date, timezone: str) -> list[dict[str, Any]]:
    """check_availability, book_meeting and open_slot_picker."""
    return [
        _function(
            CHECK_AVAILABILITY,
            "Look up the agent's real free meeting times on one day. Call it before "
            "proposing times; propose only times it returned. The result lists free slots "
            "(start and end, HH:MM); an empty list means no free time that day.",
            {"date": _day(today, timezone, "The day"), "durationMinutes": _duration()},
            ["date"],
        ),
        _function(
            BOOK_MEETING,
            "Book a meeting once the person has agreed to a specific free time and has "
            "written their e-mail in this conversation. Use exactly the e-mail (and phone, "
            "if any) the person wrote; never invent or guess one: ask for it instead. "
            'Only a result with "status": "booked" means the meeting is booked; the '
            "person is shown the confirmation. Never say a meeting is booked, scheduled or "
            'confirmed otherwise. "slot_taken" comes with alternatives to offer; '
            '"refused" says what to ask the person for.',
            {
                "date": _day(today, timezone, "The meeting's day"),
                "time": {
                    "type": "string",
                    "pattern": _TIME_PATTERN,
                    "description": "Start time, HH:MM (24 h) in the calendar's time zone.",
                },
                "email": {
                    "type": "string",
                    "description": "The e-mail the person wrote in this conversation.",
                },
                "phone": {
                    "type": "string",
                    "description": "The phone number the person wrote, if they gave one.",
                },
                "durationMinutes": _duration(),
            },
            ["date", "time", "email"],
        ),
        _function(
            OPEN_SLOT_PICKER,
            "Show the person a calendar to pick a free time themselves. Call it when they "
            "would rather choose on their own, or ask to see the available times. It "
            "books nothing.",
            {"date": _day(today, timezone, "The day to show first (optional)")},
            [],
        ),
    ]


def task_tools(today: date, timezone: str) -> list[dict[str, Any]]:
    """create_task."""
    return [
        _function(
            CREATE_TASK,
            "Add a task (an action item) to the owner's task list: something the person "
            "asked to be reminded of or that must be done after this conversation. The "
            'result says "created".',
            {
                "title": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": TITLE_CHARS,
                    "description": "Short and imperative, in the conversation's language.",
                },
                "dueDate": _day(today, timezone, "When it is due (optional)"),
            },
            ["title"],
        ),
    ]
