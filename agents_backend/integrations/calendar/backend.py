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


@dataclass(frozen=True, order=True)
class Interval:
    """A half-open span [start, end) of aware datetimes."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("intervals need timezone-aware datetimes")
        if self.end <= self.start:
            raise ValueError("an interval must end after it starts")

    def overlaps(self, other: Interval) -> bool:
        """Touching edges do not overlap: a 10:00 end leaves a 10:00 start free."""
        return self.start < other.end and other.start < self.end


class CalendarError(Exception):
    """The calendar could not do what was asked; `retryable` says if trying later may help."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retryable = retryable


class CalendarAuthError(CalendarError):
    """The calendar's owner must authorize again: Google refused the refresh token
    (`invalid_grant`: access removed in their Google account, or the token expired).
    Retrying cannot help, unlike a token endpoint that is merely down."""

    def __init__(self, message: str) -> None:
        super().__init__(message, status=401, retryable=False)


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
