"""Operator views across all users; every route requires the admin role."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from agents_backend.auth.deps import require_admin
from agents_backend.core.deps import DbDep, SettingsDep
from agents_backend.usage.router import Days, Since, Until, day_range
from agents_backend.usage.schemas import AdminUsageReport, AdminUsageRow
from agents_backend.usage.service import totals_of, usage_fields
from agents_backend.usage.store import usage_rows

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)])


@router.get("/usage", response_model=AdminUsageReport)
async def read_all_usage(
    db: DbDep,
    settings: SettingsDep,
    since: Since = None,
    until: Until = None,
    user_id: Annotated[str | None, Query(alias="userId", max_length=64)] = None,
    days: Days = None,
) -> AdminUsageReport:
    """Everyone's usage per user, model and day (or one user's with `userId`)."""
    first, last = day_range(since, until, days)
    documents = await usage_rows(db=db, user_id=user_id, since=first, until=last)
    rows = [
        AdminUsageRow(user_id=d["user_id"], **usage_fields(d, settings.model_pricing))
        for d in documents
    ]
    return AdminUsageReport(usage=rows, totals=totals_of(rows))
