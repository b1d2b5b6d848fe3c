"""Passwords and tokens as pure functions: no FastAPI, no database.

Tokens are JWTs signed with PyJWT. The accepted algorithm list comes from settings and
is never read from the token header, and every token carries a `type` claim so a
refresh token cannot be replayed as an access token.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import jwt
from passlib.context import CryptContext

TokenType = Literal["access", "refresh"]

# argon2id has no 72-byte input limit (bcrypt's), so long passphrases are hashed whole.
_passwords = CryptContext(schemes=["argon2"], argon2__type="ID")
# Verifying against this when the e-mail is unknown makes both failures cost the same.
_DUMMY_HASH = _passwords.hash(secrets.token_urlsafe(32))


class InvalidTokenError(Exception):
    """The token is malformed, expired, of the wrong type or signed with another key."""


def hash_password(password: str) -> str:
    return str(_passwords.hash(password))


async def hash_password_off_loop(password: str) -> str:
    """argon2 is deliberately slow (~0.3 s here); on the event loop it would stall every
    socket of the process, so request handlers hash in a worker thread."""
    return await asyncio.to_thread(hash_password, password)


async def verify_password_off_loop(password: str, password_hash: str | None) -> bool:
    return await asyncio.to_thread(verify_password, password, password_hash)


def verify_password(password: str, password_hash: str | None) -> bool:
    """Always runs one argon2 verification, whether or not there is a real hash."""
    if password_hash is None:
        _passwords.verify(password, _DUMMY_HASH)
        return False
    try:
        return bool(_passwords.verify(password, password_hash))
    except (ValueError, TypeError):
        return False


@dataclass(frozen=True)
class TokenClaims:
    subject: str
    type: TokenType
    token_id: str
    family_id: str | None
    expires_at: datetime


def create_token(
    *,
    subject: str,
    token_type: TokenType,
    secret: str,
    algorithm: str,
    lifetime: timedelta,
    family_id: str | None = None,
    now: datetime | None = None,
) -> tuple[str, TokenClaims]:
    issued = now or datetime.now(UTC)
    claims = TokenClaims(
        subject=subject,
        type=token_type,
        token_id=secrets.token_urlsafe(16),
        family_id=family_id,
        expires_at=issued + lifetime,
    )
    payload: dict[str, object] = {
        "sub": subject,
        "type": token_type,
        "jti": claims.token_id,
        "iat": issued,
        "exp": claims.expires_at,
    }
    if family_id is not None:
        payload["fam"] = family_id
    return jwt.encode(payload, secret, algorithm=algorithm), claims


def decode_token(
    token: str, *, expected_type: TokenType, secret: str, algorithm: str
) -> TokenClaims:
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=[algorithm],
            options={"require": ["sub", "type", "jti", "exp", "iat"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidTokenError(str(exc)) from exc
    if payload.get("type") != expected_type:
        raise InvalidTokenError(f"expected a {expected_type} token")
    subject, token_id = payload.get("sub"), payload.get("jti")
    if not isinstance(subject, str) or not isinstance(token_id, str):
        raise InvalidTokenError("malformed claims")
    family = payload.get("fam")
    return TokenClaims(
        subject=subject,
        type=expected_type,
        token_id=token_id,
        family_id=family if isinstance(family, str) else None,
        expires_at=datetime.fromtimestamp(int(payload["exp"]), UTC),
    )


def token_digest(token: str) -> str:
    """Refresh tokens are stored only as this digest: a database leak yields no tokens."""
    return hashlib.sha256(token.encode()).hexdigest()
