"""What a visitor's browser loads: `/widget.js` and the chat page `/c/{slug}`.

`widget.js` is the same for every bot and site (its options are the script tag's data
attributes), so browsers and CDNs cache it for a day and revalidate it in the background.
The chat page is the share link and, with `?embed=1`, the widget's iframe: it is served
with CSP `frame-ancestors` naming only the bot's allowed sites, so a page elsewhere
cannot frame it (visitors/access.py says why that matters). Both come from the built
SPA (`SPA_DIR`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, status
from fastapi.responses import FileResponse

from agents_backend.bots.service import AgentDirectory
from agents_backend.contract import ErrorCode
from agents_backend.core.deps import SettingsDep
from agents_backend.core.http_errors import ApiError
from agents_backend.core.registry import service
from agents_backend.visitors.access import frame_ancestors

router = APIRouter(include_in_schema=False)

AgentsDep = Annotated[AgentDirectory, Depends(service(AgentDirectory))]
WIDGET_CACHE = "public, max-age=86400, stale-while-revalidate=604800"
# The SPA's own policy (nginx/security-headers.conf), with the bot's sites as the only
# pages allowed to frame this one.
_PAGE_POLICY = (
    "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; "
    "style-src 'self' 'unsafe-inline'; font-src 'self' data:; "
)


@router.get("/widget.js")
async def widget_script(settings: SettingsDep) -> FileResponse:
    script = settings.spa_dir / "widget.js"
    if not script.is_file():
        raise ApiError(status.HTTP_404_NOT_FOUND, ErrorCode.NOT_FOUND)
    return FileResponse(
        script,
        media_type="text/javascript",
        headers={
            "Cache-Control": WIDGET_CACHE,
            # Loaded by other sites' pages, including ones that isolate themselves.
            "Cross-Origin-Resource-Policy": "cross-origin",
        },
    )


@router.get("/c/{slug}")
async def visitor_page(
    slug: Annotated[str, Path(max_length=64)], settings: SettingsDep, agents: AgentsDep
) -> FileResponse:
    """The page itself says when the bot is not online (its socket is refused with
    `agent_offline`); a slug that is not online is answered 404 all the same."""
    page = settings.spa_dir / "visitor.html"
    if not page.is_file():
        raise ApiError(status.HTTP_404_NOT_FOUND, ErrorCode.NOT_FOUND)
    agent = await agents.published(slug)
    online = agent is not None and agent.publication is not None
    ancestors = (
        frame_ancestors(agent.publication)
        if agent is not None and agent.publication is not None
        else "frame-ancestors 'self'"
    )
    return FileResponse(
        page,
        status_code=status.HTTP_200_OK if online else status.HTTP_404_NOT_FOUND,
        media_type="text/html",
        headers={"Cache-Control": "no-store", "Content-Security-Policy": _PAGE_POLICY + ancestors},
    )
