"""REST bodies of /calendar/google: an owner's Google Calendar connection."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from agents_backend.core.schemas import CamelOut


class GoogleCalendarStatus(CamelOut):
    configured: bool = Field(
        description="The server has a Google OAuth client; without one nobody can connect."
    )
    connected: bool
    email: str | None = Field(description="The connected Google account, when Google said.")
    connected_at: datetime | None
    calendar_id: str | None = Field(description="The connected account's calendar that books.")
    needs_reconnect: bool = Field(
        description="Google refused the stored access (removed or expired): connect again."
    )
    calendar: Literal["google", "local"] = Field(
        description="The calendar that serves this owner's bots now."
    )


class GoogleCalendarConnect(CamelOut):
    authorization_url: str = Field(description="Google's consent page; send the browser there.")


class GoogleCalendarDisconnected(GoogleCalendarStatus):
    revocation: Literal["revoked", "unreachable", "none"] = Field(
        description="revoked: Google confirmed; unreachable: the connection was deleted here "
        "but Google could not be told (remove access in the Google account); none: there "
        "was no connection."
    )
