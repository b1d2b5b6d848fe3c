"""Who is asking: the signed-in person a socket or a request belongs to."""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass

from agents_backend.contract import Language
from agents_backend.core.rooms import session_room, user_room


@dataclass(frozen=True, slots=True)
class SessionUser:
    """Who a socket belongs to, taken from the access token and the users collection.

    A slotted dataclass, not a model: one lives in every connected socket's session and
    is built from already-validated data, so a pydantic instance's weight (its dict and
    field-set bookkeeping) bought nothing per idle connection.
    """

    id: str
    name: str
    email: str
    # The refresh-token family (sign-in session) the access token came from, and when
    # the access token expires: a socket lives no longer than the token it showed.
    family_id: str | None = None
    expires_at: float = float("inf")
    checked_at: float = 0.0
    # What the server writes to this person in when no conversation says otherwise:
    # the account's preferred language, else the browser's; refreshed with the session.
    language: Language = "en"

    @property
    def room(self) -> str:
        return user_room(self.id)

    @property
    def session_room(self) -> str | None:
        return session_room(self.family_id) if self.family_id else None


def process_identity() -> str:
    """This server process, as the owner of the reply leases it holds: host, pid and a
    random part (a pid is reused after a restart; a lease must not be)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
