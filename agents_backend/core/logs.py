"""Structured logs: one JSON object per line, each carrying the request or event id.

The id lives in a context variable, set per HTTP request (from `X-Request-ID`, which
nginx sends, or a fresh one) and per Socket.IO event, so every line a request causes,
down to the database layer, can be grouped by it.
"""

from __future__ import annotations

import logging
import uuid
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.json import JsonFormatter

CORRELATION_ID: ContextVar[str] = ContextVar("correlation_id", default="-")

_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s"


def new_correlation_id() -> str:
    return uuid.uuid4().hex[:16]


class CorrelationFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = CORRELATION_ID.get()
        return True


# Paths whose query carries credentials: Google's OAuth callback brings a one-time code
# and the state that names the owner. Their access-log lines keep the path only.
SECRET_QUERY_PATHS = ("/calendar/google/callback",)


class SecretQueryFilter(logging.Filter):
    """Drops the query of `SECRET_QUERY_PATHS` from uvicorn's access lines, whose args
    are (client, method, path with query, HTTP version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if record.name == "uvicorn.access" and isinstance(args, tuple) and len(args) >= 3:
            path = str(args[2])
            if path.split("?", 1)[0] in SECRET_QUERY_PATHS and "?" in path:
                record.args = (*args[:2], path.split("?", 1)[0] + "?[redacted]", *args[3:])
        return True


def configure_logging(*, json_lines: bool, debug: bool) -> None:
    """Root and uvicorn loggers share one handler, so access logs are JSON as well."""
    handler = logging.StreamHandler()
    handler.addFilter(CorrelationFilter())
    handler.addFilter(SecretQueryFilter())
    if json_lines:
        handler.setFormatter(
            JsonFormatter(_FIELDS, rename_fields={"levelname": "level", "asctime": "time"})
        )
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s")
        )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.INFO)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers = []
        uvicorn_logger.propagate = True
    logging.getLogger("agents_backend").setLevel(logging.DEBUG if debug else logging.INFO)
    # The model client's HTTP layer logs every request at INFO: a line per chat message
    # that says nothing the metrics and our own warnings do not (failures still show).
    if not debug:
        logging.getLogger("httpx2").setLevel(logging.WARNING)


class CorrelationIdMiddleware:
    """Pure ASGI, so it wraps streaming responses without buffering them."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming[:64] if incoming.isascii() and incoming else new_correlation_id()
        token = CORRELATION_ID.set(request_id)

        async def send_with_id(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            CORRELATION_ID.reset(token)
