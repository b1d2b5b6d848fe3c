"""A visitor asks for a person; nobody comes in time, and the agent offers a meeting
(issue 15, point 3)."""

from __future__ import annotations

import asyncio

from tests.bots.helpers import call
from tests.inbox.conftest import HANDOFF_SECONDS
from tests.support.clients import RecordingClient
from tests.support.fake_openai import FakeOpenAI, Reply, ToolCalls
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


async def test_the_agents_model_asks_for_a_person_through_its_tool(
    inbox_server: ServerProcess, fake_llm: FakeOpenAI, new_visitor: NewVisitor
) -> None:
    owner, _bot, publication = await published_bot(inbox_server)
    inbox = RecordingClient()
    await inbox.connect(inbox_server.base_url, owner.access_token)
    visitor = new_visitor()
    session = await visitor.connect(
        inbox_server.base_url, {"agent": publication["slug"], "language": "pt-BR"}
    )
    # A tool the agent was never offered is ignored; the reply is an ordinary one.
    fake_llm.script("stream", ToolCalls([("delete_everything", "{}")], text="Claro!"))
    await visitor.emit("visitor:send", {"message": "Vocês fazem desconto para ONG?"})
    await visitor.wait_for("agent:message", lambda m: m["text"] == "Claro!")
    offered = [t["function"]["name"] for t in fake_llm.requests_of("stream")[-1].body["tools"]]
    # Beside the bot's own tools (its scheduling), never the owner's task list.
    assert offered[0] == "request_human" and "create_task" not in offered

    fake_llm.script(
        "stream",
        ToolCalls(
            [("request_human", '{"reason": "negociar desconto"}')],
            text="Vou chamar alguém da equipe para falar do desconto.",
        ),
    )
    await visitor.emit("visitor:send", {"message": "Quero 50% de desconto, pode?"})
    said = await visitor.wait_for(
        "agent:message", lambda m: m["text"].startswith("Vou chamar alguém")
    )
    assert said[0]["author"] == "agent"
    notified = await inbox.wait_for("inbox:handoff")
    assert notified[0]["reason"] == "model"
    assert notified[0]["conversation"]["id"] == session["conversationId"]
    await visitor.wait_for("visitor:status", lambda s: s["status"] == "waiting")

    # Waiting for a person: the next message reaches the inbox, not the model.
    calls = len(fake_llm.requests_of("stream"))
    await visitor.emit("visitor:send", {"message": "Ok, aguardo"})
    await inbox.wait_for("inbox:message", lambda m: m["text"] == "Ok, aguardo")
    assert len(fake_llm.requests_of("stream")) == calls
    await inbox.close()


async def test_a_model_that_only_calls_the_tool_leaves_the_notice_to_speak(
    inbox_server: ServerProcess, fake_llm: FakeOpenAI, new_visitor: NewVisitor
) -> None:
    owner, bot, publication = await published_bot(inbox_server)
    visitor = new_visitor()
    await visitor.connect(inbox_server.base_url, {"agent": publication["slug"], "language": "en"})
    fake_llm.script("stream", ToolCalls([("request_human", "{}")]))
    await visitor.emit("visitor:send", {"message": "I need to change my contract"})
    told = await visitor.wait_for("agent:message", lambda m: m["author"] == "system")
    assert told[0]["text"].startswith("I've asked a person from the team to join.")
    await visitor.wait_for("agent:typing", lambda t: t["typing"] is False)
    assert not visitor.of("agent:message", lambda m: m["author"] == "agent")

    # The owner's own chats are not a visitor's: no person is asked for there.
    chat = RecordingClient()
    await chat.connect(inbox_server.base_url, owner.access_token)
    fake_llm.script("stream", Reply("Olá, dono."))
    await chat.emit(
        "agent:send", {"agentKey": bot["key"], "contactId": "me", "message": "teste interno"}
    )
    await chat.wait_for("agent:message", lambda m: m["text"] == "Olá, dono.")
    assert "request_human" not in fake_llm.requests_of("stream")[-1].tool_names
    await chat.close()
