"""Error answers in the person's language, each with a stable `code`.

Every refusal is `{"detail": <text>, "code": <ErrorCode>}`; a 422 keeps FastAPI's list
of field problems in `detail` (clients already parse it), each `msg` translated. The
language is the signed-in account's preferred one (the `CurrentUser` dependency puts it
on the request), else `Accept-Language`, else English.

FastAPI's default 422 puts the offending input (often the whole body) in each error;
for a sign-up or a bot with an API key that would send the password or the key straight
back, and into any log that records responses, so it is left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from agents_backend.contract import ErrorCode, Language
from agents_backend.core import i18n
from agents_backend.core.errors import AgentError, error_text
from agents_backend.core.issues import localized_issues

_CODE_BY_STATUS = {
    401: ErrorCode.UNAUTHENTICATED,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    413: ErrorCode.BODY_TOO_LARGE,
    422: ErrorCode.INVALID_REQUEST,
    429: ErrorCode.RATE_LIMITED,
    503: ErrorCode.UNAVAILABLE,
}


# What a service's refusal is over HTTP, for codes that are not a 400.
_STATUS_BY_CODE = {
    ErrorCode.WORKSPACE_NOT_FOUND: 404,
    ErrorCode.USER_NOT_FOUND: 404,
    ErrorCode.ADMIN_REQUIRED: 403,
    ErrorCode.LAST_ADMIN: 409,
    ErrorCode.MEMBER_NOT_FOUND: 404,
    ErrorCode.CONVERSATION_NOT_FOUND: 404,
    ErrorCode.AGENT_NOT_FOUND: 404,
    ErrorCode.SEARCH_QUERY_EMPTY: 422,
    ErrorCode.INVALID_CURSOR: 422,
    ErrorCode.WORKSPACE_OWNER_REQUIRED: 403,
    ErrorCode.ALREADY_A_MEMBER: 409,
    ErrorCode.CONVERSATION_TAKEN: 409,
    ErrorCode.CONVERSATION_NOT_HELD: 409,
    ErrorCode.NOT_LAST_REPLY: 409,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.UNAVAILABLE: 503,
}


def status_of(code: ErrorCode) -> int:
    """The HTTP status of a service's refusal (`AgentError`) answered by a route."""
    return _STATUS_BY_CODE.get(code, 400)


class ApiError(StarletteHTTPException):
    """An HTTP refusal by code; its text is chosen when the answer is written."""

    def __init__(
        self,
        status_code: int,
        code: ErrorCode,
        *,
        headers: Mapping[str, str] | None = None,
        language: Language | None = None,
        **params: object,
    ) -> None:
        super().__init__(status_code, error_text(i18n.DEFAULT_LANGUAGE, code, params), headers)
        self.code = code
        self.params = params
        self.language = language

    @classmethod
    def from_agent_error(cls, status_code: int, exc: AgentError) -> ApiError:
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
        return cls(status_code, exc.code, headers=headers, language=exc.language, **exc.params)


def invalid_field(
    loc: tuple[str | int, ...], kind: str, **context: object
) -> RequestValidationError:
    """A 422 about one field found by a route (not by the body's model), in the same shape."""
    return RequestValidationError([{"loc": loc, "msg": kind, "type": kind, "ctx": context}])


def request_language(request: Request) -> Language:
    chosen = getattr(request.state, "language", None)
    return i18n.pick(chosen, i18n.from_accept_language(request.headers.get("accept-language")))


def language_from_headers(headers: Mapping[str, str] | None) -> Language:
    return i18n.pick(i18n.from_accept_language((headers or {}).get("accept-language")))


def _code_for(status_code: int) -> ErrorCode:
    found = _CODE_BY_STATUS.get(status_code)
    if found is not None:
        return found
    return ErrorCode.INTERNAL if status_code >= 500 else ErrorCode.INVALID_REQUEST


async def localized_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc, ApiError):
        language = exc.language or request_language(request)
        code, detail = exc.code, error_text(language, exc.code, exc.params)
    else:  # the router's own 404/405, or a library's refusal
        code = _code_for(exc.status_code)
        detail = error_text(request_language(request), code)
    headers = dict(exc.headers) if exc.headers else None
    return JSONResponse({"detail": detail, "code": code.value}, exc.status_code, headers=headers)


async def localized_agent_error(request: Request, exc: Exception) -> JSONResponse:
    """A service's refusal that a route lets through: its status by `status_of`."""
    assert isinstance(exc, AgentError)
    return await localized_http_error(request, ApiError.from_agent_error(status_of(exc.code), exc))


async def localized_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    issues: list[dict[str, Any]] = localized_issues(exc.errors(), request_language(request))
    return JSONResponse({"detail": issues, "code": ErrorCode.INVALID_REQUEST.value}, 422)
