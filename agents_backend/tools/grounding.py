"""Whose contact is it: only what the person wrote in this conversation may be used.

A model asked to book will happily invent "ana@example.com" when nobody gave it one,
and a booking made for an invented address reaches a stranger's inbox. So the e-mail
and phone of a `book_meeting` call must be among those the person typed (their
messages, author "user", which is also a website visitor's), compared in the canonical
form NLU gives them: a lowercased address, an E.164 number.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from agents_backend.chat.models import ChatMessage
from agents_backend.chat.tooling import ToolContext
from agents_backend.nlu.contacts import find_contacts, valid_email, valid_phone
from agents_backend.tools.arguments import Refusal

# How NLU reads national numbers ("(11) 98765-4321"); the same here, so both agree.
REGION = "BR"


@dataclass(frozen=True)
class WrittenContacts:
    """The person's e-mails and phones, newest first, canonical."""

    emails: tuple[str, ...]
    phones: tuple[str, ...]

    @property
    def latest_email(self) -> str | None:
        return self.emails[0] if self.emails else None

    @property
    def latest_phone(self) -> str | None:
        return self.phones[0] if self.phones else None


def written_by_person(messages: Iterable[ChatMessage]) -> WrittenContacts:
    emails: list[str] = []
    phones: list[str] = []
    for message in reversed(list(messages)):
        if message.author != "user":
            continue
        found = find_contacts(message.text, REGION)
        # Within one message, the last one typed is the newest.
        emails += [span.value for span in reversed(found.emails) if span.value not in emails]
        phones += [span.value for span in reversed(found.phones) if span.value not in phones]
    return WrittenContacts(tuple(emails), tuple(phones))


def of_conversation(context: ToolContext) -> WrittenContacts:
    return written_by_person([*context.history, context.message])


def grounded_email(value: str, written: WrittenContacts) -> str:
    """The address in canonical form, if the person wrote it; else a `Refusal`."""
    email = valid_email(value)
    if email is None:
        raise Refusal("invalid_email", "That is not an e-mail address.")
    if email not in written.emails:
        raise Refusal(
            "email_not_given",
            "The person has not written this e-mail in the conversation; ask them for it.",
        )
    return email


def grounded_phone(value: str | None, written: WrittenContacts) -> str | None:
    """The number in E.164, if the person wrote it; None when none was given."""
    if not value:
        return None
    phone = valid_phone(value, REGION)
    if phone is None:
        raise Refusal("invalid_phone", "That is not a valid phone number.")
    if phone not in written.phones:
        raise Refusal(
            "phone_not_given",
            "The person has not written this phone number in the conversation; leave it "
            "out or ask them for it.",
        )
    return phone
