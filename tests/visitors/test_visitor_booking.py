"""A visitor books a meeting on the bot owner's calendar from the chat."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.bots.helpers import call
from tests.support.servers import ServerProcess
from tests.visitors.conftest import SHOP, NewVisitor, published_bot


def next_weekday(days_ahead: int = 3) -> str:
    day = datetime.now(UTC).date() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day.isoformat()


async def test_a_visitor_books_on_the_owners_calendar_and_the_owner_sees_the_lead(
    offline_server: ServerProcess, new_visitor: NewVisitor
) -> None:
    base = offline_server.base_url
    owner, _bot, publication = await published_bot(offline_server)
    visitor = new_visitor()
    session = await visitor.connect(
        base, {"agent": publication["slug"], "host": SHOP, "language": "pt-BR"}
    )
    day = next_weekday()
    free = await visitor.emit("visitor:available-slots", {"date": day, "durationMinutes": 30})
    assert free["ok"] is True and free["date"] == day and free["slots"]
    slot = free["slots"][0]
    assert set(slot) == {"start", "end", "startIso", "endIso"}
    # The booking sheet offers the owner's working days only (the server's: Mon-Fri).
    assert free["workingDays"] == [1, 2, 3, 4, 5] and free["lastDay"] > day

    bad = await visitor.emit(
        "visitor:schedule-confirm", {"date": day, "time": slot["start"], "email": "not-an-email"}
    )
    assert bad["ok"] is False and bad["error"]["code"] == "invalid_email"

    booked = await visitor.emit(
        "visitor:schedule-confirm",
        {"date": day, "time": slot["start"], "email": "lead@example.com", "name": "Ana Lead"},
    )
    assert booked["ok"] is True, booked
    assert (booked["event"]["date"], booked["event"]["time"]) == (day, slot["start"])
    assert booked["event"]["htmlLink"] is None
    note = (await visitor.wait_for("agent:message", lambda m: m["author"] == "system"))[0]
    assert note["id"] == booked["messageId"]
    confirmed = (await visitor.wait_for("agent:schedule-confirm"))[0]
    assert confirmed["event"]["id"] == booked["event"]["id"]

    # The same slot is gone for the next visitor.
    other = new_visitor()
    await other.connect(base, {"agent": publication["slug"], "host": SHOP})
    again = await other.emit(
        "visitor:schedule-confirm",
        {"date": day, "time": slot["start"], "email": "late@example.com"},
    )
    assert again["ok"] is False and again["error"]["code"] == "slot_taken"

    # On the owner's side: the booking in their calendar, the lead in their list.
    events = (await call(owner, "GET", "/calendar/events")).json()["events"]
    mine = [e for e in events if e["id"] == booked["event"]["id"]]
    assert mine and mine[0]["contactId"] == session["conversationId"]
    inbox = (await call(owner, "GET", "/inbox/conversations")).json()["conversations"]
    lead = next(c for c in inbox if c["id"] == session["conversationId"])
    assert lead["contact"] == {"name": "Ana Lead", "email": "lead@example.com", "phone": None}
    assert [b["id"] for b in lead["bookings"]] == [booked["event"]["id"]]

    # The owner cancels it: the visitor's chat stops saying "booked" and tells why.
    cancelled = await call(owner, "DELETE", f"/calendar/events/{booked['event']['id']}")
    assert cancelled.status_code == 200, cancelled.text
    heard = (await visitor.wait_for("agent:schedule-cancelled"))[0]
    assert heard["event"]["id"] == booked["event"]["id"] and heard["event"]["htmlLink"] is None
    notes = await visitor.wait_for("agent:message", lambda m: m["author"] == "system", count=2)
    assert "cancelad" in notes[1]["text"]


async def test_booking_is_refused_when_the_owner_turned_it_off(
    offline_server: ServerProcess, new_visitor: NewVisitor
) -> None:
    _owner, _bot, publication = await published_bot(offline_server, bookingEnabled=False)
    visitor = new_visitor()
    session = await visitor.connect(offline_server.base_url, {"agent": publication["slug"]})
    assert session["agent"]["bookingEnabled"] is False
    refused = await visitor.emit("visitor:available-slots", {"date": next_weekday()})
    assert refused["ok"] is False and refused["error"]["code"] == "booking_disabled"
