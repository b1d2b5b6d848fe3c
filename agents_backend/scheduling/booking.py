"""The booking saga, with one rule: nothing half-booked remains.

1. reserve the slot in MongoDB (atomic: a unique index on active bookings' cells);
2. create the calendar event;
3. mark the booking confirmed.

If step 2 fails the reservation is released at once, so the slot is free again and the
person is told; if step 3 fails the calendar event is deleted as well. Cancelling
removes the calendar event first, so a failure leaves the booking intact.

Which calendar: the owner's (`CalendarDirectory.for_owner`), chosen by the service for
each booking and recorded on it; a cancel asks the directory for the calendar that made
the event (`for_booking`), not for the owner's calendar of today.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bson import ObjectId
from pymongo.errors import PyMongoError

from agents_backend.calendar_accounts.directory import CalendarResolver, OwnerCalendar
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
    calendar: OwnerCalendar
    calendar_id: str  # as bookings name it (`OwnerCalendar.key`)
    slot: Interval
    email: str
    phone: str | None
    language: str
    now: datetime


@dataclass(frozen=True)
class Cancellation:
    booking: Document
    now: bool  # this call cancelled it (False: it already was)


def slot_taken() -> AgentError:
    return AgentError(ErrorCode.SLOT_TAKEN)


class BookingSaga:
    def __init__(self, *, db: Database, calendars: CalendarResolver, timezone: str) -> None:
        self._db = db
        self._calendars = calendars
        self._timezone = timezone

    async def outside_busy(
        self, calendar: CalendarBackend, calendar_id: str, window: Interval
    ) -> list[Interval]:
        """Busy time the calendar knows of and the `events` collection does not."""
        try:
            return await calendar.busy(calendar_id, window)
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
                backend=wanted.calendar.name,
                calendar_account=wanted.calendar.account,
                slot=wanted.slot,
                timezone=self._timezone,
                email=wanted.email,
                phone=wanted.phone,
                language=wanted.language,
                now=wanted.now,
            )
        except bookings.SlotTakenError:
            raise slot_taken() from None

    async def book(
        self, booking: Document, event: EventRequest, calendar: CalendarBackend
    ) -> Document:
        """Steps 2 and 3, undoing the earlier steps when a later one fails."""
        booking_id: ObjectId = booking["_id"]
        try:
            created = await calendar.create_event(event)
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
            await self._undo_event(booking, created, calendar)
            raise
        if confirmed is None:  # pragma: no cover - only a stale-reservation sweep can do this
            await self._undo_event(booking, created, calendar)
            raise slot_taken()
        return confirmed

    async def _undo_event(
        self, booking: Document, created: CreatedEvent, calendar: CalendarBackend
    ) -> None:
        try:
            await calendar.delete_event(booking["calendar_id"], created.event_id)
        except (CalendarError, AgentError):
            logger.exception("booking %s: could not delete event %s", booking["_id"], created)
        try:
            await bookings.release(db=self._db, booking_id=booking["_id"], reason="not stored")
        except PyMongoError:
            logger.exception("booking %s: could not release the reservation", booking["_id"])

    async def cancel(self, *, user_id: str, booking_id: str) -> Cancellation | None:
        """The cancelled booking; None when there is no such confirmed booking."""
        booking = await bookings.get_for_user(db=self._db, user_id=user_id, booking_id=booking_id)
        if booking is None or booking["status"] in (
            bookings.BookingStatus.RESERVED,
            bookings.BookingStatus.RELEASED,
        ):
            return None
        if booking["status"] == bookings.BookingStatus.CANCELLED:
            return Cancellation(booking, now=False)
        await self._delete_event(booking)
        cancelled = await bookings.cancel(db=self._db, booking_id=booking["_id"])
        return Cancellation(cancelled, now=True) if cancelled else Cancellation(booking, now=False)

    async def _delete_event(self, booking: Document) -> None:
        """Removes the event from the calendar that made it. One in a Google account the
        owner has since disconnected is theirs now: we hold no access to it any more."""
        if not booking.get("external_id"):
            return
        calendar = await self._calendars.for_booking(booking)
        if calendar is None:
            logger.info("booking %s: its calendar is no longer connected", booking["_id"])
            return
        try:
            await calendar.delete_event(booking["calendar_id"], booking["external_id"])
        except CalendarError as exc:
            raise AgentError(ErrorCode.CALENDAR_CANCEL_FAILED) from exc
