"""Who is calling a REST route: `CurrentUser`, and `require_admin` for operator routes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer

from agents_backend.auth.service import NotAuthenticatedError, authenticate
from agents_backend.core.deps import DbDep, SettingsDep

_bearer = OAuth2PasswordBearer(tokenUrl="/auth/login", auto_error=False)

_UNAUTHORIZED = HTTPException(
    status_code=status.HTTP_401_UNAUTHORIZED,
    detail="Invalid or expired access token",
    headers={"WWW-Authenticate": "Bearer"},
)


async def get_current_user(
    token: Annotated[str | None, Depends(_bearer)], settings: SettingsDep, db: DbDep
) -> dict[str, Any]:
    try:
        return (await authenticate(token=token, settings=settings, db=db)).user
    except NotAuthenticatedError:
        raise _UNAUTHORIZED from None


CurrentUser = Annotated[dict[str, Any], Depends(get_current_user)]


async def require_admin(user: CurrentUser) -> None:
    """For `dependencies=[Depends(require_admin)]`: 403 unless the user's role is admin.

    The role is read from the users collection on every request (not from the token), so
    granting or revoking it takes effect at once.
    """
    if user.get("role") != "admin":
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Admin role required")
