"""Token usage as the rest of the product counts it, and its estimated cost.

Costs are estimates from the configured list prices (MODEL_PRICING, USD per million
tokens); a model without a price reports `estimatedCostUsd: null` rather than a
misleading zero, and is named in `totals.unpricedModels`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from agents_backend.core.database import Database
from agents_backend.core.usage_ledger import today
from agents_backend.core.visitor_ids import is_visitor_conversation
from agents_backend.integrations.openai_client import TokenUsage
from agents_backend.usage.schemas import UsageRow, UsageTotals

Pricing = dict[str, tuple[float, float]]


def record_usage(
    *,
    db: Database,
    user_id: str,
    model: str | None,
    usage: TokenUsage | None,
    agent_key: str | None = None,
    contact_id: str | None = None,
) -> None:
    """Counted now, written within a second (store/usage_ledger.py). A call that reported
    no usage, or was made without a model, counts nothing.

    In a website visitor's conversation the bot's owner pays (`user_id` is theirs), and
    the tokens also count against the bot's own daily budget."""
    if usage is None or model is None:
        return
    ledgers = [(db.usage_ledger, user_id)]
    if agent_key is not None and is_visitor_conversation(contact_id):
        ledgers.append((db.agent_usage_ledger, agent_key))
    for ledger, owner in ledgers:
        ledger.add(
            user_id=owner,
            model=model,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
        )


async def agent_tokens_used_today(*, db: Database, agent_key: str) -> int:
    """Today's (UTC) tokens of a published bot's visitors: its daily budget's measure."""
    day = today()
    total = db.agent_usage_ledger.pending_tokens(user_id=agent_key, day=day)
    async for row in db.agent_usage.find({"agent_key": agent_key, "day": day}, {"total_tokens": 1}):
        total += int(row.get("total_tokens", 0))
    return total


async def tokens_used_today(*, db: Database, user_id: str) -> int:
    """Today's (UTC) tokens across every model: what the daily budget is checked against."""
    day = today()
    total = db.usage_ledger.pending_tokens(user_id=user_id, day=day)
    async for row in db.usage.find({"user_id": user_id, "day": day}, {"total_tokens": 1}):
        total += int(row.get("total_tokens", 0))
    return total


def estimate_cost(pricing: Pricing, model: str, prompt: int, completion: int) -> float | None:
    price = pricing.get(model)
    if price is None:
        return None
    per_input, per_output = price
    return round((prompt * per_input + completion * per_output) / 1_000_000, 8)


def usage_fields(document: dict[str, Any], pricing: Pricing) -> dict[str, Any]:
    prompt = int(document.get("prompt_tokens", 0))
    completion = int(document.get("completion_tokens", 0))
    return {
        "day": document["day"],
        "model": document["model"],
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": int(document.get("total_tokens", prompt + completion)),
        "requests": int(document.get("requests", 0)),
        "estimated_cost_usd": estimate_cost(pricing, document["model"], prompt, completion),
    }


def totals_of(rows: Iterable[UsageRow]) -> UsageTotals:
    totals = UsageTotals()
    unpriced: set[str] = set()
    cost = 0.0
    for row in rows:
        totals.prompt_tokens += row.prompt_tokens
        totals.completion_tokens += row.completion_tokens
        totals.total_tokens += row.total_tokens
        totals.requests += row.requests
        if row.estimated_cost_usd is None:
            unpriced.add(row.model)
        else:
            cost += row.estimated_cost_usd
    totals.estimated_cost_usd = round(cost, 8)
    totals.unpriced_models = sorted(unpriced)
    return totals
