"""Stop (`agent:stop`): the reply is cut where it is, kept as a stopped reply, the model's
stream is closed and the tokens spent are counted (issue 16, point 2)."""

from __future__ import annotations

import httpx

from tests.chat_controls.helpers import LONG, Mongo, reply_of, send, stored
from tests.conftest import Connect
from tests.support.clients import history_page
from tests.support.fake_openai import FakeOpenAI, Reply
from tests.support.servers import ServerProcess
from tests.support.waiting import eventually


async def test_stop_mid_stream_keeps_the_text_so_far_as_a_stopped_reply(
    online_server: ServerProcess,
    fake_llm: FakeOpenAI,
    connect_user: Connect,
    mongo_client: Mongo,
    online_db_name: str,
) -> None:
    fake_llm.script("stream", Reply(LONG, chunk_delay=0.05, chunk_size=2))
    account, client = await connect_user(online_server)
    question = "Tell me everything about the treasure"
    ack = await client.emit("agent:send", send(question))
    deltas = await client.wait_for("agent:stream", count=4)
    reply_id = deltas[0]["id"]
    assert deltas[0]["replyTo"] == ack["messageId"]

    stop = await client.emit(
        "agent:stop", {"agentKey": "support", "contactId": "c-1", "replyId": reply_id}
    )

    assert stop == {"ok": True, "stopped": True}
    kept = (await client.wait_for("agent:message", reply_of(client, ack["messageId"])))[0]
    assert kept["id"] == reply_id
    assert kept["stopped"] is True
    assert "incomplete" not in kept  # stopped by the person, not cut by a failure
    assert kept["text"] and kept["text"] != LONG and LONG.startswith(kept["text"])
    # The provider saw its connection closed: it stops generating (and billing).
    await fake_llm.wait_closed_early(question)
    await client.wait_for("agent:typing", lambda d: d["typing"] is False)

    document = stored(mongo_client, online_db_name, reply_id)
    assert document["stopped"] is True and document["text"] == kept["text"]
    assert stored(mongo_client, online_db_name, ack["messageId"])["reply_state"] == "done"
    page = await history_page(account, "support", "c-1")
    assert [(m["author"], m.get("stopped")) for m in page["messages"]] == [
        ("user", None),
        ("agent", True),
    ]
    assert page["streaming"] == []
    # No usage chunk came (the stream was cut): prompt and completion are estimated.
    usage = await eventually(
        lambda: mongo_client[online_db_name]["usage"].find_one({"user_id": account.user_id})
    )
    assert usage is not None
    assert usage["prompt_tokens"] > 10 and usage["completion_tokens"] >= len(kept["text"]) // 4

    # The conversation goes on; the stopped reply sent nothing more meanwhile, and
    # stopping it again stops nothing.
    fake_llm.script("stream", Reply("Sure, briefly then."))
    next_ack = await client.emit("agent:send", send("Shorter, please"))
    await client.wait_for("agent:message", reply_of(client, next_ack["messageId"]))
    assert (
        "".join(d["delta"] for d in client.of("agent:stream") if d["id"] == reply_id)
        == kept["text"]
    )
    again = await client.emit(
        "agent:stop", {"agentKey": "support", "contactId": "c-1", "replyId": reply_id}
    )
    assert again == {"ok": True, "stopped": False}
    # The model read the stopped reply as what the agent had said.
    last = fake_llm.requests_of("stream")[-1].messages
    assert {"role": "assistant", "content": kept["text"]} in last


async def test_nobody_else_can_stop_a_reply(
    online_server: ServerProcess, fake_llm: FakeOpenAI, connect_user: Connect
) -> None:
    fake_llm.script("stream", Reply(LONG[:200], chunk_delay=0.03, chunk_size=4))
    _owner, client = await connect_user(online_server)
    _rival, rival = await connect_user(online_server)
    ack = await client.emit("agent:send", send("A long answer, please"))
    reply_id = (await client.wait_for("agent:stream"))[0]["id"]

    # Same agent, same contact id, the reply's id: still not theirs.
    refused = await rival.emit(
        "agent:stop", {"agentKey": "support", "contactId": "c-1", "replyId": reply_id}
    )
    unknown = await client.emit(
        "agent:stop", {"agentKey": "support", "contactId": "c-1", "replyId": "nope"}
    )

    assert refused == {"ok": True, "stopped": False}
    assert unknown == {"ok": True, "stopped": False}
    reply = (await client.wait_for("agent:message", reply_of(client, ack["messageId"])))[0]
    assert reply["text"] == LONG[:200]
    assert "stopped" not in reply


async def test_a_malformed_stop_is_refused_and_the_socket_goes_on(
    online_server: ServerProcess, fake_llm: FakeOpenAI, connect_user: Connect
) -> None:
    _account, client = await connect_user(online_server)

    bad = await client.emit("agent:stop", {"agentKey": "support", "contactId": "c-1", "replyId": 7})
    missing = await client.emit("agent:regenerate", {"agentKey": "support", "contactId": "c-1"})
    edit = await client.emit(
        "agent:edit", {"agentKey": "support", "contactId": "c-1", "messageId": "x", "message": "y"}
    )

    for ack in (bad, missing, edit):
        assert ack["ok"] is False and ack["error"]["code"] == "invalid_payload"
    good = await client.emit("agent:send", send("still here?"))
    await client.wait_for("agent:message", reply_of(client, good["messageId"]))


async def test_deleting_a_conversation_mid_reply_stops_it_and_keeps_nothing(
    online_server: ServerProcess,
    fake_llm: FakeOpenAI,
    connect_user: Connect,
    mongo_client: Mongo,
    online_db_name: str,
) -> None:
    """A reply stored after the delete would bring the deleted conversation back, with
    one orphan message, in the person's list. (A reply this short ends long before its
    lease is next renewed, which would otherwise notice its message is gone.)"""
    fake_llm.script("stream", Reply(LONG[:300], chunk_delay=0.02, chunk_size=2))
    account, client = await connect_user(online_server)
    question = "Tell me the whole story"
    await client.emit("agent:send", send(question, "c-gone"))
    await client.wait_for("agent:stream", count=3)

    async with httpx.AsyncClient(base_url=online_server.base_url) as http:
        deleted = await http.delete("/agents/support/conversations/c-gone", headers=account.headers)
        assert deleted.status_code == 204
        # The model's stream is closed: the provider stops generating.
        await fake_llm.wait_closed_early(question)
        await client.wait_for("agent:typing", lambda d: d["typing"] is False)
        listed = await http.get("/agents/support/conversations", headers=account.headers)

    assert [c["contactId"] for c in listed.json()["conversations"]] == []
    messages = mongo_client[online_db_name]["messages"]
    assert messages.count_documents({"user_id": account.user_id, "contact_id": "c-gone"}) == 0
    assert not client.of("agent:message", lambda m: m["author"] == "agent")
