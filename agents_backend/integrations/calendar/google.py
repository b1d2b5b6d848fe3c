"""Google Calendar through `google-api-python-client`, and the CLI that authorizes it.

The client library is blocking (httplib2), so every call runs in a worker thread with a
fresh authorized HTTP object (httplib2 connections are not thread-safe). Retries are done
here rather than by the library's `num_retries`, so the backoff is injectable (tests run
instantly) and the rules are visible in one place:

* 429, 403 with a rate-limit reason, 5xx and transport errors: retried with backoff;
* 401: the credentials are refreshed once by `AuthorizedHttp`, then it is an error; a
  refresh token Google refuses (`invalid_grant`) is `CalendarAuthError`: only the
  person's consent again can help, so it is not retried;
* any other 4xx (400 bad request, 404 unknown calendar): not retried.

Event ids are derived from the booking id in Google's base32hex alphabet, so an insert
that is retried after its first attempt secretly succeeded is answered `409 duplicate`;
that is confirmed with `events.get` and counted as the same event, never a second one.

Authorize an installed app once (writes GOOGLE_TOKEN_FILE)::

    python -m agents_backend.integrations.calendar.google authorize \\
        --client-secrets client_secret.json --token-file google-token.json
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import logging
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import google.auth.exceptions
import google_auth_httplib2
import httplib2
from google.auth.credentials import Credentials
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from agents_backend.integrations.calendar.backend import (
    CalendarAuthError,
    CalendarError,
    CreatedEvent,
    EventRequest,
    Interval,
)

logger = logging.getLogger(__name__)

SCOPES = (
    "https://www.googleapis.com/auth/calendar.events",
    "https://www.googleapis.com/auth/calendar.freebusy",
)
_RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"})
_GONE = frozenset({404, 410})

HttpFactory = Callable[[], httplib2.Http]
Backoff = Callable[[int], float]


def exponential_backoff(attempt: int) -> float:
    """Seconds before retry `attempt` (1-based): 0.5, 1, 2, 4 ... plus jitter, at most 16."""
    return float(min(16.0, 0.5 * 2 ** (attempt - 1)) + random.uniform(0, 0.25))


def event_id_for(booking_id: str) -> str:
    """A Google event id (base32hex: 0-9 and a-v, 5-1024 chars) that only this booking has."""
    try:
        raw = bytes.fromhex(booking_id)
    except ValueError:
        raw = booking_id.encode()
    return base64.b32hexencode(raw).decode().rstrip("=").lower()


def load_credentials(credentials_file: Path | None, token_file: Path | None) -> Credentials:
    """An installed-app token when one is configured, else a service-account key.

    Raises `CalendarError` with what to do when a configured file is missing or unusable,
    so a misconfigured server refuses to start instead of failing on the first booking.
    """
    scopes = list(SCOPES)
    try:
        if token_file is not None:
            if not token_file.is_file():
                raise CalendarError(
                    f"GOOGLE_TOKEN_FILE {token_file} does not exist; create it with "
                    "`python -m agents_backend.integrations.calendar.google authorize`"
                )
            from google.oauth2.credentials import Credentials as UserCredentials

            load_user = UserCredentials.from_authorized_user_file
            user: Credentials = load_user(str(token_file), scopes)  # type: ignore[no-untyped-call]
            return user
        if credentials_file is not None:
            from google.oauth2 import service_account

            load_account = service_account.Credentials.from_service_account_file
            account: Credentials = load_account(  # type: ignore[no-untyped-call]
                str(credentials_file), scopes=scopes
            )
            return account
    except (OSError, ValueError) as exc:
        raise CalendarError(f"Google credentials could not be read: {exc}") from exc
    raise CalendarError("neither GOOGLE_TOKEN_FILE nor GOOGLE_CREDENTIALS_FILE is set")


def _reason(error: HttpError) -> str | None:
    try:
        body = json.loads(error.content.decode("utf-8", "replace"))
        errors = body["error"].get("errors") or [{}]
        reason = errors[0].get("reason")
    except (ValueError, KeyError, AttributeError, IndexError, TypeError):
        return None
    return reason if isinstance(reason, str) else None


def _retryable(status: int, reason: str | None) -> bool:
    return status == 429 or status >= 500 or (status == 403 and reason in _RATE_LIMIT_REASONS)


def _aware(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise CalendarError(f"Google returned a time without an offset: {value}")
    return moment


class GoogleCalendar:
    name = "google"

    def __init__(
        self,
        credentials: Credentials,
        *,
        http_factory: HttpFactory | None = None,
        max_attempts: int = 5,
        backoff: Backoff = exponential_backoff,
        sleep: Callable[[float], None] = time.sleep,
        send_updates: str = "all",
        timeout: float = 15.0,
        api_endpoint: str | None = None,
    ) -> None:
        """`api_endpoint` replaces Google's Calendar API base URL (a self-hosted gateway, or
        a test's local server); the requests and the code that sends them stay the same."""
        self._credentials = credentials
        self._http_factory = http_factory or (lambda: httplib2.Http(timeout=timeout))
        self._max_attempts = max(1, max_attempts)
        self._backoff = backoff
        self._sleep = sleep
        self._send_updates = send_updates
        # The discovery document ships with the library (static_discovery): no network.
        self._service: Any = build(
            "calendar",
            "v3",
            http=httplib2.Http(),
            static_discovery=True,
            cache_discovery=False,
            client_options={"api_endpoint": api_endpoint} if api_endpoint else None,
        )

    # -- the CalendarBackend interface (async, off the loop) -------------------------

    async def busy(self, calendar_id: str, window: Interval) -> list[Interval]:
        return await asyncio.to_thread(self._busy, calendar_id, window)

    async def create_event(self, request: EventRequest) -> CreatedEvent:
        return await asyncio.to_thread(self._create, request)

    async def delete_event(self, calendar_id: str, event_id: str) -> None:
        await asyncio.to_thread(self._delete, calendar_id, event_id)

    # -- blocking implementations ----------------------------------------------------

    def _busy(self, calendar_id: str, window: Interval) -> list[Interval]:
        body = {
            "timeMin": window.start.isoformat(),
            "timeMax": window.end.isoformat(),
            "timeZone": "UTC",
            "items": [{"id": calendar_id}],
        }
        answer = self._execute(self._service.freebusy().query(body=body), "freebusy.query")
        calendar = (answer.get("calendars") or {}).get(calendar_id) or {}
        if calendar.get("errors"):
            reasons = ", ".join(str(e.get("reason")) for e in calendar["errors"])
            raise CalendarError(f"Google Calendar refused calendar '{calendar_id}': {reasons}")
        found: list[Interval] = []
        for item in calendar.get("busy", []):
            start, end = _aware(item["start"]), _aware(item["end"])
            if end > start:
                found.append(Interval(start, end))
        return found

    def _create(self, request: EventRequest) -> CreatedEvent:
        event_id = event_id_for(request.booking_id)
        body = {
            "id": event_id,
            "summary": request.summary,
            "description": request.description,
            "start": {
                "dateTime": request.start.isoformat(),
                "timeZone": request.timezone,
            },
            "end": {"dateTime": request.end.isoformat(), "timeZone": request.timezone},
            "attendees": [{"email": request.attendee_email}],
            "extendedProperties": {"private": {"bookingId": request.booking_id}},
            "reminders": {"useDefault": True},
        }
        insert = self._service.events().insert(
            calendarId=request.calendar_id, body=body, sendUpdates=self._send_updates
        )
        try:
            created = self._execute(insert, "events.insert")
        except CalendarError as exc:
            if exc.status != 409:
                raise
            # Our id already exists: an earlier attempt got through. Confirm it is ours.
            get = self._service.events().get(calendarId=request.calendar_id, eventId=event_id)
            created = self._execute(get, "events.get")
            private = (created.get("extendedProperties") or {}).get("private") or {}
            if private.get("bookingId") not in (None, request.booking_id):
                raise CalendarError("a different event already uses this booking's id") from exc
            logger.info("event %s already existed; counted as created", event_id)
        return CreatedEvent(
            event_id=str(created.get("id", event_id)), html_link=created.get("htmlLink")
        )

    def _delete(self, calendar_id: str, event_id: str) -> None:
        request = self._service.events().delete(
            calendarId=calendar_id, eventId=event_id, sendUpdates=self._send_updates
        )
        try:
            self._execute(request, "events.delete")
        except CalendarError as exc:
            if exc.status not in _GONE:
                raise

    def _execute(self, request: Any, what: str) -> dict[str, Any]:
        for attempt in range(1, self._max_attempts + 1):
            http = google_auth_httplib2.AuthorizedHttp(
                self._credentials, http=self._http_factory(), max_refresh_attempts=1
            )
            try:
                result = request.execute(http=http, num_retries=0)
                return result if isinstance(result, dict) else {}
            except HttpError as exc:
                status, reason = int(exc.resp.status), _reason(exc)
                error = CalendarError(
                    f"Google Calendar {what} failed: HTTP {status}"
                    + (f" ({reason})" if reason else ""),
                    status=status,
                    retryable=_retryable(status, reason),
                )
            except google.auth.exceptions.RefreshError as exc:
                if not exc.retryable:
                    raise CalendarAuthError(
                        f"Google credentials were refused ({exc}); authorize again"
                    ) from exc
                error = CalendarError(f"Google's token endpoint failed: {exc}", retryable=True)
            except (OSError, httplib2.HttpLib2Error, google.auth.exceptions.TransportError) as exc:
                error = CalendarError(f"Google Calendar {what} failed: {exc}", retryable=True)
            if not error.retryable or attempt == self._max_attempts:
                raise error
            delay = self._backoff(attempt)
            logger.warning("%s; retry %d in %.2fs", error.message, attempt, delay)
            self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover


# -- CLI: python -m agents_backend.integrations.calendar.google authorize ------------


def authorize(client_secrets: Path, token_file: Path, port: int, open_browser: bool) -> None:
    """Runs Google's installed-app consent flow and writes the token file (mode 0600)."""
    from google_auth_oauthlib.flow import InstalledAppFlow

    flow = InstalledAppFlow.from_client_secrets_file(str(client_secrets), list(SCOPES))
    credentials = flow.run_local_server(port=port, open_browser=open_browser)
    token_file.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(credentials.to_json())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m agents_backend.integrations.calendar.google")
    commands = parser.add_subparsers(dest="command", required=True)
    auth = commands.add_parser("authorize", help="create GOOGLE_TOKEN_FILE with OAuth consent")
    auth.add_argument("--client-secrets", type=Path, required=True, help="OAuth client JSON")
    auth.add_argument(
        "--token-file",
        type=Path,
        default=Path(os.environ.get("GOOGLE_TOKEN_FILE", "google-token.json")),
        help="where to write the token (default: $GOOGLE_TOKEN_FILE or google-token.json)",
    )
    auth.add_argument("--port", type=int, default=0, help="local redirect port (0 = any)")
    auth.add_argument("--no-browser", action="store_true", help="print the URL instead")
    args = parser.parse_args(argv)
    if not args.client_secrets.is_file():
        parser.error(f"{args.client_secrets} does not exist")
    authorize(args.client_secrets, args.token_file, args.port, not args.no_browser)
    print(f"Wrote {args.token_file}; set GOOGLE_TOKEN_FILE={args.token_file}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
