"""An owner's own Google Calendar, at /calendar/google: status, connect, Google's
callback, disconnect.

The callback is where Google sends the browser back, so it carries no bearer token: the
`state` names the owner. Whatever happens there, the browser is sent on (303) to the
SPA's bots page with `?calendar=connected` or `?calendar=error&code=<ErrorCode>`.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import RedirectResponse

from agents_backend.auth.deps import CurrentUser
from agents_backend.calendar_accounts.schemas import (
    GoogleCalendarConnect,
    GoogleCalendarDisconnected,
    GoogleCalendarStatus,
)
from agents_backend.calendar_accounts.service import ConnectionStatus, GoogleConnections
from agents_backend.core.config import Settings
from agents_backend.core.deps import SettingsDep
from agents_backend.core.errors import AgentError
from agents_backend.core.http_errors import ApiError
from agents_backend.core.registry import service

router = APIRouter(prefix="/calendar/google", tags=["calendar"])

ConnectionsDep = Annotated[GoogleConnections, Depends(service(GoogleConnections))]
CALLBACK_PATH = "/calendar/google/callback"
SPA_PAGE = "/bots"
# Google's own values are short; the bounds only keep a forged request cheap.
OAuthParam = Annotated[str | None, Query(max_length=2048)]


def _server_base(settings: Settings, request: Request) -> str:
    return (settings.public_url or str(request.base_url)).rstrip("/")


def redirect_uri(settings: Settings, request: Request) -> str:
    """The registered callback: GOOGLE_OAUTH_REDIRECT_URI, else this server's own."""
    return settings.google_oauth_redirect_uri or _server_base(settings, request) + CALLBACK_PATH


def spa_origin(settings: Settings, request: Request) -> str:
    """Where the SPA that asked lives: its `Origin` when CORS allows it (a SPA served
    apart from the API), else this server. Never an origin the settings do not name, so
    the callback cannot be made to send a browser elsewhere."""
    origin = (request.headers.get("origin") or "").rstrip("/")
    return origin if origin in settings.cors_origins else _server_base(settings, request)


def status_body(found: ConnectionStatus) -> GoogleCalendarStatus:
    return GoogleCalendarStatus(
        configured=found.configured,
        connected=found.connected,
        email=found.email,
        connected_at=found.connected_at,
        calendar_id=found.calendar_id,
        needs_reconnect=found.needs_reconnect,
        calendar="google" if found.calendar == "google" else "local",
    )


@router.get("", response_model=GoogleCalendarStatus)
async def read_google_calendar(
    user: CurrentUser, connections: ConnectionsDep
) -> GoogleCalendarStatus:
    """Whether the caller's bots book in their own Google Calendar."""
    return status_body(await connections.status(user_id=user["_id"]))


@router.post("/connect", response_model=GoogleCalendarConnect)
async def connect_google_calendar(
    request: Request, user: CurrentUser, connections: ConnectionsDep, settings: SettingsDep
) -> GoogleCalendarConnect:
    """Google's consent URL for the caller (valid 10 minutes, once); 409
    `google_not_configured` when the server has no OAuth client."""
    try:
        url = await connections.start(
            user_id=user["_id"],
            redirect_uri=redirect_uri(settings, request),
            return_to=spa_origin(settings, request),
        )
    except AgentError as exc:
        raise ApiError.from_agent_error(status.HTTP_409_CONFLICT, exc) from exc
    return GoogleCalendarConnect(authorization_url=url)


@router.get("/callback", status_code=status.HTTP_303_SEE_OTHER, response_class=RedirectResponse)
async def finish_google_calendar_connection(
    request: Request,
    connections: ConnectionsDep,
    settings: SettingsDep,
    state: OAuthParam = None,
    code: OAuthParam = None,
    error: OAuthParam = None,
) -> RedirectResponse:
    """Google sends the browser here after the consent screen; it goes on to the SPA."""
    outcome = await connections.finish(state=state, code=code, error=error)
    query = (
        {"calendar": "error", "code": outcome.error.value}
        if outcome.error
        else {"calendar": "connected"}
    )
    base = outcome.return_to or _server_base(settings, request)
    return RedirectResponse(f"{base}{SPA_PAGE}?{urlencode(query)}", status.HTTP_303_SEE_OTHER)


@router.delete("", response_model=GoogleCalendarDisconnected)
async def disconnect_google_calendar(
    user: CurrentUser, connections: ConnectionsDep
) -> GoogleCalendarDisconnected:
    """Revokes the grant at Google and forgets it; the local or server calendar serves
    next. The connection is deleted even when Google cannot be reached
    (`revocation: unreachable`)."""
    revocation = await connections.disconnect(user_id=user["_id"])
    now = status_body(await connections.status(user_id=user["_id"]))
    return GoogleCalendarDisconnected(**now.model_dump(), revocation=revocation.value)
