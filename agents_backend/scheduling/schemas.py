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


class BookingList(BaseModel):
    events: list[BookedEvent]


class BookingEnvelope(BaseModel):
    event: BookedEvent
