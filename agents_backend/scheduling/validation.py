"""What a person (or a client) sent for a booking, checked and normalised.

Each check raises `AgentError` with a code of its own, so the person is told exactly
which field to correct rather than getting a schema dump.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from agents_backend.contract import ErrorCode
from agents_backend.core.errors import AgentError

MIN_DURATION = 15
MAX_DURATION = 240
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A date picker's value sent as JSON: `2026-12-15T03:00:00.000Z` (midnight in Brazil).
_DATE_TIME_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$"
)
_TIME_RE = re.compile(r"^\d{1,2}:\d{2}$")


def parse_day(value: str | None, zone: ZoneInfo) -> date:
    """A calendar day: `YYYY-MM-DD`, or an ISO date-time read as the day it is in `zone`.

    Date pickers (the original design's among them) send the chosen day as a date-time
    at local midnight, which is the previous evening or the same morning in UTC; read as
    a UTC date it would book the wrong day.
    """
    if not value:
        raise AgentError(ErrorCode.INVALID_DATE)
    try:
        if _DATE_RE.match(value):
            return date.fromisoformat(value)
        if _DATE_TIME_RE.match(value):
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return moment.astimezone(zone).date() if moment.tzinfo else moment.date()
        raise ValueError(value)
    except ValueError:
        raise AgentError(ErrorCode.INVALID_DATE) from None


def parse_time(value: str | None) -> time:
    if not value:
        raise AgentError(ErrorCode.INVALID_TIME)
    try:
        if not _TIME_RE.match(value):
            raise ValueError(value)
        hour, minute = (int(part) for part in value.split(":"))
        return time(hour, minute)
    except ValueError:
        raise AgentError(ErrorCode.INVALID_TIME) from None


def duration(minutes: int) -> timedelta:
    if not MIN_DURATION <= minutes <= MAX_DURATION:
        raise AgentError(ErrorCode.INVALID_DURATION, min=MIN_DURATION, max=MAX_DURATION)
    return timedelta(minutes=minutes)


def email_address(value: str | None) -> str:
    if not value:
        raise AgentError(ErrorCode.INVALID_EMAIL)
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        raise AgentError(ErrorCode.INVALID_EMAIL) from None


def phone_number(value: str | None) -> str | None:
    """Optional; Brazilian numbers may omit +55, others need their country code."""
    if not value:
        return None
    try:
        number = phonenumbers.parse(value, "BR")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise AgentError(ErrorCode.INVALID_PHONE)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
