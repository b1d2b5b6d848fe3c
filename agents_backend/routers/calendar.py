"""Availability and bookings (the booking issue)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/calendar", tags=["calendar"])
