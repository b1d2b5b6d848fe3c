"""The `agent:*` Socket.IO handlers of signed-in people, one namespace on "/".

The namespace only authenticates, validates and translates failures into `agent:error`
(realtime/guarded.py); everything the product does happens in `AgentCore`. The user
lives in the socket session.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from typing import Any

from pymongo.errors import PyMongoError

from agents_backend.auth.service import (
    NotAuthenticatedError,
    authenticate,
    preferred_language,
    session_is_active,
)
from agents_backend.chat.service import AgentCore
from agents_backend.contract import (
    ConversationPayload,
    EditPayload,
    ErrorCode,
    Language,
    ReplyPayload,
    ScheduleConfirmPayload,
    SendPayload,
    ServerPayload,
    SessionEndedEvent,
    SetAutoCreatePayload,
)
from agents_backend.core import i18n
from agents_backend.core.config import Settings
from agents_backend.core.database import Database
from agents_backend.core.emitter import Emitter
from agents_backend.core.errors import AgentError
from agents_backend.core.identity import SessionUser
from agents_backend.core.metrics import CONNECTED_SOCKETS
from agents_backend.core.rate_limits import RateLimits
from agents_backend.core.registry import Registry
from agents_backend.core.rooms import user_room, workspace_room
from agents_backend.core.sessions import LiveSessions
from agents_backend.core.visitor_ids import is_visitor_conversation
from agents_backend.realtime.guarded import (
    Ack,
    ClosingError,
    GuardedNamespace,
    connect_language,
    refused,
)
from agents_backend.scheduling.service import SchedulingService
from agents_backend.workspaces.service import Workspaces

logger = logging.getLogger(__name__)

SESSION_RECHECK_SECONDS = 10.0
_EXPIRY_MARGIN_SECONDS = 0.5


class SessionEndedError(ClosingError):
    """The socket's session is over: the person is told, then the socket is closed."""


class AgentNamespace(GuardedNamespace):
    prefix = "agent:"

    def __init__(self, registry: Registry, sessions: LiveSessions, namespace: str = "/") -> None:
        """The services are built after the socket server (in the app's lifespan), so
        the namespace is given the registry they will be found in."""
        super().__init__(namespace)
        self._services = registry
        self._emitter: Emitter = self
        sessions.register(self.end_sessions)

    def deliver_through(self, emitter: Emitter) -> None:
        """Events the core emits for this namespace's requests go through `emitter`
        (which also reaches a visitor conversation's own sockets)."""
        self._emitter = emitter

    async def before_event(self, sid: str) -> None:
        await self._check_session(sid)

    async def language(self, sid: str) -> Language:
        user = (await self.get_session(sid)).get("user")
        return user.language if isinstance(user, SessionUser) else i18n.DEFAULT_LANGUAGE

    # -- lifecycle -------------------------------------------------------------------

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any) -> None:
        # The library keeps this environ for the socket's lifetime; its request-body
        # reader (a class engine.io builds per request) is never read again.
        environ.pop("wsgi.input", None)
        address = str(environ.get("REMOTE_ADDR") or "unknown")
        language = connect_language(environ, auth)
        verdict = await self._services.get(RateLimits).connections_per_ip.hit(address)
        if not verdict.allowed:
            raise refused(language, ErrorCode.TOO_MANY_CONNECTIONS, verdict.retry_after)
        token = auth.get("token") if isinstance(auth, dict) else None
        try:
            found = await authenticate(
                token=token if isinstance(token, str) else None,
                settings=self._services.get(Settings),
                db=self._services.get(Database),
            )
        except NotAuthenticatedError as exc:
            raise refused(language, ErrorCode.UNAUTHENTICATED) from exc
        except PyMongoError as exc:
            raise refused(language, ErrorCode.UNAVAILABLE) from exc
        user, claims = found.user, found.claims
        session_user = SessionUser(
            id=user["_id"],
            name=user["name"],
            email=user["email"],
            family_id=claims.family_id,
            expires_at=claims.expires_at.timestamp(),
            checked_at=time.time(),
            language=i18n.pick(user.get("preferred_language"), language),
        )
        await self.save_session(sid, {"user": session_user})
        await self.enter_room(sid, session_user.room)
        if session_user.session_room:
            await self.enter_room(sid, session_user.session_room)
        # The inbox of every workspace the person works in, live (membership changes
        # end the person's sockets, so a reconnect joins the rooms anew).
        try:
            workspaces = await self._services.get(Workspaces).workspace_ids(session_user)
        except PyMongoError as exc:
            raise refused(language, ErrorCode.UNAVAILABLE) from exc
        for workspace in workspaces:
            await self.enter_room(sid, workspace_room(workspace))
        self._expire_later(sid, session_user.expires_at)
        CONNECTED_SOCKETS.inc()

    # -- session lifetime ------------------------------------------------------------

    def _expire_later(self, sid: str, expires_at: float) -> None:
        """An idle socket is closed when its token expires; the client reconnects with a
        refreshed token (socket.io-client's `auth` callback) or returns to sign-in."""
        # The loop's clock is monotonic and the token's is wall time: a little margin
        # keeps the timer from firing a hair before the token is actually expired.
        delay = max(0.0, expires_at - time.time()) + _EXPIRY_MARGIN_SECONDS

        def expire() -> None:
            self.server.start_background_task(self._end_if_expired, sid)

        asyncio.get_running_loop().call_later(delay, expire)

    async def _end_if_expired(self, sid: str) -> None:
        try:
            user = await self._user(sid)
        except (KeyError, AgentError):  # already gone
            return
        if user.expires_at <= time.time():
            await self._end(sid, "token_expired")

    async def _check_session(self, sid: str) -> None:
        """Before each event: the token has not expired and its session was not ended.

        The revocation lookup runs at most every SESSION_RECHECK_SECONDS per socket; it
        is what reaches sockets on other processes when a session ends elsewhere.
        """
        user = await self._user(sid)
        now = time.time()
        if user.expires_at <= now:
            raise SessionEndedError(ErrorCode.TOKEN_EXPIRED)
        if user.family_id is None or now - user.checked_at < SESSION_RECHECK_SECONDS:
            return
        db = self._services.get(Database)
        if not await session_is_active(db=db, family_id=user.family_id):
            raise SessionEndedError(ErrorCode.SESSION_ENDED)
        # A language chosen in another tab (PATCH /auth/me) reaches this socket here.
        chosen = await preferred_language(db=db, user_id=user.id)
        refreshed = dataclasses.replace(user, checked_at=now, language=chosen or user.language)
        await self.save_session(sid, {"user": refreshed})

    async def end_sessions(self, room: str, reason: str) -> None:
        """Tells every socket in the room (on every process) and closes the local ones."""
        ended = SessionEndedEvent(reason=reason)
        await self.emit(ended.event, ended.to_wire(), room=room)
        local = [sid for sid, _eio in self.server.manager.get_participants(self.namespace, room)]
        for sid in local:
            await self.disconnect(sid)

    async def _end(self, sid: str, reason: str) -> None:
        ended = SessionEndedEvent(reason=reason)
        await self.emit(ended.event, ended.to_wire(), to=sid)
        await self.disconnect(sid)

    async def on_disconnect(self, sid: str, reason: str) -> None:
        # Only sockets that passed authentication were counted.
        if isinstance((await self.get_session(sid)).get("user"), SessionUser):
            CONNECTED_SOCKETS.dec()

    async def _user(self, sid: str) -> SessionUser:
        session = await self.get_session(sid)
        user = session.get("user")
        if not isinstance(user, SessionUser):  # pragma: no cover - connect always sets it
            raise AgentError(ErrorCode.UNAUTHENTICATED)
        return user

    async def to_room(self, room: str, payload: ServerPayload) -> None:
        await self.emit(payload.event, payload.to_wire(), room=room)

    async def to_user(self, user_id: str, payload: ServerPayload) -> None:
        """The core's `Emitter`: every socket (tab, device) of the user gets the event."""
        await self.emit(payload.event, payload.to_wire(), room=user_room(user_id))

    # -- agent:* events --------------------------------------------------------------

    async def on_agent_send(self, sid: str, data: Any) -> Ack:
        payload = SendPayload.model_validate(data)
        _not_a_visitors(payload.contact_id)
        user = await self._user(sid)
        await self._count_message(user)
        return await self._services.get(AgentCore).send(user, payload, self._emitter)

    async def _count_message(self, user: SessionUser) -> None:
        """A message sent (or an edit, which sends one) counts against the rate limit."""
        verdict = await self._services.get(RateLimits).messages_per_user.hit(user.id)
        if not verdict.allowed:
            raise AgentError(
                ErrorCode.RATE_LIMITED,
                retry_after=verdict.retry_after,
                seconds=verdict.retry_after,
            )

    async def on_agent_stop(self, sid: str, data: Any) -> Ack:
        payload = ReplyPayload.model_validate(data)
        _not_a_visitors(payload.contact_id)
        return await self._services.get(AgentCore).stop(await self._user(sid), payload)

    async def on_agent_regenerate(self, sid: str, data: Any) -> Ack:
        payload = ReplyPayload.model_validate(data)
        _not_a_visitors(payload.contact_id)
        return await self._services.get(AgentCore).regenerate(
            await self._user(sid), payload, self._emitter
        )

    async def on_agent_edit(self, sid: str, data: Any) -> Ack:
        payload = EditPayload.model_validate(data)
        _not_a_visitors(payload.contact_id)
        user = await self._user(sid)
        await self._count_message(user)
        return await self._services.get(AgentCore).edit(user, payload, self._emitter)

    async def on_agent_set_auto_create(self, sid: str, data: Any) -> Ack:
        payload = SetAutoCreatePayload.model_validate(data)
        return await self._services.get(AgentCore).set_auto_create(
            await self._user(sid), payload, self._emitter
        )

    async def on_agent_request_summary(self, sid: str, data: Any) -> Ack:
        payload = ConversationPayload.model_validate(data)
        return await self._services.get(AgentCore).request_summary(
            await self._user(sid), payload, self._emitter
        )

    async def on_agent_schedule_confirm(self, sid: str, data: Any) -> Ack:
        payload = ScheduleConfirmPayload.model_validate(data)
        _not_a_visitors(payload.contact_id)
        return await self._services.get(SchedulingService).confirm(
            await self._user(sid), payload, self._emitter
        )


def _not_a_visitors(contact_id: str) -> None:
    """A website visitor's conversation is theirs to write in: its owner reads it (and,
    with the inbox, answers through it), but does not send as the visitor."""
    if is_visitor_conversation(contact_id):
        raise AgentError(ErrorCode.READ_ONLY_CONVERSATION)
