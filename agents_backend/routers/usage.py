"""Token usage and cost (the custom-bots issue)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/usage", tags=["usage"])
