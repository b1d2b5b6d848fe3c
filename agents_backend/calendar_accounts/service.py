"""Connecting and disconnecting an owner's Google Calendar (OAuth 2.0 web-server flow).

1. `start`: a random `state` (its SHA-256 stored with the user, the PKCE verifier, the
   redirect URI and where to send the browser back; gone after 10 minutes) and Google's
   consent URL for it.
2. `finish`: the browser comes back from Google with `code` and `state`. The state is
   taken once; an unknown, used or expired one changes nothing. The code is exchanged
   (client secret and PKCE verifier) and the refresh token stored encrypted, replacing any
   earlier connection of the owner.
3. `disconnect`: the grant is revoked at Google and the connection deleted, even when
   Google cannot be reached (the answer says so: access can then be removed in the
   Google account).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from agents_backend.calendar_accounts import store
from agents_backend.calendar_accounts.directory import CalendarDirectory
from agents_backend.contract import ErrorCode
from agents_backend.core.crypto import Cipher, SecretUnreadableError
from agents_backend.core.database import Database, Document
from agents_backend.core.errors import AgentError
from agents_backend.integrations.calendar.google_oauth import GoogleOAuth, Grant, OAuthError

logger = logging.getLogger(__name__)

CONSENT_LIFETIME = timedelta(minutes=10)


class Revocation(StrEnum):
    REVOKED = "revoked"  # Google confirmed the grant is gone
    UNREACHABLE = "unreachable"  # deleted here; Google could not be told
    NONE = "none"  # there was no connection


@dataclass(frozen=True)
class ConnectionStatus:
    configured: bool
    calendar: str  # which calendar serves the owner now: google or local
    connected: bool = False
    email: str | None = None
    connected_at: datetime | None = None
    calendar_id: str | None = None
    needs_reconnect: bool = False


@dataclass(frozen=True)
class Outcome:
    """Where the browser goes back to, and what went wrong (None: connected)."""

    return_to: str | None
    error: ErrorCode | None = None


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


class GoogleConnections:
    def __init__(
        self,
        *,
        db: Database,
        cipher: Cipher,
        oauth: GoogleOAuth | None,
        directory: CalendarDirectory,
        calendar_id: str = "primary",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """`calendar_id` is the calendar of a connected account that takes bookings
        (an agent's own `calendar_id` still wins)."""
        self._db = db
        self._cipher = cipher
        self._oauth = oauth
        self._directory = directory
        self._calendar_id = calendar_id
        self._clock = clock or (lambda: datetime.now(UTC))

    @property
    def configured(self) -> bool:
        return self._oauth is not None

    async def status(self, *, user_id: str) -> ConnectionStatus:
        connection = await store.get_connection(db=self._db, user_id=user_id)
        if connection is None:
            return ConnectionStatus(self.configured, calendar=self._directory.default_name)
        return ConnectionStatus(
            self.configured,
            calendar="google",
            connected=True,
            email=connection.get("email"),
            connected_at=connection["connected_at"],
            calendar_id=connection["calendar_id"],
            needs_reconnect=bool(connection.get("needs_reconnect")),
        )

    async def start(self, *, user_id: str, redirect_uri: str, return_to: str) -> str:
        """Google's consent URL for this owner; `return_to` is the SPA's origin."""
        oauth = self._require()
        state = secrets.token_urlsafe(32)
        consent = await asyncio.to_thread(oauth.consent, state=state, redirect_uri=redirect_uri)
        await store.save_consent(
            db=self._db,
            state_hash=_hash(state),
            user_id=user_id,
            code_verifier=consent.code_verifier,
            redirect_uri=redirect_uri,
            return_to=return_to,
            expires_at=self._clock() + CONSENT_LIFETIME,
        )
        return consent.url

    async def finish(self, *, state: str | None, code: str | None, error: str | None) -> Outcome:
        """The callback: connects the owner the state names, or says why not."""
        consent = await store.take_consent(db=self._db, state_hash=_hash(state)) if state else None
        if consent is None or consent["expires_at"] <= self._clock():
            return Outcome(None, ErrorCode.GOOGLE_STATE_INVALID)
        return_to: str = consent["return_to"]
        if self._oauth is None:
            return Outcome(return_to, ErrorCode.GOOGLE_NOT_CONFIGURED)
        if error or not code:  # `access_denied` when the person declined
            logger.info("Google consent not given: %s", error or "no code")
            return Outcome(return_to, ErrorCode.GOOGLE_CONSENT_DENIED)
        try:
            grant = await asyncio.to_thread(
                self._oauth.exchange,
                code=code,
                code_verifier=consent["code_verifier"],
                redirect_uri=consent["redirect_uri"],
            )
        except OAuthError as exc:
            logger.warning("Google connection failed: %s", exc)
            code_ = ErrorCode.GOOGLE_SCOPE_MISSING if exc.scope_missing else None
            return Outcome(return_to, code_ or ErrorCode.GOOGLE_CONNECT_FAILED)
        await self._keep(consent["user_id"], grant)
        return Outcome(return_to)

    async def _keep(self, user_id: str, grant: Grant) -> None:
        """Stores the grant; an earlier connection to another Google account is revoked
        (one to the same account is not: Google would revoke the new grant with it)."""
        earlier = await store.get_connection(db=self._db, user_id=user_id)
        await store.save_connection(
            db=self._db,
            user_id=user_id,
            account=grant.account or secrets.token_hex(8),
            email=grant.email,
            refresh_token_encrypted=self._cipher.encrypt(grant.refresh_token),
            scopes=sorted(grant.scopes),
            calendar_id=self._calendar_id,
            now=self._clock(),
        )
        self._directory.forget(user_id)
        if earlier is not None and earlier["account"] != grant.account:
            await self._revoke(earlier)

    async def disconnect(self, *, user_id: str) -> Revocation:
        connection = await store.delete_connection(db=self._db, user_id=user_id)
        self._directory.forget(user_id)
        if connection is None:
            return Revocation.NONE
        revoked = await self._revoke(connection)
        return Revocation.REVOKED if revoked else Revocation.UNREACHABLE

    async def _revoke(self, connection: Document) -> bool:
        if self._oauth is None:
            return False
        try:
            token = self._cipher.decrypt(connection["refresh_token_encrypted"])
        except SecretUnreadableError:
            return False
        return await asyncio.to_thread(self._oauth.revoke, token)

    def _require(self) -> GoogleOAuth:
        if self._oauth is None:
            raise AgentError(ErrorCode.GOOGLE_NOT_CONFIGURED)
        return self._oauth
