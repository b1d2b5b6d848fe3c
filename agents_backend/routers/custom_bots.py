"""Users' own agents (the custom-bots issue)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/custom-bots", tags=["custom-bots"])
