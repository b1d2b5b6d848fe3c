"""A person of the workspace takes a visitor conversation over, writes, hands it back
and closes it; the agent never answers over them (issue 15, points 1 and 2)."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.bots.helpers import call
from tests.support.clients import Account, RecordingClient, register
from tests.support.fake_openai import FakeOpenAI, Reply
from tests.support.servers import ServerProcess
from tests.visitors.conftest import SHOP, NewVisitor, published_bot

LONG = " ".join(f"palavra{i}" for i in range(120))


async def watching(server: ServerProcess, account: Account) -> RecordingClient:
    client = RecordingClient()
    await client.connect(server.base_url, account.access_token)
    return client


def model_calls_with(fake_llm: FakeOpenAI, text: str) -> int:
    return sum(
        1
        for r in fake_llm.requests_of("stream")
        if any(text in str(m.get("content")) for m in r.messages)
    )


async def inbox_row(owner: Account, conversation_id: str) -> dict[str, Any]:
    rows = (await call(owner, "GET", "/inbox/conversations")).json()["conversations"]
    return next(r for r in rows if r["id"] == conversation_id)


async def test_the_owner_watches_takes_over_mid_stream_writes_hands_back_and_closes(
    inbox_server: ServerProcess, fake_llm: FakeOpenAI, new_visitor: NewVisitor
) -> None:
    owner, _bot, publication = await published_bot(inbox_server)
    inbox = await watching(inbox_server, owner)
    visitor = new_visitor()
    session = await visitor.connect(
        inbox_server.base_url, {"agent": publication["slug"], "host": SHOP, "language": "pt-BR"}
    )
    conversation = session["conversationId"]
    assert session["status"] == "bot"

    # A slow reply streams: the owner's inbox sees the conversation appear and the tokens.
    fake_llm.script("stream", Reply(LONG, chunk_delay=0.05, chunk_size=2))
    ack = await visitor.emit("visitor:send", {"message": "Oi, quanto custa o mapa?"})
    assert ack["ok"] is True
    created = await inbox.wait_for(
        "inbox:conversation", lambda e: e["conversation"]["id"] == conversation
    )
    assert created[0]["conversation"]["status"] == "bot"
    asked = await inbox.wait_for("inbox:message", lambda m: m["author"] == "user")
    assert asked[0]["contactId"] == conversation and asked[0]["text"] == "Oi, quanto custa o mapa?"
    await inbox.wait_for("inbox:stream", count=5)

    # The owner takes over mid-stream: the reply stops where it was, kept as incomplete.
    taken = await call(owner, "POST", f"/inbox/conversations/{conversation}/take")
    assert taken.status_code == 200, taken.text
    assert taken.json()["status"] == "human"
    assert taken.json()["assignee"]["id"] == owner.user_id
    cut = await visitor.wait_for("agent:message", lambda m: m["author"] == "agent")
    assert cut[0]["incomplete"] is True and cut[0]["text"] != LONG
    assert LONG.startswith(cut[0]["text"])
    joined = await visitor.wait_for("agent:message", lambda m: m["author"] == "system")
    assert joined[0]["text"] == "Test User entrou na conversa."
    status = await visitor.wait_for("visitor:status", lambda s: s["status"] == "human")
    assert status[0]["humanName"] == "Test User"
    streamed = len(visitor.of("agent:stream"))
    await asyncio.sleep(0.5)  # the model's stream would have gone on: it did not
    assert len(visitor.of("agent:stream")) == streamed

    # While a person holds it, a visitor's message reaches the inbox and no model.
    calls = len(fake_llm.requests_of("stream"))
    held = await visitor.emit("visitor:send", {"message": "Tem alguém aí?"})
    assert held["ok"] is True
    await inbox.wait_for("inbox:message", lambda m: m["text"] == "Tem alguém aí?")
    human = await call(
        owner,
        "POST",
        f"/inbox/conversations/{conversation}/messages",
        {"text": "Oi! Sou eu, o dono. O mapa custa 10 dobrões."},
    )
    assert human.status_code == 201, human.text
    assert human.json()["author"] == "human" and human.json()["authorName"] == "Test User"
    seen = await visitor.wait_for("agent:message", lambda m: m["author"] == "human")
    assert seen[0]["text"] == "Oi! Sou eu, o dono. O mapa custa 10 dobrões."
    assert seen[0]["authorName"] == "Test User"
    assert len(fake_llm.requests_of("stream")) == calls

    # Handed back: the agent answers the next message, with the person's in its context.
    back = await call(owner, "POST", f"/inbox/conversations/{conversation}/hand-back")
    assert back.status_code == 200 and back.json()["status"] == "bot"
    fake_llm.script("stream", Reply("Como disse o dono, são 10 dobrões."))
    await visitor.emit("visitor:send", {"message": "E aceita pix?"})
    answer = await visitor.wait_for(
        "agent:message", lambda m: m["text"] == "Como disse o dono, são 10 dobrões."
    )
    assert answer
    assert model_calls_with(fake_llm, "O mapa custa 10 dobrões.") == 1

    # Closed: the visitor is told; their next message reopens it with the agent.
    closed = await call(owner, "POST", f"/inbox/conversations/{conversation}/close")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    told = await visitor.wait_for("visitor:status", lambda s: s["status"] == "closed")
    assert told
    await visitor.wait_for(
        "agent:message", lambda m: m["text"].startswith("Esta conversa foi encerrada")
    )
    fake_llm.script("stream", Reply("De volta! Em que posso ajudar?"))
    await visitor.emit("visitor:send", {"message": "Voltei"})
    await visitor.wait_for("agent:message", lambda m: m["text"] == "De volta! Em que posso ajudar?")
    assert (await inbox_row(owner, conversation))["status"] == "bot"
    await inbox.close()


async def test_two_people_taking_one_conversation_at_once_give_one_winner(
    inbox_server: ServerProcess, new_visitor: NewVisitor
) -> None:
    owner, _bot, publication = await published_bot(inbox_server)
    partner = await register(inbox_server.base_url, name="Sócia")
    invited = await call(
        owner,
        "POST",
        f"/workspaces/{owner.user_id}/members",
        {"email": partner.email, "role": "owner"},
    )
    assert invited.status_code == 201, invited.text
    visitor = new_visitor()
    session = await visitor.connect(inbox_server.base_url, {"agent": publication["slug"]})
    await visitor.emit("visitor:send", {"message": "Olá"})
    await visitor.wait_for("agent:message", lambda m: m["author"] == "agent")
    path = f"/inbox/conversations/{session['conversationId']}/take"

    for _round in range(5):
        first, second = await asyncio.gather(call(owner, "POST", path), call(partner, "POST", path))
        codes = sorted([first.status_code, second.status_code])
        assert codes == [200, 409], (first.text, second.text)
        loser = first if first.status_code == 409 else second
        winner = second if loser is first else first
        assert loser.json()["code"] == "conversation_taken"
        assert winner.json()["assignee"]["name"] in loser.json()["detail"]
        # The winner hands it back for the next round.
        holder = owner if winner is first else partner
        back = await call(holder, "POST", path.replace("/take", "/hand-back"))
        assert back.status_code == 200, back.text

    # Only the holder writes; the other is refused.
    await call(owner, "POST", path)
    refused = await call(partner, "POST", path.replace("/take", "/messages"), {"text": "eu também"})
    assert refused.status_code == 409 and refused.json()["code"] == "conversation_not_held"


async def test_the_inbox_filters_searches_and_counts_unread(
    inbox_server: ServerProcess, new_visitor: NewVisitor
) -> None:
    owner, bot, publication = await published_bot(inbox_server)
    first, second = new_visitor(), new_visitor()
    one = await first.connect(inbox_server.base_url, {"agent": publication["slug"]})
    two = await second.connect(inbox_server.base_url, {"agent": publication["slug"]})
    await first.emit("visitor:send", {"message": "meu email é ana.lead@example.com"})
    await first.emit("visitor:send", {"message": "quero o mapa do tesouro azul"})
    await second.emit("visitor:send", {"message": "bom dia"})
    for client in (first, second):
        await client.wait_for("agent:message", lambda m: m["author"] == "agent")

    rows = (await call(owner, "GET", "/inbox/conversations")).json()["conversations"]
    assert {r["id"] for r in rows} == {one["conversationId"], two["conversationId"]}
    by_id = {r["id"]: r for r in rows}
    assert by_id[one["conversationId"]]["unread"] == 2
    assert by_id[one["conversationId"]]["contact"]["email"] == "ana.lead@example.com"

    def ids(response: Any) -> set[str]:
        return {r["id"] for r in response.json()["conversations"]}

    assert ids(await call(owner, "GET", "/inbox/conversations", q="ANA.LEAD")) == {
        one["conversationId"]
    }
    assert ids(await call(owner, "GET", "/inbox/conversations", q="tesouro azul")) == {
        one["conversationId"]
    }
    assert ids(await call(owner, "GET", "/inbox/conversations", q="(.*")) == set()
    # A NUL byte is searched like any character (MongoDB refuses one inside a pattern).
    assert ids(await call(owner, "GET", "/inbox/conversations", q="tesouro\x00")) == set()
    await call(owner, "POST", f"/inbox/conversations/{two['conversationId']}/take")
    assert ids(await call(owner, "GET", "/inbox/conversations", status="human")) == {
        two["conversationId"]
    }
    assert ids(await call(owner, "GET", "/inbox/conversations", agentKey=bot["key"])) == ids(
        await call(owner, "GET", "/inbox/conversations")
    )

    read = await call(owner, "POST", f"/inbox/conversations/{one['conversationId']}/read")
    assert read.status_code == 204
    assert (await inbox_row(owner, one["conversationId"]))["unread"] == 0
    detail = (await call(owner, "GET", f"/inbox/conversations/{one['conversationId']}")).json()
    assert "ana.lead@example.com" in detail["findings"]["emails"]
    assert detail["summary"]
    page = (
        await call(owner, "GET", f"/inbox/conversations/{one['conversationId']}/messages")
    ).json()
    assert [m["text"] for m in page["messages"] if m["author"] == "user"] == [
        "meu email é ana.lead@example.com",
        "quero o mapa do tesouro azul",
    ]
