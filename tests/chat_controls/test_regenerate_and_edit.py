"""Regenerate the last reply and edit a sent message: the old exchange stays in the data,
superseded, and the conversation continues without it (issue 16, point 2)."""

from __future__ import annotations

from tests.chat_controls.helpers import LONG, Mongo, reply_of, send, stored, streams_for
from tests.conftest import Connect
from tests.support.clients import RecordingClient, history_page
from tests.support.fake_openai import FakeOpenAI, Reply
from tests.support.servers import ServerProcess


async def exchange(client: RecordingClient, text: str, contact: str = "c-1") -> tuple[str, str]:
    """Sends `text` and waits for its reply: (question id, reply id)."""
    ack = await client.emit("agent:send", send(text, contact))
    reply = (await client.wait_for("agent:message", reply_of(client, ack["messageId"])))[0]
    return ack["messageId"], reply["id"]


async def test_regenerate_replaces_the_last_reply_and_keeps_the_old_one_superseded(
    online_server: ServerProcess,
    fake_llm: FakeOpenAI,
    connect_user: Connect,
    mongo_client: Mongo,
    online_db_name: str,
    socket_clients: list[RecordingClient],
) -> None:
    account, client = await connect_user(online_server)
    other_tab = RecordingClient()
    socket_clients.append(other_tab)
    await other_tab.connect(online_server.base_url, account.access_token)
    fake_llm.script("stream", Reply("First answer."), Reply("Second, better answer."))
    question, old_reply = await exchange(client, "How do I reset the router?")

    ack = await client.emit(
        "agent:regenerate", {"agentKey": "support", "contactId": "c-1", "replyId": old_reply}
    )

    assert ack == {"ok": True, "messageId": question}
    for tab in (client, other_tab):
        dropped = await tab.wait_for("agent:superseded")
        assert dropped[0] == {"agentKey": "support", "contactId": "c-1", "ids": [old_reply]}
    new = await client.wait_for(
        "agent:message", lambda d: reply_of(client, question)(d) and d["id"] != old_reply
    )
    assert new[0]["text"] == "Second, better answer."
    assert stored(mongo_client, online_db_name, old_reply)["superseded"] is True
    assert stored(mongo_client, online_db_name, old_reply)["text"] == "First answer."
    page = await history_page(account, "support", "c-1")
    assert [m["text"] for m in page["messages"]] == [
        "How do I reset the router?",
        "Second, better answer.",
    ]
    calls = streams_for(fake_llm, "How do I reset the router?")
    assert len(calls) == 2
    assert not any("First answer." in m["content"] for m in calls[1])

    # Only the last reply: the one before is refused, an unknown id is not found.
    later, _reply = await exchange(client, "And the password?")
    stale = await client.emit(
        "agent:regenerate", {"agentKey": "support", "contactId": "c-1", "replyId": new[0]["id"]}
    )
    ghost = await client.emit(
        "agent:regenerate", {"agentKey": "support", "contactId": "c-1", "replyId": later}
    )
    assert stale["ok"] is False and stale["error"]["code"] == "not_last_reply"
    assert ghost["ok"] is False and ghost["error"]["code"] == "message_not_found"


async def test_edit_supersedes_the_message_and_what_followed_and_continues_from_it(
    online_server: ServerProcess,
    fake_llm: FakeOpenAI,
    connect_user: Connect,
    mongo_client: Mongo,
    online_db_name: str,
) -> None:
    account, client = await connect_user(online_server)
    first_q, first_r = await exchange(client, "My cat is called Tom")
    second_q, second_r = await exchange(client, "What is my cat called?")
    edit = {
        "agentKey": "support",
        "contactId": "c-1",
        "messageId": first_q,
        "message": "My dog is called Rex",
        "clientMessageId": "edit-1",
    }

    ack = await client.emit("agent:edit", edit)

    assert ack["ok"] is True and ack["duplicate"] is False
    new_q = ack["messageId"]
    superseded = (await client.wait_for("agent:superseded"))[0]
    assert superseded["ids"] == [first_q, first_r, second_q, second_r]
    new_r = (await client.wait_for("agent:message", reply_of(client, new_q)))[0]
    assert new_r["text"] == "Echo: My dog is called Rex"
    own = client.of("agent:message", lambda d: d["id"] == new_q)[0]
    assert own["edits"] == first_q and own["text"] == "My dog is called Rex"
    for old in (first_q, first_r, second_q, second_r):
        assert stored(mongo_client, online_db_name, old)["superseded"] is True
    page = await history_page(account, "support", "c-1")
    assert [m["id"] for m in page["messages"]] == [new_q, new_r["id"]]

    # The model reads the edited text, never what it replaced.
    prompt = streams_for(fake_llm, "My dog is called Rex")[0]
    assert not any("Tom" in m["content"] for m in prompt)
    calls = len(fake_llm.requests_of("stream"))
    _q, _r = await exchange(client, "What pet do I have?")
    follow_up = streams_for(fake_llm, "What pet do I have?")[0]
    assert [m["content"] for m in follow_up[1:]] == [
        "My dog is called Rex",
        "Echo: My dog is called Rex",
        "What pet do I have?",
    ]

    # The same edit sent again (a retry): the same message, nothing answered twice.
    again = await client.emit("agent:edit", edit)
    assert again == {"ok": True, "messageId": new_q, "duplicate": True}
    assert len(fake_llm.requests_of("stream")) == calls + 1
    # Only the person's own messages, within the length limit.
    not_mine = await client.emit(
        "agent:edit", {**edit, "messageId": new_r["id"], "clientMessageId": "e2"}
    )
    too_long = await client.emit(
        "agent:edit", {**edit, "message": "x" * 2001, "clientMessageId": "e3"}
    )
    assert not_mine["error"]["code"] == "message_not_found"
    assert too_long["error"]["code"] == "message_too_long"


async def test_editing_while_the_reply_streams_stops_it_first(
    online_server: ServerProcess,
    fake_llm: FakeOpenAI,
    connect_user: Connect,
    mongo_client: Mongo,
    online_db_name: str,
) -> None:
    account, client = await connect_user(online_server)
    first_q, first_r = await exchange(client, "Hello")
    fake_llm.script("stream", Reply(LONG, chunk_delay=0.05, chunk_size=2))
    slow = await client.emit("agent:send", send("Write me a long poem"))
    streaming = (
        await client.wait_for("agent:stream", lambda d: d["replyTo"] == slow["messageId"])
    )[0]

    ack = await client.emit(
        "agent:edit",
        {
            "agentKey": "support",
            "contactId": "c-1",
            "messageId": slow["messageId"],
            "message": "Write me a haiku",
            "clientMessageId": "edit-haiku",
        },
    )

    assert ack["ok"] is True
    await fake_llm.wait_closed_early("Write me a long poem")
    superseded = (await client.wait_for("agent:superseded"))[0]["ids"]
    assert slow["messageId"] in superseded
    haiku = (await client.wait_for("agent:message", reply_of(client, ack["messageId"])))[0]
    assert haiku["text"] == "Echo: Write me a haiku"
    # What the cut reply had streamed is kept, superseded, and never shown.
    cut = stored(mongo_client, online_db_name, streaming["id"])
    assert cut["superseded"] is True and LONG.startswith(cut["text"])
    assert not client.of("agent:message", lambda d: d["id"] == streaming["id"])
    page = await history_page(account, "support", "c-1")
    assert [m["id"] for m in page["messages"]] == [first_q, first_r, ack["messageId"], haiku["id"]]
    assert page["streaming"] == []
