"""A visitor asks for a person; nobody comes in time, and the agent offers a meeting
(issue 15, point 3)."""

from __future__ import annotations

import asyncio

from tests.bots.helpers import call
from tests.inbox.conftest import HANDOFF_SECONDS
from tests.support.clients import RecordingClient
from tests.support.fake_openai import FakeOpenAI
from tests.support.servers import ServerProcess
from tests.visitors.conftest import NewVisitor, published_bot


async def test_asking_for_a_person_silences_the_agent_and_notifies_the_team(
    inbox_server: ServerProcess, fake_llm: FakeOpenAI, new_visitor: NewVisitor
) -> None:
    owner, _bot, publication = await published_bot(inbox_server)
    inbox = RecordingClient()
    await inbox.connect(inbox_server.base_url, owner.access_token)
    visitor = new_visitor()
    session = await visitor.connect(
        inbox_server.base_url, {"agent": publication["slug"], "language": "pt-BR"}
    )
    calls = len(fake_llm.requests_of("stream"))
    ack = await visitor.emit("visitor:send", {"message": "quero falar com um humano"})
    assert ack["ok"] is True

    told = await visitor.wait_for("agent:message", lambda m: m["author"] == "system")
    assert told[0]["text"].startswith("Chamei uma pessoa da equipe. Costuma levar até 1 minutos")
    assert await visitor.wait_for("visitor:status", lambda s: s["status"] == "waiting")
    notified = await inbox.wait_for("inbox:handoff")
    assert notified[0]["reason"] == "visitor"
    assert notified[0]["conversation"]["id"] == session["conversationId"]
    assert notified[0]["conversation"]["status"] == "waiting"
    assert notified[0]["conversation"]["waitingSince"] > 0
    assert len(fake_llm.requests_of("stream")) == calls  # the agent did not answer it

    # Nobody takes it within HANDOFF_TIMEOUT_SECONDS: the agent says so, offers a meeting.
    sorry = await visitor.wait_for(
        "agent:message", lambda m: m["text"].startswith("Ninguém da equipe"), timeout=15
    )
    assert "agendar uma reunião" in sorry[0]["text"]
    picker = await visitor.wait_for("agent:show-slot-picker")
    assert picker[0]["contactId"] == session["conversationId"]
    back = await inbox.wait_for(
        "inbox:conversation", lambda e: e["conversation"]["status"] == "bot"
    )
    assert back[0]["conversation"]["waitingSince"] is None
    await inbox.close()


async def test_the_widget_button_asks_for_a_person_and_a_take_answers_it(
    inbox_server: ServerProcess, new_visitor: NewVisitor
) -> None:
    owner, _bot, publication = await published_bot(inbox_server)
    visitor = new_visitor()
    session = await visitor.connect(
        inbox_server.base_url, {"agent": publication["slug"], "language": "en"}
    )
    ack = await visitor.emit("visitor:handoff", {})
    assert ack == {"ok": True}
    told = await visitor.wait_for("agent:message", lambda m: m["author"] == "system")
    assert told[0]["text"].startswith("I've asked a person from the team to join.")
    again = await visitor.emit("visitor:handoff", {})  # a second press changes nothing
    assert again == {"ok": True}

    taken = await call(owner, "POST", f"/inbox/conversations/{session['conversationId']}/take")
    assert taken.status_code == 200 and taken.json()["waitingSince"] is None
    joined = await visitor.wait_for("agent:message", lambda m: "joined" in m["text"])
    assert joined[0]["text"] == "Test User joined the conversation."
    # The wait is over: no "nobody came" message follows, though the timeout passes.
    await visitor.wait_for("visitor:status", lambda s: s["status"] == "human")
    await asyncio.sleep(HANDOFF_SECONDS * 2)  # past the deadline the take cancelled
    rows = (await call(owner, "GET", "/inbox/conversations", status="human")).json()
    assert [r["id"] for r in rows["conversations"]] == [session["conversationId"]]
    assert len(visitor.of("agent:message", lambda m: m["author"] == "system")) == 2
    assert visitor.of("visitor:session")[0]["status"] == "bot"
