"""The booking saga, with one rule: nothing half-booked remains.

1. reserve the slot in MongoDB (atomic: a unique index on active bookings' cells);
2. create the calendar event;
3. mark the booking confirmed.

If step 2 fails the reservation is released at once, so the slot is free again and the
person is told; if step 3 fails the calendar event is deleted as well. Cancelling
removes the calendar event first, so a failure leaves the booking intact.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bson import ObjectId
from pymongo.errors import PyMongoError

from agents_backend.contract import ErrorCode
from agents_backend.core.database import Database, Document
from agents_backend.core.errors import AgentError
from agents_backend.integrations.calendar.backend import (
    CalendarBackend,
    CalendarError,
    CreatedEvent,
    EventRequest,
    Interval,
)
from agents_backend.scheduling import store as bookings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reservation:
    """Who books which slot, through which agent and conversation."""

    user_id: str
    agent_key: str
    contact_id: str
    calendar_id: str
    slot: Interval
    email: str
    phone: str | None
    language: str
    now: datetime


def slot_taken() -> AgentError:
    return AgentError(ErrorCode.SLOT_TAKEN)


class BookingSaga:
    def __init__(self, *, db: Database, backend: CalendarBackend, timezone: str) -> None:
        self._db = db
        self._backend = backend
        self._timezone = timezone

    @property
    def backend_name(self) -> str:
        return self._backend.name

    async def outside_busy(self, calendar_id: str, window: Interval) -> list[Interval]:
        """Busy time the calendar knows of and the `events` collection does not."""
        try:
            return await self._backend.busy(calendar_id, window)
        except CalendarError as exc:
            logger.warning("calendar busy lookup failed: %s", exc.message)
            raise AgentError(ErrorCode.CALENDAR_UNAVAILABLE) from exc

    async def reserve(self, wanted: Reservation) -> Document:
        """Step 1: holds the slot, or raises `slot_taken`; never a read-then-write check."""
        try:
            return await bookings.reserve(
                db=self._db,
                user_id=wanted.user_id,
                agent_key=wanted.agent_key,
                contact_id=wanted.contact_id,
                calendar_id=wanted.calendar_id,
                backend=self._backend.name,
                slot=wanted.slot,
                timezone=self._timezone,
                email=wanted.email,
                phone=wanted.phone,
                language=wanted.language,
                now=wanted.now,
            )
        except bookings.SlotTakenError:
            raise slot_taken() from None

    async def book(self, booking: Document, event: EventRequest) -> Document:
        """Steps 2 and 3, undoing the earlier steps when a later one fails."""
        booking_id: ObjectId = booking["_id"]
        try:
            created = await self._backend.create_event(event)
        except CalendarError as exc:
            logger.warning("booking %s: calendar refused: %s", booking_id, exc.message)
            await bookings.release(db=self._db, booking_id=booking_id, reason=exc.message)
            raise AgentError(ErrorCode.CALENDAR_UNAVAILABLE) from exc
        except BaseException:
            await bookings.release(db=self._db, booking_id=booking_id, reason="interrupted")
            raise
        try:
            confirmed = await bookings.confirm(
                db=self._db,
                booking_id=booking_id,
                external_id=created.event_id,
                html_link=created.html_link,
            )
        except PyMongoError:
            await self._undo_event(booking, created)
            raise
        if confirmed is None:  # pragma: no cover - only a stale-reservation sweep can do this
            await self._undo_event(booking, created)
            raise slot_taken()
        return confirmed

    async def _undo_event(self, booking: Document, created: CreatedEvent) -> None:
        try:
            await self._backend.delete_event(booking["calendar_id"], created.event_id)
        except CalendarError:
            logger.exception("booking %s: could not delete event %s", booking["_id"], created)
        try:
            await bookings.release(db=self._db, booking_id=booking["_id"], reason="not stored")
        except PyMongoError:
            logger.exception("booking %s: could not release the reservation", booking["_id"])

    async def cancel(self, *, user_id: str, booking_id: str) -> Document | None:
        """The cancelled booking; None when there is no such confirmed booking."""
        booking = await bookings.get_for_user(db=self._db, user_id=user_id, booking_id=booking_id)
        if booking is None or booking["status"] in (
            bookings.BookingStatus.RESERVED,
            bookings.BookingStatus.RELEASED,
        ):
            return None
        if booking["status"] == bookings.BookingStatus.CANCELLED:
            return booking
        if booking.get("external_id") and booking.get("backend") == self._backend.name:
            try:
                await self._backend.delete_event(booking["calendar_id"], booking["external_id"])
            except CalendarError as exc:
                raise AgentError(ErrorCode.CALENDAR_CANCEL_FAILED) from exc
        cancelled = await bookings.cancel(db=self._db, booking_id=booking["_id"])
        return cancelled or booking
