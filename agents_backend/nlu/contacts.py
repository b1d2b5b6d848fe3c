"""E-mail addresses and phone numbers: found in a message, or checked in a model's reply.

Both are kept in one canonical form (a lowercased address, an E.164 number) so that a
contact given twice, or by the rules and by the model, compares equal.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import phonenumbers

from agents_backend.nlu.spans import Span, blank

_EMAIL_RE = re.compile(
    r"(?<![\w.+-])[a-z0-9][a-z0-9._%+-]*@"
    r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}(?![\w-])",
    re.IGNORECASE,
)
# Every valid number has at least this many digits in one run of digits and separators;
# without such a run ("dia 20/12 às 15h30") the (slow, ~300 µs) matcher is skipped.
_MIN_PHONE_DIGITS = 7
_DIGIT_RUN_RE = re.compile(r"\d[\d \t().\-]*\d")
# The matcher costs ~40 µs per candidate; a hostile run of "1/1/1/..." must not stall a
# chat server, and no real message carries more numbers than this.
_PHONE_MAX_TRIES = 20


class Contacts(NamedTuple):
    """The contacts of one message, each list in the order they were typed."""

    emails: list[Span]
    phones: list[Span]

    @property
    def spans(self) -> list[Span]:
        return self.emails + self.phones


def find_contacts(text: str, region: str) -> Contacts:
    """E-mails, then phones in what the e-mails leave.

    The digits of "ana.11987654321@x.com" are part of an address, not a phone number, so
    the e-mails are blanked out before the phone matcher reads the text.
    """
    emails = _email_spans(text)
    phones = _phone_spans(blank(text, (e.bounds for e in emails)), region)
    return Contacts(emails, phones)


def _email_spans(text: str) -> list[Span]:
    return [Span("email", m[0].lower(), *m.span()) for m in _EMAIL_RE.finditer(text)]


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _phone_spans(text: str, region: str) -> list[Span]:
    """Valid numbers only; `region` reads the national ones ("(11) 98765-4321" in BR)."""
    if not any(
        sum(char.isdigit() for char in run[0]) >= _MIN_PHONE_DIGITS
        for run in _DIGIT_RUN_RE.finditer(text)
    ):
        return []
    matches = phonenumbers.PhoneNumberMatcher(text, region, max_tries=_PHONE_MAX_TRIES)
    return [Span("phone", _e164(m.number), m.start, m.end) for m in matches]


def read_national_as(text: str, contacts: Contacts, region: str) -> Contacts:
    """Re-read the national numbers (no "+") as `region`'s, where they are valid there.

    "(415) 555-2671" is a valid number in Brazil and in the US alike; in a message written
    in English the person almost surely meant the US one. International numbers, and
    numbers not valid in `region` ("(21) 99876-5432"), keep their first reading.
    """
    phones = []
    for span in contacts.phones:
        raw = text[span.start : span.end]
        if not raw.lstrip("(").startswith("+"):
            number = valid_phone(raw, region)
            span = span._replace(value=number) if number else span
        phones.append(span)
    return Contacts(contacts.emails, phones)


def valid_email(value: object) -> str | None:
    """The address in a model's reply in canonical form, or None if it is not one."""
    if isinstance(value, str) and _EMAIL_RE.fullmatch(value.strip()):
        return value.strip().lower()
    return None


def valid_phone(value: object, region: str) -> str | None:
    """The number in a model's reply in E.164, or None unless it is a valid number."""
    if not isinstance(value, str):
        return None
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return _e164(number)
