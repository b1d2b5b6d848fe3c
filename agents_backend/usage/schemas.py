"""REST bodies of /usage and /admin/usage."""

from __future__ import annotations

from pydantic import BaseModel, Field

from agents_backend.core.schemas import CamelOut


class UsageRow(CamelOut):
    day: str = Field(description="UTC day, YYYY-MM-DD.")
    model: str
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    requests: int
    estimated_cost_usd: float | None = Field(description="Null when the model has no price.")


class AdminUsageRow(UsageRow):
    user_id: str


class UsageTotals(CamelOut):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    requests: int = 0
    estimated_cost_usd: float = Field(default=0.0, description="Sum over priced models only.")
    unpriced_models: list[str] = Field(default_factory=list)


class UsageReport(BaseModel):
    usage: list[UsageRow]
    totals: UsageTotals


class AdminUsageReport(BaseModel):
    usage: list[AdminUsageRow]
    totals: UsageTotals
