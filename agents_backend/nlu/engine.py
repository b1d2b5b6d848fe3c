"""The NLU entry point: the rule pass on every message, a model only when it is unsure.

The rule pass runs on every chat message, so it has to be cheap and predictable: every
pattern is compiled once at import, and the passes run in an order that keeps them from
reading each other's text (contacts first, so a phone number is not read as a date).

A model (`NLURefiner`) is consulted only when the rules are unsure, and whatever it says is
validated field by field before it is merged: the rules are the floor, never replaced by
something worse.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from agents_backend.nlu.contacts import (
    find_contacts,
    read_national_as,
    valid_email,
    valid_phone,
)
from agents_backend.nlu.dates import (
    find_moments,
    stamp,
    valid_date,
    valid_datetime,
    valid_time,
)
from agents_backend.nlu.intents import (
    classify,
    valid_confidence,
    valid_intent,
    valid_language,
)
from agents_backend.nlu.language import detect_language
from agents_backend.nlu.lexicon import fold
from agents_backend.nlu.models import Intent, Language, NLURefiner, NLUResult, UsageSink
from agents_backend.nlu.spans import blank

logger = logging.getLogger(__name__)

# Where a national number in an English message is most likely from.
_ENGLISH_REGION = "US"


class _Proposal(NamedTuple):
    """The fields of a model's reply that passed validation; None for the rest."""

    intent: Intent | None
    confidence: float | None
    email: str | None
    phone: str | None
    day: str | None
    clock: str | None
    moment: datetime | None
    language: Language | None


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
        contacts = find_contacts(text, self._region)
        folded = blank(fold(text), (span.bounds for span in contacts.spans))
        language = detect_language(text, folded)
        if language == "en" and self._region != _ENGLISH_REGION and contacts.phones:
            contacts = read_national_as(text, contacts, _ENGLISH_REGION)
        moments = find_moments(folded, self._today(), language)
        day, clock = moments.day, moments.clock
        intent, confidence = classify(
            folded,
            language=language,
            has_contact=bool(contacts.spans),
            has_date=day is not None,
            has_time=clock is not None,
        )
        spans = sorted(contacts.spans + moments.spans, key=lambda span: span.start)
        return NLUResult(
            intent=intent,
            confidence=confidence,
            email=contacts.emails[0].value if contacts.emails else None,
            phone=contacts.phones[0].value if contacts.phones else None,
            datetime=stamp(day, clock, self._tz) if day and clock else None,
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

    def _merge(self, rules: NLUResult, reply: object) -> NLUResult | None:
        """Overlay the model's valid fields on the rules; None when none is valid.

        The model decides intent, confidence and language, which are judgements. Literal
        values the rules found (email, phone, date, time) win over the model's: the rules
        copied or computed them from the text and the clock, while a model may invent an
        address or miscount "next Tuesday". The model only fills what the rules missed,
        and `datetime` is rebuilt from the final date and time so the three agree.
        """
        proposal = self._validate(reply)
        if proposal is None:
            return None
        day, clock = proposal.day, proposal.clock
        if proposal.moment is not None:
            day = day or proposal.moment.date().isoformat()
            clock = clock or proposal.moment.strftime("%H:%M")
        day, clock = rules.date or day, rules.time or clock
        confidence = proposal.confidence
        return rules.model_copy(
            update={
                "intent": proposal.intent or rules.intent,
                "confidence": rules.confidence if confidence is None else confidence,
                "email": rules.email or proposal.email,
                "phone": rules.phone or proposal.phone,
                "date": day,
                "time": clock,
                "datetime": stamp(day, clock, self._tz) if day and clock else None,
                "language": proposal.language or rules.language,
                "source": "llm",
            }
        )

    def _validate(self, reply: object) -> _Proposal | None:
        """Check each field of the model's loose JSON on its own; None if none is usable.

        Field by field, so one invented value (a "2026-13-45") costs only that field.
        """
        if not isinstance(reply, dict):
            return None
        proposal = _Proposal(
            intent=valid_intent(reply.get("intent")),
            confidence=valid_confidence(reply.get("confidence")),
            email=valid_email(reply.get("email")),
            phone=valid_phone(reply.get("phone"), self._region),
            day=valid_date(reply.get("date")),
            clock=valid_time(reply.get("time")),
            moment=valid_datetime(reply.get("datetime"), self._tz),
            language=valid_language(reply.get("language")),
        )
        return None if all(field is None for field in proposal) else proposal
