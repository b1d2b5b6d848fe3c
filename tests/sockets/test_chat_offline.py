"""With no OpenAI key the server still answers, and says so in every reply."""

from __future__ import annotations

import httpx

from tests.conftest import Connect
from tests.sockets.test_chat_online import reply_to, send
from tests.support.servers import ServerProcess


async def test_offline_replies_are_marked_and_in_the_users_language(
    offline_server: ServerProcess, connect_user: Connect
) -> None:
    _account, client = await connect_user(offline_server)

    pt = await client.emit("agent:send", send("sdr", "Oi, bom dia!"))
    pt_reply = (await client.wait_for("agent:message", reply_to(pt["messageId"])))[0]
    en = await client.emit("agent:send", send("sdr", "Hello there, good morning"))
    en_reply = (await client.wait_for("agent:message", reply_to(en["messageId"])))[0]

    assert pt_reply["offline"] is True and en_reply["offline"] is True
    assert pt_reply["text"].startswith("[Modo offline] Olá! Sou SDR")
    assert en_reply["text"].startswith("[Offline mode] Hi! I'm SDR")
    streamed = "".join(d["delta"] for d in client.of("agent:stream") if d["id"] == pt_reply["id"])
    assert streamed == pt_reply["text"]


async def test_offline_scheduling_asks_for_an_email_and_opens_the_picker(
    offline_server: ServerProcess, connect_user: Connect
) -> None:
    _account, client = await connect_user(offline_server)

    ack = await client.emit("agent:send", send("sdr", "Can we book a call next Tuesday at 3pm?"))

    reply = (await client.wait_for("agent:message", reply_to(ack["messageId"])))[0]
    assert reply["text"].startswith("[Offline mode]")
    assert "e-mail" in reply["text"]
    picker = (await client.wait_for("agent:show-slot-picker"))[0]
    assert picker["suggestedTime"] == "15:00"
    chips = (await client.wait_for("agent:suggestions"))[0]["suggestions"]
    assert chips[0] == "My e-mail is "


async def test_offline_summary_is_built_from_the_stored_conversation(
    offline_server: ServerProcess, connect_user: Connect
) -> None:
    _account, client = await connect_user(offline_server)
    for text in ("Quero agendar uma demo amanhã às 10h", "meu email é joao@loja.com.br"):
        ack = await client.emit("agent:send", send("sdr", text, "lead-7"))
        await client.wait_for("agent:message", reply_to(ack["messageId"]))

    await client.emit("agent:request-summary", {"agentKey": "sdr", "contactId": "lead-7"})

    summary = (await client.wait_for("agent:summary"))[0]
    assert summary["offline"] is True
    assert (summary["agentKey"], summary["contactId"]) == ("sdr", "lead-7")
    assert summary["summary"].startswith("[Modo offline]")
    assert "joao@loja.com.br" in summary["summary"]
    # In the conversation's language throughout, not the rules' internal names.
    assert "agendar reunião (1)" in summary["summary"]
    assert "Mensagens: 4 (2 da pessoa)" in summary["summary"]
    assert "schedule_meeting" not in summary["summary"] and "user" not in summary["summary"]


async def test_agents_list_says_the_server_is_offline(offline_server: ServerProcess) -> None:
    from tests.support.clients import register

    account = await register(offline_server.base_url)
    async with httpx.AsyncClient(base_url=offline_server.base_url) as http:
        body = (await http.get("/agents", headers=account.headers)).json()
    assert body["offline"] is True
