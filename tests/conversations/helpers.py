"""What the conversation tests share: one exchange over a real socket, REST calls."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.clients import Account, RecordingClient


async def exchange(client: RecordingClient, agent: str, contact: str, text: str) -> str:
    """Sends `text` and waits for its reply; the id of the stored user message."""
    ack = await client.emit(
        "agent:send", {"agentKey": agent, "contactId": contact, "message": text}
    )
    assert ack["ok"] is True, ack
    message_id: str = ack["messageId"]
    await client.wait_for(
        "agent:message", lambda d: d.get("author") == "agent" and d.get("replyTo") == message_id
    )
    return message_id


async def call(account: Account, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async with httpx.AsyncClient(
        base_url=account.base_url, headers=account.headers, timeout=10
    ) as http:
        return await http.request(method, path, **kwargs)


async def listed(account: Account, agent: str, **params: Any) -> list[dict[str, Any]]:
    response = await call(account, "GET", f"/agents/{agent}/conversations", params=params)
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["conversations"]
    return rows


async def search(account: Account, q: str, **params: Any) -> list[dict[str, Any]]:
    response = await call(account, "GET", "/search/messages", params={"q": q, **params})
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    return results
