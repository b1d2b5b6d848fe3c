"""Token usage and its estimated cost, per model and UTC day, at /usage.

Costs are estimates from the configured list prices (MODEL_PRICING, USD per million
tokens); a model without a price reports `estimatedCostUsd: null` rather than a
misleading zero, and is named in `totals.unpricedModels`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, status

from agents_backend.auth.deps import CurrentUser
from agents_backend.contract import ErrorCode
from agents_backend.core.deps import DbDep, SettingsDep
from agents_backend.core.http_errors import ApiError
from agents_backend.usage.schemas import UsageReport, UsageRow
from agents_backend.usage.service import totals_of, usage_fields
from agents_backend.usage.store import usage_rows

router = APIRouter(prefix="/usage", tags=["usage"])

Since = Annotated[date | None, Query(alias="from", description="First UTC day, inclusive.")]
Until = Annotated[date | None, Query(alias="to", description="Last UTC day, inclusive.")]


Days = Annotated[
    int | None,
    Query(ge=1, le=366, description="The last N UTC days, today included (when no `from`)."),
]


def day_range(
    since: date | None, until: date | None, days: int | None = None
) -> tuple[str | None, str | None]:
    if since is None and days is not None:
        since = datetime.now(UTC).date() - timedelta(days=days - 1)
    if since is not None and until is not None and since > until:
        raise ApiError(status.HTTP_422_UNPROCESSABLE_CONTENT, ErrorCode.INVALID_RANGE)
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
    days: Days = None,
) -> UsageReport:
    """The caller's own usage per UTC day and model, newest day first."""
    first, last = day_range(since, until, days)
    documents = await usage_rows(db=db, user_id=user["_id"], since=first, until=last)
    rows = [UsageRow(**usage_fields(d, settings.model_pricing)) for d in documents]
    return UsageReport(usage=rows, totals=totals_of(rows))
