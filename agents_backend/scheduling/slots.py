"""Pure slot arithmetic: which meeting starts a calendar can offer on one day.

No I/O and no clock of its own (the caller passes `now`), so every rule here (working
hours, time zones and their DST changes, the past, minimum notice, busy time) is tested
with plain values. Working hours are wall-clock times in the calendar's zone; slots are
walked in absolute time, so a day that loses or gains an hour to DST simply has fewer or
more slots instead of a slot that does not exist or one that is offered twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from agents_backend.bots.models import WorkingHours
from agents_backend.integrations.calendar.backend import Interval

# Reservations lock the calendar in cells of this size; see `cells`.
CELL = timedelta(minutes=15)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class SlotRules:
    """Everything besides the day and busy time that decides which slots exist."""

    hours: WorkingHours
    timezone: ZoneInfo
    step: timedelta = timedelta(minutes=30)
    min_notice: timedelta = timedelta(minutes=60)
    max_days_ahead: int = 60


def working_window(day: date, rules: SlotRules) -> Interval | None:
    """The day's working hours as an absolute interval, or None on a day off."""
    if day.isoweekday() not in rules.hours.weekdays:
        return None
    start = datetime.combine(day, rules.hours.start, tzinfo=rules.timezone)
    end = datetime.combine(day, rules.hours.end, tzinfo=rules.timezone)
    # Normalise through UTC: a wall time inside a DST gap becomes the real instant after it.
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    return Interval(start, end) if end > start else None


def day_span(day: date, zone: ZoneInfo) -> Interval:
    """Local midnight to the next local midnight (23 or 25 hours on a DST day)."""
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return Interval(start, end)


def last_bookable_day(now: datetime, rules: SlotRules) -> date:
    return now.astimezone(rules.timezone).date() + timedelta(days=rules.max_days_ahead)


def compute_slots(
    *,
    day: date,
    duration: timedelta,
    rules: SlotRules,
    busy: Iterable[Interval],
    now: datetime,
) -> list[Interval]:
    """Free slots of `duration` on `day`, starting on the step grid from the day's opening.

    A slot must fit entirely inside working hours, start no sooner than `now` plus the
    minimum notice, and not overlap any busy interval (even by a minute at either edge).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    window = working_window(day, rules)
    if window is None or day > last_bookable_day(now, rules):
        return []
    earliest = now + rules.min_notice
    blocked = sorted(b for b in busy if b.overlaps(window))
    slots: list[Interval] = []
    start = window.start
    while start + duration <= window.end:
        slot = Interval(start, start + duration)
        if slot.start >= earliest and not any(slot.overlaps(b) for b in blocked):
            slots.append(slot)
        start += rules.step
    return slots


def local_start(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The instant a person means by a date and a wall-clock time in `zone`, as UTC."""
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def is_offered(start: datetime, slots: Sequence[Interval]) -> bool:
    return any(slot.start == start for slot in slots)


def cells(interval: Interval) -> list[datetime]:
    """The fixed 15-minute cells (UTC) an interval touches, for the reservation index.

    Each booking stores its cells in one array under a unique multikey index, so two
    bookings that overlap by any amount share a cell and MongoDB refuses the second: the
    no-double-booking rule is enforced by the database, not by a read-then-write check.
    """
    start = interval.start.astimezone(UTC)
    first = _EPOCH + ((start - _EPOCH) // CELL) * CELL
    found: list[datetime] = []
    cell = first
    while cell < interval.end:
        found.append(cell)
        cell += CELL
    return found
