"""Sign-in sessions: issuing token pairs and recognising an access token.

`authenticate` is the one place an access token is decoded and its user loaded: the
REST dependency and the socket handshake both call it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from agents_backend.auth.schemas import TokenPair, UserPublic
from agents_backend.auth.store import get_user, language_of, names_by_email, names_by_id
from agents_backend.auth.tokens_store import family_is_active, store_refresh_token
from agents_backend.contract import Language
from agents_backend.core import i18n
from agents_backend.core.config import Settings
from agents_backend.core.database import Database
from agents_backend.core.identity import SessionUser
from agents_backend.core.security import (
    InvalidTokenError,
    TokenClaims,
    create_token,
    decode_token,
    token_digest,
)


class NotAuthenticatedError(Exception):
    """The token is missing, malformed, expired, of the wrong type, or its user is gone."""


@dataclass(frozen=True)
class Authenticated:
    user: dict[str, Any]
    claims: TokenClaims


def read_token(settings: Settings, token: str, kind: Literal["access", "refresh"]) -> TokenClaims:
    """The one place a token is decoded: signature, algorithm, expiry and type."""
    try:
        return decode_token(
            token,
            expected_type=kind,
            secret=settings.jwt_secret.get_secret_value(),
            algorithm=settings.jwt_algorithm,
        )
    except InvalidTokenError as exc:
        raise NotAuthenticatedError("invalid or expired token") from exc


async def authenticate(*, token: str | None, settings: Settings, db: Database) -> Authenticated:
    if not token:
        raise NotAuthenticatedError("authentication required")
    claims = read_token(settings, token, "access")
    user = await get_user(db=db, user_id=claims.subject)
    if user is None:
        raise NotAuthenticatedError("unknown user")
    return Authenticated(user=user, claims=claims)


def user_public(user: dict[str, Any]) -> UserPublic:
    return UserPublic(
        id=user["_id"],
        email=user["email"],
        name=user["name"],
        role=user.get("role", "user"),
        preferred_language=i18n.as_language(user.get("preferred_language")),
        created_at=user["created_at"],
    )


async def issue_tokens(
    *, db: Database, settings: Settings, user: dict[str, Any], family_id: str | None = None
) -> TokenPair:
    secret = settings.jwt_secret.get_secret_value()
    family = family_id or uuid.uuid4().hex
    access, _ = create_token(
        subject=user["_id"],
        token_type="access",
        secret=secret,
        algorithm=settings.jwt_algorithm,
        lifetime=timedelta(minutes=settings.jwt_expire_minutes),
        family_id=family,
    )
    refresh, claims = create_token(
        subject=user["_id"],
        token_type="refresh",
        secret=secret,
        algorithm=settings.jwt_algorithm,
        lifetime=timedelta(days=settings.refresh_expire_days),
        family_id=family,
    )
    await store_refresh_token(
        db=db,
        digest=token_digest(refresh),
        user_id=user["_id"],
        family_id=family,
        expires_at=claims.expires_at,
    )
    return TokenPair(
        access_token=access,
        refresh_token=refresh,
        expires_in=settings.jwt_expire_minutes * 60,
        user=user_public(user),
    )


async def session_is_active(*, db: Database, family_id: str) -> bool:
    """A sign-in session lives while its refresh-token family has a live token."""
    return await family_is_active(db=db, family_id=family_id)


async def preferred_language(*, db: Database, user_id: str) -> Language | None:
    """The language the account asked to be written to in (None: not chosen)."""
    return i18n.as_language(await language_of(db=db, user_id=user_id))


async def session_user(*, db: Database, user_id: str) -> SessionUser | None:
    """The account as a socket session holds it, for work no socket started (a reply
    taken over from a process that died)."""
    user = await get_user(db=db, user_id=user_id)
    if user is None:
        return None
    return SessionUser(
        id=user["_id"],
        name=user["name"],
        email=user["email"],
        language=i18n.pick(user.get("preferred_language")),
    )


@dataclass(frozen=True)
class Account:
    """Who an account is, as teammates see it."""

    id: str
    name: str
    email: str


async def accounts_by_email(*, db: Database, emails: list[str]) -> dict[str, Account]:
    """The accounts among `emails` (lower-cased), by email; others have none yet."""
    found = await names_by_email(db=db, emails=emails)
    return {email: Account(u["_id"], u["name"], email) for email, u in found.items()}


async def account_names(*, db: Database, user_ids: list[str]) -> dict[str, str]:
    return await names_by_id(db=db, user_ids=user_ids)
