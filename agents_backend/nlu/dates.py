"""Dates and times: read from folded text against today's date, or checked in a model's reply.

A date is always resolved to a calendar day ("sexta" is the coming Friday) because what
consumes it books slots; a time is a wall-clock HH:MM in the engine's zone. A reading that
names an impossible day or hour (31/02, 25h) is dropped rather than wrapped around.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from agents_backend.nlu.lexicon import EN_MONTHS, PT_MONTHS, WEEKDAYS, alternation
from agents_backend.nlu.models import Language
from agents_backend.nlu.spans import Span, without_overlaps

# --- date patterns ---------------------------------------------------------------------

# With the shorthand and misspellings people type in chat ("hj", "tmrw", "tomorow").
_RELATIVE_DAYS = {
    "hoje": 0,
    "hj": 0,
    "today": 0,
    "tonight": 0,
    "amanha": 1,
    "amnh": 1,
    "tomorrow": 1,
    "tomorow": 1,
    "tommorow": 1,
    "tommorrow": 1,
    "tmrw": 1,
    "tmr": 1,
    "depois de amanha": 2,
    "day after tomorrow": 2,
}
_WEEKDAY_ALT = alternation(WEEKDAYS)
_PT_MONTH_ALT = alternation(PT_MONTHS)
_EN_MONTH_ALT = alternation(EN_MONTHS)
_ORDINAL = r"(?:st|nd|rd|th)"

_RELATIVE_DAY_RE = re.compile(
    r"\b(depois\s+de\s+amanha|day\s+after\s+tomorrow|"
    + alternation(day for day in _RELATIVE_DAYS if " " not in day)
    + r")\b"
)
_WEEKDAY_RE = re.compile(
    rf"\b(?:(?:next|proxim[ao])\s+)?({_WEEKDAY_ALT})"
    r"(?:(?:-|\s+)feira)?(?:\s+que\s+vem)?\b"
)
_DAY_OF_MONTH_RE = re.compile(rf"\b(?:dia\s+(\d{{1,2}})|the\s+(\d{{1,2}}){_ORDINAL})\b")
_NUMERIC_DATE_RE = re.compile(
    r"(?:\bdia\s+)?(?<![\d/])(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?(?![\d/])"
)
_ISO_DATE_RE = re.compile(r"(?<![\d/-])(\d{4})-(\d{2})-(\d{2})(?![\d-])")
_PT_DAY_MONTH_RE = re.compile(
    rf"(?:\bdia\s+)?\b(\d{{1,2}})[ºo°]?\s+de\s+({_PT_MONTH_ALT})"
    r"(?:\s+de\s+(\d{4}))?\b"
)
_EN_DAY_MONTH_RE = re.compile(
    rf"(?:\bthe\s+)?\b(\d{{1,2}}){_ORDINAL}?\s+(?:of\s+)?({_EN_MONTH_ALT})\b"
    r"(?:,?\s+(\d{4})\b)?"
)
_EN_MONTH_DAY_RE = re.compile(
    rf"\b({_EN_MONTH_ALT})\.?\s+(\d{{1,2}}){_ORDINAL}?\b(?:,?\s+(\d{{4}})\b)?"
)

# --- time patterns ---------------------------------------------------------------------

_AMPM_RE = re.compile(r"(?<![\d:.,])(\d{1,2})(?::(\d{2}))?\s*([ap])\.?m\b")
_H_TIME_RE = re.compile(
    r"(?<![\d:.,])(\d{1,2})\s?h(?:rs?|s)?(?:\s?(\d{2})(?:\s?min(?:utos?)?)?)?(?![a-z\d])"
)
_COLON_TIME_RE = re.compile(r"(?<![\d:.,/])(\d{1,2}):(\d{2})(?:hs?\b)?(?![\d:])")
# A bare hour needs a preposition to be a time at all ("at 3", "às 15 horas"); the
# lookahead leaves "às 15h", "at 3pm" and "às 15h61" to the stricter patterns above.
_BARE_HOUR_RE = re.compile(
    r"\b(?:at|as|das|between|entre|after|around)\s+(\d{1,2})(?:\s*horas?\b)?"
    r"(?![\d:]|[.,/]\d|\s*(?:h|[ap]\.?m\b))"
)
# "at 4:45" with no am/pm is as ambiguous as "at 4"; the preposition stays out of the span.
_AT_COLON_TIME_RE = re.compile(
    r"\b(?:at|as|das|by|after|around)\s+((\d{1,2}):(\d{2}))(?:hs?\b)?(?![\d:]|\s*[ap]\.?m\b)"
)
_HOUR_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
_HOUR_WORDS |= {"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
# "10 e meia", "às 2 e meia", "half past 2", "half past two": the half hour.
_HALF_PAST_RE = re.compile(
    r"(?<![\d:.,])(\d{1,2})\s?(?:h|horas?)?\s+e\s+meia\b"
    rf"|\bhalf\s+past\s+(\d{{1,2}}|{alternation(_HOUR_WORDS)})\b"
)
_NAMED_TIME_RE = re.compile(r"\b(meio[-\s]dia|noon|midday|meia[-\s]noite|midnight)\b")
_DAYPART_RE = re.compile(
    r"\s*(?:da|de|a|in\s+the|this)\s+"
    r"(tarde|noite|manha|afternoon|evening|night|morning)\b"
)
_PM_PARTS = frozenset({"tarde", "noite", "afternoon", "evening", "night"})
# With no am/pm, unit or day part, "at 3" is read as 15:00: nobody books 3 a.m. that way.
_AMBIGUOUS_PM_HOURS = range(1, 8)

# --- what a model may send -------------------------------------------------------------

_ISO_DAY_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_CLOCK_RE = re.compile(r"\d{2}:\d{2}(?::\d{2})?")
# A bare date in the `datetime` field would otherwise become a made-up 00:00.
_ISO_MOMENT_RE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")

# --- date readers ----------------------------------------------------------------------


def _safe_date(year: int, month: int, day: int) -> date | None:
    """`date(...)` that answers None for 31/02 and friends instead of raising."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _upcoming(month: int, day: int, today: date) -> date | None:
    """The first `day/month` on or after today; the next years cover 29/02."""
    for year in range(today.year, today.year + 5):
        found = _safe_date(year, month, day)
        if found is not None and found >= today:
            return found
    return None


def _with_year(year: str | None, month: int, day: int, today: date) -> date | None:
    """A date with an explicit year (two digits mean 20xx), else the upcoming one."""
    if year is None:
        return _upcoming(month, day, today)
    full_year = int(year) + 2000 if len(year) == 2 else int(year)
    return _safe_date(full_year, month, day)


def _read_relative_day(match: re.Match[str], today: date, _: Language) -> date | None:
    return today + timedelta(days=_RELATIVE_DAYS[" ".join(match[1].split())])


def _read_weekday(match: re.Match[str], today: date, _: Language) -> date | None:
    """The next such weekday strictly after today, with or without "next"/"próxima".

    Someone who means today says "hoje"/"today", so "terça" said on a Tuesday is the
    following one; "next" and "que vem" then add nothing and only widen the span.
    """
    days_ahead = (WEEKDAYS[match[1]] - today.weekday() - 1) % 7 + 1
    return today + timedelta(days=days_ahead)


def _read_day_of_month(match: re.Match[str], today: date, _: Language) -> date | None:
    """ "dia 15": this month unless it has passed, else the next month that has it."""
    day = int(match[1] or match[2])
    year, month = today.year, today.month
    for _month_offset in range(12):
        found = _safe_date(year, month, day)
        if found is not None and found >= today:
            return found
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _read_slashed(match: re.Match[str], today: date, language: Language) -> date | None:
    """ "15/12[/2026]": day first, except in English where "12/15" is month first.

    When the preferred order is impossible (a 15th month) the other order is tried.
    """
    first, second = int(match[1]), int(match[2])
    orders = [(second, first), (first, second)]
    if language == "en":
        orders.reverse()
    for month, day in orders:
        found = _with_year(match[3], month, day, today) if 1 <= month <= 12 else None
        if found is not None:
            return found
    return None


def _read_iso_date(match: re.Match[str], today: date, _: Language) -> date | None:
    return _safe_date(int(match[1]), int(match[2]), int(match[3]))


def _read_pt_day_month(match: re.Match[str], today: date, _: Language) -> date | None:
    return _with_year(match[3], PT_MONTHS[match[2]], int(match[1]), today)


def _read_en_day_month(match: re.Match[str], today: date, _: Language) -> date | None:
    return _with_year(match[3], EN_MONTHS[match[2]], int(match[1]), today)


def _read_en_month_day(match: re.Match[str], today: date, _: Language) -> date | None:
    return _with_year(match[3], EN_MONTHS[match[1]], int(match[2]), today)


_DateReader = Callable[[re.Match[str], date, Language], date | None]
_DATE_RULES: tuple[tuple[re.Pattern[str], _DateReader], ...] = (
    (_RELATIVE_DAY_RE, _read_relative_day),
    (_WEEKDAY_RE, _read_weekday),
    (_DAY_OF_MONTH_RE, _read_day_of_month),
    (_NUMERIC_DATE_RE, _read_slashed),
    (_ISO_DATE_RE, _read_iso_date),
    (_PT_DAY_MONTH_RE, _read_pt_day_month),
    (_EN_DAY_MONTH_RE, _read_en_day_month),
    (_EN_MONTH_DAY_RE, _read_en_month_day),
)

# --- time readers ----------------------------------------------------------------------


def _clock(hour: int, minute: int) -> tuple[int, int] | None:
    """Reject 25h and 61 minutes instead of wrapping them into a wrong time."""
    return (hour, minute) if 0 <= hour <= 23 and 0 <= minute <= 59 else None


def _read_ampm(match: re.Match[str]) -> tuple[int, int] | None:
    hour, minute = int(match[1]), int(match[2] or 0)
    if not 1 <= hour <= 12:
        return None
    return _clock(hour % 12 + (12 if match[3] == "p" else 0), minute)


def _read_hour_minute(match: re.Match[str]) -> tuple[int, int] | None:
    return _clock(int(match[1]), int(match[2] or 0))


def _read_hour(match: re.Match[str]) -> tuple[int, int] | None:
    return _clock(int(match[1]), 0)


def _read_at_colon(match: re.Match[str]) -> tuple[int, int] | None:
    return _clock(int(match[2]), int(match[3]))


def _read_half_past(match: re.Match[str]) -> tuple[int, int] | None:
    hour = match[1] or match[2]
    return _clock(_HOUR_WORDS.get(hour) or int(hour), 30)


def _read_named_time(match: re.Match[str]) -> tuple[int, int] | None:
    return (0, 0) if match[1].startswith(("meia", "midnight")) else (12, 0)


class _TimeRule(NamedTuple):
    """How to read one time pattern; `span_group` 1 keeps "at"/"às" out of the span."""

    pattern: re.Pattern[str]
    read: Callable[[re.Match[str]], tuple[int, int] | None]
    span_group: int = 0
    ambiguous: bool = False


_TIME_RULES = (
    _TimeRule(_AMPM_RE, _read_ampm),
    _TimeRule(_HALF_PAST_RE, _read_half_past, ambiguous=True),
    _TimeRule(_H_TIME_RE, _read_hour_minute),
    _TimeRule(_AT_COLON_TIME_RE, _read_at_colon, span_group=1, ambiguous=True),
    _TimeRule(_COLON_TIME_RE, _read_hour_minute),
    _TimeRule(_BARE_HOUR_RE, _read_hour, span_group=1, ambiguous=True),
    _TimeRule(_NAMED_TIME_RE, _read_named_time),
)

# --- extraction ------------------------------------------------------------------------


class Moments(NamedTuple):
    """The dates and times of one message; the first of each is the one it is about."""

    spans: list[Span]
    day: str | None
    clock: str | None


def find_moments(text: str, today: date, language: Language) -> Moments:
    """Read dates and times in folded `text`, keeping one reading per stretch of text.

    `language` only decides whether "12/05" is the 12th of May or December 5th.
    """
    spans = without_overlaps([*_date_spans(text, today, language), *_time_spans(text)])
    day = next((span.value for span in spans if span.type == "date"), None)
    clock = next((span.value for span in spans if span.type == "time"), None)
    return Moments(spans, day, clock)


def _date_spans(text: str, today: date, language: Language) -> Iterator[Span]:
    for pattern, read in _DATE_RULES:
        for match in pattern.finditer(text):
            found = read(match, today, language)
            if found is not None:
                yield Span("date", found.isoformat(), match.start(), match.end())


def _time_spans(text: str) -> Iterator[Span]:
    """Times, with "da tarde"/"in the evening" moving a morning hour to the afternoon."""
    for rule in _TIME_RULES:
        for match in rule.pattern.finditer(text):
            clock = rule.read(match)
            if clock is None:
                continue
            hour, minute = clock
            end = match.end()
            daypart = _DAYPART_RE.match(text, end)
            if daypart is not None:
                end = daypart.end()
                if daypart[1] in _PM_PARTS and hour < 12:
                    hour += 12
            elif rule.ambiguous and hour in _AMBIGUOUS_PM_HOURS:
                hour += 12
            start = match.start(rule.span_group)
            yield Span("time", f"{hour:02d}:{minute:02d}", start, end)


def stamp(day: str, clock: str, tz: ZoneInfo) -> str:
    """ISO 8601 with the offset the calendar's zone has on that day."""
    moment = datetime.combine(date.fromisoformat(day), time.fromisoformat(clock))
    return moment.replace(tzinfo=tz).isoformat()


# --- a model's reply -------------------------------------------------------------------


def valid_date(value: object) -> str | None:
    """A model's YYYY-MM-DD if it names a real day; 2026-13-45 is None, not an error."""
    if not isinstance(value, str) or not _ISO_DAY_RE.fullmatch(value.strip()):
        return None
    found = _safe_date(*map(int, value.strip().split("-")))
    return found.isoformat() if found else None


def valid_time(value: object) -> str | None:
    """A model's HH:MM[:SS] as HH:MM if it is a real time of day."""
    if not isinstance(value, str) or not _ISO_CLOCK_RE.fullmatch(value.strip()):
        return None
    try:
        return time.fromisoformat(value.strip()).strftime("%H:%M")
    except ValueError:
        return None


def valid_datetime(value: object, tz: ZoneInfo) -> datetime | None:
    """A model timestamp in the calendar's zone; a naive one is taken as local."""
    if not isinstance(value, str) or not _ISO_MOMENT_RE.match(value.strip()):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=tz)
    return moment.astimezone(tz)
