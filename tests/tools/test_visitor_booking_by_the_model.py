"""A website visitor books through the agent's model (the server as runtime.py wires
it, the local OpenAI-compatible edge as the model): the visitor sees the confirmation,
and the owner's inbox shows the booking's e-mail as the lead's, as when a visitor uses
the picker."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.bots.helpers import call
from tests.support.clients import RecordingClient
from tests.support.fake_openai import FakeOpenAI, Reply, ToolCalls
from tests.support.servers import ServerProcess
from tests.support.visitors import VisitorClient
from tests.visitors.conftest import SHOP, published_bot


def next_weekday(days_ahead: int = 3) -> str:
    day = datetime.now(ZoneInfo("America/Sao_Paulo")).date() + timedelta(days=days_ahead)
    while day.isoweekday() > 5:
        day += timedelta(days=1)
    return day.isoformat()


async def test_the_model_books_for_a_visitor_and_the_owner_sees_the_lead(
    online_server: ServerProcess, fake_llm: FakeOpenAI
) -> None:
    base = online_server.base_url
    owner, bot, publication = await published_bot(online_server)
    assert bot["tools"] == ["scheduling"]
    visitor = VisitorClient()
    watching = RecordingClient()  # the owner's inbox
    await watching.connect(base, owner.access_token)
    try:
        session = await visitor.connect(
            base, {"agent": publication["slug"], "host": SHOP, "language": "pt-BR"}
        )
        day = next_weekday()
        free = await visitor.emit("visitor:available-slots", {"date": day})
        slot = free["slots"][-1]["start"]
        booking = {"date": day, "time": slot, "email": "joao.lead@example.com"}
        fake_llm.script(
            "stream",
            ToolCalls([("book_meeting", json.dumps(booking))]),
            Reply("Perfeito, até lá!"),
        )

        ack = await visitor.emit(
            "visitor:send",
            {
                "message": (
                    f"Pode ser {day} às {slot}? Meu e-mail pessoal é joao@casa.com, "
                    "mas use o do trabalho: Joao.Lead@Example.com"
                ),
                "clientMessageId": "c-1",
            },
        )
        assert ack["ok"] is True, ack

        confirmed = (await visitor.wait_for("agent:schedule-confirm", timeout=15))[0]
        assert (confirmed["event"]["date"], confirmed["event"]["time"]) == (day, slot)
        reply = await visitor.wait_for(
            "agent:message", lambda m: m["author"] == "agent", timeout=15
        )
        assert reply[0]["toolCalls"] == [{"name": "book_meeting", "outcome": "ok"}]
        # The owner watching the inbox saw the agent book, as the visitor did.
        seen = await watching.wait_for("inbox:tool-status", count=2)
        assert [(s["tool"], s["running"], s.get("outcome")) for s in seen] == [
            ("book_meeting", True, None),
            ("book_meeting", False, "ok"),
        ]
        assert seen[0]["contactId"] == session["conversationId"]
    finally:
        await visitor.close()
        await watching.close()

    # The model saw the grounded booking.
    tool_turns = [r for r in fake_llm.requests_of("stream") if r.tool_results]
    assert tool_turns and tool_turns[-1].tool_results[0]["content"]["status"] == "booked"
    # The lead is the booking's contact (NLU alone took the first e-mail written).
    inbox = (await call(owner, "GET", "/inbox/conversations")).json()["conversations"]
    lead = next(c for c in inbox if c["id"] == session["conversationId"])
    assert lead["contact"]["email"] == "joao.lead@example.com"
    assert [b["id"] for b in lead["bookings"]] == [confirmed["event"]["id"]]
