"""422 answers that say what is wrong without echoing what was sent.

FastAPI's default puts the offending input (often the whole body) in each error; for a
sign-up or a bot with an API key that would send the password or the key straight back,
and into any log that records responses.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

_KEPT = ("loc", "msg", "type")


async def validation_error_without_input(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{key: error[key] for key in _KEPT if key in error} for error in exc.errors()]
    return JSONResponse({"detail": errors}, status_code=422)
