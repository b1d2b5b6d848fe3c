"""One reply at a time per conversation: a message sent while a reply streams is taken at
once and answered after it, reading it (issue 16, point 5)."""

from __future__ import annotations

from tests.chat_controls.helpers import Mongo, reply_of, send, stored, streams_for
from tests.conftest import Connect
from tests.support.fake_openai import FakeOpenAI, Reply
from tests.support.servers import ServerProcess

# Long enough (~4 s streamed) that the second message is surely taken while it streams.
FIRST = (
    "The first answer streams slowly, word after word, until it is done: a sentence "
    "about the weather, one about the meeting room, one about the coffee machine on "
    "the third floor, and a last one that says nothing at all before it ends."
)


async def test_a_message_sent_mid_stream_is_answered_after_the_reply_streaming(
    online_server: ServerProcess,
    fake_llm: FakeOpenAI,
    connect_user: Connect,
    mongo_client: Mongo,
    online_db_name: str,
) -> None:
    fake_llm.script(
        "stream", Reply(FIRST, chunk_delay=0.05, chunk_size=3), Reply("And the second one.")
    )
    _account, client = await connect_user(online_server)
    first = await client.emit("agent:send", send("First question"))
    await client.wait_for("agent:stream", count=2)

    second = await client.emit("agent:send", send("Second question"))

    # Taken at once: acknowledged and shown while the first reply still streams.
    assert second["ok"] is True
    assert not client.of("agent:message", reply_of(client, first["messageId"]))
    assert client.of("agent:message", lambda d: d["id"] == second["messageId"])
    answer = (await client.wait_for("agent:message", reply_of(client, second["messageId"])))[0]
    assert answer["text"] == "And the second one."
    names = [
        (name, data.get("replyTo") or data.get("id"))
        for name, data in client.events
        if name in ("agent:stream", "agent:message") and data.get("author", "agent") == "agent"
    ]
    first_done = names.index(("agent:message", first["messageId"]))
    second_started = names.index(("agent:stream", second["messageId"]))
    assert first_done < second_started  # never interleaved
    assert all(ref != second["messageId"] for _name, ref in names[:first_done])
    # Both answered, and the second reply read the first one.
    for question in (first, second):
        assert stored(mongo_client, online_db_name, question["messageId"])["reply_state"] == "done"
    prompt = streams_for(fake_llm, "Second question")[0]
    assert [m["content"] for m in prompt[1:]] == ["First question", FIRST, "Second question"]
