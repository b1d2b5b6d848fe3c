"""The booking rules a deployment sets (hours, notice, horizon, default calendar)."""

from __future__ import annotations

from dataclasses import dataclass, field

from agents_backend.bots.models import WorkingHours
from agents_backend.core.config import Settings


@dataclass(frozen=True)
class SchedulingConfig:
    timezone: str = "America/Sao_Paulo"
    hours: WorkingHours = field(default_factory=WorkingHours)
    step_minutes: int = 30
    min_notice_minutes: int = 60
    max_days_ahead: int = 60
    calendar_id: str = "primary"
    default_duration_minutes: int = 60
    transcript_messages: int = 20

    @classmethod
    def from_settings(cls, settings: Settings) -> SchedulingConfig:
        return cls(
            timezone=settings.calendar_timezone,
            hours=WorkingHours(
                weekdays=settings.calendar_work_days,
                start=settings.calendar_work_start,
                end=settings.calendar_work_end,
            ),
            step_minutes=settings.calendar_slot_step_minutes,
            min_notice_minutes=settings.calendar_min_notice_minutes,
            max_days_ahead=settings.calendar_max_days_ahead,
            calendar_id=settings.google_calendar_id,
        )
