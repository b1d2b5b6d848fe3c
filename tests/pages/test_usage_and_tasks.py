"""Usage per day and model with its estimated cost (what the Usage page charts), and
tasks written by hand (what the Tasks page creates, completes and deletes)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from tests.pages.conftest import PRICE, Connect
from tests.support.fake_openai import FakeOpenAI, Reply
from tests.support.servers import ServerProcess


async def test_usage_per_day_and_model_with_its_estimated_cost(
    pages_server: ServerProcess, connect: Connect, fake_llm: FakeOpenAI
) -> None:
    account, tab = await connect(None)
    fake_llm.script(
        "stream", Reply("Olá! Como posso ajudar?", prompt_tokens=12, completion_tokens=5)
    )
    ack = await tab.emit(
        "agent:send", {"agentKey": "support", "contactId": "u-1", "message": "Oi, tudo bem?"}
    )
    assert ack["ok"] is True, ack
    await tab.wait_for("agent:message", lambda m: m["author"] == "agent")

    async with httpx.AsyncClient(base_url=pages_server.base_url, headers=account.headers) as http:
        report = (await http.get("/usage", params={"days": 30})).json()
        too_many = await http.get("/usage", params={"days": 0})
    today = datetime.now(UTC).date().isoformat()
    rows = [r for r in report["usage"] if r["model"] == "gpt-test"]
    assert [r["day"] for r in rows] == [today]
    row = rows[0]
    requests = row["requests"]
    assert requests >= 1
    # The reply reported 12 + 5; any other model call of the exchange (the NLU's
    # refiner) gets the edge's default usage, 11 + 7.
    assert row["promptTokens"] == 12 + 11 * (requests - 1)
    assert row["completionTokens"] == 5 + 7 * (requests - 1)
    assert row["totalTokens"] == row["promptTokens"] + row["completionTokens"]
    expected_cost = (row["promptTokens"] * PRICE[0] + row["completionTokens"] * PRICE[1]) / 1e6
    assert abs(row["estimatedCostUsd"] - expected_cost) < 1e-9
    assert report["totals"]["totalTokens"] == row["totalTokens"]
    assert too_many.status_code == 422


async def test_tasks_written_by_hand_are_created_completed_and_deleted(
    pages_server: ServerProcess, connect: Connect
) -> None:
    account, _tab = await connect(None)
    async with httpx.AsyncClient(base_url=pages_server.base_url, headers=account.headers) as http:
        created = await http.post(
            "/tasks",
            json={"title": "  Enviar proposta ", "agentKey": "sdr", "dueDate": "2030-01-02"},
        )
        assert created.status_code == 201, created.text
        task = created.json()
        assert (task["title"], task["agentKey"], task["dueDate"], task["source"]) == (
            "Enviar proposta",
            "sdr",
            "2030-01-02",
            "manual",
        )
        assert task["status"] == "open" and task["contactId"] is None

        unknown_agent = await http.post("/tasks", json={"title": "x", "agentKey": "nope"})
        assert (
            unknown_agent.status_code == 404 and unknown_agent.json()["code"] == "agent_not_found"
        )
        empty = await http.post("/tasks", json={"title": "   "})
        assert empty.status_code == 422

        done = await http.patch(f"/tasks/{task['id']}", json={"status": "done"})
        assert done.json()["status"] == "done"
        listed = await http.get("/tasks", params={"status": "done", "agentKey": "sdr"})
        assert [t["id"] for t in listed.json()["tasks"]] == [task["id"]]

        assert (await http.delete(f"/tasks/{task['id']}")).status_code == 204
        assert (await http.get("/tasks")).json()["tasks"] == []
