"""The agent's model books through its tools, over real sockets, with the real toolbox,
mongod and local calendar; only the model is the local OpenAI-compatible server.

What a person notices: the model proposes real free times, books the one they pick
(one booking, the System message and the confirmation card), says "booked" only when
it did, cannot book with an e-mail they never wrote, and stops after a few rounds.
"""

from __future__ import annotations

import httpx
import pytest

from tests.support.fake_openai import FakeOpenAI, Reply, ToolCalls
from tests.support.servers import ServerProcess
from tests.tool_calls.conftest import MAX_ROUNDS, Connect
from tests.tool_calls.helpers import (
    Mongo,
    arguments,
    ask,
    bookings,
    days_ahead,
    requests_since,
    stored_reply,
    tool_statuses,
)

HONEST_PT = "Ainda não marquei nada: escolha um horário e eu confirmo."


@pytest.mark.parametrize("whole", [False, True], ids=["fragments", "one-chunk"])
async def test_the_model_checks_availability_proposes_two_times_and_books_the_chosen_one(
    whole: bool,
    connect: Connect,
    fake_llm: FakeOpenAI,
    mongo_client: Mongo,
    tools_db_name: str,
    tools_server: ServerProcess,
) -> None:
    account, tab = await connect()
    day = days_ahead(6 if whole else 2).isoformat()  # one calendar for every test
    start = len(fake_llm.requests_of("stream"))
    fake_llm.script(
        "stream",
        ToolCalls(
            [("check_availability", arguments(date=day))],
            text="Vou ver a agenda.",
            whole=whole,
            prompt_tokens=100,
            completion_tokens=10,
        ),
        Reply("Tenho 10:00 ou 14:30, qual prefere?", prompt_tokens=200, completion_tokens=20),
    )

    first = await ask(tab, "Quero marcar uma reunião depois de amanhã", contact="lead-a")

    assert first.reply["text"] == "Vou ver a agenda.\n\nTenho 10:00 ou 14:30, qual prefere?"
    assert first.streamed == first.reply["text"]  # one reply across both rounds
    assert [d["seq"] for d in first.deltas] == list(range(len(first.deltas)))
    assert tool_statuses(tab, first.reply["id"]) == [
        ("check_availability", True, None),
        ("check_availability", False, "ok"),
    ]
    assert first.reply["toolCalls"] == [{"name": "check_availability", "outcome": "ok"}]
    # The model decides when a picker opens; the rules' guess does not open one.
    assert not tab.of("agent:show-slot-picker")
    rounds = requests_since(fake_llm, start)
    assert len(rounds) == 2
    assert "book_meeting" in rounds[0].tool_names
    [turn] = rounds[1].tool_turns
    assert turn["content"] == "Vou ver a agenda."
    assert [(name, args) for _id, name, args in turn["calls"]] == [
        ("check_availability", arguments(date=day))
    ]
    [result] = rounds[1].tool_results
    assert result["tool_call_id"] == turn["calls"][0][0]
    free = {slot["start"] for slot in result["content"]["slots"]}
    assert {"10:00", "14:30"} <= free  # the agent's real free times

    fake_llm.script(
        "stream",
        ToolCalls(
            [("book_meeting", arguments(date=day, time="14:30", email="ana@example.com"))],
            whole=whole,
            prompt_tokens=300,
            completion_tokens=30,
        ),
        Reply("Pronto, agendei para 14:30!", prompt_tokens=400, completion_tokens=40),
    )
    second = await ask(tab, "14:30, meu e-mail é ana@example.com", contact="lead-a")

    confirmed = (await tab.wait_for("agent:schedule-confirm"))[0]
    assert confirmed["contactId"] == "lead-a"
    assert confirmed["event"]["start"] == f"{day}T14:30:00-03:00"
    assert confirmed["event"]["email"] == "ana@example.com"
    notes = tab.of("agent:message", lambda m: m["author"] == "system")
    assert len(notes) == 1 and notes[0]["text"].startswith("Reunião agendada para ")
    # Booked, so the model may say so.
    assert second.reply["text"] == "Pronto, agendei para 14:30!"
    assert second.reply["toolCalls"] == [{"name": "book_meeting", "outcome": "ok"}]
    assert tool_statuses(tab, second.reply["id"]) == [
        ("book_meeting", True, None),
        ("book_meeting", False, "ok"),
    ]
    assert len(bookings(mongo_client, tools_db_name, account.user_id)) == 1
    # Booked in this reply: the chips no longer offer to book.
    chips = await tab.wait_for("agent:suggestions", lambda s: s["replyTo"] == second.reply["id"])
    assert chips[0]["suggestions"] == ["Obrigado!", "Tenho outra dúvida"]
    told = requests_since(fake_llm, start)[3].tool_results
    assert told[0]["content"]["status"] == "booked"

    stored = stored_reply(mongo_client, tools_db_name, second.reply["id"])
    assert stored["tool_calls"] == [
        {
            "name": "book_meeting",
            "arguments": {
                "date": day,
                "time": "14:30",
                "email": "ana@example.com",
                "durationMinutes": 60,
            },
            "outcome": "ok",
            "code": None,
        }
    ]
    async with httpx.AsyncClient(base_url=tools_server.base_url) as http:
        page = await http.get("/agents/sdr/conversations/lead-a/messages", headers=account.headers)
    calls = {m["id"]: m.get("toolCalls") for m in page.json()["messages"]}
    assert calls[first.reply["id"]] == [{"name": "check_availability", "outcome": "ok"}]
    assert calls[second.reply["id"]] == [{"name": "book_meeting", "outcome": "ok"}]


async def test_a_taken_slot_is_not_booked_twice_and_the_model_reads_the_alternatives(
    connect: Connect, fake_llm: FakeOpenAI, mongo_client: Mongo, tools_db_name: str
) -> None:
    account, tab = await connect()
    day = days_ahead(3).isoformat()
    book = ("book_meeting", arguments(date=day, time="10:00", email="rui@example.com"))
    fake_llm.script("stream", ToolCalls([book]), Reply("Feito."))
    await ask(tab, "Pode ser às 10h, rui@example.com", contact="lead-b")
    assert len(bookings(mongo_client, tools_db_name, account.user_id)) == 1

    start = len(fake_llm.requests_of("stream"))
    fake_llm.script("stream", ToolCalls([book]), Reply("Esse horário não está livre."))
    again = await ask(tab, "Marca de novo às 10h, por favor", contact="lead-b")

    assert len(bookings(mongo_client, tools_db_name, account.user_id)) == 1
    assert len(tab.of("agent:schedule-confirm")) == 1
    assert again.reply["toolCalls"] == [
        {"name": "book_meeting", "outcome": "refused", "code": "slot_taken"}
    ]
    [told] = requests_since(fake_llm, start)[1].tool_results
    assert told["content"]["status"] == "slot_taken"
    alternatives = told["content"]["alternatives"]
    assert 1 <= len(alternatives) <= 4
    assert all((a["date"], a["time"]) != (day, "10:00") for a in alternatives)
    assert alternatives[0]["date"] == day  # the nearest free times that day first


async def test_a_booking_claimed_in_prose_without_the_tool_is_never_shown(
    connect: Connect, fake_llm: FakeOpenAI, mongo_client: Mongo, tools_db_name: str
) -> None:
    account, tab = await connect()
    claim = "Pronto, agendei sua reunião para amanhã às 10h!"
    fake_llm.script("stream", Reply(f"Claro. {claim} Até lá.", chunk_size=3))

    said = await ask(
        tab, "Quero uma reunião amanhã às 10h, meu e-mail é bia@example.com", contact="lead-c"
    )

    assert said.reply["text"] == f"Claro. {HONEST_PT} Até lá."
    assert said.streamed == said.reply["text"]
    for text in (said.streamed, said.reply["text"]):
        assert "agendei" not in text
    assert not bookings(mongo_client, tools_db_name, account.user_id)
    assert not tab.of("agent:schedule-confirm")
    assert not tab.of("agent:message", lambda m: m["author"] == "system")
    stored = stored_reply(mongo_client, tools_db_name, said.reply["id"])
    assert stored["text"] == said.reply["text"]


async def test_a_model_that_calls_tools_forever_is_stopped_with_a_clear_message(
    connect: Connect, fake_llm: FakeOpenAI
) -> None:
    _account, tab = await connect()
    day = days_ahead(4).isoformat()
    start = len(fake_llm.requests_of("stream"))
    forever = ToolCalls([("check_availability", arguments(date=day))], text="Um momento.")
    fake_llm.script("stream", *[forever] * (MAX_ROUNDS + 2))

    said = await ask(tab, "Quais horários vocês têm?", contact="lead-d")

    assert len(requests_since(fake_llm, start)) == MAX_ROUNDS
    assert said.reply["text"].endswith(
        "Não consegui concluir isso em poucos passos, então parei aqui. Diga o que fazer a "
        "seguir ou escolha um horário no formulário de agendamento."
    )
    assert said.streamed == said.reply["text"]
    assert said.reply["toolCalls"] == [
        *[{"name": "check_availability", "outcome": "ok"}] * (MAX_ROUNDS - 1),
        {"name": "check_availability", "outcome": "refused", "code": "tool_limit"},
    ]
    running = [s for s in tool_statuses(tab, said.reply["id"]) if s[1]]
    assert len(running) == MAX_ROUNDS - 1  # the last round's call never ran


async def test_a_booking_with_an_email_the_person_never_wrote_is_refused(
    connect: Connect, fake_llm: FakeOpenAI, mongo_client: Mongo, tools_db_name: str
) -> None:
    account, tab = await connect()
    day = days_ahead(5).isoformat()
    start = len(fake_llm.requests_of("stream"))
    made_up = ("book_meeting", arguments(date=day, time="11:00", email="someone@example.com"))
    fake_llm.script("stream", ToolCalls([made_up]), Reply("Qual é o seu e-mail?"))

    said = await ask(tab, "Marca amanhã às 11h pra mim", contact="lead-e")

    assert said.reply["text"] == "Qual é o seu e-mail?"
    assert said.reply["toolCalls"] == [
        {"name": "book_meeting", "outcome": "refused", "code": "email_not_given"}
    ]
    assert not bookings(mongo_client, tools_db_name, account.user_id)
    assert not tab.of("agent:schedule-confirm")
    [told] = requests_since(fake_llm, start)[1].tool_results
    assert told["content"]["status"] == "refused"
    assert told["content"]["code"] == "email_not_given"
