"""Publishing a bot to visitors: its slug, the sites that may embed it, its greeting and
its daily budget, and the two things its owner pastes (the share link and the widget
snippet).

Publishing is part of the bot (`AgentProfile.publication`): deleting the bot takes it
offline with everything else, and a visitor finds the bot by slug through one unique
index. A slug is random (80 bits, unguessable) unless the owner picks one.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any
from urllib.parse import urlsplit

from agents_backend.bots.models import AgentProfile, Publication


def random_slug() -> str:
    """16 lowercase letters and digits: nobody finds a bot by trying links."""
    return base64.b32encode(secrets.token_bytes(10)).decode().lower()


def web_origin(value: str) -> str | None:
    """`https://Shop.example.com/` -> `https://shop.example.com`; None unless `value` is
    an http(s) origin alone (no path, query, fragment or credentials)."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    suffix = f":{port}" if port is not None and port != default else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{suffix}"


def publish(bot: AgentProfile, changes: dict[str, Any]) -> Publication:
    """The bot's publication with `changes` (Publication fields the owner sent); a first
    publication gets a random slug and takes bookings if the bot schedules meetings."""
    current = bot.publication or Publication(
        slug=random_slug(), booking_enabled=bot.scheduling_enabled
    )
    if changes.get("slug") is None:
        changes = {k: v for k, v in changes.items() if k != "slug"}
    return current.model_copy(update=changes)


def share_url(base_url: str, slug: str) -> str:
    return f"{base_url}/c/{slug}"


def embed_snippet(base_url: str, slug: str) -> str:
    return f'<script src="{base_url}/widget.js" data-agent="{slug}" defer></script>'
