"""Which calendar serves an owner: their own Google Calendar, else the server's.

`CalendarDirectory.for_owner(user_id)` answers the owner's Google Calendar when they
connected one, else the server-wide calendar (GOOGLE_TOKEN_FILE / GOOGLE_CREDENTIALS_FILE
when configured, else the local calendar). The booking service asks it for every
availability lookup and booking, whoever is booking: the owner in the SPA or a visitor
on the owner's published bot.

An owner's calendar is named in bookings by a key that carries their Google account
(`google:<account>:primary`), so the unique index on active bookings settles races among
that owner's bookings only: one owner's meetings never block another's slots. Each
booking records which calendar made its event (`backend`, and `calendar_account` for an
owner's own), so a cancel reaches that calendar even after the owner connected or
disconnected one.

The live credentials are kept in memory per owner (an LRU), so a call does not refresh
the access token; google-auth refreshes it when it expires. The connection is read from
MongoDB on every call (one indexed lookup), so a disconnect or reconnect made through
another process applies here at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import NoReturn, Protocol

from agents_backend.calendar_accounts import store
from agents_backend.contract import ErrorCode
from agents_backend.core.crypto import Cipher, SecretUnreadableError
from agents_backend.core.database import Database, Document
from agents_backend.core.errors import AgentError
from agents_backend.integrations.calendar.backend import (
    CalendarAuthError,
    CalendarBackend,
    CreatedEvent,
    EventRequest,
    Interval,
)
from agents_backend.integrations.calendar.google import GoogleCalendar
from agents_backend.integrations.calendar.google_oauth import GoogleOAuth

logger = logging.getLogger(__name__)


def account_key(account: str, calendar_id: str) -> str:
    return f"google:{account}:{calendar_id}"


@dataclass(frozen=True)
class OwnerCalendar:
    """The calendar that serves one owner, and how bookings name its calendars."""

    backend: CalendarBackend
    account: str | None = None  # the owner's Google account, when the calendar is theirs
    calendar_id: str | None = None  # their default calendar; None: the server's setting

    @property
    def name(self) -> str:
        return self.backend.name

    def key(self, calendar_id: str) -> str:
        """The shared calendars keep their id; an owner's own is qualified by account."""
        return calendar_id if self.account is None else account_key(self.account, calendar_id)


class CalendarResolver(Protocol):
    """What the booking service needs to know about calendars."""

    @property
    def default_name(self) -> str:
        """The calendar an owner without their own gets: `google` or `local`."""
        ...

    async def for_owner(self, user_id: str) -> OwnerCalendar: ...

    async def for_booking(self, booking: Document) -> CalendarBackend | None:
        """The calendar holding the booking's event; None when it cannot be reached any
        more (the owner disconnected that account): the booking is then only ours."""
        ...


class SingleCalendar:
    """One calendar for every owner (a fixed backend, as tests and tools use)."""

    def __init__(self, backend: CalendarBackend) -> None:
        self._backend = backend

    @property
    def default_name(self) -> str:
        return self._backend.name

    async def for_owner(self, user_id: str) -> OwnerCalendar:
        return OwnerCalendar(self._backend)

    async def for_booking(self, booking: Document) -> CalendarBackend | None:
        made_here = booking.get("backend") == self._backend.name
        return self._backend if made_here and not booking.get("calendar_account") else None


class AccountCalendar:
    """An owner's Google Calendar as a `CalendarBackend` over account-qualified keys.

    A refresh token Google refuses marks the connection as needing reconnection and is
    told as `calendar_reconnect_needed`: only the owner can fix it, by consenting again.
    """

    name = "google"

    def __init__(
        self,
        google: GoogleCalendar,
        *,
        account: str,
        generation: str,
        on_refused: Callable[[], Awaitable[None]],
    ) -> None:
        self._google = google
        self._prefix = account_key(account, "")
        self.generation = generation
        self._on_refused = on_refused

    def _google_id(self, key: str) -> str:
        return key.removeprefix(self._prefix)

    async def _refused(self, exc: CalendarAuthError) -> NoReturn:
        logger.warning("an owner's Google connection was refused: %s", exc.message)
        await self._on_refused()
        raise AgentError(ErrorCode.CALENDAR_RECONNECT_NEEDED) from exc

    async def busy(self, calendar_id: str, window: Interval) -> list[Interval]:
        try:
            return await self._google.busy(self._google_id(calendar_id), window)
        except CalendarAuthError as exc:
            await self._refused(exc)

    async def create_event(self, request: EventRequest) -> CreatedEvent:
        own = replace(request, calendar_id=self._google_id(request.calendar_id))
        try:
            return await self._google.create_event(own)
        except CalendarAuthError as exc:
            await self._refused(exc)

    async def delete_event(self, calendar_id: str, event_id: str) -> None:
        try:
            await self._google.delete_event(self._google_id(calendar_id), event_id)
        except CalendarAuthError as exc:
            await self._refused(exc)


@dataclass(frozen=True)
class GoogleApiOptions:
    """How owners' Google calendars are called (the same as the server-wide one)."""

    api_endpoint: str | None = None
    send_updates: str = "all"


class CalendarDirectory:
    def __init__(
        self,
        *,
        db: Database,
        cipher: Cipher,
        oauth: GoogleOAuth | None,
        fallback: CalendarBackend,
        options: GoogleApiOptions | None = None,
        capacity: int = 256,
    ) -> None:
        self._db = db
        self._cipher = cipher
        self._oauth = oauth
        self._fallback = fallback
        self._options = options or GoogleApiOptions()
        self._capacity = capacity
        self._live: OrderedDict[str, AccountCalendar] = OrderedDict()

    @property
    def default_name(self) -> str:
        return self._fallback.name

    async def for_owner(self, user_id: str) -> OwnerCalendar:
        connection = await store.get_connection(db=self._db, user_id=user_id)
        if connection is None:
            return OwnerCalendar(self._fallback)
        if self._oauth is None:
            logger.warning("an owner's Google connection is unusable: no GOOGLE_OAUTH_CLIENT_ID")
            return OwnerCalendar(self._fallback)
        return OwnerCalendar(
            await self._account_calendar(connection, self._oauth),
            account=connection["account"],
            calendar_id=connection["calendar_id"],
        )

    async def for_booking(self, booking: Document) -> CalendarBackend | None:
        account = booking.get("calendar_account")
        if not account:
            return self._fallback if booking.get("backend") == self._fallback.name else None
        connection = await store.get_connection(db=self._db, user_id=booking["user_id"])
        if connection is None or connection["account"] != account or self._oauth is None:
            return None
        return await self._account_calendar(connection, self._oauth)

    def forget(self, user_id: str) -> None:
        """This process drops the owner's credentials (after a connect or disconnect)."""
        self._live.pop(user_id, None)

    async def _account_calendar(self, connection: Document, oauth: GoogleOAuth) -> AccountCalendar:
        user_id, generation = connection["user_id"], connection["generation"]
        if connection.get("needs_reconnect"):
            raise AgentError(ErrorCode.CALENDAR_RECONNECT_NEEDED)
        cached = self._live.get(user_id)
        if cached is not None and cached.generation == generation:
            self._live.move_to_end(user_id)
            return cached
        try:
            refresh_token = self._cipher.decrypt(connection["refresh_token_encrypted"])
        except SecretUnreadableError:
            logger.warning("an owner's Google refresh token cannot be decrypted (key rotated?)")
            await self._refused(user_id, generation)
            raise AgentError(ErrorCode.CALENDAR_RECONNECT_NEEDED) from None

        def build() -> GoogleCalendar:  # parses the bundled discovery document: off the loop
            return GoogleCalendar(
                oauth.credentials(refresh_token),
                api_endpoint=self._options.api_endpoint,
                send_updates=self._options.send_updates,
            )

        async def refused() -> None:
            await self._refused(user_id, generation)

        calendar = AccountCalendar(
            await asyncio.to_thread(build),
            account=connection["account"],
            generation=generation,
            on_refused=refused,
        )
        self._live[user_id] = calendar
        if len(self._live) > self._capacity:
            self._live.popitem(last=False)
        return calendar

    async def _refused(self, user_id: str, generation: str) -> None:
        self.forget(user_id)
        await store.mark_needs_reconnect(
            db=self._db, user_id=user_id, generation=generation, now=datetime.now(UTC)
        )
