"""Website visitors' conversations, told apart from signed-in people's by their id.

A visitor's conversation is stored like any other, under its bot's owner, with this id
as its contact id: the owner's history, streams, leases and recovery serve it unchanged,
and anything that must treat it differently (who hears its events, who may write in
it) asks `is_visitor_conversation`.
"""

from __future__ import annotations

import base64
import secrets

PREFIX = "visitor:"


def new_conversation_id() -> str:
    """`visitor:` and 26 base32 characters (128 random bits)."""
    return PREFIX + base64.b32encode(secrets.token_bytes(16)).decode().rstrip("=").lower()


def is_visitor_conversation(contact_id: str | None) -> bool:
    return contact_id is not None and contact_id.startswith(PREFIX)
