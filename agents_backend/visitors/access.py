"""Which pages may talk to a published bot.

A visitor reaches the bot from the share link (this server's own page) or from the
widget's iframe (also this server's page) embedded in a site. The browser's `Origin` of
the socket is then this server's; the site is the `host` the iframe passes on, which a
page cannot fake in a browser: the iframe's page is served with CSP `frame-ancestors`
listing only the bot's allowed origins (visitors/pages.py). Another site's page opening
the socket itself is refused (already at the handshake, by CORS_ORIGINS: the widget
never needs that, and one list per bot cannot be checked there).
"""

from __future__ import annotations

from collections.abc import Collection

from agents_backend.bots.models import AgentProfile, Publication
from agents_backend.bots.publishing import web_origin


def page_allowed(
    publication: Publication,
    *,
    host: str | None,
    origin: str | None,
    own_origins: Collection[str],
) -> bool:
    """`origin`: the socket handshake's Origin header (None: not a browser);
    `host`: the embedding page's origin as the widget reports it (None: share link)."""
    allowed = set(publication.allowed_origins)
    page = web_origin(host) if host is not None else None
    if host is not None and page is None:
        return False  # not an origin at all
    if origin is not None and origin.rstrip("/") not in own_origins:
        return False
    return page is None or page in allowed or page in own_origins


def booking_open(agent: AgentProfile) -> bool:
    """Visitors may book: the bot schedules, and its owner lets visitors book."""
    return bool(
        agent.scheduling_enabled and agent.publication and agent.publication.booking_enabled
    )


def frame_ancestors(publication: Publication) -> str:
    """The CSP directive for the panel's page: this server and the allowed sites."""
    return " ".join(["frame-ancestors", "'self'", *sorted(set(publication.allowed_origins))])
