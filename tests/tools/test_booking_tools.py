"""check_availability and book_meeting as a model calls them: real slots, one booking,
a taken slot answered with free alternatives, and contacts the person never wrote."""

from __future__ import annotations

from agents_backend.bots.models import Publication
from agents_backend.chat.store import Lease, insert_user_message
from tests.tools.conftest import TOMORROW, USER, Kit, message


async def test_check_availability_returns_the_slots_the_calendar_offers(kit: Kit) -> None:
    result = await kit.call("check_availability", {"date": TOMORROW})

    assert result.outcome == "ok" and result.name == "check_availability"
    # The same list GET /calendar/available-slots serves (the route asks the same call).
    offered = await kit.scheduling.available_slots(
        user_id=USER.id, day_text=TOMORROW, duration_minutes=60, agent_key="sdr"
    )
    starts = [slot["start"] for slot in result.content["slots"]]
    assert starts == [slot["start"] for slot in offered]
    # Tuesday, working hours 09-18, hour-long meetings every half hour.
    assert starts[0] == "09:00" and starts[-1] == "17:00" and len(starts) == 17
    assert result.content["slots"][0] == {"start": "09:00", "end": "10:00"}
    assert result.arguments == {"date": TOMORROW, "durationMinutes": 60}

    assert result.content["workingDay"] is True

    sunday = await kit.call("check_availability", {"date": "2026-03-15"})
    assert sunday.content["slots"] == [] and sunday.content["workingDay"] is False

    half_hour = await kit.call("check_availability", {"date": TOMORROW, "durationMinutes": 30})
    assert half_hour.content["slots"][-1] == {"start": "17:30", "end": "18:00"}


async def test_book_meeting_books_once_with_the_system_message_and_the_confirmation(
    kit: Kit,
) -> None:
    said = [
        kit.said("Quero marcar uma reunião amanhã"),
        message("agent", "Tenho 10h ou 15h, qual prefere? E qual o seu e-mail?"),
        kit.said("15h está ótimo, meu e-mail é Ana.Lima@Example.com"),
    ]

    result = await kit.call(
        "book_meeting",
        {"date": TOMORROW, "time": "15:00", "email": "ana.lima@example.com"},
        said=said,
    )

    assert result.outcome == "ok" and result.booked is True and result.code is None
    assert result.content["status"] == "booked"
    assert result.content["date"] == TOMORROW
    assert (result.content["time"], result.content["endTime"]) == ("15:00", "16:00")
    assert result.content["email"] == "ana.lima@example.com"
    assert result.arguments["email"] == "ana.lima@example.com"
    bookings = [doc async for doc in kit.db.events.find({"active": True})]
    assert len(bookings) == 1 and bookings[0]["contact_id"] == "lead-1"
    assert bookings[0]["email"] == "ana.lima@example.com"
    # What the person sees comes from the booking: the card and the System message.
    confirmed = kit.inbox.named("agent:schedule-confirm")
    assert len(confirmed) == 1
    assert confirmed[0]["event"]["start"] == f"{TOMORROW}T15:00:00-03:00"
    notes = [m for m in kit.inbox.named("agent:message") if m["author"] == "system"]
    assert len(notes) == 1
    assert await kit.db.messages.count_documents({"author": "system"}) == 1

    after = await kit.call("check_availability", {"date": TOMORROW})
    starts = [slot["start"] for slot in after.content["slots"]]
    assert "15:00" not in starts and "14:30" not in starts and "15:30" not in starts
    assert "14:00" in starts and "16:00" in starts


async def test_a_taken_slot_books_nothing_and_offers_the_nearest_free_times(kit: Kit) -> None:
    first = [kit.said("Amanhã às 15h, bia@example.com", contact_id="lead-1")]
    booked = await kit.call(
        "book_meeting",
        {"date": TOMORROW, "time": "15:00", "email": "bia@example.com"},
        said=first,
    )
    assert booked.booked is True
    kit.inbox.events.clear()

    second = [kit.said("Amanhã às 15h, meu email: caio@example.com", contact_id="lead-2")]
    taken = await kit.call(
        "book_meeting",
        {"date": TOMORROW, "time": "15:00", "email": "caio@example.com"},
        said=second,
    )

    assert taken.outcome == "refused" and taken.code == "slot_taken"
    assert taken.booked is False
    assert taken.content["status"] == "slot_taken"
    alternatives = taken.content["alternatives"]
    assert len(alternatives) == 4
    assert all(slot["date"] == TOMORROW for slot in alternatives)
    # The nearest to 15:00 first: the hours either side of the taken meeting.
    assert {slot["time"] for slot in alternatives[:2]} == {"14:00", "16:00"}
    assert {slot["time"] for slot in alternatives[2:]} == {"13:30", "16:30"}
    assert await kit.db.events.count_documents({"active": True}) == 1
    assert await kit.db.messages.count_documents({"author": "system"}) == 1
    assert kit.inbox.named("agent:schedule-confirm") == []


async def test_alternatives_move_to_the_next_working_day_when_the_day_is_full(kit: Kit) -> None:
    friday = "2026-03-13"
    # Friday 09:00-18:00 filled by three meetings.
    for hour, minutes, contact in (("09:00", 240, "a"), ("13:00", 240, "b"), ("17:00", 60, "c")):
        said = [kit.said(f"sexta {hour}, lead-{contact}@example.com", contact_id=contact)]
        done = await kit.call(
            "book_meeting",
            {
                "date": friday,
                "time": hour,
                "email": f"lead-{contact}@example.com",
                "durationMinutes": minutes,
            },
            said=said,
        )
        assert done.booked is True, done.content

    said = [kit.said("sexta 17h, lead-d@example.com", contact_id="d")]
    taken = await kit.call(
        "book_meeting", {"date": friday, "time": "17:00", "email": "lead-d@example.com"}, said=said
    )

    assert taken.code == "slot_taken"
    # Nothing left on Friday; Saturday and Sunday are not working days: Monday's first.
    assert [(slot["date"], slot["time"]) for slot in taken.content["alternatives"]] == [
        ("2026-03-16", "09:00"),
        ("2026-03-16", "09:30"),
        ("2026-03-16", "10:00"),
        ("2026-03-16", "10:30"),
    ]


async def test_an_email_the_person_never_wrote_books_nothing(kit: Kit) -> None:
    said = [kit.said("Pode marcar amanhã às 10h"), kit.said("Sim, confirma")]

    result = await kit.call(
        "book_meeting",
        {"date": TOMORROW, "time": "10:00", "email": "lead@example.com"},
        said=said,
    )

    assert result.outcome == "refused" and result.code == "email_not_given"
    assert result.booked is False
    assert result.content["status"] == "refused" and result.content["message"]
    assert await kit.db.events.count_documents({}) == 0
    assert kit.inbox.events == []


async def test_an_email_written_by_the_agent_is_not_the_persons(kit: Kit) -> None:
    said = [
        kit.said("Quero agendar amanhã às 10h"),
        message("agent", "Posso usar contato@empresa.com?"),
        kit.said("Pode ser"),
    ]

    result = await kit.call(
        "book_meeting",
        {"date": TOMORROW, "time": "10:00", "email": "contato@empresa.com"},
        said=said,
    )

    assert result.code == "email_not_given"
    assert await kit.db.events.count_documents({}) == 0


async def test_a_phone_must_be_the_persons_too(kit: Kit) -> None:
    said = [kit.said("amanhã 11h, ana@example.com, telefone (11) 91234-5678")]

    made_up = await kit.call(
        "book_meeting",
        {"date": TOMORROW, "time": "11:00", "email": "ana@example.com", "phone": "+5521988887777"},
        said=said,
    )
    assert made_up.code == "phone_not_given"
    assert await kit.db.events.count_documents({}) == 0

    # The same number written another way is the person's.
    given = await kit.call(
        "book_meeting",
        {
            "date": TOMORROW,
            "time": "11:00",
            "email": "ana@example.com",
            "phone": "+55 11 91234 5678",
        },
        said=said,
    )
    assert given.booked is True and given.content["phone"] == "+5511912345678"


async def test_a_slot_outside_the_working_hours_is_refused(kit: Kit) -> None:
    said = [kit.said("amanhã às 20h, ana@example.com")]

    result = await kit.call(
        "book_meeting", {"date": TOMORROW, "time": "20:00", "email": "ana@example.com"}, said=said
    )

    assert result.outcome == "refused" and result.code == "slot_unavailable"
    assert await kit.db.events.count_documents({}) == 0


async def test_a_visitor_booking_records_the_lead(kit: Kit) -> None:
    sdr = await kit.sdr()
    visitor = "visitor:abcdefghijklmnopqrstuvwxyz"
    said = [kit.said("amanhã 9h30? joao@example.com", contact_id=visitor)]
    call = {"date": TOMORROW, "time": "09:30", "email": "joao@example.com"}

    # Visitors book only where the owner lets them.
    closed = sdr.model_copy(
        update={"publication": Publication(enabled=True, slug="sdr-x", booking_enabled=False)}
    )
    refused = await kit.call("book_meeting", call, said=said, agent=closed)
    assert refused.code == "not_offered" and kit.leads == []
    assert await kit.db.events.count_documents({}) == 0

    published = sdr.model_copy(update={"publication": Publication(enabled=True, slug="sdr-x")})
    result = await kit.call("book_meeting", call, said=said, agent=published)

    assert result.booked is True
    assert [(lead.conversation_id, lead.email) for lead in kit.leads] == [
        (visitor, "joao@example.com")
    ]
    booking = await kit.db.events.find_one({"active": True})
    assert booking is not None and booking["contact_id"] == visitor


async def test_an_email_written_before_the_context_window_still_books(kit: Kit) -> None:
    """The model sees only the last CONTEXT_MESSAGES; the person gave their address long
    before. Stored in the conversation, it is theirs, and the booking goes through."""
    early = kit.said("meu e-mail é bia@example.com")
    await insert_user_message(
        db=kit.db,
        user_id=USER.id,
        agent_key="sdr",
        contact_id=early.contact_id,
        text=early.text,
        client_message_id=None,
        nlp=None,
        lease=Lease("test", 0),
    )
    window = [kit.said("pode ser amanhã às 15h?")]  # the address is not in it

    result = await kit.call(
        "book_meeting",
        {"date": TOMORROW, "time": "15:00", "email": "bia@example.com"},
        said=window,
    )

    assert result.outcome == "ok" and result.booked, result.content
    assert await kit.db.events.count_documents({"email": "bia@example.com"}) == 1
