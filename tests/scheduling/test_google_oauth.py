"""Each owner's own Google Calendar, end to end: the real server (uvicorn, real mongod)
against a local Google over HTTPS (`tests/support/fake_google.py`) that the real
google-auth-oauthlib, google-auth and google-api-python-client talk to.

Connect (consent URL, Google's redirect back, the code exchanged with PKCE), book (the
event lands in the owner's calendar with the attendee; their busy time hides slots), an
expired access token refreshed, cancel, disconnect (revoked; the local calendar serves
again), and what must be refused: a bad, expired, replayed or foreign state, a grant
without the calendar scopes, a refresh token Google no longer accepts.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest
from pymongo import MongoClient

from agents_backend.core.crypto import Cipher
from agents_backend.core.embedded_mongo import EmbeddedMongo
from tests.conftest import TEST_ENCRYPTION_KEY, server_env
from tests.scheduling.conftest import days_ahead
from tests.support.clients import Account, RecordingClient, register
from tests.support.fake_google import CALENDAR_SCOPES, IDENTITY_SCOPES, FakeGoogle
from tests.support.servers import ServerProcess, running_server

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
Mongo = MongoClient[dict[str, Any]]


@pytest.fixture(scope="module")
def google(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeGoogle]:
    fake = FakeGoogle(tmp_path_factory.mktemp("google"))
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def oauth_db_name() -> str:
    return f"test_google_oauth_{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def server(
    mongo: EmbeddedMongo,
    google: FakeGoogle,
    oauth_db_name: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ServerProcess]:
    env = (
        server_env(mongo, oauth_db_name)
        | google.env()
        | {
            "CALENDAR_WORK_DAYS": "1,2,3,4,5,6,7",
            "CALENDAR_WORK_START": "08:00",
            "CALENDAR_WORK_END": "20:00",
            "CALENDAR_MAX_DAYS_AHEAD": "30",
        }
    )
    with running_server(env, tmp_path_factory.mktemp("logs") / "google-oauth.log") as process:
        yield process


async def call(account: Account, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async with httpx.AsyncClient(base_url=account.base_url, headers=account.headers) as http:
        return await http.request(method, path, **kwargs)


async def google_status(account: Account) -> dict[str, Any]:
    response = await call(account, "GET", "/calendar/google")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def start_connect(account: Account) -> str:
    response = await call(account, "POST", "/calendar/google/connect")
    assert response.status_code == 200, response.text
    url: str = response.json()["authorizationUrl"]
    return url


async def land(server: ServerProcess, callback_url: str) -> dict[str, str]:
    """The browser back from Google: the callback's redirect, as the SPA's query."""
    assert callback_url.startswith(server.base_url + "/calendar/google/callback?")
    async with httpx.AsyncClient() as http:  # no bearer token: Google sent the browser
        response = await http.get(callback_url, follow_redirects=False)
    assert response.status_code == 303, response.text
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}" == server.base_url
    assert location.path == "/bots"
    return {k: v[0] for k, v in parse_qs(location.query).items()}


async def connect(server: ServerProcess, google: FakeGoogle, account: Account, email: str) -> None:
    landed = await land(server, google.consent(await start_connect(account), email=email))
    assert landed == {"calendar": "connected"}


async def free_starts(account: Account, day: date) -> tuple[list[str], str]:
    response = await call(account, "GET", "/calendar/available-slots", params={"date": str(day)})
    assert response.status_code == 200, response.text
    body = response.json()
    return [slot["start"] for slot in body["available_slots"]], body["calendar"]


async def book(
    clients: list[RecordingClient], account: Account, day: date, at: str, email: str
) -> dict[str, Any]:
    client = RecordingClient()
    clients.append(client)
    await client.connect(account.base_url, account.access_token)
    ack: dict[str, Any] = await client.emit(
        "agent:schedule-confirm",
        {
            "agentKey": "sdr",
            "contactId": "lead-google",
            "date": day.isoformat(),
            "time": at,
            "email": email,
        },
    )
    return ack


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), SAO_PAULO)


async def test_an_owner_connects_books_in_their_google_calendar_and_disconnects(
    server: ServerProcess,
    google: FakeGoogle,
    socket_clients: list[RecordingClient],
    mongo_client: Mongo,
    oauth_db_name: str,
) -> None:
    owner = await register(server.base_url, name="Ana Lima")
    email = f"ana.{uuid.uuid4().hex[:6]}@gmail.example"
    before = await google_status(owner)
    assert before == {
        "configured": True,
        "connected": False,
        "email": None,
        "connectedAt": None,
        "calendarId": None,
        "needsReconnect": False,
        "calendar": "local",
    }

    # -- connect: the consent URL asks for offline access with PKCE, bound to a state ----
    url = await start_connect(owner)
    asked = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert asked["client_id"] == google.client_id
    assert asked["access_type"] == "offline" and asked["prompt"] == "consent"
    assert asked["include_granted_scopes"] == "true"
    assert asked["redirect_uri"] == f"{server.base_url}/calendar/google/callback"
    assert set(CALENDAR_SCOPES) <= set(asked["scope"].split())
    assert len(asked["state"]) >= 40 and asked["code_challenge"]
    grants = google.refresh_grants
    callback = google.consent(url, email=email)
    assert await land(server, callback) == {"calendar": "connected"}

    status = await google_status(owner)
    assert status["connected"] is True and status["email"] == email
    assert status["calendarId"] == "primary" and status["calendar"] == "google"
    assert status["needsReconnect"] is False and status["connectedAt"]

    # The refresh token is stored encrypted, never as it is.
    [refresh_token] = google.tokens_of(email)
    stored = mongo_client[oauth_db_name]["calendar_connections"].find_one(
        {"user_id": owner.user_id}
    )
    assert stored is not None
    assert refresh_token not in repr(stored)
    assert Cipher([TEST_ENCRYPTION_KEY.encode()]).decrypt(stored["refresh_token_encrypted"]) == (
        refresh_token
    )

    # -- availability: the owner's busy time in Google hides the slots it overlaps -------
    day = days_ahead(3)
    google.add_busy(email, local(day, 10), local(day, 11))
    starts, calendar = await free_starts(owner, day)
    assert calendar == "google"
    assert "09:00" in starts and "11:00" in starts
    assert "09:30" not in starts and "10:00" not in starts and "10:30" not in starts

    # -- book through the real path: the event lands in the owner's Google Calendar ------
    ack = await book(socket_clients, owner, day, "14:00", "cliente@example.com")
    assert ack["ok"] is True, ack
    assert ack["event"]["calendar"] == "google"
    [event] = google.events(email)
    assert event["attendees"] == [{"email": "cliente@example.com"}]
    assert event["start"]["dateTime"] == local(day, 14).isoformat()
    assert ack["event"]["htmlLink"] == event["htmlLink"]
    # The live credentials are kept: one refresh for the first call, none per call since.
    assert google.refresh_grants == grants + 1
    assert {c.status for c in google.api_calls(email)} == {200}

    # -- an expired access token: Google answers 401, google-auth refreshes, call repeated
    google.expire_access_tokens()
    starts, _calendar = await free_starts(owner, day)
    assert "13:30" not in starts and "14:00" not in starts and "14:30" not in starts
    assert "13:00" in starts and "15:00" in starts  # the booking, in ours and in Google's
    assert google.refresh_grants == grants + 2
    assert [c.status for c in google.api_calls(email)][-2:] == [401, 200]

    # -- cancelling removes the event from the owner's calendar --------------------------
    cancelled = await call(owner, "DELETE", f"/calendar/events/{ack['event']['id']}")
    assert cancelled.status_code == 200, cancelled.text
    assert google.events(email) == []

    kept = await book(socket_clients, owner, day, "15:00", "outro@example.com")
    assert kept["ok"] is True and len(google.events(email)) == 1

    # -- disconnect: the grant is revoked, the local calendar serves again ---------------
    gone = await call(owner, "DELETE", "/calendar/google")
    assert gone.status_code == 200, gone.text
    assert gone.json() == before | {"revocation": "revoked"}
    assert refresh_token in google.revoked and google.tokens_of(email) == []
    assert await google_status(owner) == before
    calls_so_far = len(google.api_calls(email))

    starts, calendar = await free_starts(owner, day)
    assert calendar == "local" and "10:00" in starts  # Google's busy time is not ours now
    after = await book(socket_clients, owner, day, "17:00", "terceiro@example.com")
    assert after["ok"] is True and after["event"]["calendar"] == "local"
    # A booking made in the disconnected account is cancelled here; its event there is
    # the owner's own now (no access is left to remove it).
    old = await call(owner, "DELETE", f"/calendar/events/{kept['event']['id']}")
    assert old.status_code == 200 and old.json()["event"]["status"] == "cancelled"
    assert len(google.api_calls(email)) == calls_so_far
    assert len(google.events(email)) == 1

    # Neither the refresh token nor the one-time code and state reached the server's log.
    log = server.log()
    assert "/calendar/google/callback?[redacted]" in log
    for secret in (refresh_token, asked["state"], parse_qs(urlsplit(callback).query)["code"][0]):
        assert secret not in log


async def test_another_owners_bookings_never_use_this_owners_calendar(
    server: ServerProcess, google: FakeGoogle, socket_clients: list[RecordingClient]
) -> None:
    connected = await register(server.base_url, name="Bia Costa")
    email = f"bia.{uuid.uuid4().hex[:6]}@gmail.example"
    await connect(server, google, connected, email)
    other = await register(server.base_url, name="Caio Dias")
    day = days_ahead(4)
    google.add_busy(email, local(day, 9), local(day, 12))

    assert (await google_status(other))["connected"] is False
    starts, calendar = await free_starts(other, day)
    assert calendar == "local" and "09:00" in starts and "11:00" in starts

    theirs = await book(socket_clients, connected, day, "13:00", "a@example.com")
    mine = await book(socket_clients, other, day, "13:00", "b@example.com")
    # Different calendars: the same hour is free in each.
    assert theirs["ok"] is True and theirs["event"]["calendar"] == "google"
    assert mine["ok"] is True and mine["event"]["calendar"] == "local", mine
    assert [e["attendees"] for e in google.events(email)] == [[{"email": "a@example.com"}]]


async def test_a_bad_expired_replayed_or_foreign_state_is_refused_and_changes_nothing(
    server: ServerProcess, google: FakeGoogle, mongo_client: Mongo, oauth_db_name: str
) -> None:
    owner = await register(server.base_url, name="Duda Reis")
    email = f"duda.{uuid.uuid4().hex[:6]}@gmail.example"
    callback = f"{server.base_url}/calendar/google/callback"
    invalid = {"calendar": "error", "code": "google_state_invalid"}

    assert await land(server, f"{callback}?state=forged&code=whatever") == invalid
    assert await land(server, f"{callback}?code=whatever") == invalid

    # Expired: a consent older than its 10 minutes.
    url = await start_connect(owner)
    mongo_client[oauth_db_name]["oauth_states"].update_many(
        {"user_id": owner.user_id}, {"$set": {"expires_at": datetime(2020, 1, 1)}}
    )
    assert await land(server, google.consent(url, email=email)) == invalid

    # Foreign: another consent's state with this code (its PKCE verifier does not match).
    mine = google.consent(await start_connect(owner), email=email)
    intruder = await register(server.base_url, name="Intruso")
    theirs = google.consent(await start_connect(intruder), email="intruso@gmail.example")
    swapped = mine.replace(
        parse_qs(urlsplit(mine).query)["state"][0], parse_qs(urlsplit(theirs).query)["state"][0]
    )
    assert await land(server, swapped) == {"calendar": "error", "code": "google_connect_failed"}
    assert "authorization_code" in google.refused_grants

    # The person said no on Google's screen.
    denied = await start_connect(owner)
    state = parse_qs(urlsplit(denied).query)["state"][0]
    assert await land(server, f"{callback}?state={state}&error=access_denied") == {
        "calendar": "error",
        "code": "google_consent_denied",
    }

    # The calendar permissions unticked: refused, and the grant handed back to Google.
    partial = google.consent(await start_connect(owner), email=email, scopes=list(IDENTITY_SCOPES))
    assert await land(server, partial) == {"calendar": "error", "code": "google_scope_missing"}
    assert google.tokens_of(email) == []

    for account in (owner, intruder):
        assert (await google_status(account))["connected"] is False

    # Replayed: a state works once.
    good = google.consent(await start_connect(owner), email=email)
    assert await land(server, good) == {"calendar": "connected"}
    assert await land(server, good) == invalid
    assert (await google_status(owner))["email"] == email


async def test_a_refresh_token_google_refuses_asks_the_owner_to_reconnect(
    server: ServerProcess, google: FakeGoogle, socket_clients: list[RecordingClient]
) -> None:
    owner = await register(server.base_url, name="Eva Prado")
    email = f"eva.{uuid.uuid4().hex[:6]}@gmail.example"
    await connect(server, google, owner, email)
    day = days_ahead(5)
    assert (await free_starts(owner, day))[1] == "google"

    google.remove_access(email)  # the person removed the app in their Google account
    refused = await call(owner, "GET", "/calendar/available-slots", params={"date": str(day)})
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "calendar_reconnect_needed"
    assert "reconnect Google Calendar" in refused.json()["detail"]
    status = await google_status(owner)
    assert status["connected"] is True and status["needsReconnect"] is True

    ack = await book(socket_clients, owner, day, "10:00", "x@example.com")
    assert ack["ok"] is False and ack["error"]["code"] == "calendar_reconnect_needed", ack
    assert google.events(email) == []  # nothing booked anywhere, not even locally

    await connect(server, google, owner, email)
    assert (await google_status(owner))["needsReconnect"] is False
    again = await book(socket_clients, owner, day, "10:00", "x@example.com")
    assert again["ok"] is True and again["event"]["calendar"] == "google"


async def test_connecting_without_an_oauth_client_is_a_clear_error(
    booking_server: ServerProcess,
) -> None:
    owner = await register(booking_server.base_url)
    status = await google_status(owner)
    assert status["configured"] is False and status["connected"] is False
    refused = await call(owner, "POST", "/calendar/google/connect")
    assert refused.status_code == 409
    assert refused.json()["code"] == "google_not_configured"
    assert "not set up on this server" in refused.json()["detail"]
    changed = await call(owner, "PATCH", "/auth/me", json={"preferredLanguage": "pt-BR"})
    assert changed.status_code == 200, changed.text
    pt = await call(owner, "POST", "/calendar/google/connect")
    assert pt.json()["code"] == "google_not_configured"
    assert "não está configurada" in pt.json()["detail"]
