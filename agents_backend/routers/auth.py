"""Accounts and sessions: register, login, rotating refresh, logout, me."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import ValidationError

from agents_backend.config import Settings
from agents_backend.database import Database
from agents_backend.deps import CurrentUser, DbDep, RuntimeDep, SettingsDep
from agents_backend.models import (
    AccountRemoval,
    LoginRequest,
    PasswordChange,
    RefreshRequest,
    TokenPair,
    UserCreate,
    UserPublic,
)
from agents_backend.rate_limits import RateLimit
from agents_backend.runtime import Runtime
from agents_backend.security import (
    InvalidTokenError,
    create_token,
    decode_token,
    hash_password_off_loop,
    token_digest,
    verify_password_off_loop,
)
from agents_backend.store.accounts import delete_account_data
from agents_backend.store.refresh_tokens import (
    SpendResult,
    revoke_family,
    revoke_user,
    spend_refresh_token,
    store_refresh_token,
)
from agents_backend.store.users import (
    EmailTakenError,
    create_user,
    get_user,
    get_user_by_email,
    normalize_email,
    set_password_hash,
)

router = APIRouter(prefix="/auth", tags=["auth"])

_BAD_CREDENTIALS = HTTPException(status.HTTP_401_UNAUTHORIZED, detail="Incorrect email or password")
_BAD_REFRESH = HTTPException(
    status.HTTP_401_UNAUTHORIZED, detail="Invalid or expired refresh token"
)


def user_public(user: dict[str, Any]) -> UserPublic:
    return UserPublic(
        id=user["_id"],
        email=user["email"],
        name=user["name"],
        role=user.get("role", "user"),
        created_at=user["created_at"],
    )


async def issue_tokens(
    *, db: Database, settings: Settings, user: dict[str, Any], family_id: str | None = None
) -> TokenPair:
    secret = settings.jwt_secret.get_secret_value()
    family = family_id or uuid.uuid4().hex
    access, _ = create_token(
        subject=user["_id"],
        token_type="access",
        secret=secret,
        algorithm=settings.jwt_algorithm,
        lifetime=timedelta(minutes=settings.jwt_expire_minutes),
        family_id=family,
    )
    refresh, claims = create_token(
        subject=user["_id"],
        token_type="refresh",
        secret=secret,
        algorithm=settings.jwt_algorithm,
        lifetime=timedelta(days=settings.refresh_expire_days),
        family_id=family,
    )
    await store_refresh_token(
        db=db,
        digest=token_digest(refresh),
        user_id=user["_id"],
        family_id=family,
        expires_at=claims.expires_at,
    )
    return TokenPair(
        access_token=access,
        refresh_token=refresh,
        expires_in=settings.jwt_expire_minutes * 60,
        user=user_public(user),
    )


@router.post("/register", response_model=TokenPair, status_code=status.HTTP_201_CREATED)
async def register_user(
    body: UserCreate, request: Request, db: DbDep, settings: SettingsDep, runtime: RuntimeDep
) -> TokenPair:
    await _limit(runtime.rate_limits.logins_per_ip, client_address(request))
    try:
        user = await create_user(
            db=db,
            email=body.email,
            name=body.name,
            password_hash=await hash_password_off_loop(body.password),
        )
    except EmailTakenError:
        raise HTTPException(status.HTTP_409_CONFLICT, detail="Email already registered") from None
    return await issue_tokens(db=db, settings=settings, user=user)


def client_address(request: Request) -> str:
    """The peer as uvicorn reports it (the real client behind nginx with --proxy-headers)."""
    return request.client.host if request.client else "unknown"


async def _limit(limit: RateLimit, key: str) -> None:
    verdict = await limit.hit(key)
    if not verdict.allowed:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"Too many attempts; try again in {verdict.retry_after} seconds",
            headers={"Retry-After": str(verdict.retry_after)},
        )


_LOGIN_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": LoginRequest.model_json_schema()},
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["username", "password"],
                    "properties": {
                        "username": {"type": "string", "description": "Your e-mail"},
                        "password": {"type": "string", "format": "password"},
                    },
                }
            },
        },
    }
}


async def _read_login(request: Request) -> LoginRequest:
    """JSON for the SPA and REST clients; the OAuth2 password form for /docs."""
    content_type = request.headers.get("content-type", "")
    try:
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            return LoginRequest.model_validate(
                {"email": form.get("username"), "password": form.get("password")}
            )
        return LoginRequest.model_validate_json(await request.body())
    except ValidationError as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=[{"loc": e["loc"], "msg": e["msg"], "type": e["type"]} for e in exc.errors()],
        ) from None


@router.post("/login", response_model=TokenPair, openapi_extra=_LOGIN_BODY)
async def login(
    request: Request, db: DbDep, settings: SettingsDep, runtime: RuntimeDep
) -> TokenPair:
    body = await _read_login(request)
    await _limit(runtime.rate_limits.logins_per_ip, client_address(request))
    await _limit(runtime.rate_limits.logins_per_account, normalize_email(body.email))
    user = await get_user_by_email(db=db, email=body.email)
    # verify_password runs argon2 even for an unknown e-mail, so timing reveals nothing.
    if (
        not await verify_password_off_loop(body.password, user["password_hash"] if user else None)
        or not user
    ):
        raise _BAD_CREDENTIALS
    return await issue_tokens(db=db, settings=settings, user=user)


def _refresh_claims(settings: Settings, token: str) -> tuple[str, str]:
    try:
        claims = decode_token(
            token,
            expected_type="refresh",
            secret=settings.jwt_secret.get_secret_value(),
            algorithm=settings.jwt_algorithm,
        )
    except InvalidTokenError:
        raise _BAD_REFRESH from None
    if claims.family_id is None:
        raise _BAD_REFRESH
    return claims.subject, claims.family_id


@router.post("/refresh", response_model=TokenPair)
async def refresh_tokens(body: RefreshRequest, db: DbDep, settings: SettingsDep) -> TokenPair:
    user_id, family_id = _refresh_claims(settings, body.refresh_token)
    outcome = await spend_refresh_token(
        db=db, digest=token_digest(body.refresh_token), user_id=user_id
    )
    if outcome is not SpendResult.SPENT:
        raise _BAD_REFRESH
    user = await get_user(db=db, user_id=user_id)
    if user is None:
        raise _BAD_REFRESH
    return await issue_tokens(db=db, settings=settings, user=user, family_id=family_id)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(
    body: RefreshRequest, db: DbDep, settings: SettingsDep, runtime: RuntimeDep
) -> None:
    """Ends the session the refresh token belongs to (its whole rotation family) and
    closes that session's open sockets."""
    _user_id, family_id = _refresh_claims(settings, body.refresh_token)
    await revoke_family(db=db, family_id=family_id)
    await _end_sockets(runtime, f"session:{family_id}", "signed_out")


async def _end_sockets(runtime: Runtime, room: str, reason: str) -> None:
    if runtime.end_sessions is not None:
        await runtime.end_sessions(room, reason)


@router.post("/password", response_model=TokenPair)
async def change_password(
    body: PasswordChange, user: CurrentUser, db: DbDep, settings: SettingsDep, runtime: RuntimeDep
) -> TokenPair:
    """Every session (and socket) of the account ends; the caller gets a fresh one."""
    if not await verify_password_off_loop(body.current_password, user["password_hash"]):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Current password is incorrect")
    await set_password_hash(
        db=db, user_id=user["_id"], password_hash=await hash_password_off_loop(body.new_password)
    )
    await revoke_user(db=db, user_id=user["_id"])
    await _end_sockets(runtime, f"user:{user['_id']}", "password_changed")
    return await issue_tokens(db=db, settings=settings, user=user)


@router.delete("/me", status_code=status.HTTP_204_NO_CONTENT)
async def delete_me(
    body: AccountRemoval, user: CurrentUser, db: DbDep, runtime: RuntimeDep
) -> None:
    """Removes the account and everything stored for it; its sockets are closed first."""
    if not await verify_password_off_loop(body.password, user["password_hash"]):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Password is incorrect")
    await revoke_user(db=db, user_id=user["_id"])
    await _end_sockets(runtime, f"user:{user['_id']}", "account_removed")
    await delete_account_data(db=db, user_id=user["_id"])


@router.get("/me", response_model=UserPublic)
async def read_me(user: CurrentUser) -> UserPublic:
    return user_public(user)
