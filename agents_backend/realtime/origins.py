"""Which browser origins may open a Socket.IO connection.

`CORS_ORIGINS`, plus the server's own origin: the SPA that the backend (or nginx in front
of it) serves must always reach its own /socket.io/, whatever host name or port a person
typed. Any other origin is refused at the handshake.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def own_origins(environ: Mapping[str, Any]) -> set[str]:
    scheme = str(environ.get("wsgi.url_scheme", "http"))
    host = environ.get("HTTP_HOST")
    origins = {f"{scheme}://{host}"} if host else set()
    forwarded_host = environ.get("HTTP_X_FORWARDED_HOST") or host
    forwarded_proto = environ.get("HTTP_X_FORWARDED_PROTO")
    if forwarded_host and forwarded_proto:
        origins.add(f"{str(forwarded_proto).split(',')[0].strip()}://{forwarded_host}")
    return origins


class OriginPolicy:
    def __init__(self, allowed: Iterable[str]) -> None:
        self._allowed = {origin.rstrip("/") for origin in allowed}
        self._any = "*" in self._allowed  # only possible with DEBUG=true (config refuses it)

    def __call__(self, origin: str | None, environ: Mapping[str, Any]) -> bool:
        if origin is None:  # not a browser: no Origin header, nothing to check
            return True
        if self._any:
            return True
        origin = origin.rstrip("/")
        return origin in self._allowed or origin in own_origins(environ)
