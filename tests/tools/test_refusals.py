"""The model is not trusted: whatever it sends that the schema or the calendar does not
allow is refused with a stable code it reads back, and nothing is booked."""

from __future__ import annotations

from typing import Any

import pytest

from agents_backend.bots.builtin import BUILTIN_AGENTS
from agents_backend.core.database import Database
from tests.tools.conftest import TOMORROW, Kit, build

SDR = next(agent for agent in BUILTIN_AGENTS if agent.key == "sdr")

SAID = "amanhã às 10h, ana@example.com"
BOOKING = {"date": TOMORROW, "time": "10:00", "email": "ana@example.com"}


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ('{"date": "2026-03-10", "time": "10:00", "email": "ana@example.com"', "invalid_json"),
        ("[1, 2]", "invalid_arguments"),
        ({**BOOKING, "name": "Ana"}, "unknown_field"),
        ({"date": TOMORROW, "email": "ana@example.com"}, "missing_field"),
        ({**BOOKING, "date": "2026-03-06"}, "date_in_past"),
        ({**BOOKING, "date": "2026-02-30"}, "invalid_date"),
        ({**BOOKING, "date": "10/03/2026"}, "invalid_date"),
        ({**BOOKING, "date": "2026-03-10T10:00:00"}, "invalid_date"),
        ({**BOOKING, "date": "2027-03-10"}, "date_too_far"),
        ({**BOOKING, "time": "10h"}, "invalid_time"),
        ({**BOOKING, "durationMinutes": "60"}, "invalid_duration"),
        ({**BOOKING, "durationMinutes": 600}, "invalid_duration"),
        ({**BOOKING, "email": "ana at example"}, "invalid_email"),
    ],
)
async def test_a_bad_booking_call_is_refused_with_its_code(
    kit: Kit, arguments: dict[str, Any] | str, code: str
) -> None:
    result = await kit.call("book_meeting", arguments, said=[kit.said(SAID)])

    assert result.outcome == "refused", result.content
    assert result.code == code
    assert result.content["status"] == "refused" and result.content["code"] == code
    assert result.content["message"]
    assert result.booked is False and result.arguments == {}
    assert await kit.db.events.count_documents({}) == 0
    assert kit.inbox.events == []


async def test_availability_refuses_a_past_or_malformed_day(kit: Kit) -> None:
    past = await kit.call("check_availability", {"date": "2026-03-08"})
    assert (past.outcome, past.code) == ("refused", "date_in_past")
    extra = await kit.call("check_availability", {"date": TOMORROW, "timezone": "UTC"})
    assert extra.code == "unknown_field"
    empty = await kit.call("check_availability", "")
    assert empty.code == "missing_field"
    # Today itself is fine (the slots after the minimum notice).
    today = await kit.call("check_availability", {"date": "2026-03-09"})
    assert today.outcome == "ok" and today.content["slots"][0]["start"] == "10:00"


async def test_a_function_the_agent_does_not_have_is_not_run(kit: Kit) -> None:
    support = await kit.sdr()
    no_calendar = support.model_copy(update={"scheduling_enabled": False})

    result = await kit.call("book_meeting", BOOKING, said=[kit.said(SAID)], agent=no_calendar)

    assert (result.outcome, result.code) == ("refused", "not_offered")
    assert await kit.db.events.count_documents({}) == 0
    with pytest.raises(ValueError, match="request_human"):
        await kit.call("request_human", {})


async def test_a_database_that_does_not_answer_fails_the_call_without_raising() -> None:
    # Nothing listens on port 1: every query fails as with a database that went away.
    unreachable = Database.connect("mongodb://127.0.0.1:1", "unreachable", timeout_ms=200)
    try:
        kit = build(unreachable)
        result = await kit.call("check_availability", {"date": TOMORROW}, agent=SDR)
    finally:
        await unreachable.close()

    assert (result.outcome, result.code) == ("failed", "unavailable")
    assert result.content["status"] == "failed" and result.booked is False
