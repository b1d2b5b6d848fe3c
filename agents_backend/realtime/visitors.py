"""The `visitor:*` Socket.IO handlers of website visitors, namespace `/public`.

A visitor socket is admitted by the bot's slug, the page it comes from and, for a
returning browser, its visitor token (visitors/service.py decides); it then hears its
conversation's events (realtime/fanout.py) and may only send into that conversation.
Connection refusals carry a stable code in `connect_error`'s data, like the signed-in
namespace's.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from pydantic import ValidationError
from pymongo.errors import PyMongoError

from agents_backend.contract import (
    ErrorCode,
    Language,
    ServerPayload,
    VisitorClosedEvent,
    VisitorConnectAuth,
    VisitorHandoffPayload,
    VisitorScheduleConfirmPayload,
    VisitorSendPayload,
    VisitorSlotsPayload,
)
from agents_backend.core import i18n
from agents_backend.core.emitter import Emitter
from agents_backend.core.errors import AgentError, error_text
from agents_backend.core.metrics import CONNECTED_VISITORS
from agents_backend.core.rate_limits import RateLimits
from agents_backend.core.registry import Registry
from agents_backend.core.rooms import published_agent_room, visitor_room
from agents_backend.core.sessions import LiveSessions
from agents_backend.realtime.guarded import Ack, GuardedNamespace, connect_language, refused
from agents_backend.realtime.origins import own_origins
from agents_backend.visitors.service import Visitor, VisitorService

logger = logging.getLogger(__name__)

NAMESPACE = "/public"
# How long the greeting waits for the handshake to finish (it is sent right after).
_GREETING_WAIT_SECONDS = 5.0


class VisitorNamespace(GuardedNamespace):
    prefix = "visitor:"
    # The bot went offline, or the page's site was dropped: nothing more to say here.
    closing_codes = frozenset({ErrorCode.AGENT_OFFLINE, ErrorCode.ORIGIN_NOT_ALLOWED})

    def __init__(self, registry: Registry, sessions: LiveSessions) -> None:
        super().__init__(NAMESPACE)
        self._services = registry
        self._emitter: Emitter | None = None
        sessions.register(self.end_sessions)

    def deliver_through(self, emitter: Emitter) -> None:
        self._emitter = emitter

    @property
    def _visitors(self) -> VisitorService:
        return self._services.get(VisitorService)

    # -- lifecycle -------------------------------------------------------------------

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any) -> None:
        environ.pop("wsgi.input", None)  # see AgentNamespace.on_connect
        address = str(environ.get("REMOTE_ADDR") or "unknown")
        language = connect_language(environ, auth)
        verdict = await self._services.get(RateLimits).connections_per_ip.hit(address)
        if not verdict.allowed:
            raise refused(language, ErrorCode.TOO_MANY_CONNECTIONS, verdict.retry_after)
        try:
            wanted = VisitorConnectAuth.model_validate(auth if isinstance(auth, dict) else {})
            visitor = await self._visitors.admit(
                wanted,
                origin=_header(environ, "HTTP_ORIGIN"),
                own_origins=own_origins(environ),
                address=address,
                language=language,
            )
        except ValidationError as exc:
            raise refused(language, ErrorCode.INVALID_PAYLOAD) from exc
        except AgentError as exc:
            raise refused(language, exc.code, exc.retry_after) from exc
        except PyMongoError as exc:
            raise refused(language, ErrorCode.UNAVAILABLE) from exc
        await self.save_session(sid, {"visitor": visitor})
        await self.enter_room(sid, visitor_room(visitor.conversation_id))
        await self.enter_room(sid, _closing_room(visitor.agent_key, visitor.language))
        CONNECTED_VISITORS.inc()
        self.server.start_background_task(self._greet, sid, visitor)

    async def _greet(self, sid: str, visitor: Visitor) -> None:
        """`visitor:session` once the handshake is done: sent from the connect handler,
        it would reach the client before its CONNECT packet."""
        manager = self.server.manager
        deadline = asyncio.get_running_loop().time() + _GREETING_WAIT_SECONDS
        while not manager.is_connected(sid, self.namespace):
            if asyncio.get_running_loop().time() > deadline:
                return
            await asyncio.sleep(0.005)
        try:
            session = await self._visitors.session(visitor)
        except AgentError as exc:
            await self.close(sid, exc)
            return
        except PyMongoError:
            logger.exception("could not load a visitor's conversation")
            await self.disconnect(sid)
            return
        await self.emit(session.event, session.to_wire(), to=sid)

    async def on_disconnect(self, sid: str, reason: str) -> None:
        if isinstance((await self.get_session(sid)).get("visitor"), Visitor):
            CONNECTED_VISITORS.dec()

    async def end_sessions(self, room: str, reason: str) -> None:
        """A bot taken offline (`room` is its `published_agent_room`): its visitors, on
        every process, are told in their language; this process's sockets are closed
        (the others' clients close on the event, and any later event is refused)."""
        if reason != "unpublished":
            return
        for language in i18n.LANGUAGES:
            closed = _closed_event(ErrorCode.AGENT_OFFLINE, language)
            target = f"{room}:{language}"
            await self.emit(closed.event, closed.to_wire(), room=target)
            local = self.server.manager.get_participants(self.namespace, target)
            for sid, _eio in list(local):
                await self.disconnect(sid)

    async def close(self, sid: str, error: AgentError) -> None:
        closed = _closed_event(error.code, await self.language(sid))
        await self.emit(closed.event, closed.to_wire(), to=sid)
        await self.disconnect(sid)

    # -- what the guard asks ---------------------------------------------------------

    async def _visitor(self, sid: str) -> Visitor:
        visitor = (await self.get_session(sid)).get("visitor")
        if not isinstance(visitor, Visitor):  # pragma: no cover - connect always sets it
            raise AgentError(ErrorCode.UNAUTHENTICATED)
        return visitor

    async def language(self, sid: str) -> Language:
        visitor = (await self.get_session(sid)).get("visitor")
        return visitor.language if isinstance(visitor, Visitor) else i18n.DEFAULT_LANGUAGE

    async def error_scope(self, sid: str, data: Any) -> tuple[str | None, str | None]:
        visitor = (await self.get_session(sid)).get("visitor")
        if isinstance(visitor, Visitor):
            return visitor.agent_key, visitor.conversation_id
        return None, None

    async def to_conversation(self, conversation_id: str, payload: ServerPayload) -> None:
        """Every socket of one visitor conversation (any process) gets the event."""
        await self.emit(payload.event, payload.to_wire(), room=visitor_room(conversation_id))

    # -- visitor:* events ------------------------------------------------------------

    async def on_visitor_send(self, sid: str, data: Any) -> Ack:
        payload = VisitorSendPayload.model_validate(data)
        return await self._visitors.send(await self._visitor(sid), payload, self._fanout())

    async def on_visitor_available_slots(self, sid: str, data: Any) -> Ack:
        payload = VisitorSlotsPayload.model_validate(data)
        return await self._visitors.available_slots(await self._visitor(sid), payload)

    async def on_visitor_schedule_confirm(self, sid: str, data: Any) -> Ack:
        payload = VisitorScheduleConfirmPayload.model_validate(data)
        return await self._visitors.confirm(await self._visitor(sid), payload, self._fanout())

    async def on_visitor_handoff(self, sid: str, data: Any) -> Ack:
        VisitorHandoffPayload.model_validate(data if data is not None else {})
        return await self._visitors.handoff(await self._visitor(sid))

    def _fanout(self) -> Emitter:
        if self._emitter is None:  # pragma: no cover - main.py always attaches it
            raise AgentError(ErrorCode.UNAVAILABLE)
        return self._emitter


def _closing_room(agent_key: str, language: Language) -> str:
    """The bot's visitors who read `language`: closing them says why in it."""
    return f"{published_agent_room(agent_key)}:{language}"


def _closed_event(code: ErrorCode, language: Language) -> VisitorClosedEvent:
    reason = "origin_not_allowed" if code is ErrorCode.ORIGIN_NOT_ALLOWED else "unpublished"
    return VisitorClosedEvent(reason=reason, message=error_text(language, code))


def _header(environ: dict[str, Any], name: str) -> str | None:
    value = environ.get(name)
    return value if isinstance(value, str) else None
