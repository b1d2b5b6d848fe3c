"""Which functions an agent's model is offered, create_task and open_slot_picker."""

from __future__ import annotations

from typing import Any

from agents_backend.bots.models import AgentProfile, Publication
from tests.tools.conftest import TOMORROW, USER, Kit, message

VISITOR = "visitor:abcdefghijklmnopqrstuvwxyz"


async def offered_names(kit: Kit, agent: AgentProfile, contact_id: str = "lead-1") -> set[str]:
    tools = await kit.toolbox.offered(user=USER, agent=agent, contact_id=contact_id)
    return {tool["function"]["name"] for tool in tools}


def bot(**fields: Any) -> AgentProfile:
    return AgentProfile.model_validate(
        {
            "key": "bot-1",
            "name": "Bot",
            "emoji": "🤖",
            "system_prompt": "You help.",
            "builtin": False,
            "user_id": USER.id,
            **fields,
        }
    )


async def test_the_sdr_is_offered_scheduling_and_tasks(kit: Kit) -> None:
    sdr = await kit.sdr()
    tools = await kit.toolbox.offered(user=USER, agent=sdr, contact_id="lead-1")

    assert {tool["function"]["name"] for tool in tools} == {
        "check_availability",
        "book_meeting",
        "open_slot_picker",
        "create_task",
    }
    for tool in tools:
        parameters = tool["function"]["parameters"]
        assert tool["type"] == "function" and parameters["additionalProperties"] is False
    booking = next(t for t in tools if t["function"]["name"] == "book_meeting")["function"]
    assert booking["parameters"]["required"] == ["date", "time", "email"]
    assert '"booked"' in booking["description"]
    # The model is told what today is in the calendar's zone, to resolve "amanhã".
    day = booking["parameters"]["properties"]["date"]["description"]
    assert "2026-03-09" in day and "America/Sao_Paulo" in day


async def test_a_bot_without_scheduling_gets_no_scheduling_tools(kit: Kit) -> None:
    assert await offered_names(kit, bot()) == set()
    # "scheduling" chosen, but its calendar takes no meetings.
    assert await offered_names(kit, bot(tools=["scheduling"], scheduling_enabled=False)) == set()
    assert await offered_names(kit, bot(tools=["tasks"], scheduling_enabled=True)) == {
        "create_task"
    }


async def test_the_auto_create_switch_offers_create_task(kit: Kit) -> None:
    plain = bot()
    assert "create_task" not in await offered_names(kit, plain)

    await kit.switches.set(user_id=USER.id, agent_key=plain.key, enabled=True)

    assert await offered_names(kit, plain) == {"create_task"}
    # Never in a website visitor's conversation.
    assert await offered_names(kit, plain, contact_id=VISITOR) == set()


async def test_a_visitors_conversation_books_only_when_the_owner_allows_it(kit: Kit) -> None:
    fields: dict[str, Any] = {"tools": ["scheduling", "tasks"], "scheduling_enabled": True}
    closed = bot(**fields, publication=Publication(slug="b", enabled=True, booking_enabled=False))
    opened = bot(**fields, publication=Publication(slug="b", enabled=True, booking_enabled=True))

    assert await offered_names(kit, closed, contact_id=VISITOR) == set()
    assert await offered_names(kit, opened, contact_id=VISITOR) == {
        "check_availability",
        "book_meeting",
        "open_slot_picker",
    }
    # The owner's own conversations with the same bot keep the tasks tool.
    assert "create_task" in await offered_names(kit, closed)


async def test_create_task_adds_one_task_and_tells_the_person(kit: Kit) -> None:
    said = [kit.said("Me lembra de mandar a proposta sexta")]
    call = {"title": "Enviar a proposta", "dueDate": "2026-03-13"}

    result = await kit.call("create_task", call, said=said)

    assert result.outcome == "ok" and result.content["status"] == "created"
    tasks = [doc async for doc in kit.db.tasks.find({})]
    assert len(tasks) == 1
    task = tasks[0]
    assert (task["title"], task["due_date"], task["source"]) == (
        "Enviar a proposta",
        "2026-03-13",
        "agent",
    )
    assert (task["agent_key"], task["contact_id"], task["user_id"]) == ("sdr", "lead-1", USER.id)
    created = kit.inbox.named("agent:task-created")
    assert len(created) == 1 and created[0]["task"]["title"] == "Enviar a proposta"
    assert created[0]["task"]["id"] == result.content["id"]


async def test_the_same_task_twice_in_one_reply_is_one_task(kit: Kit) -> None:
    said, reply = [kit.said("Liga pra Ana e manda o contrato")], "reply-1"
    first = await kit.call("create_task", {"title": "Ligar para a Ana"}, said=said, reply_id=reply)
    again = await kit.call("create_task", {"title": "Ligar para a Ana"}, said=said, reply_id=reply)
    other = await kit.call("create_task", {"title": "Enviar contrato"}, said=said, reply_id=reply)

    assert first.content["id"] == again.content["id"] != other.content["id"]
    assert await kit.db.tasks.count_documents({}) == 2
    assert len(kit.inbox.named("agent:task-created")) == 2


async def test_a_regenerated_reply_filing_the_same_task_finds_it(kit: Kit) -> None:
    said = [kit.said("Me liga amanhã para falar da proposta")]
    first = await kit.call("create_task", {"title": "Ligar para o lead"}, said=said)
    # The person regenerates the reply: a new reply to the same message, same task.
    again = await kit.call("create_task", {"title": "Ligar para o lead"}, said=said)

    assert first.content["id"] == again.content["id"]
    assert await kit.db.tasks.count_documents({}) == 1
    assert len(kit.inbox.named("agent:task-created")) == 1


async def test_create_task_refuses_what_is_not_a_task(kit: Kit) -> None:
    for arguments, code in (
        ({"title": "   "}, "invalid_title"),
        ({"title": "x" * 201}, "invalid_title"),
        ({"title": "Ligar", "dueDate": "2026-03-01"}, "date_in_past"),
        ({"title": "Ligar", "priority": "high"}, "unknown_field"),
    ):
        result = await kit.call("create_task", arguments)
        assert (result.outcome, result.code) == ("refused", code)
    assert await kit.db.tasks.count_documents({}) == 0
    assert kit.inbox.events == []


async def test_create_task_is_refused_in_a_visitors_conversation(kit: Kit) -> None:
    said = [kit.said("me lembra amanhã", contact_id=VISITOR)]

    result = await kit.call("create_task", {"title": "Ligar"}, said=said)

    assert result.code == "not_offered"
    assert await kit.db.tasks.count_documents({}) == 0


async def test_open_slot_picker_shows_the_picker_with_the_persons_contact(kit: Kit) -> None:
    said = [
        kit.said("Oi, sou a Ana: Ana@Example.com, (11) 91234-5678"),
        message("agent", "Oi Ana! Quer marcar uma conversa?"),
        kit.said("Quero escolher o horário eu mesma, pode ser amanhã"),
    ]

    result = await kit.call("open_slot_picker", {"date": TOMORROW}, said=said)

    assert result.outcome == "ok" and result.booked is False
    pickers = kit.inbox.named("agent:show-slot-picker")
    assert len(pickers) == 1
    picker = pickers[0]
    assert picker["messageId"] == said[-1].id
    assert (picker["agentKey"], picker["contactId"]) == ("sdr", "lead-1")
    assert picker["email"] == picker["customerEmail"] == "ana@example.com"
    assert picker["phone"] == picker["customerPhone"] == "+5511912345678"
    assert picker["suggestedDate"] == TOMORROW
    assert await kit.db.events.count_documents({}) == 0


async def test_open_slot_picker_without_a_day_or_contact(kit: Kit) -> None:
    result = await kit.call("open_slot_picker", "")

    assert result.outcome == "ok"
    picker = kit.inbox.named("agent:show-slot-picker")[0]
    assert picker["email"] is None and picker["suggestedDate"] is None
