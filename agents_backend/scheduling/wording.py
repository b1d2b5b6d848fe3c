"""How a booking reads: to the person (System message), to clients (JSON) and to the
calendar (the event's title and description), in the conversation's language.

The words are in the locale files (`booking.*`, `dates.*`)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from agents_backend.bots.models import AgentProfile
from agents_backend.chat.models import ChatMessage
from agents_backend.contract import BookedEvent, Language
from agents_backend.core import i18n
from agents_backend.core.database import Document
from agents_backend.core.identity import SessionUser
from agents_backend.integrations.calendar.backend import EventRequest, Interval


def hhmm(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def booking_public(booking: Document, zone: ZoneInfo) -> BookedEvent:
    start: datetime = booking["start"].astimezone(zone)
    end: datetime = booking["end"].astimezone(zone)
    return BookedEvent(
        id=str(booking["_id"]),
        agent_key=booking["agent_key"],
        contact_id=booking["contact_id"],
        start=start.isoformat(),
        end=end.isoformat(),
        date=start.date().isoformat(),
        time=hhmm(start),
        end_time=hhmm(end),
        duration_minutes=int((end - start).total_seconds() // 60),
        timezone=booking["timezone"],
        email=booking["email"],
        phone=booking["phone"],
        status=booking["status"],
        calendar=booking["backend"],
        html_link=booking.get("html_link"),
        created_at=booking["created_at"].astimezone(UTC).isoformat(),
    )


def slot_public(slot: Interval, zone: ZoneInfo) -> dict[str, str]:
    start, end = slot.start.astimezone(zone), slot.end.astimezone(zone)
    return {
        "start": hhmm(start),
        "end": hhmm(end),
        "startIso": start.isoformat(),
        "endIso": end.isoformat(),
    }


def long_date(day: datetime, language: Language) -> str:
    """`December 3, 2026` / `3 de dezembro de 2026`."""
    month = i18n.texts(language, "dates.months")[day.month - 1]
    return i18n.text(language, "dates.date", day=day.day, monthName=month, year=day.year)


def _when(booking: Document, language: Language, zone: ZoneInfo) -> str:
    """`Thursday, December 3, 2026, 10:00–11:00 (America/Sao_Paulo)`."""
    start: datetime = booking["start"].astimezone(zone)
    end: datetime = booking["end"].astimezone(zone)
    return i18n.text(
        language,
        "booking.when",
        weekday=i18n.texts(language, "dates.weekdays")[start.weekday()],
        date=long_date(start, language),
        start=hhmm(start),
        end=hhmm(end),
        zone=zone.key,
    )


def booked_text(booking: Document, language: Language, zone: ZoneInfo) -> str:
    when = _when(booking, language, zone)
    return i18n.text(language, "booking.booked", when=when, email=booking["email"])


def cancelled_text(booking: Document, language: Language, zone: ZoneInfo) -> str:
    """The System message a cancellation leaves in the booking's conversation."""
    return i18n.text(language, "booking.cancelled", when=_when(booking, language, zone))


def task_title(email: str, language: Language) -> str:
    return i18n.text(language, "booking.taskTitle", email=email)


def event_request(
    *,
    user: SessionUser,
    agent: AgentProfile,
    booking: Document,
    history: list[ChatMessage],
    language: Language,
    zone: ZoneInfo,
) -> EventRequest:
    """The calendar event: who booked, through which agent, and the conversation."""
    lines = [
        i18n.text(language, "booking.eventBookedBy", agent=agent.name, key=agent.key),
        i18n.text(language, "booking.eventCustomer", name=user.name, email=booking["email"])
        + (f", {booking['phone']}" if booking["phone"] else ""),
        "",
        i18n.text(language, "booking.eventConversation"),
    ]
    names = {
        "user": user.name,
        "agent": agent.name,
        "system": i18n.text(language, "booking.system"),
    }
    lines += [f"{names.get(m.author, m.author)}: {m.text}" for m in history]
    return EventRequest(
        booking_id=str(booking["_id"]),
        calendar_id=booking["calendar_id"],
        start=booking["start"].astimezone(zone),
        end=booking["end"].astimezone(zone),
        timezone=zone.key,
        summary=i18n.text(language, "booking.eventSummary", name=user.name, agent=agent.name),
        description="\n".join(lines)[:8000],
        attendee_email=booking["email"],
    )
