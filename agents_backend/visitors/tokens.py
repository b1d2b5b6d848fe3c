"""Visitor tokens: how an anonymous browser proves which conversation is its own.

A signed JWT (PyJWT, the server's secret) naming one conversation with one bot. It has
its own audience and type, so it can never pass for a person's access token, nor an
access token for it. Nothing about the visitor is stored to issue one: the conversation
is written when its first message arrives.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

AUDIENCE = "agents:visitor"
_TYPE = "visitor"


class InvalidVisitorTokenError(Exception):
    """Forged, expired, malformed, or for another bot."""


@dataclass(frozen=True, slots=True)
class VisitorClaims:
    conversation_id: str
    agent_key: str


@dataclass(frozen=True)
class VisitorTokens:
    secret: str
    algorithm: str
    lifetime: timedelta

    def issue(self, claims: VisitorClaims, *, now: datetime | None = None) -> str:
        issued = now or datetime.now(UTC)
        payload = {
            "sub": claims.conversation_id,
            "bot": claims.agent_key,
            "aud": AUDIENCE,
            "type": _TYPE,
            "jti": secrets.token_urlsafe(12),
            "iat": issued,
            "exp": issued + self.lifetime,
        }
        return jwt.encode(payload, self.secret, algorithm=self.algorithm)

    def read(self, token: str, *, agent_key: str) -> VisitorClaims:
        """The claims of a token this server issued for `agent_key`, still valid."""
        try:
            payload = jwt.decode(
                token,
                self.secret,
                algorithms=[self.algorithm],
                audience=AUDIENCE,
                options={"require": ["sub", "bot", "aud", "type", "exp", "iat"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidVisitorTokenError(str(exc)) from exc
        conversation, bot = payload.get("sub"), payload.get("bot")
        if payload.get("type") != _TYPE or not isinstance(conversation, str):
            raise InvalidVisitorTokenError("not a visitor token")
        if bot != agent_key:
            raise InvalidVisitorTokenError("a token for another bot")
        return VisitorClaims(conversation_id=conversation, agent_key=agent_key)
