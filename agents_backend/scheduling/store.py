"""Bookings (the `events` collection): reservation, confirmation, release, cancellation.

A booking is inserted *before* the calendar is called, as a reservation. Its `cells`
(the 15-minute cells it covers) sit under a unique multikey index restricted to active
bookings, so two overlapping bookings of one calendar can never both be active: the
database settles races between users and tabs. Releasing or cancelling clears `active`,
which takes the booking out of the index and frees the slot.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from agents_backend.core.database import Database, Document
from agents_backend.core.ids import parse_object_id
from agents_backend.integrations.calendar.backend import Interval
from agents_backend.scheduling.slots import cells

# A reservation older than this was left by a process that died mid-booking.
STALE_RESERVATION = timedelta(minutes=5)


class BookingStatus(StrEnum):
    RESERVED = "reserved"  # slot held, calendar call under way
    CONFIRMED = "confirmed"
    RELEASED = "released"  # the calendar call failed; the slot is free again
    CANCELLED = "cancelled"


class SlotTakenError(Exception):
    """Another active booking overlaps this one."""


def _now() -> datetime:
    """At BSON's millisecond precision, so a booking reads back exactly as it was sent."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


async def reserve(
    *,
    db: Database,
    user_id: str,
    agent_key: str,
    contact_id: str,
    calendar_id: str,
    backend: str,
    calendar_account: str | None = None,
    slot: Interval,
    timezone: str,
    email: str,
    phone: str | None,
    language: str,
    now: datetime | None = None,
) -> Document:
    """Holds the slot or raises `SlotTakenError`; never a read-then-write check."""
    moment = now or _now()
    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    document: Document = {
        "_id": ObjectId(),
        "user_id": user_id,
        "agent_key": agent_key,
        "contact_id": contact_id,
        "calendar_id": calendar_id,
        "backend": backend,
        # The owner's Google account when the event is in their own calendar: a cancel
        # finds that calendar even after they connected another or disconnected.
        "calendar_account": calendar_account,
        "start": slot.start.astimezone(UTC),
        "end": slot.end.astimezone(UTC),
        "cells": cells(slot),
        "timezone": timezone,
        "email": email,
        "phone": phone,
        "language": language,
        "status": BookingStatus.RESERVED.value,
        "active": True,
        "external_id": None,
        "html_link": None,
        "created_at": moment,
        "updated_at": moment,
    }
    await _release_stale(db=db, calendar_id=calendar_id, cell_list=document["cells"], now=moment)
    try:
        await db.events.insert_one(document)
    except DuplicateKeyError as exc:
        raise SlotTakenError from exc
    return document


async def _release_stale(
    *, db: Database, calendar_id: str, cell_list: list[datetime], now: datetime
) -> None:
    """Frees reservations a crashed process left behind, so they cannot block a slot forever."""
    await db.events.update_many(
        {
            "calendar_id": calendar_id,
            "cells": {"$in": cell_list},
            "active": True,
            "status": BookingStatus.RESERVED.value,
            "created_at": {"$lt": now - STALE_RESERVATION},
        },
        {"$set": {"status": BookingStatus.RELEASED.value, "updated_at": now}, "$unset": _ACTIVE},
    )


_ACTIVE = {"active": ""}


async def confirm(
    *, db: Database, booking_id: ObjectId, external_id: str, html_link: str | None
) -> Document | None:
    return await db.events.find_one_and_update(
        {"_id": booking_id, "status": BookingStatus.RESERVED.value},
        {
            "$set": {
                "status": BookingStatus.CONFIRMED.value,
                "external_id": external_id,
                "html_link": html_link,
                "updated_at": _now(),
            }
        },
        return_document=ReturnDocument.AFTER,
    )


async def release(*, db: Database, booking_id: ObjectId, reason: str) -> None:
    """Compensation after a failed calendar call: the slot is free at once."""
    await db.events.update_one(
        {"_id": booking_id, "status": BookingStatus.RESERVED.value},
        {
            "$set": {
                "status": BookingStatus.RELEASED.value,
                "release_reason": reason,
                "updated_at": _now(),
            },
            "$unset": _ACTIVE,
        },
    )


async def busy_intervals(*, db: Database, calendar_id: str, window: Interval) -> list[Interval]:
    """Every active booking of the calendar (all users) that overlaps `window`."""
    cursor = db.events.find(
        {
            "calendar_id": calendar_id,
            "active": True,
            "start": {"$lt": window.end},
            "end": {"$gt": window.start},
        },
        {"start": 1, "end": 1},
    )
    return [Interval(doc["start"], doc["end"]) async for doc in cursor]


async def list_for_user(
    *, db: Database, user_id: str, include_inactive: bool = False, limit: int = 200
) -> list[Document]:
    query: dict[str, Any] = {"user_id": user_id}
    if not include_inactive:
        query["status"] = BookingStatus.CONFIRMED.value
    cursor = db.events.find(query).sort([("start", 1), ("_id", 1)]).limit(limit)
    return [doc async for doc in cursor]


async def get_for_user(*, db: Database, user_id: str, booking_id: str) -> Document | None:
    oid = parse_object_id(booking_id)
    if oid is None:
        return None
    return await db.events.find_one({"_id": oid, "user_id": user_id})


async def cancel(*, db: Database, booking_id: ObjectId) -> Document | None:
    """Only a confirmed booking can be cancelled; returns None if it was not."""
    return await db.events.find_one_and_update(
        {"_id": booking_id, "status": BookingStatus.CONFIRMED.value},
        {
            "$set": {"status": BookingStatus.CANCELLED.value, "updated_at": _now()},
            "$unset": _ACTIVE,
        },
        return_document=ReturnDocument.AFTER,
    )
