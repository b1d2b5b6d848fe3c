"""Token usage and its estimated cost, per model and UTC day, at /usage.

Costs are estimates from the configured list prices (MODEL_PRICING, USD per million
tokens); a model without a price reports `estimatedCostUsd: null` rather than a
misleading zero, and is named in `totals.unpricedModels`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status

from agents_backend.deps import CurrentUser, DbDep, SettingsDep
from agents_backend.models import UsageReport, UsageRow, UsageTotals
from agents_backend.store.usage import usage_rows

router = APIRouter(prefix="/usage", tags=["usage"])

Pricing = dict[str, tuple[float, float]]
Since = Annotated[date | None, Query(alias="from", description="First UTC day, inclusive.")]
Until = Annotated[date | None, Query(alias="to", description="Last UTC day, inclusive.")]


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


def day_range(since: date | None, until: date | None) -> tuple[str | None, str | None]:
    if since is not None and until is not None and since > until:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, detail="'from' must not be after 'to'"
        )
    return (
        since.isoformat() if since is not None else None,
        until.isoformat() if until is not None else None,
    )


@router.get("", response_model=UsageReport)
async def read_usage(
    user: CurrentUser,
    db: DbDep,
    settings: SettingsDep,
    since: Since = None,
    until: Until = None,
) -> UsageReport:
    """The caller's own usage, newest day first."""
    first, last = day_range(since, until)
    documents = await usage_rows(db=db, user_id=user["_id"], since=first, until=last)
    rows = [UsageRow(**usage_fields(d, settings.model_pricing)) for d in documents]
    return UsageReport(usage=rows, totals=totals_of(rows))
