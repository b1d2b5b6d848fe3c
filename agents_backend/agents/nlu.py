"""Rule-based NLU for chat messages in pt-BR and English, with an optional model refiner.

The rule pass runs on every message, so it has to be cheap and predictable: all patterns
are compiled once at import, and matching happens on a *folded* copy of the text
(lowercased, accents stripped) that keeps exactly one character per original character.
That one-to-one folding is what lets matching be case- and accent-insensitive while every
entity offset still points into the text the person actually typed.

A model (`NLURefiner`) is consulted only when the rules are unsure, and whatever it says is
validated field by field before it is merged: the rules are the floor, never replaced by
something worse.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo

import phonenumbers

from agents_backend.agents.nlu_models import (
    Entity,
    Intent,
    Language,
    NLURefiner,
    NLUResult,
    UsageSink,
)

logger = logging.getLogger(__name__)

# What the rules produce; `datetime` stays a field, as its span would be two spans.
_EntityType = Literal["email", "phone", "date", "time"]

# --- folding -------------------------------------------------------------------------

_APOSTROPHES = frozenset("\u2018\u2019\u00b4`")


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """Fold one character to its lowercase, accentless form, never changing the length.

    A character whose folding is not exactly one character (a lone combining mark, a
    ligature) is kept as is: offsets matter more than matching such rarities.
    """
    if char in _APOSTROPHES:
        return "'"
    decomposed = unicodedata.normalize("NFD", char.lower())
    folded = "".join(part for part in decomposed if not unicodedata.combining(part))
    return folded if len(folded) == 1 else char


def _fold(text: str) -> str:
    """Return `text` lowercased and without accents, index-aligned with the original."""
    return "".join(map(_fold_char, text))


def _blank(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """Replace the given spans with spaces so later patterns cannot match inside them."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _words(listing: str) -> frozenset[str]:
    """A word set written as one readable, whitespace-separated string."""
    return frozenset(listing.split())


_WORD_RE = re.compile(r"[a-z]+")

# --- language ------------------------------------------------------------------------

# Words shared by both languages ("a", "as", "no", "me", "do") are left out on purpose:
# they would only add the same vote to both sides.
_PT_WORDS = _words(
    """o os um uma uns umas de da das dos em na nas nos ao aos que e eh nao sim com para
    pra pro por pelo pela mas mais muito eu voce voces vc ele ela meu minha seu sua isso
    este esta esse essa aqui ja tambem ou quando como onde qual quais quanto quanta
    quantos quem quero queria gostaria pode podemos posso preciso precisamos tenho temos
    tem ter estou ta tudo bem oi ola obrigado obrigada valeu tchau ate logo bom boa dia
    tarde noite hoje amanha depois semana reuniao agendar marcar horario disponivel
    lembre lembrar enviar mandar proposta contrato custa plano feira segunda terca quarta
    quinta sexta sabado domingo sao ser foi vai vou vamos favor entao sobre fazer
    conversar telefone numero celular contato"""
)
_EN_WORDS = _words(
    """the an and or is are was were be been to of in on at for with from you your we our
    i my it its this that these there here what how when where which who why can could
    would will should do does did don not hello hi hey thanks thank bye goodbye good
    morning afternoon evening night today tomorrow next week meeting schedule book set up
    call please send contract remind forget need want have has let lets us some time
    about just so if but all get like monday tuesday wednesday thursday friday saturday
    sunday number phone email"""
)
_PT_MARKS = frozenset("ãõçáéíóúâêôà")

# --- dates ---------------------------------------------------------------------------

_WEEKDAYS = {
    "segunda": 0,
    "terca": 1,
    "quarta": 2,
    "quinta": 3,
    "sexta": 4,
    "sabado": 5,
    "domingo": 6,
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}
_PT_MONTHS = {
    "janeiro": 1,
    "fevereiro": 2,
    "marco": 3,
    "abril": 4,
    "maio": 5,
    "junho": 6,
    "julho": 7,
    "agosto": 8,
    "setembro": 9,
    "outubro": 10,
    "novembro": 11,
    "dezembro": 12,
}
_EN_MONTHS = {
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
# Month names vote for their language too: "December 15th, 2027" is English.
_PT_VOCABULARY = _PT_WORDS.union(_PT_MONTHS)
_EN_VOCABULARY = _EN_WORDS.union(_EN_MONTHS)
_RELATIVE_DAYS = {
    "hoje": 0,
    "today": 0,
    "amanha": 1,
    "tomorrow": 1,
    "depois de amanha": 2,
    "day after tomorrow": 2,
}


def _alternation(words: Iterable[str]) -> str:
    """A regex alternation that tries longer words first ("sept" before "sep")."""
    return "|".join(sorted(words, key=len, reverse=True))


_WEEKDAY_ALT = _alternation(_WEEKDAYS)
_PT_MONTH_ALT = _alternation(_PT_MONTHS)
_EN_MONTH_ALT = _alternation(_EN_MONTHS)
_ORDINAL = r"(?:st|nd|rd|th)"

_RELATIVE_DAY_RE = re.compile(
    r"\b(depois\s+de\s+amanha|day\s+after\s+tomorrow|amanha|tomorrow|hoje|today)\b"
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

# --- times ---------------------------------------------------------------------------

_AMPM_RE = re.compile(r"(?<![\d:.,])(\d{1,2})(?::(\d{2}))?\s*([ap])\.?m\b")
_H_TIME_RE = re.compile(
    r"(?<![\d:.,])(\d{1,2})\s?h(?:rs?|s)?(?:\s?(\d{2})(?:\s?min(?:utos?)?)?)?(?![a-z\d])"
)
_COLON_TIME_RE = re.compile(r"(?<![\d:.,/])(\d{1,2}):(\d{2})(?:hs?\b)?(?![\d:])")
# A bare hour needs a preposition to be a time at all ("at 3", "às 15 horas"); the
# lookahead leaves "às 15h", "at 3pm" and "às 15h61" to the stricter patterns above.
_BARE_HOUR_RE = re.compile(
    r"\b(?:at|as|das)\s+(\d{1,2})(?:\s*horas?\b)?"
    r"(?![\d:]|[.,/]\d|\s*(?:h|[ap]\.?m\b))"
)
_NAMED_TIME_RE = re.compile(r"\b(meio[-\s]dia|noon|midday|meia[-\s]noite|midnight)\b")
_DAYPART_RE = re.compile(
    r"\s*(?:da|de|a|in\s+the|this)\s+"
    r"(tarde|noite|manha|afternoon|evening|night|morning)\b"
)
_PM_PARTS = frozenset({"tarde", "noite", "afternoon", "evening", "night"})
# With no am/pm, unit or day part, "at 3" is read as 15:00: nobody books 3 a.m. that way.
_AMBIGUOUS_PM_HOURS = range(1, 8)

# --- contacts ------------------------------------------------------------------------

_EMAIL_RE = re.compile(
    r"(?<![\w.+-])[a-z0-9][a-z0-9._%+-]*@"
    r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}(?![\w-])",
    re.IGNORECASE,
)
# Every valid number has at least this many digits; below it the (slow) matcher is skipped.
_MIN_PHONE_DIGITS = 7
# The matcher costs ~40 µs per candidate; a hostile run of "1/1/1/..." must not stall a
# chat server, and no real message carries more numbers than this.
_PHONE_MAX_TRIES = 20

# --- intents -------------------------------------------------------------------------

_MEETING_NOUNS = r"reuniao|call|conversa|horario|demo|chamada|videochamada|encontro"
_SCHEDULE_STRONG_RE = re.compile(
    r"\bagend(?:ar|e|amos|emos|ado|ada|ei|ou)\b"
    r"|\b(?:marc(?:ar|a|amos|ou)|marque(?:mos)?)\s+(?:uma?\s+)?"
    rf"(?:{_MEETING_NOUNS})\b"
    r"|\bhorarios?\s+disponive(?:l|is)\b|\bdisponibilidade\b"
    r"|\bschedul(?:e|ed|ing)\b"
    r"|\b(?:book|set\s+up|setup|arrange)\s+(?:(?:a|an|the|some)\s+)?"
    r"(?:meeting|call|demo|appointment|time)s?\b"
    r"|\bavailab(?:le\s+(?:slot|time)s?|ility)\b"
)
_SCHEDULE_WEAK_RE = re.compile(
    r"\b(?:reuni(?:ao|oes|r)|calls?|demos?|demonstracao|videochamada|agenda|marcar"
    r"|marque|conversar|encontro|meetings?|meet|appointments?)\b"
)
_PT_ACTIONS_INF = (
    r"enviar|mandar|ligar|revisar|preparar|pagar|comprar|terminar|finalizar|entregar"
    r"|assinar|responder|atualizar|fazer|escrever"
)
_PT_ACTIONS_IMP = (
    r"envie|envia|mande|manda|ligue|revise|prepare|pague|compre|termine|finalize"
    r"|entregue|assine|responda|atualize|escreva|faca"
)
_EN_ACTIONS = (
    r"send|email|review|prepare|pay|buy|finish|submit|sign|reply|update|write"
    r"|follow\s+up"
)
_TASK_STRONG_RE = re.compile(
    r"\bme\s+lembr(?:e|a|ar)\b|\blembr(?:e|a)-?me\b|\blembrar\s+de\b|\blembrete\b"
    r"|\bremind(?:er|ers)?\b|\bdon'?t\s+forget\b|\bdo\s+not\s+forget\b"
    r"|\bnao\s+(?:esquecer|esqueca|esquece)\b"
    r"|^\W*(?:todo|to-do|to\s+do|tarefa|task)\s*:"
    r"|\b(?:criar|crie|adicionar|adicione|create|add)\s+(?:(?:uma?|a|an)\s+)?"
    r"(?:tarefa|task|lembrete|reminder)\b"
)
_TASK_ACTION_RE = re.compile(
    r"\b(?:preciso|precisamos|tenho\s+que|temos\s+que|tem\s+que|tenho\s+de|devo"
    r"|need\s+to|have\s+to|must|gotta)\s+(?:de\s+)?"
    rf"(?:{_PT_ACTIONS_INF}|{_EN_ACTIONS})\b"
    r"|(?:^|[.!?,;:])\W*(?:(?:please|por\s+favor)\W+)?"
    rf"(?:{_PT_ACTIONS_IMP}|{_PT_ACTIONS_INF}|{_EN_ACTIONS})\b"
)
_GREETING_RE = re.compile(
    r"\b(?:oi+e?|ola+|opa|e\s+ai|eai|salve|hey+|hello|hi|hiya|howdy|bom\s+dia"
    r"|boa\s+tarde|boa\s+noite|good\s+(?:morning|afternoon|evening)|tudo\s+(?:bem|bom)"
    r"|como\s+vai(?:\s+voce)?|how\s+are\s+you(?:\s+doing)?|how'?s\s+it\s+going)\b"
)
_FAREWELL_RE = re.compile(
    r"\b(?:tchau+|xau+|adeus|ate\s+(?:logo|mais|breve|a\s+proxima|amanha)|falou|bye+"
    r"|good\s*bye|see\s+(?:you|ya)|take\s+care|good\s+night"
    r"|have\s+a\s+(?:good|great|nice)\s+(?:day|one|weekend))\b"
)
_THANKS_RE = re.compile(
    r"\b(?:obrigad[oa]s?|brigad[oa]|valeu|vlw|agradec(?:o|emos|ido|ida)|thanks"
    r"|thank\s+you|thx|much\s+appreciated|appreciate\s+it)\b"
)
_QUESTION_WORD_RE = re.compile(
    r"(?:^|[.!?,;:])\W*(?:como|quanto|quantos|quantas|qual|quais|quando|onde|aonde"
    r"|por\s+que|quem|o\s+que|que\s+horas|sera\s+que"
    r"|voces?\s+(?:pode|podem|tem|teria|sabe|consegue)|pode|podem|posso|podemos"
    r"|poderia|tem|existe|what|how|when|where|which|who|whom|whose|why|can|could"
    r"|would|will|should|do|does|did|is|are|was|were|have\s+you|has)\b"
)
_QUESTION_MARK_RE = re.compile(r"\?[\s!?.)]*$")

# Words that do not change what a short contact or social message is about.
_CONTACT_FILLER = _words(
    """meu minha meus minhas my our nosso nossa e eh is it s o a the email mail telefone
    tel fone celular cel whatsapp whats zap numero number phone mobile cell contato
    contact aqui here segue esta this me no at em pelo pela on ou or and"""
)
_SOCIAL_FILLER = _words(
    """tudo bem there everyone all pessoal galera gente
    muito much so very e and"""
)
_SHORT_SOCIAL_WORDS = 3
_SOCIAL_SHORT, _SOCIAL_LONG, _SOCIAL_CAPPED = 0.85, 0.4, 0.35
_GENERAL_CONFIDENCE = 0.3
_AMBIGUITY_MARGIN = 0.15
# Intents that carry a request; when one is present, politeness is not the message.
_CONCRETE = (Intent.SCHEDULE_MEETING, Intent.CREATE_TASK, Intent.PROVIDE_CONTACT)
# On a tie the earlier intent wins: a concrete request beats the politeness around it.
_PRIORITY = (
    *_CONCRETE,
    Intent.FAREWELL,
    Intent.THANKS,
    Intent.GREETING,
    Intent.QUESTION,
    Intent.GENERAL,
)

# --- refiner validation --------------------------------------------------------------

_INTENT_VALUES = frozenset(intent.value for intent in Intent)
_ISO_DAY_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_CLOCK_RE = re.compile(r"\d{2}:\d{2}(?::\d{2})?")
# A bare date in the `datetime` field would otherwise become a made-up 00:00.
_ISO_MOMENT_RE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


class _Span(NamedTuple):
    """An entity found by the rules, before it becomes an `Entity`."""

    type: _EntityType
    value: str
    start: int
    end: int

    @property
    def bounds(self) -> tuple[int, int]:
        return self.start, self.end

    def to_entity(self) -> Entity:
        return Entity(type=self.type, value=self.value, start=self.start, end=self.end)


# --- date readers --------------------------------------------------------------------


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
    days_ahead = (_WEEKDAYS[match[1]] - today.weekday() - 1) % 7 + 1
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
    return _with_year(match[3], _PT_MONTHS[match[2]], int(match[1]), today)


def _read_en_day_month(match: re.Match[str], today: date, _: Language) -> date | None:
    return _with_year(match[3], _EN_MONTHS[match[2]], int(match[1]), today)


def _read_en_month_day(match: re.Match[str], today: date, _: Language) -> date | None:
    return _with_year(match[3], _EN_MONTHS[match[1]], int(match[2]), today)


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

# --- time readers --------------------------------------------------------------------


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
    _TimeRule(_H_TIME_RE, _read_hour_minute),
    _TimeRule(_COLON_TIME_RE, _read_hour_minute),
    _TimeRule(_BARE_HOUR_RE, _read_hour, span_group=1, ambiguous=True),
    _TimeRule(_NAMED_TIME_RE, _read_named_time),
)

# --- extraction ----------------------------------------------------------------------


def _date_spans(text: str, today: date, language: Language) -> Iterator[_Span]:
    for pattern, read in _DATE_RULES:
        for match in pattern.finditer(text):
            found = read(match, today, language)
            if found is not None:
                yield _Span("date", found.isoformat(), match.start(), match.end())


def _time_spans(text: str) -> Iterator[_Span]:
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
            yield _Span("time", f"{hour:02d}:{minute:02d}", start, end)


def _without_overlaps(spans: Iterable[_Span]) -> list[_Span]:
    """Keep the earliest, then longest, of overlapping readings.

    "dia 15 de dezembro" also contains "dia 15"; only the fuller reading may count.
    """
    kept: list[_Span] = []
    for span in sorted(spans, key=lambda s: (s.start, s.start - s.end)):
        if not kept or span.start >= kept[-1].end:
            kept.append(span)
    return kept


def _stamp(day: str, clock: str, tz: ZoneInfo) -> str:
    """ISO 8601 with the offset the calendar's zone has on that day."""
    moment = datetime.combine(date.fromisoformat(day), time.fromisoformat(clock))
    return moment.replace(tzinfo=tz).isoformat()


def _email_spans(text: str) -> list[_Span]:
    return [_Span("email", m[0].lower(), *m.span()) for m in _EMAIL_RE.finditer(text)]


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _phone_spans(text: str, region: str) -> list[_Span]:
    if sum(char.isdigit() for char in text) < _MIN_PHONE_DIGITS:
        return []
    matches = phonenumbers.PhoneNumberMatcher(text, region, max_tries=_PHONE_MAX_TRIES)
    return [_Span("phone", _e164(m.number), m.start, m.end) for m in matches]


def _detect_language(original: str, folded: str) -> Language:
    """Vote with stopwords, plus one pt vote per Portuguese diacritic; ties go to pt."""
    words = _WORD_RE.findall(folded)
    accents = sum(char in _PT_MARKS for char in original.lower())
    pt_votes = accents + sum(word in _PT_VOCABULARY for word in words)
    en_votes = sum(word in _EN_VOCABULARY for word in words)
    return "en" if en_votes > pt_votes else "pt"


# --- intent scoring ------------------------------------------------------------------


def _content_words(text: str, ignore: frozenset[str]) -> int:
    return sum(word not in ignore for word in _WORD_RE.findall(text))


def _schedule_score(text: str, has_date: bool, has_time: bool) -> float:
    """Meeting words decide; a date or time next to them is what makes it a booking."""
    if _SCHEDULE_STRONG_RE.search(text):
        score = 0.7
    elif _SCHEDULE_WEAK_RE.search(text):
        score = 0.55
    else:
        return 0.0
    if has_date or has_time:
        score += 0.15
    if has_date and has_time:
        score += 0.05
    return score


def _task_score(text: str, has_moment: bool) -> float:
    """Explicit reminders are strong; "need to send"/"send ..." are action items too."""
    if _TASK_STRONG_RE.search(text):
        score = 0.8
    elif _TASK_ACTION_RE.search(text):
        score = 0.55
    else:
        return 0.0
    return score + (0.15 if has_moment else 0.0)


def _contact_score(text: str, has_contact: bool) -> float:
    """High when little besides the email/phone (and "meu email é") is left."""
    if not has_contact:
        return 0.0
    leftover = _content_words(text, _CONTACT_FILLER)
    return 0.9 if leftover <= 2 else 0.7 if leftover <= 5 else 0.45


def _question_score(text: str) -> float:
    marked = bool(_QUESTION_MARK_RE.search(text))
    worded = bool(_QUESTION_WORD_RE.search(text))
    return 0.65 if marked and worded else 0.55 if marked or worded else 0.0


def _score_intents(
    text: str, *, has_contact: bool, has_date: bool, has_time: bool
) -> dict[Intent, float]:
    """Score every intent on the folded text (contacts already blanked out).

    Greetings, thanks and farewells only count as the intent when they are (nearly) the
    whole message and nothing concrete was asked: "Oi, quero agendar" is a booking.
    """
    social = {
        Intent.GREETING: [m.span() for m in _GREETING_RE.finditer(text)],
        Intent.FAREWELL: [m.span() for m in _FAREWELL_RE.finditer(text)],
        Intent.THANKS: [m.span() for m in _THANKS_RE.finditer(text)],
    }
    unsocial = _blank(text, (span for spans in social.values() for span in spans))
    scores = {
        Intent.SCHEDULE_MEETING: _schedule_score(text, has_date, has_time),
        Intent.CREATE_TASK: _task_score(text, has_date or has_time),
        Intent.PROVIDE_CONTACT: _contact_score(text, has_contact),
        Intent.QUESTION: _question_score(unsocial),
        Intent.GENERAL: _GENERAL_CONFIDENCE,
    }
    asks = bool(_QUESTION_WORD_RE.search(unsocial))
    if asks or any(scores[intent] for intent in _CONCRETE):
        social_score = _SOCIAL_CAPPED
    elif _content_words(unsocial, _SOCIAL_FILLER) <= _SHORT_SOCIAL_WORDS:
        social_score = _SOCIAL_SHORT
    else:
        social_score = _SOCIAL_LONG
    for intent, spans in social.items():
        scores[intent] = social_score if spans else 0.0
    return scores


def _pick_intent(scores: dict[Intent, float]) -> tuple[Intent, float]:
    """The best intent, its confidence lowered when a competitor scored almost as high."""
    best, runner_up = sorted(_PRIORITY, key=lambda intent: -scores[intent])[:2]
    margin = scores[best] - scores[runner_up]
    confidence = scores[best] - max(0.0, _AMBIGUITY_MARGIN - margin)
    return best, round(min(1.0, max(0.0, confidence)), 2)


# --- refiner validation --------------------------------------------------------------


def _valid_intent(value: object) -> Intent | None:
    if isinstance(value, str) and value.strip().lower() in _INTENT_VALUES:
        return Intent(value.strip().lower())
    return None


def _valid_confidence(value: object) -> float | None:
    """A finite number clamped to 0..1; `True` is not a confidence."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return min(1.0, max(0.0, float(value))) if math.isfinite(value) else None


def _valid_email(value: object) -> str | None:
    if isinstance(value, str) and _EMAIL_RE.fullmatch(value.strip()):
        return value.strip().lower()
    return None


def _valid_phone(value: object, region: str) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return _e164(number)


def _valid_date(value: object) -> str | None:
    if not isinstance(value, str) or not _ISO_DAY_RE.fullmatch(value.strip()):
        return None
    found = _safe_date(*map(int, value.strip().split("-")))
    return found.isoformat() if found else None


def _valid_time(value: object) -> str | None:
    if not isinstance(value, str) or not _ISO_CLOCK_RE.fullmatch(value.strip()):
        return None
    try:
        return time.fromisoformat(value.strip()).strftime("%H:%M")
    except ValueError:
        return None


def _valid_datetime(value: object, tz: ZoneInfo) -> datetime | None:
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


def _valid_language(value: object) -> Language | None:
    if value == "pt":
        return "pt"
    if value == "en":
        return "en"
    return None


# --- engine --------------------------------------------------------------------------


class NLUEngine:
    """Understands one chat message: fast rules always, a model only when they're unsure."""

    def __init__(
        self,
        *,
        timezone: str = "America/Sao_Paulo",
        refiner: NLURefiner | None = None,
        refine_below: float = 0.6,
        default_region: str = "BR",
        now: Callable[[], datetime] | None = None,
    ) -> None:
        """`now` lets tests pin the clock that "amanhã" and "sexta" are relative to."""
        self._tz = ZoneInfo(timezone)
        self._refiner = refiner
        self._refine_below = refine_below
        self._region = default_region.upper()
        self._now = now or (lambda: datetime.now(self._tz))

    def _today(self) -> date:
        """Today in the engine's zone; a naive `now()` is taken as already local."""
        current = self._now()
        if current.tzinfo is None:
            return current.date()
        return current.astimezone(self._tz).date()

    def analyze_rules(self, text: str) -> NLUResult:
        """The rule pass: language, contacts, date/time and intent, offsets into `text`."""
        emails = _email_spans(text)
        phones = _phone_spans(_blank(text, (e.bounds for e in emails)), self._region)
        contacts = emails + phones
        folded = _blank(_fold(text), (c.bounds for c in contacts))
        language = _detect_language(text, folded)
        found = [*_date_spans(folded, self._today(), language), *_time_spans(folded)]
        moments = _without_overlaps(found)
        day = next((m.value for m in moments if m.type == "date"), None)
        clock = next((m.value for m in moments if m.type == "time"), None)
        intent, confidence = _pick_intent(
            _score_intents(
                folded,
                has_contact=bool(contacts),
                has_date=day is not None,
                has_time=clock is not None,
            )
        )
        spans = sorted(contacts + moments, key=lambda s: s.start)
        return NLUResult(
            intent=intent,
            confidence=confidence,
            email=emails[0].value if emails else None,
            phone=phones[0].value if phones else None,
            datetime=_stamp(day, clock, self._tz) if day and clock else None,
            date=day,
            time=clock,
            entities=[span.to_entity() for span in spans],
            language=language,
            source="rules",
        )

    def should_refine(self, rules: NLUResult) -> bool:
        """Only pay for a model call when there is one and the rules are unsure."""
        return self._refiner is not None and rules.confidence < self._refine_below

    async def refine(
        self, text: str, rules: NLUResult, on_usage: UsageSink | None = None
    ) -> NLUResult:
        """Ask the refiner and merge what survives validation; never raises.

        A failing or nonsensical model must not break a chat message, so any exception
        or a reply with no usable field leaves the rule result untouched. `on_usage`
        hears the tokens the model spent, usable answer or not.
        """
        if self._refiner is None:
            return rules
        try:
            merged = self._merge(rules, await self._refiner.extract(text, rules, on_usage))
        except Exception:
            logger.warning("NLU refiner failed; keeping the rule result", exc_info=True)
            return rules
        if merged is None:
            logger.warning("NLU refiner gave no usable field; keeping the rule result")
            return rules
        return merged

    async def analyze(self, text: str) -> NLUResult:
        """Rules first; the refiner only for non-blank text the rules are unsure about."""
        rules = self.analyze_rules(text)
        if text.strip() and self.should_refine(rules):
            return await self.refine(text, rules)
        return rules

    def _merge(self, rules: NLUResult, proposal: object) -> NLUResult | None:
        """Overlay the model's valid fields on the rules; None when none is valid.

        The model decides intent, confidence and language, which are judgements. Literal
        values the rules found (email, phone, date, time) win over the model's: the rules
        copied or computed them from the text and the clock, while a model may invent an
        address or miscount "next Tuesday". The model only fills what the rules missed,
        and `datetime` is rebuilt from the final date and time so the three agree.
        """
        if not isinstance(proposal, dict):
            return None
        intent = _valid_intent(proposal.get("intent"))
        confidence = _valid_confidence(proposal.get("confidence"))
        email = _valid_email(proposal.get("email"))
        phone = _valid_phone(proposal.get("phone"), self._region)
        day = _valid_date(proposal.get("date"))
        clock = _valid_time(proposal.get("time"))
        moment = _valid_datetime(proposal.get("datetime"), self._tz)
        language = _valid_language(proposal.get("language"))
        fields = (intent, confidence, email, phone, day, clock, moment, language)
        if all(field is None for field in fields):
            return None
        if moment is not None:
            day = day or moment.date().isoformat()
            clock = clock or moment.strftime("%H:%M")
        day, clock = rules.date or day, rules.time or clock
        return rules.model_copy(
            update={
                "intent": intent or rules.intent,
                "confidence": rules.confidence if confidence is None else confidence,
                "email": rules.email or email,
                "phone": rules.phone or phone,
                "date": day,
                "time": clock,
                "datetime": _stamp(day, clock, self._tz) if day and clock else None,
                "language": language or rules.language,
                "source": "llm",
            }
        )
