"""Serves the built SPA from the backend's own port (what `make run` gives a person).

Assets are served as files; `/` and any other GET that asks for HTML get `index.html`,
so the SPA's history-mode routes survive a reload. API clients asking for JSON at an
unknown path still get 404s.

A few SPA pages share their path with an API route (`/tasks`, `/usage`,
`/admin/users`): a browser *navigating* there (typing the address, reloading) gets the
SPA, every other client the API. The rule, also in nginx's site config: a GET or HEAD
whose `Accept` does not name `application/json` and which is a navigation
(`Sec-Fetch-Mode: navigate`, or `Accept` naming `text/html`). The SPA's own axios calls
send `Accept: application/json, text/plain, */*` and keep getting JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from agents_backend.contract import ErrorCode
from agents_backend.core.http_errors import ApiError

_HASHED_ASSET_CACHE = "public, max-age=31536000, immutable"
_NO_CACHE = {"Cache-Control": "no-cache"}

# SPA routes (agents_frontend/src/plugins/router.ts) whose path is also an API route's.
SPA_PAGES_ON_API_PATHS = frozenset({"/tasks", "/usage", "/admin/users"})


def is_page_navigation(method: str, headers: Mapping[str, str]) -> bool:
    """A browser loading a page (not a script fetching data): see the module's rule."""
    if method not in ("GET", "HEAD"):
        return False
    accept = headers.get("accept", "").lower()
    if "application/json" in accept:
        return False
    return headers.get("sec-fetch-mode", "").lower() == "navigate" or "text/html" in accept


class SpaNavigation:
    """ASGI middleware: a page navigation to an SPA route on an API path gets index.html,
    before routing (the API route would answer JSON)."""

    def __init__(self, app: ASGIApp, index: Path) -> None:
        self._app = app
        self._index = index

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = str(scope["path"]).rstrip("/") or "/"
            if path in SPA_PAGES_ON_API_PATHS and is_page_navigation(
                str(scope["method"]), Headers(scope=scope)
            ):
                await FileResponse(self._index, headers=_NO_CACHE)(scope, receive, send)
                return
        await self._app(scope, receive, send)


def mount_spa(app: FastAPI, root: Path) -> None:
    index = root / "index.html"
    if not index.is_file():
        return
    resolved_root = root.resolve()
    app.add_middleware(SpaNavigation, index=index)

    @app.get("/{path:path}", include_in_schema=False)
    async def serve_spa(path: str, request: Request) -> FileResponse:
        candidate = (resolved_root / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(resolved_root):
            headers = {"Cache-Control": _HASHED_ASSET_CACHE} if path.startswith("assets/") else {}
            return FileResponse(candidate, headers=headers)
        # The root is the SPA for any client (curl sends `Accept: */*`); deeper unknown
        # paths are the SPA's routes only for a browser, and stay JSON 404s for APIs.
        if not path or "text/html" in request.headers.get("accept", ""):
            return FileResponse(index, headers=_NO_CACHE)
        raise ApiError(404, ErrorCode.NOT_FOUND)
