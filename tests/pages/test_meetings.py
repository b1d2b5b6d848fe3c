"""My meetings: cancelling a booking over REST frees its slot for anyone, leaves a
System message in the booking's conversation and tells every tab of the person."""

from __future__ import annotations

from typing import Any

import httpx

from tests.pages.conftest import Connect, days_ahead
from tests.support.clients import Account, history_page, register
from tests.support.servers import ServerProcess
from tests.visitors.conftest import SHOP, NewVisitor, published_bot


async def free_starts(server: ServerProcess, account: Account, day: str) -> list[str]:
    async with httpx.AsyncClient(base_url=server.base_url, headers=account.headers) as http:
        response = await http.get("/calendar/available-slots", params={"date": day})
    assert response.status_code == 200, response.text
    return [slot["start"] for slot in response.json()["available_slots"]]


def booking(contact: str, day: str, time: str, email: str) -> dict[str, Any]:
    return {"agentKey": "sdr", "contactId": contact, "date": day, "time": time, "email": email}


async def test_cancelling_frees_the_slot_for_another_user_and_tells_the_conversation(
    pages_server: ServerProcess, connect: Connect
) -> None:
    owner, tab = await connect(None)
    _same, other_tab = await connect(owner)
    other_user, other_socket = await connect(None)
    day = days_ahead(3).isoformat()

    booked = await tab.emit("agent:schedule-confirm", booking("lead-c1", day, "10:00", "a@x.io"))
    assert booked["ok"] is True, booked
    event_id = booked["event"]["id"]
    assert "10:00" not in await free_starts(pages_server, other_user, day)

    async with httpx.AsyncClient(base_url=pages_server.base_url, headers=owner.headers) as http:
        cancelled = await http.delete(f"/calendar/events/{event_id}")
        listed = await http.get("/calendar/events", params={"includeCancelled": "true"})
        again = await http.delete(f"/calendar/events/{event_id}")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["event"]["status"] == "cancelled"
    assert [(e["id"], e["status"]) for e in listed.json()["events"]] == [(event_id, "cancelled")]
    assert again.status_code == 200  # cancelling twice is harmless and announces nothing

    for client in (tab, other_tab):
        told = (await client.wait_for("agent:schedule-cancelled"))[0]
        assert (told["agentKey"], told["contactId"]) == ("sdr", "lead-c1")
        assert told["event"]["id"] == event_id and told["event"]["status"] == "cancelled"
        note = (
            await client.wait_for(
                "agent:message", lambda m: m["author"] == "system" and "cancelled" in m["text"]
            )
        )[0]
        assert note["contactId"] == "lead-c1"
        assert note["text"].startswith("Meeting of ") and "10:00" in note["text"]
    assert len(tab.of("agent:schedule-cancelled")) == 1
    assert other_socket.of("agent:schedule-cancelled") == []  # only the owner's sockets

    page = await history_page(owner, "sdr", "lead-c1")
    system_texts = [m["text"] for m in page["messages"] if m["author"] == "system"]
    assert len(system_texts) == 2 and system_texts[1] == note["text"]

    # The slot is free again, and another user can take it.
    assert "10:00" in await free_starts(pages_server, other_user, day)
    taken = await other_socket.emit(
        "agent:schedule-confirm", booking("lead-c2", day, "10:00", "b@x.io")
    )
    assert taken["ok"] is True, taken


async def test_the_cancellation_message_is_in_the_language_the_meeting_was_booked_in(
    pages_server: ServerProcess, connect: Connect
) -> None:
    owner = await register(pages_server.base_url, name="Ana Lima")
    async with httpx.AsyncClient(base_url=pages_server.base_url, headers=owner.headers) as http:
        await http.patch("/auth/me", json={"preferredLanguage": "pt-BR"})
    _owner, tab = await connect(owner)  # the socket speaks the account's language
    day = days_ahead(4).isoformat()
    booked = await tab.emit("agent:schedule-confirm", booking("lead-pt", day, "11:00", "c@x.io"))
    assert booked["ok"] is True, booked
    async with httpx.AsyncClient(base_url=pages_server.base_url, headers=owner.headers) as http:
        response = await http.delete(f"/calendar/events/{booked['event']['id']}")
        unknown = await http.delete("/calendar/events/0123456789abcdef01234567")
    assert response.status_code == 200
    assert unknown.status_code == 404 and unknown.json()["code"] == "booking_not_found"
    note = (
        await tab.wait_for(
            "agent:message", lambda m: m["author"] == "system" and "11:00" in m["text"], count=2
        )
    )[1]
    assert note["text"].startswith("Reunião de ") and "cancelada" in note["text"]


async def test_a_visitors_booking_cancelled_by_the_owner_tells_the_visitor_too(
    pages_server: ServerProcess, connect: Connect, new_visitor: NewVisitor
) -> None:
    owner, bot, publication = await published_bot(pages_server)
    _owner, owner_tab = await connect(owner)
    visitor = new_visitor()
    session = await visitor.connect(
        pages_server.base_url, {"agent": publication["slug"], "host": SHOP, "language": "pt-BR"}
    )
    day = days_ahead(5).isoformat()
    booked = await visitor.emit(
        "visitor:schedule-confirm", {"date": day, "time": "16:00", "email": "lead@example.com"}
    )
    assert booked["ok"] is True, booked

    async with httpx.AsyncClient(base_url=pages_server.base_url, headers=owner.headers) as http:
        mine = (await http.get("/calendar/events")).json()["events"]
        assert [e["contactId"] for e in mine] == [session["conversationId"]]
        cancelled = await http.delete(f"/calendar/events/{booked['event']['id']}")
    assert cancelled.status_code == 200, cancelled.text

    # The visitor reads it in the language they booked in, and their chat drops the booking
    # (without the owner's calendar link); the owner's tab hears both.
    note = (
        await visitor.wait_for(
            "agent:message", lambda m: m["author"] == "system" and "cancelada" in m["text"]
        )
    )[0]
    assert note["contactId"] == session["conversationId"]
    heard = await visitor.wait_for("agent:schedule-cancelled")
    assert [e["event"]["id"] for e in heard] == [booked["event"]["id"]]
    assert heard[0]["event"]["htmlLink"] is None
    told = (await owner_tab.wait_for("agent:schedule-cancelled"))[0]
    assert (told["agentKey"], told["contactId"]) == (bot["key"], session["conversationId"])
