"""How a booking reads: to the person (System message), to clients (JSON) and to the
calendar (the event's title and description), in the conversation's language."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from agents_backend.bots.models import AgentProfile
from agents_backend.chat.models import ChatMessage
from agents_backend.contract import BookedEvent
from agents_backend.core.database import Document
from agents_backend.core.identity import SessionUser
from agents_backend.integrations.calendar.backend import EventRequest, Interval

_PT_WEEKDAYS = ("segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira",
                "sábado", "domingo")  # fmt: skip
_EN_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")  # fmt: skip


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


def booked_text(booking: Document, language: str, zone: ZoneInfo) -> str:
    start: datetime = booking["start"].astimezone(zone)
    end: datetime = booking["end"].astimezone(zone)
    if language == "en":
        when = (
            f"{_EN_WEEKDAYS[start.weekday()]}, {_EN_MONTHS[start.month - 1]} {start.day}, "
            f"{start.year}, {hhmm(start)}–{hhmm(end)} ({zone.key})"
        )
        return f"Meeting booked for {when}. Contact: {booking['email']}."
    when = (
        f"{_PT_WEEKDAYS[start.weekday()]}, {start:%d/%m/%Y}, das {hhmm(start)} às "
        f"{hhmm(end)} ({zone.key})"
    )
    return f"Reunião agendada para {when}. Contato: {booking['email']}."


def task_title(email: str, language: str) -> str:
    return f"Reunião com {email}" if language == "pt" else f"Meeting with {email}"


def event_request(
    *,
    user: SessionUser,
    agent: AgentProfile,
    booking: Document,
    history: list[ChatMessage],
    language: str,
    zone: ZoneInfo,
) -> EventRequest:
    """The calendar event: who booked, through which agent, and the conversation."""
    pt = language == "pt"
    lines = [
        ("Reunião marcada pelo agente" if pt else "Meeting booked by the agent")
        + f" {agent.name} ({agent.key}).",
        f"{'Cliente' if pt else 'Customer'}: {user.name} <{booking['email']}>"
        + (f", {booking['phone']}" if booking["phone"] else ""),
        "",
        "Conversa:" if pt else "Conversation:",
    ]
    names = {"user": user.name, "agent": agent.name, "system": "System"}
    lines += [f"{names.get(m.author, m.author)}: {m.text}" for m in history]
    return EventRequest(
        booking_id=str(booking["_id"]),
        calendar_id=booking["calendar_id"],
        start=booking["start"].astimezone(zone),
        end=booking["end"].astimezone(zone),
        timezone=zone.key,
        summary=f"{'Reunião com' if pt else 'Meeting with'} {user.name} ({agent.name})",
        description="\n".join(lines)[:8000],
        attendee_email=booking["email"],
    )
