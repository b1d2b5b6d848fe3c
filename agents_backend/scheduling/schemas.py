"""REST bodies of /calendar. `available_slots` keeps the original design's name: its
client reads it."""

from __future__ import annotations

from pydantic import BaseModel, Field

from agents_backend.contract import BookedEvent


class Slot(BaseModel):
    start: str = Field(description="HH:MM in the calendar's time zone.")
    end: str
    startIso: str = Field(description="ISO 8601 with the calendar's offset.")
    endIso: str


class SlotList(BaseModel):
    available_slots: list[Slot]
    timezone: str
    calendar: str = Field(description="Which backend answered: google or local.")
    workingDays: list[int] = Field(
        description="ISO weekdays (1 = Monday) with meetings; pickers offer only these."
    )
    lastDay: str = Field(description="YYYY-MM-DD: the last day a meeting may be booked.")


class BookingDaysPublic(BaseModel):
    """`GET /calendar/booking-days`: what a picker offers before it asks for any slots."""

    workingDays: list[int] = Field(description="ISO weekdays (1 = Monday) with meetings.")
    lastDay: str = Field(description="YYYY-MM-DD: the last day a meeting may be booked.")
    timezone: str


class BookingList(BaseModel):
    events: list[BookedEvent]


class BookingEnvelope(BaseModel):
    event: BookedEvent
