"""The guard every Socket.IO namespace shares: name routing, validation and failures.

python-socketio's default lookup would silently drop `agent:send` (it maps names to
`on_<name>` verbatim). Here `<prefix>:<name>` goes to `on_<prefix>_<name>`, and an
unknown event, a malformed payload or a failure becomes an error event plus an error
ack with a stable code, in the person's language, while the socket keeps serving.
Namespaces keep no per-client state on `self` (one instance serves every socket).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import socketio
from pydantic import ValidationError
from pymongo.errors import PyMongoError

from agents_backend.contract import AckError, AgentErrorEvent, ErrorBody, ErrorCode, Language
from agents_backend.core import i18n
from agents_backend.core.errors import AgentError, error_text
from agents_backend.core.issues import describe_issues
from agents_backend.core.logs import CORRELATION_ID, new_correlation_id

logger = logging.getLogger(__name__)

Ack = dict[str, Any]
_LIFECYCLE = frozenset({"connect", "disconnect"})


class ClosingError(AgentError):
    """Refused, and then the socket is closed (its session ended, its bot went offline)."""


def handler_name(event: str) -> str:
    """`agent:schedule-confirm` -> `on_agent_schedule_confirm`."""
    return "on_" + event.replace(":", "_").replace("-", "_")


def connect_language(environ: dict[str, Any], auth: Any) -> Language:
    """Before the account is known: the language the client says it shows (the SPA sends
    its own in `auth.language`), else the browser's `Accept-Language`."""
    sent = auth.get("language") if isinstance(auth, dict) else None
    header = environ.get("HTTP_ACCEPT_LANGUAGE")
    return i18n.pick(sent, i18n.from_accept_language(header if isinstance(header, str) else None))


def refused(language: Language, code: ErrorCode, retry_after: int | None = None) -> Exception:
    """A refused connection: `connect_error` with the text as its message and the code
    (and when to try again) in its data: socket.io-client's `err.message`, `err.data`."""
    data: dict[str, object] = {"code": code.value}
    if retry_after is not None:
        data["retryAfter"] = retry_after
    text = error_text(language, code, {"seconds": retry_after} if retry_after else None)
    error: Exception = socketio.exceptions.ConnectionRefusedError(text, data)
    return error


class GuardedNamespace(socketio.AsyncNamespace):
    """Subclasses set `prefix` ("agent:") and write `on_<prefix>_<name>(sid, data)`."""

    prefix: str = ""
    # Refusals after which the socket is closed as well (besides `ClosingError`s).
    closing_codes: frozenset[ErrorCode] = frozenset()

    async def trigger_event(self, event: str, *args: Any) -> Any:
        # Each event runs in its own task, so this id tags just this event's log lines
        # (and the reply task it starts, which copies the context).
        CORRELATION_ID.set(new_correlation_id())
        if event in _LIFECYCLE:
            return await super().trigger_event(event, *args)
        sid = args[0]
        data = args[1] if len(args) == 2 else list(args[1:]) if len(args) > 2 else None
        handler: Callable[[str, Any], Awaitable[Ack]] | None = getattr(
            self, handler_name(event), None
        )
        if handler is None or not event.startswith(self.prefix):
            return await self._refuse(sid, data, AgentError(ErrorCode.UNKNOWN_EVENT, event=event))
        try:
            await self.before_event(sid)
            return await handler(sid, data)
        except ValidationError as exc:
            details = describe_issues(exc.errors(), await self.language(sid))
            return await self._refuse(
                sid, data, AgentError(ErrorCode.INVALID_PAYLOAD, details=details)
            )
        except AgentError as exc:
            ack = await self._refuse(sid, data, exc)
            if isinstance(exc, ClosingError) or exc.code in self.closing_codes:
                await self.close(sid, exc)
            return ack
        except PyMongoError:
            logger.exception("database failure in %s", event)
            return await self._refuse(sid, data, AgentError(ErrorCode.UNAVAILABLE))
        except Exception:
            logger.exception("unexpected failure in %s", event)
            return await self._refuse(sid, data, AgentError(ErrorCode.INTERNAL))

    # -- what subclasses decide ------------------------------------------------------

    async def before_event(self, sid: str) -> None:
        """Checks that run before every event (a session still valid, say)."""

    async def language(self, sid: str) -> Language:
        return i18n.DEFAULT_LANGUAGE

    async def error_scope(self, sid: str, data: Any) -> tuple[str | None, str | None]:
        """The conversation (agent key, contact id) an error event is about."""
        scope = data if isinstance(data, dict) else {}
        agent, contact = scope.get("agentKey"), scope.get("contactId")
        return (
            agent if isinstance(agent, str) else None,
            contact if isinstance(contact, str) else None,
        )

    async def close(self, sid: str, error: AgentError) -> None:
        await self.disconnect(sid)

    # -- refusals --------------------------------------------------------------------

    async def _refuse(self, sid: str, data: Any, error: AgentError) -> Ack:
        """`agent:error` to this socket and the error ack, in the conversation's language
        when the error knows it, else the person's."""
        text = error.text(error.language or await self.language(sid))
        agent_key, contact_id = await self.error_scope(sid, data)
        event = AgentErrorEvent(
            agent_key=agent_key,
            contact_id=contact_id,
            error=text,
            code=error.code,
            retry_after=error.retry_after,
        )
        await self.emit(event.event, event.to_wire(), to=sid)
        body = ErrorBody(code=error.code, message=text, retry_after=error.retry_after)
        return AckError(error=body).to_wire()
