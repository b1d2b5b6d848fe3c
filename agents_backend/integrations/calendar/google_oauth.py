"""Google's OAuth 2.0 web-server flow, for owners who connect their own Google Calendar.

google-auth-oauthlib builds the consent URL (offline access, the consent prompt so Google
always hands out a refresh token, PKCE S256) and exchanges the code at the token
endpoint; google-auth turns the stored refresh token into credentials that refresh their
own access tokens. Every method blocks (requests, httplib2): callers run them in a
worker thread.

The endpoints come from settings, so a self-hosted gateway (or a test's local server)
stands in for Google without another code path.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import google_auth_httplib2
import httplib2
import jwt
from google.auth.exceptions import TransportError
from google.oauth2.credentials import Credentials
from google_auth_oauthlib.flow import Flow
from oauthlib.oauth2.rfc6749.errors import OAuth2Error

from agents_backend.integrations.calendar.google import SCOPES as CALENDAR_SCOPES

logger = logging.getLogger(__name__)

# The calendar scopes bookings need, and who the account is (for the owner's status).
EMAIL_SCOPE = "https://www.googleapis.com/auth/userinfo.email"
SCOPES = (*CALENDAR_SCOPES, "openid", EMAIL_SCOPE)


class OAuthError(Exception):
    """The consent could not be turned into a connection; `scope_missing` when the person
    unticked the calendar permissions on Google's consent screen."""

    def __init__(self, message: str, *, scope_missing: bool = False) -> None:
        super().__init__(message)
        self.scope_missing = scope_missing


@dataclass(frozen=True)
class OAuthClient:
    """The deployment's OAuth client ("Web application" in Google Cloud Console)."""

    client_id: str
    client_secret: str
    auth_uri: str
    token_uri: str
    revoke_uri: str
    timeout: float = 15.0


@dataclass(frozen=True)
class Consent:
    """Where to send the person, and the PKCE verifier the code exchange will need."""

    url: str
    code_verifier: str


@dataclass(frozen=True)
class Grant:
    """What a completed consent gives: the refresh token and whose account it is."""

    refresh_token: str
    account: str | None  # Google's stable account id (the ID token's `sub`)
    email: str | None
    scopes: frozenset[str]


class GoogleOAuth:
    def __init__(self, client: OAuthClient) -> None:
        self._client = client

    def _flow(self, redirect_uri: str, code_verifier: str | None = None) -> Flow:
        config = {
            "web": {
                "client_id": self._client.client_id,
                "client_secret": self._client.client_secret,
                "auth_uri": self._client.auth_uri,
                "token_uri": self._client.token_uri,
                "redirect_uris": [redirect_uri],
            }
        }
        return Flow.from_client_config(
            config, scopes=list(SCOPES), redirect_uri=redirect_uri, code_verifier=code_verifier
        )

    def consent(self, *, state: str, redirect_uri: str) -> Consent:
        """The consent URL for `state`; the library makes the PKCE verifier."""
        flow = self._flow(redirect_uri)
        url, _state = flow.authorization_url(
            state=state,
            access_type="offline",
            prompt="consent",
            include_granted_scopes="true",
        )
        return Consent(url=url, code_verifier=str(flow.code_verifier))

    def exchange(self, *, code: str, code_verifier: str, redirect_uri: str) -> Grant:
        """Trades the code for tokens at the token endpoint (client secret and verifier)."""
        flow = self._flow(redirect_uri, code_verifier)
        try:
            token: dict[str, Any] = flow.fetch_token(code=code, timeout=self._client.timeout)
        except Warning as changed:
            # oauthlib raises when the granted scopes differ from those asked, which
            # include_granted_scopes makes routine (earlier grants come back too); the
            # token is on the warning, and the scopes are checked below.
            token = getattr(changed, "token", None) or {}
            if not token:
                raise OAuthError(f"the token endpoint answered: {changed}") from changed
        except (OAuth2Error, OSError, ValueError) as exc:
            raise OAuthError(f"the token endpoint refused the code: {exc}") from exc
        scopes = _scopes(token.get("scope"))
        refresh_token = token.get("refresh_token")
        if not set(CALENDAR_SCOPES) <= scopes:
            if isinstance(refresh_token, str):
                self.revoke(refresh_token)  # a grant we will not keep
            raise OAuthError("the calendar scopes were not granted", scope_missing=True)
        if not isinstance(refresh_token, str) or not refresh_token:
            raise OAuthError("the token endpoint gave no refresh token")
        claims = self._identity(token.get("id_token"))
        return Grant(
            refresh_token=refresh_token,
            account=_text(claims.get("sub")),
            email=_text(claims.get("email")),
            scopes=frozenset(scopes),
        )

    def _identity(self, id_token: object) -> dict[str, Any]:
        """The ID token's claims. It came straight from the token endpoint over TLS, which
        OpenID Connect Core 3.1.3.7 accepts in place of checking its signature; its
        audience must still be this client."""
        if not isinstance(id_token, str):
            return {}
        try:
            claims: dict[str, Any] = jwt.decode(id_token, options={"verify_signature": False})
        except jwt.PyJWTError:
            logger.warning("the token endpoint's ID token could not be read")
            return {}
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self._client.client_id not in audiences:
            logger.warning("the ID token was issued to another client; identity ignored")
            return {}
        return claims

    def credentials(self, refresh_token: str) -> Credentials:
        """Credentials that get (and renew) their access token from the refresh token."""
        return Credentials(  # type: ignore[no-untyped-call]
            token=None,
            refresh_token=refresh_token,
            token_uri=self._client.token_uri,
            client_id=self._client.client_id,
            client_secret=self._client.client_secret,
            scopes=list(CALENDAR_SCOPES),
        )

    def revoke(self, token: str) -> bool:
        """True when Google confirms the grant is gone (or already was); False when it
        could not be asked (unreachable, 5xx), so the caller can say so."""
        request = google_auth_httplib2.Request(httplib2.Http(timeout=self._client.timeout))
        try:
            response = request(
                self._client.revoke_uri,
                method="POST",
                body=urlencode({"token": token}),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
        except TransportError as exc:
            logger.warning("Google's revoke endpoint could not be reached: %s", exc)
            return False
        status = int(response.status)
        if status == 200:
            return True
        if status == 400:  # invalid_token: revoked or expired already
            return True
        logger.warning("Google's revoke endpoint answered HTTP %d", status)
        return False


def _scopes(value: object) -> set[str]:
    if isinstance(value, str):
        return set(value.split())
    if isinstance(value, list | tuple | set | frozenset):
        return {str(item) for item in value}
    return set()


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
