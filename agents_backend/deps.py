"""FastAPI dependencies as `Annotated` aliases; routes take these, never globals.

All are `async def`, even those that only read an attribute: FastAPI runs a plain `def`
dependency in its thread pool, and those hand-offs were a third of a history request's
CPU (bench/, README "Benchmark").
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer

from agents_backend.agents.core import AgentCore
from agents_backend.agents.scheduling import SchedulingService
from agents_backend.config import Settings
from agents_backend.crypto import Cipher
from agents_backend.database import Database
from agents_backend.runtime import Runtime
from agents_backend.security import InvalidTokenError, decode_token
from agents_backend.store.users import get_user

_bearer = OAuth2PasswordBearer(tokenUrl="/auth/login", auto_error=False)


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_settings_dep(runtime: RuntimeDep) -> Settings:
    return runtime.settings


async def get_db(runtime: RuntimeDep) -> Database:
    return runtime.database


async def get_core(runtime: RuntimeDep) -> AgentCore:
    return runtime.core


async def get_cipher(runtime: RuntimeDep) -> Cipher:
    return runtime.cipher


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
CipherDep = Annotated[Cipher, Depends(get_cipher)]
DbDep = Annotated[Database, Depends(get_db)]
AgentCoreDep = Annotated[AgentCore, Depends(get_core)]


async def get_scheduling(runtime: RuntimeDep) -> SchedulingService:
    return runtime.scheduling


SchedulingDep = Annotated[SchedulingService, Depends(get_scheduling)]

_UNAUTHORIZED = HTTPException(
    status_code=status.HTTP_401_UNAUTHORIZED,
    detail="Invalid or expired access token",
    headers={"WWW-Authenticate": "Bearer"},
)


async def get_current_user(
    token: Annotated[str | None, Depends(_bearer)], settings: SettingsDep, db: DbDep
) -> dict[str, Any]:
    if not token:
        raise _UNAUTHORIZED
    try:
        claims = decode_token(
            token,
            expected_type="access",
            secret=settings.jwt_secret.get_secret_value(),
            algorithm=settings.jwt_algorithm,
        )
    except InvalidTokenError:
        raise _UNAUTHORIZED from None
    user = await get_user(db=db, user_id=claims.subject)
    if user is None:
        raise _UNAUTHORIZED
    return user


CurrentUser = Annotated[dict[str, Any], Depends(get_current_user)]


async def require_admin(user: CurrentUser) -> None:
    """For `dependencies=[Depends(require_admin)]`: 403 unless the user's role is admin.

    The role is read from the users collection on every request (not from the token), so
    granting or revoking it takes effect at once.
    """
    if user.get("role") != "admin":
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Admin role required")
