"""Who is calling a REST route: `CurrentUser`, and `require_admin` for operator routes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request, status
from fastapi.security import OAuth2PasswordBearer

from agents_backend.auth.service import NotAuthenticatedError, authenticate
from agents_backend.contract import ErrorCode, Language
from agents_backend.core import i18n
from agents_backend.core.deps import DbDep, SettingsDep
from agents_backend.core.http_errors import ApiError, request_language

_bearer = OAuth2PasswordBearer(tokenUrl="/auth/login", auto_error=False)

_UNAUTHORIZED = ApiError(
    status.HTTP_401_UNAUTHORIZED, ErrorCode.UNAUTHENTICATED, headers={"WWW-Authenticate": "Bearer"}
)


async def get_current_user(
    request: Request,
    token: Annotated[str | None, Depends(_bearer)],
    settings: SettingsDep,
    db: DbDep,
) -> dict[str, Any]:
    """The caller's account; its preferred language is put on the request, so what the
    route answers (and any error) is written in it."""
    try:
        user = (await authenticate(token=token, settings=settings, db=db)).user
    except NotAuthenticatedError:
        raise _UNAUTHORIZED from None
    request.state.language = i18n.as_language(user.get("preferred_language"))
    return user


CurrentUser = Annotated[dict[str, Any], Depends(get_current_user)]


async def get_user_language(request: Request, user: CurrentUser) -> Language:
    """What a route writes to the caller in: their account's language, else their
    browser's (`Accept-Language`), else English."""
    return request_language(request)


UserLanguage = Annotated[Language, Depends(get_user_language)]


async def require_admin(user: CurrentUser) -> None:
    """For `dependencies=[Depends(require_admin)]`: 403 unless the user's role is admin.

    The role is read from the users collection on every request (not from the token), so
    granting or revoking it takes effect at once.
    """
    if user.get("role") != "admin":
        raise ApiError(status.HTTP_403_FORBIDDEN, ErrorCode.ADMIN_REQUIRED)
