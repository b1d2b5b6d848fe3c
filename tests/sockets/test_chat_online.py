"""`agent:send` end to end: real socket, real server, real mongod, real OpenAI SDK.

The model is the local OpenAI-compatible server; everything between the socket and that
HTTP edge is the product's own code.
"""

from __future__ import annotations

import asyncio
from typing import Any

from pymongo import MongoClient

from tests.conftest import Connect
from tests.support.clients import RecordingClient
from tests.support.fake_openai import CutStream, FakeOpenAI, Fault, Hang, Reply, ToolCalls
from tests.support.servers import ServerProcess
from tests.support.waiting import eventually

Mongo = MongoClient[dict[str, Any]]


def reply_to(message_id: str) -> Any:
    return lambda d: d.get("author") == "agent" and d.get("replyTo") == message_id


def send(agent: str, message: str, contact: str = "contact-1", **extra: Any) -> dict[str, Any]:
    return {"agentKey": agent, "contactId": contact, "message": message, **extra}


async def test_a_message_streams_a_reply_that_is_stored_with_usage(
    online_server: ServerProcess,
    fake_llm: FakeOpenAI,
    connect_user: Connect,
    mongo_client: Mongo,
    online_db_name: str,
) -> None:
    fake_llm.script("stream", Reply("Olá! Como posso ajudar com a sua empresa hoje?"))
    account, client = await connect_user(online_server)

    ack = await client.emit("agent:send", send("sdr", "Oi, tudo bem?"))

    assert ack["ok"] is True
    reply = (await client.wait_for("agent:message", reply_to(ack["messageId"])))[0]
    await client.wait_for("agent:typing", lambda d: d["typing"] is False)
    assert reply["text"] == "Olá! Como posso ajudar com a sua empresa hoje?"
    assert reply["offline"] is False
    deltas = [d["delta"] for d in client.of("agent:stream") if d["id"] == reply["id"]]
    assert len(deltas) > 1
    assert "".join(deltas) == reply["text"]
    names = [name for name, _ in client.events]
    assert names.index("agent:message") < names.index("agent:typing") < names.index("agent:stream")
    own = client.of("agent:message", lambda d: d["author"] == "user")
    assert own[0]["id"] == ack["messageId"]
    assert own[0]["nlp"]["intent"] == "greeting"
    suggestions = await client.wait_for("agent:suggestions")
    assert suggestions[0]["suggestions"]

    db = mongo_client[online_db_name]
    stored = list(db["messages"].find({"user_id": account.user_id}).sort("ts", 1))
    assert [m["author"] for m in stored] == ["user", "agent"]
    assert stored[0]["reply_state"] == "done"
    assert stored[1]["text"] == reply["text"]
    usage = await eventually(
        lambda: db["usage"].find_one({"user_id": account.user_id, "model": "gpt-test"})
    )
    assert usage is not None
    assert (usage["prompt_tokens"], usage["completion_tokens"]) == (11, 7)

    request = fake_llm.requests_of("stream")[-1]
    assert request.authorization == "Bearer sk-test-server-key"
    assert request.body["model"] == "gpt-test"
    assert "sales development representative" in request.messages[0]["content"]
    assert request.messages[-1] == {"role": "user", "content": "Oi, tudo bem?"}


async def test_the_model_sees_the_earlier_turns_of_the_conversation(
    online_server: ServerProcess, fake_llm: FakeOpenAI, connect_user: Connect
) -> None:
    _account, client = await connect_user(online_server)
    first = await client.emit("agent:send", send("support", "My printer is broken", "c-ctx"))
    await client.wait_for("agent:message", reply_to(first["messageId"]))
    second = await client.emit("agent:send", send("support", "It shows error 42", "c-ctx"))
    await client.wait_for("agent:message", reply_to(second["messageId"]))
    other = await client.emit("agent:send", send("support", "Unrelated chat", "c-other"))
    await client.wait_for("agent:message", reply_to(other["messageId"]))

    prompts = [r.messages for r in fake_llm.requests_of("stream")]
    turns = [(m["role"], m["content"]) for m in prompts[1][1:]]
    assert turns == [
        ("user", "My printer is broken"),
        ("assistant", "Echo: My printer is broken"),
        ("user", "It shows error 42"),
    ]
    # Another contact is another conversation: no context leaks across.
    assert [m["content"] for m in prompts[2][1:]] == ["Unrelated chat"]


async def test_scheduling_intent_opens_the_slot_picker_with_contacts_found(
    online_server: ServerProcess, fake_llm: FakeOpenAI, connect_user: Connect
) -> None:
    _account, client = await connect_user(online_server)
    # With a model, the scheduling tools are its: it opens the picker (the rules' guess
    # does not; offline it does: tests/scheduling/test_booking_flow.py).
    fake_llm.script("stream", ToolCalls([("open_slot_picker", "{}")]), Reply("Escolha abaixo."))
    ack = await client.emit(
        "agent:send",
        send("sdr", "Quero agendar uma reunião amanhã às 15h, meu email é ana@empresa.com.br"),
    )
    picker = (await client.wait_for("agent:show-slot-picker"))[0]
    assert picker["messageId"] == ack["messageId"]
    assert picker["email"] == "ana@empresa.com.br"  # what the person wrote
    assert len(client.of("agent:show-slot-picker")) == 1
    chips = (await client.wait_for("agent:suggestions"))[0]["suggestions"]
    assert "Ver horários disponíveis" in chips


async def test_support_agent_does_not_offer_a_slot_picker(
    online_server: ServerProcess, fake_llm: FakeOpenAI, connect_user: Connect
) -> None:
    _account, client = await connect_user(online_server)
    ack = await client.emit("agent:send", send("support", "Can we schedule a meeting tomorrow?"))
    await client.wait_for("agent:message", reply_to(ack["messageId"]))
    await client.wait_for("agent:typing", lambda d: d["typing"] is False)
    assert client.of("agent:show-slot-picker") == []


async def test_a_resend_with_the_same_client_id_is_stored_and_answered_once(
    online_server: ServerProcess,
    fake_llm: FakeOpenAI,
    connect_user: Connect,
    mongo_client: Mongo,
    online_db_name: str,
) -> None:
    account, client = await connect_user(online_server)
    payload = send("sdr", "Vocês atendem em Recife?", clientMessageId="tab1-0001")

    first, again = await asyncio.gather(
        client.emit("agent:send", payload), client.emit("agent:send", payload)
    )
    await client.wait_for("agent:message", reply_to(first["messageId"]))
    third = await client.emit("agent:send", payload)
    await client.wait_for("agent:typing", lambda d: d["typing"] is False)

    assert first["messageId"] == again["messageId"] == third["messageId"]
    assert sorted([first["duplicate"], again["duplicate"], third["duplicate"]]) == [
        False,
        True,
        True,
    ]
    db = mongo_client[online_db_name]["messages"]
    assert db.count_documents({"user_id": account.user_id, "author": "user"}) == 1
    assert db.count_documents({"user_id": account.user_id, "author": "agent"}) == 1
    assert len(fake_llm.requests_of("stream")) == 1
    assert len(client.of("agent:message", lambda d: d["author"] == "user")) == 1


async def test_model_500_keeps_the_message_and_the_conversation_goes_on(
    online_server: ServerProcess,
    fake_llm: FakeOpenAI,
    connect_user: Connect,
    mongo_client: Mongo,
    online_db_name: str,
) -> None:
    fake_llm.script("stream", Fault(500), Fault(500))  # the SDK's one retry fails too
    _account, client = await connect_user(online_server)

    ack = await client.emit("agent:send", send("sdr", "Quanto custa o plano anual?"))

    error = (await client.wait_for("agent:error"))[0]
    assert error["code"] == "llm_unavailable"
    assert error["messageId"] == ack["messageId"]
    assert (error["agentKey"], error["contactId"]) == ("sdr", "contact-1")
    assert len(fake_llm.requests_of("stream")) == 2
    stored = mongo_client[online_db_name]["messages"].find_one({"_id": _oid(ack["messageId"])})
    assert stored is not None
    assert stored["text"] == "Quanto custa o plano anual?"
    assert stored["reply_state"] == "failed"

    next_ack = await client.emit("agent:send", send("sdr", "E o mensal?"))
    assert (await client.wait_for("agent:message", reply_to(next_ack["messageId"])))[0]["text"]


async def test_a_failed_reply_can_be_retried_with_the_same_client_id(
    online_server: ServerProcess, fake_llm: FakeOpenAI, connect_user: Connect
) -> None:
    fake_llm.script("stream", Fault(503), Fault(503))
    _account, client = await connect_user(online_server)
    payload = send("support", "Reset my password", clientMessageId="retry-1")
    first = await client.emit("agent:send", payload)
    await client.wait_for("agent:error")

    retry = await client.emit("agent:send", payload)

    assert retry["messageId"] == first["messageId"]
    reply = (await client.wait_for("agent:message", reply_to(first["messageId"])))[0]
    assert reply["text"] == "Echo: Reset my password"


async def test_a_model_that_hangs_is_cut_by_the_timeout(
    online_server: ServerProcess,
    fake_llm: FakeOpenAI,
    connect_user: Connect,
    mongo_client: Mongo,
    online_db_name: str,
) -> None:
    fake_llm.script("stream", Hang(8), Hang(8))
    _account, client = await connect_user(online_server)

    ack = await client.emit("agent:send", send("support", "Are you there?"))

    error = (await client.wait_for("agent:error", timeout=15))[0]
    assert error["code"] == "llm_timeout"
    stored = mongo_client[online_db_name]["messages"].find_one({"_id": _oid(ack["messageId"])})
    assert stored is not None and stored["reply_state"] == "failed"


async def test_a_stream_cut_mid_reply_leaves_a_partial_reply_marked_incomplete(
    online_server: ServerProcess,
    fake_llm: FakeOpenAI,
    connect_user: Connect,
    mongo_client: Mongo,
    online_db_name: str,
) -> None:
    fake_llm.script("stream", CutStream("The first part of the answer"))
    _account, client = await connect_user(online_server)

    ack = await client.emit("agent:send", send("support", "Explain the setup"))

    partial = (await client.wait_for("agent:message", reply_to(ack["messageId"])))[0]
    assert partial["incomplete"] is True
    assert partial["text"] == "The first part of the answer"
    error = (await client.wait_for("agent:error"))[0]
    assert error["code"] in {"llm_unavailable", "llm_timeout"}
    stored = mongo_client[online_db_name]["messages"].find_one({"_id": _oid(partial["id"])})
    assert stored is not None and stored["incomplete"] is True


async def test_summary_comes_from_the_model(
    online_server: ServerProcess, fake_llm: FakeOpenAI, connect_user: Connect
) -> None:
    _account, client = await connect_user(online_server)
    ack = await client.emit("agent:send", send("sdr", "Somos uma loja com 20 funcionários"))
    await client.wait_for("agent:message", reply_to(ack["messageId"]))
    fake_llm.script("complete", Reply("- Loja com 20 funcionários\n- Próximo passo: demo"))

    answer = await client.emit(
        "agent:request-summary", {"agentKey": "sdr", "contactId": "contact-1"}
    )

    assert answer["ok"] is True
    summary = (await client.wait_for("agent:summary"))[0]
    assert summary["summary"] == "- Loja com 20 funcionários\n- Próximo passo: demo"
    assert summary["offline"] is False
    transcript = fake_llm.requests_of("complete")[-1].messages[-1]["content"]
    assert "Somos uma loja com 20 funcionários" in transcript


async def test_every_tab_of_a_user_sees_the_conversation(
    online_server: ServerProcess,
    fake_llm: FakeOpenAI,
    connect_user: Connect,
    socket_clients: list[RecordingClient],
) -> None:
    account, first_tab = await connect_user(online_server)
    second_tab = RecordingClient()
    socket_clients.append(second_tab)
    await second_tab.connect(online_server.base_url, account.access_token)

    ack = await first_tab.emit("agent:send", send("support", "Hello from tab one"))

    reply = (await second_tab.wait_for("agent:message", reply_to(ack["messageId"])))[0]
    assert reply["text"] == "Echo: Hello from tab one"
    assert second_tab.of("agent:message", lambda d: d["id"] == ack["messageId"])


def _oid(value: str) -> Any:
    from bson import ObjectId

    return ObjectId(value)


def _metric(base_url: str, name: str) -> float:
    import httpx

    for line in httpx.get(base_url + "/metrics").text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_metrics_count_model_latency_tokens_and_errors(
    online_server: ServerProcess, fake_llm: FakeOpenAI, connect_user: Connect
) -> None:
    base = online_server.base_url
    tokens = 'agents_llm_tokens_total{kind="completion",model="gpt-test"}'
    streams = 'agents_llm_request_seconds_count{kind="stream"}'
    errors = 'agents_llm_errors_total{code="llm_unavailable"}'
    before = {name: _metric(base, name) for name in (tokens, streams, errors)}
    _account, client = await connect_user(online_server)

    ok = await client.emit("agent:send", send("support", "measure me"))
    await client.wait_for("agent:message", reply_to(ok["messageId"]))
    fake_llm.script("stream", Fault(502), Fault(502))
    await client.emit("agent:send", send("support", "and fail"))
    await client.wait_for("agent:error")

    answered = len(fake_llm.requests) - 2  # NLU extractions report tokens too
    assert _metric(base, tokens) == before[tokens] + 7 * answered
    assert _metric(base, streams) == before[streams] + 1
    assert _metric(base, errors) == before[errors] + 1


async def test_model_429_after_the_sdk_retry_is_a_rate_limit_error(
    online_server: ServerProcess, fake_llm: FakeOpenAI, connect_user: Connect
) -> None:
    fake_llm.script("stream", Fault(429, {"retry-after": "0"}), Fault(429, {"retry-after": "0"}))
    _account, client = await connect_user(online_server)

    await client.emit("agent:send", send("support", "Hi there"))

    error = (await client.wait_for("agent:error"))[0]
    assert error["code"] == "llm_rate_limited"
    assert "busy" in error["error"]
    assert len(fake_llm.requests_of("stream")) == 2  # one try and the SDK's one retry


async def test_the_model_refines_an_unsure_rule_analysis(
    online_server: ServerProcess,
    fake_llm: FakeOpenAI,
    connect_user: Connect,
    mongo_client: Mongo,
    online_db_name: str,
) -> None:
    fake_llm.script(
        "json", Reply('{"intent": "schedule_meeting", "confidence": 0.9, "language": "pt"}')
    )
    account, client = await connect_user(online_server)

    ack = await client.emit(
        "agent:send", send("sdr", "seria bom a gente trocar uma ideia com calma")
    )

    await client.wait_for("agent:message", reply_to(ack["messageId"]))
    await client.wait_for("agent:typing", lambda d: d["typing"] is False)
    extraction = fake_llm.requests_of("json")[-1]
    assert extraction.messages[-1]["content"] == "seria bom a gente trocar uma ideia com calma"
    # The sdr's model has the scheduling tools: a picker is its call, not the NLU's.
    assert client.of("agent:show-slot-picker") == []
    stored = mongo_client[online_db_name]["messages"].find_one({"_id": _oid(ack["messageId"])})
    assert stored is not None
    assert (stored["nlp"]["intent"], stored["nlp"]["source"]) == ("schedule_meeting", "llm")
    # The refinement's tokens are the person's too: the reply's 11 + 7 and the
    # extraction's 11 + 7, two requests on their usage row.
    usage = await eventually(
        lambda: mongo_client[online_db_name]["usage"].find_one(
            {"user_id": account.user_id, "requests": 2}
        )
    )
    assert usage is not None, "the refinement's tokens were not counted"
    assert (usage["model"], usage["total_tokens"]) == ("gpt-test", 36)


async def test_a_confident_rule_analysis_costs_no_extraction_call(
    online_server: ServerProcess, fake_llm: FakeOpenAI, connect_user: Connect
) -> None:
    _account, client = await connect_user(online_server)
    ack = await client.emit("agent:send", send("sdr", "Quero agendar uma reunião amanhã às 15h"))
    await client.wait_for("agent:message", reply_to(ack["messageId"]))
    assert fake_llm.requests_of("json") == []
