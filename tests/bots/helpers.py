"""REST and chat helpers for the bots, tasks and usage suites."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.clients import Account, RecordingClient

BOT_KEY = "sk-bot-own-key-do-not-leak-0001"


def bot_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Capitão Gancho",
        "emoji": "🏴‍☠️",
        "prompt": "You are Captain Hook, a pirate who sells treasure maps. Speak like a pirate.",
        "specialties": ["treasure maps", "sailing"],
    }
    return body | overrides


async def call(
    account: Account, method: str, path: str, json: Any = None, **params: Any
) -> httpx.Response:
    async with httpx.AsyncClient(base_url=account.base_url, headers=account.headers) as http:
        return await http.request(method, path, json=json, params=params or None)


async def create_bot(account: Account, **overrides: Any) -> dict[str, Any]:
    response = await call(account, "POST", "/custom-bots", bot_body(**overrides))
    assert response.status_code == 201, response.text
    bot: dict[str, Any] = response.json()["bot"]
    return bot


def send(agent: str, message: str, contact: str = "contact-1") -> dict[str, Any]:
    return {"agentKey": agent, "contactId": contact, "message": message}


async def exchange(client: RecordingClient, agent: str, message: str, contact: str = "c-1") -> str:
    """Sends a message and waits until the whole exchange (reply, tasks) is over."""
    ack = await client.emit("agent:send", send(agent, message, contact))
    assert ack["ok"] is True, ack
    message_id: str = ack["messageId"]
    await client.wait_for(
        "agent:message", lambda d: d.get("author") == "agent" and d.get("replyTo") == message_id
    )

    def here(d: Any) -> bool:
        return bool(d["agentKey"] == agent and d["contactId"] == contact)

    # typing:false comes last, after any agent:task-created of the exchange.
    started = len(client.of("agent:typing", lambda d: here(d) and d["typing"] is True))
    await client.wait_for("agent:typing", lambda d: here(d) and d["typing"] is False, count=started)
    return message_id
