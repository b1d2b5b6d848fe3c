"""The Google backend at its HTTP edge: the requests it really sends, and its retries.

`googleapiclient.http.HttpMockSequence` stands in for Google's servers and records every
request; everything above it (the discovery-built client, `AuthorizedHttp`, our retry and
409 handling) is the production code.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from google.auth.credentials import Credentials
from googleapiclient.http import HttpMockSequence

from agents_backend.integrations.calendar.backend import CalendarError, EventRequest
from agents_backend.integrations.calendar.google import GoogleCalendar, event_id_for, main
from agents_backend.scheduling.slots import Interval

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
BOOKING_ID = "65f1c0ffee0000000000abcd"


class FakeCredentials(Credentials):  # type: ignore[misc]
    """OAuth credentials whose refresh hands out a new token and counts itself."""

    def __init__(self) -> None:
        super().__init__()
        self.token = "stale-token"
        self.refreshes = 0

    def refresh(self, request: Any) -> None:
        self.refreshes += 1
        self.token = f"fresh-token-{self.refreshes}"


def ok(body: dict[str, Any]) -> tuple[dict[str, str], str]:
    return {"status": "200", "content-type": "application/json"}, json.dumps(body)


def error(status: int, reason: str, message: str = "error") -> tuple[dict[str, str], str]:
    body = {"error": {"code": status, "message": message, "errors": [{"reason": reason}]}}
    return {"status": str(status), "content-type": "application/json"}, json.dumps(body)


class Google:
    """A scripted Google: answers in order and keeps what was asked."""

    def __init__(self, *responses: tuple[dict[str, str], str]) -> None:
        self.http = HttpMockSequence(list(responses))
        self.credentials = FakeCredentials()
        self.delays: list[float] = []
        self.calendar = GoogleCalendar(
            self.credentials,
            http_factory=lambda: self.http,
            backoff=lambda attempt: 0.5 * attempt,
            sleep=self.delays.append,
            max_attempts=4,
        )

    @property
    def requests(self) -> list[tuple[str, str, Any, dict[str, str]]]:
        return list(self.http.request_sequence)

    def body(self, index: int) -> Any:
        return json.loads(self.requests[index][2])


def event_request() -> EventRequest:
    start = datetime(2026, 3, 10, 15, tzinfo=SAO_PAULO)
    return EventRequest(
        booking_id=BOOKING_ID,
        calendar_id="sales@example.com",
        start=start,
        end=start.replace(hour=16),
        timezone="America/Sao_Paulo",
        summary="Reunião com Maria (SDR)",
        description="Conversa:\nMaria: quero uma demo",
        attendee_email="maria@example.com",
    )


WINDOW = Interval(datetime(2026, 3, 10, 3, tzinfo=UTC), datetime(2026, 3, 11, 3, tzinfo=UTC))


def test_event_ids_use_googles_base32hex_alphabet_and_are_stable_per_booking() -> None:
    event_id = event_id_for(BOOKING_ID)
    assert re.fullmatch(r"[0-9a-v]{5,1024}", event_id)
    assert event_id == event_id_for(BOOKING_ID)
    assert event_id != event_id_for("65f1c0ffee0000000000abce")


async def test_busy_time_comes_from_a_freebusy_query_for_the_calendar() -> None:
    google = Google(
        ok(
            {
                "calendars": {
                    "sales@example.com": {
                        "busy": [
                            {"start": "2026-03-10T13:00:00Z", "end": "2026-03-10T14:30:00Z"},
                            {
                                "start": "2026-03-10T17:00:00-03:00",
                                "end": "2026-03-10T18:00:00-03:00",
                            },
                        ]
                    }
                }
            }
        )
    )

    busy = await google.calendar.busy("sales@example.com", WINDOW)

    uri, method, _body, headers = google.requests[0]
    assert method == "POST" and uri.startswith("https://www.googleapis.com/calendar/v3/freeBusy")
    assert google.body(0) == {
        "timeMin": "2026-03-10T03:00:00+00:00",
        "timeMax": "2026-03-11T03:00:00+00:00",
        "timeZone": "UTC",
        "items": [{"id": "sales@example.com"}],
    }
    assert headers["authorization"] == "Bearer stale-token"
    assert busy == [
        Interval(datetime(2026, 3, 10, 13, tzinfo=UTC), datetime(2026, 3, 10, 14, 30, tzinfo=UTC)),
        Interval(datetime(2026, 3, 10, 20, tzinfo=UTC), datetime(2026, 3, 10, 21, tzinfo=UTC)),
    ]


async def test_a_calendar_google_refuses_is_an_error_not_an_empty_day() -> None:
    google = Google(
        ok({"calendars": {"sales@example.com": {"errors": [{"reason": "notFound"}], "busy": []}}})
    )
    with pytest.raises(CalendarError, match="notFound"):
        await google.calendar.busy("sales@example.com", WINDOW)


async def test_a_booking_inserts_one_event_with_the_attendee_and_the_conversation() -> None:
    google = Google(ok({"id": event_id_for(BOOKING_ID), "htmlLink": "https://cal/e1"}))

    created = await google.calendar.create_event(event_request())

    uri, method, _body, _headers = google.requests[0]
    assert method == "POST"
    assert "/calendars/sales%40example.com/events" in uri and "sendUpdates=all" in uri
    body = google.body(0)
    assert body["id"] == event_id_for(BOOKING_ID)
    assert body["start"] == {
        "dateTime": "2026-03-10T15:00:00-03:00",
        "timeZone": "America/Sao_Paulo",
    }
    assert body["end"]["dateTime"] == "2026-03-10T16:00:00-03:00"
    assert body["attendees"] == [{"email": "maria@example.com"}]
    assert "Maria: quero uma demo" in body["description"]
    assert body["summary"] == "Reunião com Maria (SDR)"
    assert body["extendedProperties"] == {"private": {"bookingId": BOOKING_ID}}
    assert (created.event_id, created.html_link) == (event_id_for(BOOKING_ID), "https://cal/e1")


async def test_a_retried_insert_answered_409_is_confirmed_with_get_not_duplicated() -> None:
    event_id = event_id_for(BOOKING_ID)
    google = Google(
        error(503, "backendError"),
        error(409, "duplicate", "The requested identifier already exists."),
        ok({"id": event_id, "htmlLink": "https://cal/e1", "extendedProperties": {
            "private": {"bookingId": BOOKING_ID}}}),
    )  # fmt: skip

    created = await google.calendar.create_event(event_request())

    methods = [(m, u.split("?")[0].rsplit("/", 1)[-1]) for u, m, _b, _h in google.requests]
    assert methods == [("POST", "events"), ("POST", "events"), ("GET", event_id)]
    assert google.body(0)["id"] == google.body(1)["id"] == event_id
    assert created.event_id == event_id
    assert google.delays == [0.5]


@pytest.mark.parametrize(
    "failure",
    [
        error(429, "rateLimitExceeded"),
        error(403, "rateLimitExceeded"),
        error(403, "userRateLimitExceeded"),
        error(500, "backendError"),
        error(502, "badGateway"),
    ],
)
async def test_rate_limits_and_server_errors_are_retried_with_backoff(
    failure: tuple[dict[str, str], str],
) -> None:
    google = Google(failure, failure, ok({"id": "abc123", "htmlLink": None}))

    created = await google.calendar.create_event(event_request())

    assert created.event_id == "abc123"
    assert len(google.requests) == 3
    assert google.delays == [0.5, 1.0]


async def test_retries_stop_after_the_last_attempt_with_a_clear_error() -> None:
    google = Google(*[error(500, "backendError")] * 4)
    with pytest.raises(CalendarError, match="HTTP 500") as raised:
        await google.calendar.create_event(event_request())
    assert raised.value.retryable
    assert len(google.requests) == 4


@pytest.mark.parametrize(
    "failure",
    [error(400, "invalid"), error(403, "forbiddenForServiceAccounts"), error(404, "notFound")],
)
async def test_bad_requests_and_permission_errors_are_not_retried(
    failure: tuple[dict[str, str], str],
) -> None:
    google = Google(failure, ok({"id": "never"}))
    with pytest.raises(CalendarError) as raised:
        await google.calendar.create_event(event_request())
    assert not raised.value.retryable
    assert len(google.requests) == 1
    assert google.delays == []


async def test_an_expired_token_is_refreshed_once_and_the_call_repeated() -> None:
    google = Google(error(401, "authError"), ok({"calendars": {"primary": {"busy": []}}}))

    assert await google.calendar.busy("primary", WINDOW) == []

    assert google.credentials.refreshes == 1
    tokens = [headers["authorization"] for _u, _m, _b, headers in google.requests]
    assert tokens == ["Bearer stale-token", "Bearer fresh-token-1"]


async def test_a_token_refused_after_its_refresh_is_an_error_not_a_loop() -> None:
    google = Google(error(401, "authError"), error(401, "authError"), ok({}))
    with pytest.raises(CalendarError, match="HTTP 401"):
        await google.calendar.busy("primary", WINDOW)
    assert google.credentials.refreshes == 1
    assert len(google.requests) == 2


async def test_cancelling_deletes_the_event_and_an_event_already_gone_is_fine() -> None:
    google = Google(({"status": "204"}, ""), error(410, "deleted"))
    await google.calendar.delete_event("primary", "abc123")
    await google.calendar.delete_event("primary", "abc123")
    uri, method, _b, _h = google.requests[0]
    assert method == "DELETE" and "/calendars/primary/events/abc123" in uri


def test_the_authorize_cli_explains_a_missing_client_secrets_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["authorize", "--client-secrets", "/nonexistent/client.json"])
    assert exited.value.code == 2
    assert "/nonexistent/client.json does not exist" in capsys.readouterr().err
