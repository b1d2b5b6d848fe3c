"""Slot arithmetic with plain values: hours, zones and DST, the past, notice, busy edges."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from agents_backend.bots.models import WorkingHours
from agents_backend.scheduling.slots import Interval, SlotRules, cells, compute_slots, local_start

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
NEW_YORK = ZoneInfo("America/New_York")
HOUR = timedelta(hours=1)
# A Monday; long before every day the tests look at, so "the past" plays no part.
LONG_AGO = datetime(2020, 1, 6, tzinfo=UTC)


def rules(zone: ZoneInfo = SAO_PAULO, **changes: object) -> SlotRules:
    hours = changes.pop("hours", WorkingHours())
    base = SlotRules(hours=hours, timezone=zone, step=HOUR, min_notice=HOUR, max_days_ahead=9999)
    return SlotRules(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def labels(slots: list[Interval], zone: ZoneInfo) -> list[str]:
    return [s.start.astimezone(zone).strftime("%H:%M") for s in slots]


def at(day: date, hour: int, zone: ZoneInfo, minute: int = 0) -> datetime:
    return local_start(day, time(hour, minute), zone)


def test_a_weekday_offers_every_hour_from_opening_to_the_last_that_fits() -> None:
    slots = compute_slots(
        day=date(2026, 3, 10), duration=HOUR, rules=rules(), busy=[], now=LONG_AGO
    )
    assert labels(slots, SAO_PAULO) == [f"{h:02d}:00" for h in range(9, 18)]
    assert slots[0].start == datetime(2026, 3, 10, 12, tzinfo=UTC)  # 09:00 at -03:00
    assert slots[-1].end.astimezone(SAO_PAULO).strftime("%H:%M") == "18:00"


def test_weekends_and_days_outside_the_agents_weekdays_have_no_slots() -> None:
    saturday = compute_slots(
        day=date(2026, 3, 14), duration=HOUR, rules=rules(), busy=[], now=LONG_AGO
    )
    only_tuesday = rules(hours=WorkingHours(weekdays=[2], start=time(14), end=time(16)))
    monday = compute_slots(
        day=date(2026, 3, 9), duration=HOUR, rules=only_tuesday, busy=[], now=LONG_AGO
    )
    tuesday = compute_slots(
        day=date(2026, 3, 10), duration=HOUR, rules=only_tuesday, busy=[], now=LONG_AGO
    )
    assert saturday == [] and monday == []
    assert labels(tuesday, SAO_PAULO) == ["14:00", "15:00"]


def test_a_long_meeting_never_runs_past_closing_time() -> None:
    three_hours = compute_slots(
        day=date(2026, 3, 10), duration=3 * HOUR, rules=rules(), busy=[], now=LONG_AGO
    )
    assert labels(three_hours, SAO_PAULO)[-1] == "15:00"


def test_new_york_hours_keep_their_wall_clock_across_the_march_dst_change() -> None:
    ny = rules(NEW_YORK)
    before = compute_slots(day=date(2026, 3, 6), duration=HOUR, rules=ny, busy=[], now=LONG_AGO)
    after = compute_slots(day=date(2026, 3, 9), duration=HOUR, rules=ny, busy=[], now=LONG_AGO)
    assert labels(before, NEW_YORK)[0] == labels(after, NEW_YORK)[0] == "09:00"
    assert before[0].start == datetime(2026, 3, 6, 14, tzinfo=UTC)  # EST, -05:00
    assert after[0].start == datetime(2026, 3, 9, 13, tzinfo=UTC)  # EDT, -04:00
    assert before[0].start.astimezone(NEW_YORK).isoformat().endswith("-05:00")
    assert after[0].start.astimezone(NEW_YORK).isoformat().endswith("-04:00")


def test_the_night_new_york_springs_forward_has_no_slot_in_the_missing_hour() -> None:
    night = rules(NEW_YORK, hours=WorkingHours(weekdays=[7], start=time(0), end=time(4)))
    slots = compute_slots(day=date(2026, 3, 8), duration=HOUR, rules=night, busy=[], now=LONG_AGO)
    assert labels(slots, NEW_YORK) == ["00:00", "01:00", "03:00"]
    assert all(s.end - s.start == HOUR for s in slots)


def test_the_night_new_york_falls_back_offers_the_repeated_hour_twice() -> None:
    night = rules(NEW_YORK, hours=WorkingHours(weekdays=[7], start=time(0), end=time(4)))
    slots = compute_slots(day=date(2026, 11, 1), duration=HOUR, rules=night, busy=[], now=LONG_AGO)
    assert labels(slots, NEW_YORK) == ["00:00", "01:00", "01:00", "02:00", "03:00"]
    assert len({s.start for s in slots}) == 5  # five distinct instants


def test_sao_paulo_slots_do_not_move_when_new_york_changes_clocks() -> None:
    before = compute_slots(
        day=date(2026, 3, 6), duration=HOUR, rules=rules(), busy=[], now=LONG_AGO
    )
    after = compute_slots(day=date(2026, 3, 9), duration=HOUR, rules=rules(), busy=[], now=LONG_AGO)
    assert before[0].start.hour == after[0].start.hour == 12  # 09:00 -03:00, both days


def test_past_slots_and_the_minimum_notice_are_left_out() -> None:
    day = date(2026, 3, 10)
    now = at(day, 11, SAO_PAULO, 20)  # 11:20 local, one hour of notice -> 12:20 earliest
    slots = compute_slots(day=day, duration=HOUR, rules=rules(), busy=[], now=now)
    assert labels(slots, SAO_PAULO)[0] == "13:00"
    no_notice = compute_slots(
        day=day, duration=HOUR, rules=rules(min_notice=timedelta(0)), busy=[], now=now
    )
    assert labels(no_notice, SAO_PAULO)[0] == "12:00"
    yesterday = compute_slots(day=date(2026, 3, 9), duration=HOUR, rules=rules(), busy=[], now=now)
    assert yesterday == []


def test_a_slot_exactly_at_the_notice_limit_is_still_offered() -> None:
    day = date(2026, 3, 10)
    slots = compute_slots(
        day=day, duration=HOUR, rules=rules(), busy=[], now=at(day, 12, SAO_PAULO)
    )
    assert labels(slots, SAO_PAULO)[0] == "13:00"


def test_busy_time_removes_every_slot_it_touches_but_not_ones_that_only_meet_it() -> None:
    day = date(2026, 3, 10)
    busy = [
        Interval(at(day, 10, SAO_PAULO, 30), at(day, 11, SAO_PAULO, 15)),  # inside 10 and 11
        Interval(at(day, 13, SAO_PAULO), at(day, 14, SAO_PAULO)),  # exactly one slot
        Interval(at(day, 16, SAO_PAULO, 59), at(day, 17, SAO_PAULO, 1)),  # a 2-minute edge
    ]
    slots = compute_slots(day=day, duration=HOUR, rules=rules(), busy=busy, now=LONG_AGO)
    assert labels(slots, SAO_PAULO) == ["09:00", "12:00", "14:00", "15:00"]


def test_busy_time_across_midnight_and_on_other_days_is_handled() -> None:
    day = date(2026, 3, 10)
    overnight = Interval(at(day - timedelta(days=1), 20, SAO_PAULO), at(day, 9, SAO_PAULO, 30))
    tomorrow = Interval(
        at(day + timedelta(days=1), 9, SAO_PAULO), at(day + timedelta(days=1), 18, SAO_PAULO)
    )
    slots = compute_slots(
        day=day, duration=HOUR, rules=rules(), busy=[overnight, tomorrow], now=LONG_AGO
    )
    assert labels(slots, SAO_PAULO)[0] == "10:00"
    assert len(slots) == 8


def test_half_hour_steps_offer_overlapping_starts() -> None:
    half = rules(step=timedelta(minutes=30))
    slots = compute_slots(day=date(2026, 3, 10), duration=HOUR, rules=half, busy=[], now=LONG_AGO)
    assert labels(slots, SAO_PAULO)[:3] == ["09:00", "09:30", "10:00"]
    assert labels(slots, SAO_PAULO)[-1] == "17:00"


def test_days_beyond_the_booking_horizon_have_no_slots() -> None:
    near = rules(max_days_ahead=5)
    now = datetime(2026, 3, 9, 12, tzinfo=UTC)
    assert compute_slots(day=date(2026, 3, 13), duration=HOUR, rules=near, busy=[], now=now)
    assert compute_slots(day=date(2026, 3, 16), duration=HOUR, rules=near, busy=[], now=now) == []


def test_overlapping_bookings_share_a_reservation_cell_and_adjacent_ones_do_not() -> None:
    day = date(2026, 3, 10)
    nine = Interval(at(day, 9, SAO_PAULO), at(day, 10, SAO_PAULO))
    nine_thirty = Interval(at(day, 9, SAO_PAULO, 30), at(day, 10, SAO_PAULO, 30))
    ten = Interval(at(day, 10, SAO_PAULO), at(day, 11, SAO_PAULO))
    assert len(cells(nine)) == 4
    assert set(cells(nine)) & set(cells(nine_thirty))
    assert not set(cells(nine)) & set(cells(ten))
    odd = Interval(at(day, 9, SAO_PAULO), at(day, 9, SAO_PAULO, 50))
    assert len(cells(odd)) == 4  # a partial cell still counts as taken


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        Interval(datetime(2026, 3, 10, 9), datetime(2026, 3, 10, 10))
    with pytest.raises(ValueError, match="aware"):
        compute_slots(
            day=date(2026, 3, 10), duration=HOUR, rules=rules(), busy=[], now=datetime(2026, 1, 1)
        )
