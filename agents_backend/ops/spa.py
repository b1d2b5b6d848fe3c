"""Serves the built SPA from the backend's own port (what `make run` gives a person).

Assets are served as files; `/` and any other GET that asks for HTML get `index.html`,
so the SPA's history-mode routes survive a reload. API clients asking for JSON at an
unknown path still get 404s.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse

from agents_backend.contract import ErrorCode
from agents_backend.core.http_errors import ApiError

_HASHED_ASSET_CACHE = "public, max-age=31536000, immutable"


def mount_spa(app: FastAPI, root: Path) -> None:
    index = root / "index.html"
    if not index.is_file():
        return
    resolved_root = root.resolve()

    @app.get("/{path:path}", include_in_schema=False)
    async def serve_spa(path: str, request: Request) -> FileResponse:
        candidate = (resolved_root / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(resolved_root):
            headers = {"Cache-Control": _HASHED_ASSET_CACHE} if path.startswith("assets/") else {}
            return FileResponse(candidate, headers=headers)
        # The root is the SPA for any client (curl sends `Accept: */*`); deeper unknown
        # paths are the SPA's routes only for a browser, and stay JSON 404s for APIs.
        if not path or "text/html" in request.headers.get("accept", ""):
            return FileResponse(index, headers={"Cache-Control": "no-cache"})
        raise ApiError(404, ErrorCode.NOT_FOUND)
