"""Accounts and sessions over real HTTP against the real server and mongod."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from pymongo import MongoClient

from agents_backend.core.security import create_token
from tests.conftest import TEST_SECRET
from tests.support.clients import register
from tests.support.servers import ServerProcess


@pytest.fixture
async def http(online_server: ServerProcess) -> httpx.AsyncClient:
    async with httpx.AsyncClient(base_url=online_server.base_url) as client:
        yield client  # type: ignore[misc]


def new_email() -> str:
    return f"person-{uuid.uuid4().hex[:8]}@Example.com"


async def test_register_returns_tokens_and_me_knows_the_user(http: httpx.AsyncClient) -> None:
    email = new_email()
    response = await http.post(
        "/auth/register", json={"email": email, "password": "s3cret-password", "name": "Ana"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["user"]["email"] == email.lower()

    me = await http.get("/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["name"] == "Ana"
    assert "password_hash" not in me.json()


async def test_duplicate_email_is_a_conflict_whatever_the_case(http: httpx.AsyncClient) -> None:
    email = new_email()
    first = await http.post(
        "/auth/register", json={"email": email, "password": "s3cret-password", "name": "A"}
    )
    again = await http.post(
        "/auth/register", json={"email": email.upper(), "password": "other-password", "name": "B"}
    )
    assert first.status_code == 201
    assert again.status_code == 409
    assert again.json() == {"detail": "This e-mail is already registered.", "code": "email_taken"}


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email", "password": "s3cret-password", "name": "A"},
        {"email": "a@example.com", "password": "short", "name": "A"},
        {"email": "a@example.com", "password": "s3cret-password"},
        {"email": "a@example.com", "password": 12345678, "name": "A"},
    ],
)
async def test_bad_registration_is_422_and_stores_nothing(
    http: httpx.AsyncClient,
    body: dict[str, object],
    mongo_client: MongoClient[dict[str, object]],
    online_db_name: str,
) -> None:
    before = mongo_client[online_db_name]["users"].count_documents({})
    response = await http.post("/auth/register", json=body)
    assert response.status_code == 422
    assert response.json()["detail"]
    assert mongo_client[online_db_name]["users"].count_documents({}) == before


async def test_login_with_json_and_with_the_oauth2_form(http: httpx.AsyncClient) -> None:
    account = await register(str(http.base_url))
    as_json = await http.post(
        "/auth/login", json={"email": account.email, "password": account.password}
    )
    as_form = await http.post(
        "/auth/login", data={"username": account.email, "password": account.password}
    )
    assert as_json.status_code == 200
    assert as_form.status_code == 200
    assert as_form.json()["user"]["id"] == account.user_id


async def test_wrong_password_and_unknown_email_fail_the_same_way(http: httpx.AsyncClient) -> None:
    account = await register(str(http.base_url))
    wrong = await http.post("/auth/login", json={"email": account.email, "password": "nope-nope"})
    unknown = await http.post("/auth/login", json={"email": new_email(), "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json() == {
        "detail": "Incorrect e-mail or password.",
        "code": "invalid_credentials",
    }


async def test_passwords_longer_than_72_bytes_are_not_truncated(
    http: httpx.AsyncClient, mongo_client: MongoClient[dict[str, object]], online_db_name: str
) -> None:
    email = new_email()
    long_password = "ção-" * 40  # 240 bytes of UTF-8
    registered = await http.post(
        "/auth/register", json={"email": email, "password": long_password, "name": "Long"}
    )
    assert registered.status_code == 201
    right = await http.post("/auth/login", json={"email": email, "password": long_password})
    # Same first 72 bytes, different tail: bcrypt would accept this; argon2id must not.
    wrong_tail = await http.post(
        "/auth/login", json={"email": email, "password": long_password[:-1] + "!"}
    )
    assert right.status_code == 200
    assert wrong_tail.status_code == 401
    stored = mongo_client[online_db_name]["users"].find_one({"email": email.lower()})
    assert stored is not None
    assert str(stored["password_hash"]).startswith("$argon2id$")
    assert long_password not in str(stored)


async def test_refresh_rotates_and_a_reused_token_revokes_the_family(
    http: httpx.AsyncClient,
) -> None:
    account = await register(str(http.base_url))
    first = await http.post("/auth/refresh", json={"refresh_token": account.refresh_token})
    assert first.status_code == 200
    rotated = first.json()["refresh_token"]
    assert rotated != account.refresh_token
    me = await http.get(
        "/auth/me", headers={"Authorization": f"Bearer {first.json()['access_token']}"}
    )
    assert me.status_code == 200

    replay = await http.post("/auth/refresh", json={"refresh_token": account.refresh_token})
    assert replay.status_code == 401
    # The replay means the old token leaked: the legitimate successor is dead too.
    successor = await http.post("/auth/refresh", json={"refresh_token": rotated})
    assert successor.status_code == 401


async def test_refresh_tokens_are_stored_hashed(
    http: httpx.AsyncClient, mongo_client: MongoClient[dict[str, object]], online_db_name: str
) -> None:
    account = await register(str(http.base_url))
    stored = list(mongo_client[online_db_name]["refresh_tokens"].find({"user_id": account.user_id}))
    assert len(stored) == 1
    assert account.refresh_token not in str(stored)


async def test_logout_revokes_the_refresh_token(http: httpx.AsyncClient) -> None:
    account = await register(str(http.base_url))
    out = await http.post("/auth/logout", json={"refresh_token": account.refresh_token})
    assert out.status_code == 204
    after = await http.post("/auth/refresh", json={"refresh_token": account.refresh_token})
    assert after.status_code == 401


async def test_me_refuses_missing_refresh_typed_expired_and_foreign_tokens(
    http: httpx.AsyncClient,
) -> None:
    account = await register(str(http.base_url))
    expired, _ = create_token(
        subject=account.user_id,
        token_type="access",
        secret=TEST_SECRET,
        algorithm="HS256",
        lifetime=timedelta(minutes=-1),
    )
    foreign, _ = create_token(
        subject=account.user_id,
        token_type="access",
        secret="another-secret-that-is-long-enough-to-sign-hs256",
        algorithm="HS256",
        lifetime=timedelta(minutes=5),
    )
    for headers in (
        {},
        {"Authorization": f"Bearer {account.refresh_token}"},
        {"Authorization": f"Bearer {expired}"},
        {"Authorization": f"Bearer {foreign}"},
        {"Authorization": "Bearer not-a-jwt"},
    ):
        response = await http.get("/auth/me", headers=headers)
        assert response.status_code == 401, headers
        assert response.json()["code"] == "unauthenticated"
    assert (await http.get("/auth/me", headers=account.headers)).status_code == 200


async def test_an_access_token_is_not_a_refresh_token(http: httpx.AsyncClient) -> None:
    account = await register(str(http.base_url))
    response = await http.post("/auth/refresh", json={"refresh_token": account.access_token})
    assert response.status_code == 401
