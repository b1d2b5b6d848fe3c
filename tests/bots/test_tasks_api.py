"""/tasks over REST: filters, edits, deletion, and one user's tasks invisible to another."""

from __future__ import annotations

from typing import Any

from tests.bots.helpers import call, exchange
from tests.conftest import Connect
from tests.support.clients import Account, RecordingClient, register
from tests.support.fake_openai import FakeOpenAI
from tests.support.servers import ServerProcess


async def make_tasks(client: RecordingClient) -> dict[str, dict[str, Any]]:
    """Three tasks from real chats: sdr/ana, sdr/bia and support/ana."""
    for agent in ("sdr", "support"):
        ack = await client.emit("agent:set-auto-create", {"agentKey": agent, "autoCreate": True})
        assert ack["ok"] is True
    await exchange(client, "sdr", "me lembre de enviar a proposta sexta", "ana")
    await exchange(client, "sdr", "remind me to call Bia tomorrow", "bia")
    await exchange(client, "support", "remind me to reset the router", "ana")
    tasks = [e["task"] for e in await client.wait_for("agent:task-created", count=3)]
    return {t["title"]: t for t in tasks}


async def titles(account: Account, **params: Any) -> set[str]:
    response = await call(account, "GET", "/tasks", **params)
    assert response.status_code == 200, response.text
    return {t["title"] for t in response.json()["tasks"]}


async def test_tasks_are_filtered_edited_and_deleted(
    online_server: ServerProcess, fake_llm: FakeOpenAI, connect_user: Connect
) -> None:
    account, client = await connect_user(online_server)
    tasks = await make_tasks(client)
    proposal = tasks["Enviar a proposta sexta"]
    router = tasks["Reset the router"]

    assert await titles(account, agentKey="sdr") == {"Enviar a proposta sexta", "Call Bia tomorrow"}
    assert await titles(account, contactId="ana") == {"Enviar a proposta sexta", "Reset the router"}
    assert await titles(account, agentKey="sdr", contactId="ana") == {"Enviar a proposta sexta"}

    done = await call(account, "PATCH", f"/tasks/{router['id']}", {"status": "done"})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "done"
    assert await titles(account, status="done") == {"Reset the router"}
    assert await titles(account, status="open") == {"Enviar a proposta sexta", "Call Bia tomorrow"}

    edited = await call(
        account,
        "PATCH",
        f"/tasks/{proposal['id']}",
        {"title": "Enviar a proposta revisada", "dueDate": "2031-01-31"},
    )
    assert (edited.json()["title"], edited.json()["dueDate"]) == (
        "Enviar a proposta revisada",
        "2031-01-31",
    )
    cleared = await call(account, "PATCH", f"/tasks/{proposal['id']}", {"dueDate": None})
    assert cleared.json()["dueDate"] is None
    assert cleared.json()["title"] == "Enviar a proposta revisada"

    assert (await call(account, "DELETE", f"/tasks/{proposal['id']}")).status_code == 204
    assert (await call(account, "DELETE", f"/tasks/{proposal['id']}")).status_code == 404
    assert await titles(account) == {"Call Bia tomorrow", "Reset the router"}


async def test_bad_task_edits_are_refused_and_change_nothing(
    online_server: ServerProcess, fake_llm: FakeOpenAI, connect_user: Connect
) -> None:
    account, client = await connect_user(online_server)
    task = (await make_tasks(client))["Call Bia tomorrow"]
    path = f"/tasks/{task['id']}"

    for body in (
        {},
        {"status": "finished"},
        {"dueDate": "next friday"},
        {"title": ""},
        {"title": None},
        {"owner": "me"},
    ):
        response = await call(account, "PATCH", path, body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["detail"]
    assert (await call(account, "GET", "/tasks", status="bogus")).status_code == 422
    assert (await call(account, "PATCH", "/tasks/not-an-id", {"status": "done"})).status_code == 404

    stored = (await call(account, "GET", "/tasks", contactId="bia")).json()["tasks"]
    assert stored == [task]


async def test_another_users_tasks_are_invisible_and_untouchable(
    online_server: ServerProcess, fake_llm: FakeOpenAI, connect_user: Connect
) -> None:
    owner, client = await connect_user(online_server)
    task = (await make_tasks(client))["Reset the router"]
    stranger = await register(online_server.base_url)

    assert await titles(stranger) == set()
    assert await titles(stranger, agentKey="support") == set()
    patched = await call(stranger, "PATCH", f"/tasks/{task['id']}", {"status": "done"})
    assert patched.status_code == 404
    assert patched.json() == {"detail": "Task not found.", "code": "task_not_found"}
    assert (await call(stranger, "DELETE", f"/tasks/{task['id']}")).status_code == 404

    mine = (await call(owner, "GET", "/tasks", contactId="ana", agentKey="support")).json()
    assert mine["tasks"] == [task]
