"""Booking over a real socket against the real server and mongod (local calendar).

chat -> `agent:show-slot-picker` -> `agent:schedule-confirm` -> the booking, the System
message in the person's language, the slot gone from availability; and the races.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import httpx
from pymongo import MongoClient

from tests.scheduling.conftest import Connect, days_ahead
from tests.support.servers import ServerProcess

Mongo = MongoClient[dict[str, Any]]


def confirm(**fields: Any) -> dict[str, Any]:
    return {"agentKey": "sdr", "contactId": "lead-1", **fields}


async def slots(server: ServerProcess, token: str, day: str, **params: Any) -> list[str]:
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        response = await http.get(
            "/calendar/available-slots",
            params={"date": day, **params},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 200, response.text
    return [slot["start"] for slot in response.json()["available_slots"]]


async def test_chat_to_slot_picker_to_booking_with_a_system_message_in_portuguese(
    booking_server: ServerProcess, connect: Connect, mongo_client: Mongo, booking_db_name: str
) -> None:
    account, tab = await connect(None)
    _same, other_tab = await connect(account)
    tomorrow = days_ahead(1).isoformat()
    assert {"14:00", "14:30", "15:00", "15:30"} <= set(
        await slots(booking_server, account.access_token, tomorrow)
    )

    ack = await tab.emit(
        "agent:send",
        {
            "agentKey": "sdr",
            "contactId": "lead-1",
            "message": "Quero agendar uma reunião amanhã às 15h, meu e-mail é maria@example.com",
        },
    )
    assert ack["ok"] is True
    picker = (await tab.wait_for("agent:show-slot-picker"))[0]
    assert picker["suggestedDate"] == tomorrow
    assert picker["suggestedTime"] == "15:00"
    assert picker["email"] == "maria@example.com"

    answer = await tab.emit(
        "agent:schedule-confirm",
        confirm(
            date=picker["suggestedDate"],
            time=picker["suggestedTime"],
            email=picker["email"],
            phone="(11) 91234-5678",
        ),
    )

    assert answer["ok"] is True, answer
    for client in (tab, other_tab):  # every tab of the person sees the booking
        booked = (await client.wait_for("agent:schedule-confirm"))[0]
        assert booked["agentKey"] == "sdr" and booked["contactId"] == "lead-1"
        event = booked["event"]
        assert event["start"] == f"{tomorrow}T15:00:00-03:00"
        assert event["end"] == f"{tomorrow}T16:00:00-03:00"
        assert event["email"] == "maria@example.com"
        assert event["phone"] == "+5511912345678"
        assert event["status"] == "confirmed" and event["calendar"] == "local"
        note = (await client.wait_for("agent:message", lambda d: d["author"] == "system"))[0]
        assert note["text"].startswith("Reunião agendada para ")
        assert "15:00" in note["text"] and "16:00" in note["text"]

    async with httpx.AsyncClient(base_url=booking_server.base_url) as http:
        history = await http.get(
            "/agents/sdr/conversations/lead-1/messages", headers=account.headers
        )
        listed = await http.get("/calendar/events", headers=account.headers)
    stored_texts = [m["text"] for m in history.json()["messages"] if m["author"] == "system"]
    assert stored_texts == [note["text"]]
    assert [e["id"] for e in listed.json()["events"]] == [event["id"]]

    free = await slots(booking_server, account.access_token, tomorrow)
    assert "14:00" in free and "16:00" in free
    assert not {"14:30", "15:00", "15:30"} & set(free)  # every start that would overlap

    db = mongo_client[booking_db_name]
    stored = list(db["events"].find({"user_id": account.user_id}))
    assert len(stored) == 1
    assert stored[0]["status"] == "confirmed"
    assert stored[0]["start"].isoformat() == f"{tomorrow}T18:00:00"  # stored in UTC


async def test_an_english_chat_books_from_what_the_conversation_said(
    booking_server: ServerProcess, connect: Connect
) -> None:
    _account, tab = await connect(None)
    ack = await tab.emit(
        "agent:send",
        {
            "agentKey": "sdr",
            "contactId": "lead-en",
            "message": "Can we book a meeting next Tuesday at 4pm? My email is john@example.com",
        },
    )
    assert ack["ok"]
    picker = (await tab.wait_for("agent:show-slot-picker"))[0]

    # The picker was accepted as suggested: no date, time or e-mail sent back.
    answer = await tab.emit("agent:schedule-confirm", {"agentKey": "sdr", "contactId": "lead-en"})

    assert answer["ok"] is True, answer
    assert answer["event"]["date"] == picker["suggestedDate"]
    assert answer["event"]["time"] == "16:00"
    assert answer["event"]["email"] == "john@example.com"
    note = (await tab.wait_for("agent:message", lambda d: d["author"] == "system"))[0]
    assert note["text"].startswith("Meeting booked for ")
    assert note["contactId"] == "lead-en"


async def test_twenty_simultaneous_confirms_of_one_slot_make_exactly_one_booking(
    booking_server: ServerProcess, connect: Connect, mongo_client: Mongo, booking_db_name: str
) -> None:
    sockets = []
    for _user in range(5):  # five people, each with two tabs
        account, first = await connect(None)
        _same, second = await connect(account)
        sockets += [(account, first), (account, second)]
    day = days_ahead(5).isoformat()
    attempt = confirm(date=day, time="10:00", email="race@example.com")

    answers = await asyncio.gather(
        *(client.emit("agent:schedule-confirm", attempt) for _a, client in sockets * 2)
    )

    winners = [a for a in answers if a["ok"]]
    losers = [a for a in answers if not a["ok"]]
    assert len(winners) == 1 and len(losers) == 19
    assert {a["error"]["code"] for a in losers} == {"slot_taken"}
    assert losers[0]["error"]["code"] == "slot_taken"
    assert "pick another one" in losers[0]["error"]["message"]
    errors = [e for _a, c in sockets for e in c.of("agent:error")]
    assert errors and all(e["code"] == "slot_taken" for e in errors)
    db = mongo_client[booking_db_name]
    ten_oclock = datetime.fromisoformat(f"{day}T13:00:00+00:00")  # 10:00 in Sao Paulo
    assert db["events"].count_documents({"active": True, "start": ten_oclock}) == 1
    # A meeting that would overlap the winner by half an hour is refused too.
    _late, client = await connect(None)
    overlap = await client.emit(
        "agent:schedule-confirm", confirm(date=day, time="10:30", email="late@example.com")
    )
    assert overlap["ok"] is False and overlap["error"]["code"] == "slot_taken"


async def test_invalid_confirms_get_a_clear_error_and_book_nothing(
    booking_server: ServerProcess, connect: Connect, mongo_client: Mongo, booking_db_name: str
) -> None:
    account, tab = await connect(None)
    day = days_ahead(2).isoformat()
    good = {"date": day, "time": "11:00", "email": "ana@example.com"}
    cases = [
        ({**good, "email": "not-an-email"}, "invalid_email"),
        ({**good, "email": ""}, "invalid_email"),
        ({**good, "phone": "12"}, "invalid_phone"),
        ({**good, "date": "2026-02-30"}, "invalid_date"),
        ({**good, "date": "amanhã"}, "invalid_date"),
        ({**good, "time": "25:00"}, "invalid_time"),
        ({**good, "time": "07:00"}, "slot_unavailable"),  # before opening
        ({**good, "time": "19:30"}, "slot_unavailable"),  # would end after closing
        ({**good, "time": "11:10"}, "slot_unavailable"),  # not an offered start
        ({**good, "date": days_ahead(-1).isoformat()}, "slot_unavailable"),
        ({**good, "date": days_ahead(45).isoformat()}, "date_too_far"),
        ({**good, "durationMinutes": 5}, "invalid_duration"),
        ({**good, "date": 20260101}, "invalid_payload"),
    ]
    for fields, code in cases:
        answer = await tab.emit("agent:schedule-confirm", confirm(**fields))
        assert answer["ok"] is False, fields
        assert answer["error"]["code"] == code, (fields, answer)
        assert answer["error"]["message"]
    support = await tab.emit("agent:schedule-confirm", {**confirm(**good), "agentKey": "support"})
    assert support["error"]["code"] == "scheduling_disabled"
    unknown = await tab.emit("agent:schedule-confirm", {**confirm(**good), "agentKey": "nobody"})
    assert unknown["error"]["code"] == "agent_not_found"
    errors = await tab.wait_for("agent:error", count=len(cases) + 2)
    assert errors[0]["agentKey"] == "sdr" and errors[0]["contactId"] == "lead-1"
    assert (
        mongo_client[booking_db_name]["events"].count_documents({"user_id": account.user_id}) == 0
    )

    # Nothing was lost: the same person can still book that slot correctly.
    fine = await tab.emit("agent:schedule-confirm", confirm(**good))
    assert fine["ok"] is True, fine


async def test_cancelling_frees_the_slot_and_another_users_booking_is_not_found(
    booking_server: ServerProcess, connect: Connect
) -> None:
    owner, tab = await connect(None)
    stranger, _other = await connect(None)
    day = days_ahead(6).isoformat()
    booked = await tab.emit(
        "agent:schedule-confirm", confirm(date=day, time="11:00", email="owner@example.com")
    )
    event_id = booked["event"]["id"]
    assert "11:00" not in await slots(booking_server, owner.access_token, day)

    async with httpx.AsyncClient(base_url=booking_server.base_url) as http:
        foreign = await http.delete(f"/calendar/events/{event_id}", headers=stranger.headers)
        garbage = await http.delete("/calendar/events/not-an-id", headers=owner.headers)
        cancelled = await http.delete(f"/calendar/events/{event_id}", headers=owner.headers)
        listed = await http.get("/calendar/events", headers=owner.headers)
        with_cancelled = await http.get(
            "/calendar/events", params={"includeCancelled": "true"}, headers=owner.headers
        )

    assert foreign.status_code == 404
    assert foreign.json() == {"detail": "Booking not found.", "code": "booking_not_found"}
    assert garbage.status_code == 404
    assert cancelled.status_code == 200
    assert cancelled.json()["event"]["status"] == "cancelled"
    assert listed.json()["events"] == []
    assert [e["status"] for e in with_cancelled.json()["events"]] == ["cancelled"]
    assert "11:00" in await slots(booking_server, owner.access_token, day)
    rebooked = await tab.emit(
        "agent:schedule-confirm", confirm(date=day, time="11:00", email="owner@example.com")
    )
    assert rebooked["ok"] is True


async def test_available_slots_answers_bad_queries_with_a_clear_422(
    booking_server: ServerProcess, connect: Connect
) -> None:
    account, _tab = await connect(None)
    day = days_ahead(3).isoformat()
    async with httpx.AsyncClient(base_url=booking_server.base_url) as http:

        async def get(**params: Any) -> httpx.Response:
            return await http.get(
                "/calendar/available-slots", params=params, headers=account.headers
            )

        good = await get(date=day, duration_minutes=30, agentKey="sdr")
        bad_date = await get(date="2026-13-01")
        words = await get(date="tomorrow")
        short = await get(date=day, duration_minutes=10)
        long = await get(date=day, duration_minutes=300)
        far = await get(date=days_ahead(31).isoformat())
        nobody = await get(date=day, agentKey="nobody")
        anonymous = await http.get("/calendar/available-slots", params={"date": day})

    assert good.status_code == 200
    body = good.json()
    assert body["timezone"] == "America/Sao_Paulo" and body["calendar"] == "local"
    first = body["available_slots"][0]
    assert (first["start"], first["end"]) == ("08:00", "08:30")
    assert first["startIso"] == f"{day}T08:00:00-03:00"
    assert first["endIso"] == f"{day}T08:30:00-03:00"
    for response, code, words_in_detail in [
        (bad_date, "invalid_date", "valid date"),
        (words, "invalid_date", "YYYY-MM-DD"),
        (short, "invalid_duration", "between 15 and 240"),
        (long, "invalid_duration", "between 15 and 240"),
        (far, "date_too_far", "30 days ahead"),
    ]:
        assert response.status_code == 422, response.text
        assert response.json()["code"] == code
        assert words_in_detail in response.json()["detail"]
    assert nobody.status_code == 404
    assert anonymous.status_code == 401


async def test_with_auto_create_on_a_booking_also_becomes_one_task(
    booking_server: ServerProcess, connect: Connect
) -> None:
    account, tab = await connect(None)
    await tab.emit("agent:set-auto-create", {"agentKey": "sdr", "autoCreate": True})
    day = days_ahead(4).isoformat()

    answer = await tab.emit(
        "agent:schedule-confirm",
        confirm(contactId="lead-task", date=day, time="10:00", email="ana@example.com"),
    )

    assert answer["ok"] is True, answer
    created = (await tab.wait_for("agent:task-created"))[0]
    assert (created["agentKey"], created["contactId"]) == ("sdr", "lead-task")
    assert created["task"]["dueDate"] == day
    assert "ana@example.com" in created["task"]["title"]
    async with httpx.AsyncClient(base_url=booking_server.base_url) as http:
        tasks = (
            await http.get("/tasks", headers={"Authorization": f"Bearer {account.access_token}"})
        ).json()
    assert [t["id"] for t in tasks["tasks"]] == [created["task"]["id"]]


async def test_with_auto_create_off_a_booking_makes_no_task(
    booking_server: ServerProcess, connect: Connect
) -> None:
    _account, tab = await connect(None)
    day = days_ahead(4).isoformat()
    answer = await tab.emit(
        "agent:schedule-confirm",
        confirm(contactId="lead-notask", date=day, time="13:00", email="bo@example.com"),
    )
    assert answer["ok"] is True, answer
    await tab.wait_for("agent:message", lambda d: d["author"] == "system")
    assert tab.of("agent:task-created") == []
