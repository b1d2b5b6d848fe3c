"""GET /usage (own tokens and estimated cost per model and day) and GET /admin/usage."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from pymongo import MongoClient

from tests.bots.helpers import BOT_KEY, call, create_bot, exchange
from tests.conftest import Connect
from tests.support.clients import register
from tests.support.fake_openai import FakeOpenAI
from tests.support.servers import ServerProcess

Mongo = MongoClient[dict[str, Any]]
# gpt-4o-mini's default list price: 0.15 / 0.60 USD per million input / output tokens.
MINI_COST = (11 * 0.15 + 7 * 0.60) / 1_000_000


async def test_usage_sums_tokens_and_cost_per_model_and_day(
    online_server: ServerProcess, fake_llm: FakeOpenAI, connect_user: Connect
) -> None:
    account, client = await connect_user(online_server)
    bot = await create_bot(account, openaiApiKey=BOT_KEY, model="gpt-4o-mini")
    await exchange(client, "sdr", "Oi, tudo bem?")
    await exchange(client, "support", "Hello there")
    # A greeting, so no NLU refinement adds a third gpt-test request (that is counted too).
    await exchange(client, bot["key"], "Hello there")

    report = (await call(account, "GET", "/usage")).json()

    rows = {row["model"]: row for row in report["usage"]}
    assert set(rows) == {"gpt-test", "gpt-4o-mini"}
    server = rows["gpt-test"]
    assert (server["promptTokens"], server["completionTokens"], server["totalTokens"]) == (
        22,
        14,
        36,
    )
    assert server["requests"] == 2
    assert server["estimatedCostUsd"] is None  # no price configured for the test model
    mini = rows["gpt-4o-mini"]
    assert (mini["promptTokens"], mini["completionTokens"], mini["requests"]) == (11, 7, 1)
    assert mini["estimatedCostUsd"] == pytest.approx(MINI_COST)
    assert mini["day"] == server["day"]
    totals = report["totals"]
    assert (totals["promptTokens"], totals["completionTokens"], totals["requests"]) == (33, 21, 3)
    assert totals["estimatedCostUsd"] == pytest.approx(MINI_COST)
    assert totals["unpricedModels"] == ["gpt-test"]

    day = mini["day"]
    in_range = (await call(account, "GET", "/usage", **{"from": day, "to": day})).json()
    assert in_range["totals"]["requests"] == 3
    later = (await call(account, "GET", "/usage", **{"from": "2999-01-01"})).json()
    assert later["usage"] == []
    backwards = await call(account, "GET", "/usage", **{"from": "2030-01-02", "to": "2030-01-01"})
    assert backwards.status_code == 422


async def test_usage_is_private_and_admins_read_everyones(
    online_server: ServerProcess,
    fake_llm: FakeOpenAI,
    connect_user: Connect,
    mongo_client: Mongo,
    online_db_name: str,
) -> None:
    user, client = await connect_user(online_server)
    await exchange(client, "sdr", "Oi, tudo bem?")
    other = await register(online_server.base_url)

    assert (await call(other, "GET", "/usage")).json()["usage"] == []
    refused = await call(other, "GET", "/admin/usage")
    assert refused.status_code == 403
    assert refused.json() == {
        "detail": "Only an administrator can do this.",
        "code": "admin_required",
    }

    mongo_client[online_db_name]["users"].update_one(
        {"_id": other.user_id}, {"$set": {"role": "admin"}}
    )
    everyone = (await call(other, "GET", "/admin/usage")).json()
    assert user.user_id in {row["userId"] for row in everyone["usage"]}
    just_one = (await call(other, "GET", "/admin/usage", userId=user.user_id)).json()
    assert [(r["userId"], r["model"], r["promptTokens"]) for r in just_one["usage"]] == [
        (user.user_id, "gpt-test", 11)
    ]
    assert just_one["totals"]["totalTokens"] == 18

    anonymous = await call(replace(other, access_token="not-a-token"), "GET", "/admin/usage")
    assert anonymous.status_code == 401
