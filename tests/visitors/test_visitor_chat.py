"""A website visitor chats with a published bot through `/public`, on a real server with
the local OpenAI-compatible model server; the owner watches on their own socket."""

from __future__ import annotations

import json
import uuid

from pymongo import MongoClient

from tests.bots.helpers import call
from tests.conftest import Connect
from tests.support.clients import RecordingClient
from tests.support.fake_openai import FakeOpenAI, Reply
from tests.support.servers import ServerProcess
from tests.visitors.conftest import BOT_KEY, PROMPT, SHOP, NewVisitor, published_bot


async def test_a_visitor_chats_and_returns_and_the_owner_watches_live(
    online_server: ServerProcess,
    fake_llm: FakeOpenAI,
    connect_user: Connect,
    socket_clients: list[RecordingClient],
    new_visitor: NewVisitor,
    mongo_client: MongoClient[dict[str, object]],
    online_db_name: str,
) -> None:
    owner, bot, publication = await published_bot(online_server, own_key=True)
    fake_llm.script("stream", Reply("Arr, I have maps for every sea!", chunk_delay=0.01))
    _someone, stranger = await connect_user(online_server)
    watcher = RecordingClient()
    socket_clients.append(watcher)
    await watcher.connect(online_server.base_url, owner.access_token)

    visitor = new_visitor()
    session = await visitor.connect(
        online_server.base_url, {"agent": publication["slug"], "host": SHOP, "language": "en"}
    )
    conversation = session["conversationId"]
    assert conversation.startswith("visitor:")
    assert session["agent"] == {
        "name": bot["name"],
        "emoji": bot["emoji"],
        "greeting": "Ahoy! Need a map?",
        "bookingEnabled": True,
    }
    assert (session["messages"], session["hasMore"], session["streaming"]) == ([], False, [])

    client_id = str(uuid.uuid4())
    ack = await visitor.emit(
        "visitor:send",
        {"message": "Hi! My email is lead@example.com", "clientMessageId": client_id},
    )
    assert ack["ok"] is True and ack["duplicate"] is False
    replies = await visitor.wait_for("agent:message", lambda m: m["author"] == "agent")
    assert replies[0]["text"] == "Arr, I have maps for every sea!"
    assert replies[0]["contactId"] == conversation
    assert visitor.of("agent:stream"), "the reply streamed"
    # The model got the bot's prompt and key; the visitor never sees either.
    request = fake_llm.requests_of("stream")[-1]
    assert request.authorization == f"Bearer {BOT_KEY}"
    for event, data in visitor.events:
        text = json.dumps(data)
        assert PROMPT not in text and BOT_KEY not in text, event
        # As a key: the visitor's token is random base64 and may spell "nlp" by chance.
        assert '"nlp":' not in text, event

    # The owner's tabs saw it live, under the same conversation.
    seen = await watcher.wait_for(
        "agent:message", lambda m: m["contactId"] == conversation, count=2
    )
    assert [m["author"] for m in seen] == ["user", "agent"]
    assert not stranger.of("agent:message"), "another user heard nothing"

    # A resend is idempotent: no second message, no second reply.
    again = await visitor.emit(
        "visitor:send",
        {"message": "Hi! My email is lead@example.com", "clientMessageId": client_id},
    )
    assert again["ok"] is True and again["duplicate"] is True
    stored = mongo_client[online_db_name]["messages"].count_documents({"contact_id": conversation})
    assert stored == 2

    # The owner's list: the lead's email found in the chat, the last message.
    inbox = (await call(owner, "GET", "/inbox/conversations")).json()["conversations"]
    assert [c["id"] for c in inbox] == [conversation]
    assert inbox[0]["contact"] == {"name": None, "email": "lead@example.com", "phone": None}
    assert inbox[0]["lastMessage"]["text"] == "Arr, I have maps for every sea!"
    assert inbox[0]["status"] == "bot" and inbox[0]["agentKey"] == bot["key"]

    # The same browser comes back: same conversation, its history, a renewed token.
    await visitor.close()
    returning = new_visitor()
    back = await returning.connect(
        online_server.base_url,
        {"agent": publication["slug"], "host": SHOP, "visitorToken": session["visitorToken"]},
    )
    assert back["conversationId"] == conversation
    assert [m["author"] for m in back["messages"]] == ["user", "agent"]
    assert back["visitorToken"] != session["visitorToken"]
