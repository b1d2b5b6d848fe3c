"""What the booking service needs from a calendar, whichever calendar it is.

Two implementations: Google Calendar (`google_calendar.py`) and the embedded local
calendar (`local_calendar.py`). Bookings themselves always live in MongoDB's `events`
collection, which is also what makes reservations atomic; a backend only adds outside
busy time and mirrors confirmed bookings as real calendar events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from agents_backend.agents.slots import Interval


class CalendarError(Exception):
    """The calendar could not do what was asked; `retryable` says if trying later may help."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retryable = retryable


@dataclass(frozen=True)
class EventRequest:
    """One booking, as a calendar event to create."""

    booking_id: str
    calendar_id: str
    start: datetime
    end: datetime
    timezone: str
    summary: str
    description: str
    attendee_email: str


@dataclass(frozen=True)
class CreatedEvent:
    event_id: str
    html_link: str | None = None


class CalendarBackend(Protocol):
    """Implementations may block internally but must not block the event loop."""

    name: str

    async def busy(self, calendar_id: str, window: Interval) -> list[Interval]:
        """Busy time in `window` that the `events` collection does not already know."""
        ...

    async def create_event(self, request: EventRequest) -> CreatedEvent:
        """Creates the event exactly once per booking id, even when retried."""
        ...

    async def delete_event(self, calendar_id: str, event_id: str) -> None:
        """Removes the event; one that is already gone counts as removed."""
        ...
