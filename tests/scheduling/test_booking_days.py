"""The days a slot picker may offer, as `GET /calendar/available-slots` names them, on
the real server and mongod: the working weekdays (the agent's own hours, else the
server's) and the last bookable day, so a picker never offers a weekend that can only
answer "no free time"."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pymongo import MongoClient

from tests.bots.helpers import call, create_bot
from tests.scheduling.conftest import days_ahead
from tests.support.clients import register
from tests.support.servers import ServerProcess

Mongo = MongoClient[dict[str, Any]]


async def test_the_slots_route_names_the_working_days_and_the_last_bookable_day(
    booking_server: ServerProcess,
) -> None:
    account = await register(booking_server.base_url)
    tomorrow = days_ahead(1).isoformat()
    server_days = await call(account, "GET", "/calendar/available-slots", date=tomorrow)
    assert server_days.status_code == 200, server_days.text
    body = server_days.json()
    # The booking server works every day (CALENDAR_WORK_DAYS=1..7) up to 30 days ahead.
    assert body["workingDays"] == [1, 2, 3, 4, 5, 6, 7]
    assert body["lastDay"] == (days_ahead(0) + timedelta(days=30)).isoformat()


async def test_an_agent_with_its_own_hours_is_offered_its_own_days_only(
    booking_server: ServerProcess, mongo_client: Mongo, booking_db_name: str
) -> None:
    account = await register(booking_server.base_url)
    bot = await create_bot(account, specialties=["agendamento de reuniões"])
    # Tuesdays and Thursdays (stored unsorted: the route answers them in order).
    mongo_client[booking_db_name]["agents"].update_one(
        {"user_id": account.user_id, "key": bot["key"]},
        {"$set": {"working_hours": {"weekdays": [4, 2], "start": "09:00", "end": "18:00"}}},
    )
    day_off = next(d for d in map(days_ahead, range(1, 8)) if d.isoweekday() not in (2, 4))
    response = await call(
        account, "GET", "/calendar/available-slots", date=day_off.isoformat(), agentKey=bot["key"]
    )
    assert response.status_code == 200, response.text
    assert response.json()["workingDays"] == [2, 4]
    # A day off has no slots: what the picker would have shown had it offered that day.
    assert response.json()["available_slots"] == []


async def test_booking_days_answers_before_any_slot_is_read(
    booking_server: ServerProcess, mongo_client: Mongo, booking_db_name: str
) -> None:
    account = await register(booking_server.base_url)
    server_days = await call(account, "GET", "/calendar/booking-days")
    assert server_days.status_code == 200, server_days.text
    assert server_days.json() == {
        "workingDays": [1, 2, 3, 4, 5, 6, 7],
        "lastDay": (days_ahead(0) + timedelta(days=30)).isoformat(),
        "timezone": "America/Sao_Paulo",
    }
    bot = await create_bot(account, specialties=["agendamento de reuniões"])
    mongo_client[booking_db_name]["agents"].update_one(
        {"user_id": account.user_id, "key": bot["key"]},
        {"$set": {"working_hours": {"weekdays": [1, 5], "start": "09:00", "end": "12:00"}}},
    )
    own = await call(account, "GET", "/calendar/booking-days", agentKey=bot["key"])
    assert own.status_code == 200 and own.json()["workingDays"] == [1, 5]

    # Another person's bot is not found, exactly like a bot that does not exist.
    stranger = await register(booking_server.base_url)
    hidden = await call(stranger, "GET", "/calendar/booking-days", agentKey=bot["key"])
    assert hidden.status_code == 404
    assert hidden.json()["code"] == "agent_not_found"
    stranger.access_token = "not-a-token"
    assert (await call(stranger, "GET", "/calendar/booking-days")).status_code == 401
