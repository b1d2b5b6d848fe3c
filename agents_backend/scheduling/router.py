"""Availability and bookings: the REST side of meeting booking.

Booking itself happens over Socket.IO (`agent:schedule-confirm`), because its result is
pushed to every tab of the person; these routes list free slots and manage bookings.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status

from agents_backend.auth.deps import CurrentUser
from agents_backend.contract import ErrorCode
from agents_backend.core.errors import AgentError
from agents_backend.core.http_errors import ApiError
from agents_backend.core.registry import service
from agents_backend.scheduling.schemas import (
    BookingDaysPublic,
    BookingEnvelope,
    BookingList,
    Slot,
    SlotList,
)
from agents_backend.scheduling.service import SchedulingService

router = APIRouter(prefix="/calendar", tags=["calendar"])

SchedulingDep = Annotated[SchedulingService, Depends(service(SchedulingService))]

_STATUS_BY_CODE = {
    ErrorCode.AGENT_NOT_FOUND: status.HTTP_404_NOT_FOUND,
    ErrorCode.CALENDAR_UNAVAILABLE: status.HTTP_503_SERVICE_UNAVAILABLE,
    ErrorCode.CALENDAR_CANCEL_FAILED: status.HTTP_503_SERVICE_UNAVAILABLE,
    # Only the owner can fix it, by connecting Google Calendar again.
    ErrorCode.CALENDAR_RECONNECT_NEEDED: status.HTTP_409_CONFLICT,
}


def _http_error(exc: AgentError) -> ApiError:
    code = _STATUS_BY_CODE.get(exc.code, status.HTTP_422_UNPROCESSABLE_CONTENT)
    return ApiError.from_agent_error(code, exc)


@router.get("/available-slots", response_model=SlotList)
async def list_available_slots(
    user: CurrentUser,
    scheduling: SchedulingDep,
    date: Annotated[str, Query(description="YYYY-MM-DD in the calendar's time zone.")],
    duration_minutes: Annotated[int, Query(description="15 to 240.")] = 60,
    agent_key: Annotated[str | None, Query(alias="agentKey", max_length=64)] = None,
) -> SlotList:
    """Free start times of one day: working hours minus busy time, the past and notice."""
    try:
        slots = await scheduling.available_slots(
            user_id=user["_id"],
            day_text=date,
            duration_minutes=duration_minutes,
            agent_key=agent_key,
        )
        calendar = await scheduling.calendar_name(user_id=user["_id"])
        days = await scheduling.booking_days(user_id=user["_id"], agent_key=agent_key)
    except AgentError as exc:
        raise _http_error(exc) from exc
    return SlotList(
        available_slots=[Slot(**slot) for slot in slots],
        timezone=scheduling.timezone,
        calendar=calendar,
        workingDays=days.working_days,
        lastDay=days.last_day.isoformat(),
    )


@router.get("/booking-days", response_model=BookingDaysPublic)
async def read_booking_days(
    user: CurrentUser,
    scheduling: SchedulingDep,
    agent_key: Annotated[str | None, Query(alias="agentKey", max_length=64)] = None,
) -> BookingDaysPublic:
    """The days a slot picker may offer (the agent's working weekdays, up to the booking
    horizon), so its calendar greys out the rest before any slots are read."""
    try:
        days = await scheduling.booking_days(user_id=user["_id"], agent_key=agent_key)
    except AgentError as exc:
        raise _http_error(exc) from exc
    return BookingDaysPublic(
        workingDays=days.working_days,
        lastDay=days.last_day.isoformat(),
        timezone=scheduling.timezone,
    )


@router.get("/events", response_model=BookingList)
async def list_calendar_events(
    user: CurrentUser,
    scheduling: SchedulingDep,
    include_cancelled: Annotated[bool, Query(alias="includeCancelled")] = False,
) -> BookingList:
    """The person's bookings, soonest first (cancelled ones only when asked for)."""
    found = await scheduling.list_bookings(user_id=user["_id"], include_inactive=include_cancelled)
    return BookingList(events=found)


@router.delete("/events/{event_id}", response_model=BookingEnvelope)
async def delete_calendar_event(
    user: CurrentUser,
    scheduling: SchedulingDep,
    event_id: Annotated[str, Path(max_length=64)],
) -> BookingEnvelope:
    """Cancels a booking and its calendar event; the slot becomes free again."""
    try:
        cancelled = await scheduling.cancel(user_id=user["_id"], booking_id=event_id)
    except AgentError as exc:
        raise _http_error(exc) from exc
    if cancelled is None:
        raise ApiError(status.HTTP_404_NOT_FOUND, ErrorCode.BOOKING_NOT_FOUND)
    return BookingEnvelope(event=cancelled)
