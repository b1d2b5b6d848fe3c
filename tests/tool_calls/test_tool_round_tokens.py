"""Every round of a reply that called tools is paid for, and counted in the person's
usage: the rounds the model reported, and an estimate of the one a Stop cut."""

from __future__ import annotations

from typing import Any

from tests.support.fake_openai import FakeOpenAI, Reply, ToolCalls
from tests.support.waiting import eventually
from tests.tool_calls.conftest import Connect
from tests.tool_calls.helpers import Mongo, arguments, ask, days_ahead, tool_statuses

# The NLU refinement's request (when the rules are unsure) is the person's too: the
# fake's default answer to it reports 11 + 7 tokens.
REFINE_PROMPT, REFINE_COMPLETION = 11, 7


def usage_row(mongo: Mongo, db_name: str, user_id: str, prompt: int) -> dict[str, Any] | None:
    return mongo[db_name]["usage"].find_one(
        {"user_id": user_id, "model": "gpt-test", "prompt_tokens": prompt}
    )


async def test_the_tokens_of_every_round_are_counted(
    connect: Connect, fake_llm: FakeOpenAI, mongo_client: Mongo, tools_db_name: str
) -> None:
    account, tab = await connect()
    day = days_ahead(7).isoformat()
    fake_llm.script(
        "stream",
        ToolCalls(
            [("check_availability", arguments(date=day))], prompt_tokens=100, completion_tokens=10
        ),
        ToolCalls(
            [("check_availability", arguments(date=day))], prompt_tokens=200, completion_tokens=20
        ),
        Reply("Tenho 9:00 livre.", prompt_tokens=400, completion_tokens=40),
    )

    await ask(tab, "Que horários vocês têm na semana que vem?", contact="lead-f")

    refined = len(fake_llm.requests_of("json"))
    prompt = 700 + refined * REFINE_PROMPT
    row = await eventually(lambda: usage_row(mongo_client, tools_db_name, account.user_id, prompt))
    assert row is not None, mongo_client[tools_db_name]["usage"].find_one(
        {"user_id": account.user_id}
    )
    assert row["completion_tokens"] == 70 + refined * REFINE_COMPLETION


async def test_a_reply_stopped_in_a_later_round_counts_the_rounds_before_and_the_cut_one(
    connect: Connect, fake_llm: FakeOpenAI, mongo_client: Mongo, tools_db_name: str
) -> None:
    account, tab = await connect()
    day = days_ahead(8).isoformat()
    long = " ".join(f"horario{i}" for i in range(120))
    fake_llm.script(
        "stream",
        ToolCalls(
            [("check_availability", arguments(date=day))], prompt_tokens=100, completion_tokens=10
        ),
        Reply(long, chunk_delay=0.05, chunk_size=2),
    )
    ack = await tab.emit(
        "agent:send",
        {"agentKey": "sdr", "contactId": "lead-g", "message": "Quais horários vocês têm?"},
    )
    deltas = await tab.wait_for("agent:stream", count=4)
    reply_id = deltas[0]["id"]
    assert tool_statuses(tab, reply_id)[-1] == ("check_availability", False, "ok")

    stop = await tab.emit(
        "agent:stop", {"agentKey": "sdr", "contactId": "lead-g", "replyId": reply_id}
    )

    assert stop == {"ok": True, "stopped": True}
    kept = (
        await tab.wait_for(
            "agent:message", lambda m: m["author"] == "agent" and m["replyTo"] == ack["messageId"]
        )
    )[0]
    assert kept["stopped"] is True
    assert kept["toolCalls"] == [{"name": "check_availability", "outcome": "ok"}]
    row = await eventually(
        lambda: mongo_client[tools_db_name]["usage"].find_one(
            {"user_id": account.user_id, "prompt_tokens": {"$gt": 200}}
        )
    )
    assert row is not None, "the cut round's tokens were not counted"
    # The first round's 100 + 10, and the cut round's estimate: its prompt carries the
    # first one's call and result, its completion at least the text that was shown.
    assert row["prompt_tokens"] > 100 + 100
    assert row["completion_tokens"] > 10 + len(kept["text"]) // 4 - 1
