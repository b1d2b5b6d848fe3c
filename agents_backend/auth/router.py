"""Accounts and sessions: register, login, rotating refresh, logout, me."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from agents_backend.auth.accounts_store import delete_account_data
from agents_backend.auth.admins import is_configured_admin
from agents_backend.auth.deps import CurrentUser
from agents_backend.auth.schemas import (
    AccountRemoval,
    LoginRequest,
    PasswordChange,
    ProfileUpdate,
    RefreshRequest,
    TokenPair,
    UserCreate,
    UserPublic,
)
from agents_backend.auth.service import NotAuthenticatedError, issue_tokens, read_token, user_public
from agents_backend.auth.store import (
    EmailTakenError,
    create_user,
    get_user,
    get_user_by_email,
    normalize_email,
    set_password_hash,
    update_profile,
)
from agents_backend.auth.tokens_store import (
    SpendResult,
    revoke_family,
    revoke_user,
    spend_refresh_token,
)
from agents_backend.contract import ErrorCode
from agents_backend.core.config import Settings
from agents_backend.core.deps import DbDep, RateLimitsDep, SettingsDep
from agents_backend.core.http_errors import ApiError, request_language
from agents_backend.core.rate_limits import RateLimit
from agents_backend.core.registry import service
from agents_backend.core.rooms import session_room, user_room
from agents_backend.core.security import (
    hash_password_off_loop,
    token_digest,
    verify_password_off_loop,
)
from agents_backend.core.sessions import LiveSessions

router = APIRouter(prefix="/auth", tags=["auth"])

SessionsDep = Annotated[LiveSessions, Depends(service(LiveSessions))]

_BAD_CREDENTIALS = ApiError(status.HTTP_401_UNAUTHORIZED, ErrorCode.INVALID_CREDENTIALS)
_BAD_REFRESH = ApiError(status.HTTP_401_UNAUTHORIZED, ErrorCode.INVALID_REFRESH_TOKEN)


@router.post("/register", response_model=TokenPair, status_code=status.HTTP_201_CREATED)
async def register_user(
    body: UserCreate, request: Request, db: DbDep, settings: SettingsDep, limits: RateLimitsDep
) -> TokenPair:
    await _limit(limits.logins_per_ip, client_address(request))
    try:
        user = await create_user(
            db=db,
            email=body.email,
            name=body.name,
            password_hash=await hash_password_off_loop(body.password),
            preferred_language=body.preferred_language or request_language(request),
            role="admin" if is_configured_admin(body.email, settings.admin_emails) else "user",
        )
    except EmailTakenError:
        raise ApiError(status.HTTP_409_CONFLICT, ErrorCode.EMAIL_TAKEN) from None
    return await issue_tokens(db=db, settings=settings, user=user)


def client_address(request: Request) -> str:
    """The peer as uvicorn reports it (the real client behind nginx with --proxy-headers)."""
    return request.client.host if request.client else "unknown"


async def _limit(limit: RateLimit, key: str) -> None:
    verdict = await limit.hit(key)
    if not verdict.allowed:
        raise ApiError(
            status.HTTP_429_TOO_MANY_REQUESTS,
            ErrorCode.RATE_LIMITED,
            headers={"Retry-After": str(verdict.retry_after)},
            seconds=verdict.retry_after,
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
        raise RequestValidationError(exc.errors()) from None


@router.post("/login", response_model=TokenPair, openapi_extra=_LOGIN_BODY)
async def login(
    request: Request, db: DbDep, settings: SettingsDep, limits: RateLimitsDep
) -> TokenPair:
    body = await _read_login(request)
    await _limit(limits.logins_per_ip, client_address(request))
    await _limit(limits.logins_per_account, normalize_email(body.email))
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
        claims = read_token(settings, token, "refresh")
    except NotAuthenticatedError:
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
    body: RefreshRequest, db: DbDep, settings: SettingsDep, sessions: SessionsDep
) -> None:
    """Ends the session the refresh token belongs to (its whole rotation family) and
    closes that session's open sockets."""
    _user_id, family_id = _refresh_claims(settings, body.refresh_token)
    await revoke_family(db=db, family_id=family_id)
    await sessions.end(session_room(family_id), "signed_out")


@router.post("/password", response_model=TokenPair)
async def change_password(
    body: PasswordChange,
    user: CurrentUser,
    db: DbDep,
    settings: SettingsDep,
    sessions: SessionsDep,
) -> TokenPair:
    """Every session (and socket) of the account ends; the caller gets a fresh one."""
    if not await verify_password_off_loop(body.current_password, user["password_hash"]):
        raise ApiError(status.HTTP_403_FORBIDDEN, ErrorCode.WRONG_PASSWORD)
    await set_password_hash(
        db=db, user_id=user["_id"], password_hash=await hash_password_off_loop(body.new_password)
    )
    await revoke_user(db=db, user_id=user["_id"])
    await sessions.end(user_room(user["_id"]), "password_changed")
    return await issue_tokens(db=db, settings=settings, user=user)


@router.delete("/me", status_code=status.HTTP_204_NO_CONTENT)
async def delete_me(
    body: AccountRemoval, user: CurrentUser, db: DbDep, sessions: SessionsDep
) -> None:
    """Removes the account and everything stored for it; its sockets are closed first."""
    if not await verify_password_off_loop(body.password, user["password_hash"]):
        raise ApiError(status.HTTP_403_FORBIDDEN, ErrorCode.WRONG_PASSWORD)
    await revoke_user(db=db, user_id=user["_id"])
    await sessions.end(user_room(user["_id"]), "account_removed")
    await delete_account_data(db=db, user_id=user["_id"], email=user["email"])


@router.get("/me", response_model=UserPublic)
async def read_me(user: CurrentUser) -> UserPublic:
    return user_public(user)


@router.patch("/me", response_model=UserPublic)
async def update_me(body: ProfileUpdate, user: CurrentUser, db: DbDep) -> UserPublic:
    """The name and the language the server writes in (errors, System messages, the
    built-in agents); the SPA sets the language when the person switches it."""
    changes = body.model_dump(exclude_none=True)
    if not changes:
        return user_public(user)
    updated = await update_profile(db=db, user_id=user["_id"], changes=changes)
    if updated is None:  # removed meanwhile
        raise ApiError(status.HTTP_401_UNAUTHORIZED, ErrorCode.UNAUTHENTICATED)
    return user_public(updated)
