"""MongoDB operator values (`{"$ne": null}`, `$`-keys) are refused before any query."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pymongo import MongoClient

from tests.conftest import Connect
from tests.support.servers import ServerProcess

OPERATORS: list[Any] = [{"$ne": None}, {"$gt": ""}, {"$regex": ".*"}, {"$where": "1"}]
EVENTS: dict[str, dict[str, Any]] = {
    "agent:send": {"agentKey": "sdr", "contactId": "c", "message": "hi", "clientMessageId": "x"},
    "agent:set-auto-create": {"agentKey": "sdr", "autoCreate": True},
    "agent:request-summary": {"agentKey": "sdr", "contactId": "c"},
    "agent:schedule-confirm": {
        "agentKey": "sdr",
        "contactId": "c",
        "date": "2030-01-07",
        "time": "10:00",
        "email": "a@example.com",
        "phone": "+5511912345678",
    },
}


@pytest.mark.parametrize("event", sorted(EVENTS))
async def test_operator_values_in_any_socket_field_are_invalid(
    online_server: ServerProcess,
    connect_user: Connect,
    mongo_client: MongoClient[dict[str, Any]],
    online_db_name: str,
    event: str,
) -> None:
    account, client = await connect_user(online_server)
    valid = EVENTS[event]
    for field in valid:
        for operator in OPERATORS:
            ack = await client.emit(event, {**valid, field: operator})
            assert ack["ok"] is False, (field, operator)
            assert ack["error"]["code"] == "invalid_payload", (field, operator, ack)
    db = mongo_client[online_db_name]
    for collection in ("messages", "agent_settings", "events"):
        assert db[collection].count_documents({"user_id": account.user_id}) == 0


@pytest.mark.parametrize("operator", OPERATORS)
async def test_operator_values_in_rest_bodies_are_422(
    online_server: ServerProcess, connect_user: Connect, operator: Any
) -> None:
    account, _client = await connect_user(online_server)
    async with httpx.AsyncClient(base_url=online_server.base_url) as http:
        login_email = await http.post(
            "/auth/login", json={"email": operator, "password": account.password}
        )
        login_password = await http.post(
            "/auth/login", json={"email": account.email, "password": operator}
        )
        bot = await http.post(
            "/custom-bots",
            json={"name": operator, "emoji": "🤖", "prompt": "You help.", "specialties": ["x"]},
            headers=account.headers,
        )
        task_filter = await http.get(
            "/tasks", params={"status": '{"$ne": null}'}, headers=account.headers
        )
    assert login_email.status_code == login_password.status_code == 422
    assert bot.status_code == 422
    assert task_filter.status_code == 422
