"""The embedded calendar used when no Google credentials are configured.

Its busy time and its events are exactly the bookings in MongoDB's `events` collection,
which the booking service already reads and writes for every backend (that collection
is where reservations are made atomic). So this backend adds no busy time of its own and
"creating" an event only names it: nothing can fail half-way outside the database.
"""

from __future__ import annotations

from agents_backend.integrations.calendar.backend import CreatedEvent, EventRequest, Interval


class LocalCalendar:
    name = "local"

    async def busy(self, calendar_id: str, window: Interval) -> list[Interval]:
        return []

    async def create_event(self, request: EventRequest) -> CreatedEvent:
        return CreatedEvent(event_id=f"local-{request.booking_id}")

    async def delete_event(self, calendar_id: str, event_id: str) -> None:
        return None
