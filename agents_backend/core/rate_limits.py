"""Abuse limits, counted in Redis when the processes share one, else in memory.

Built on `limits` (async storage) so several backend processes behind nginx enforce one
budget per user or IP instead of one each. The sliding-window counter, not the moving
window: the moving window keeps every hit and its in-memory storage sweeps each key's
list through a worker thread after every hit, several thread hand-offs per chat message
under load; two counters per key give the same limit, weighted across the window edge.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.aio.storage import Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.storage import storage_from_string


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # whole seconds until the window lets the next one through


class RateLimit:
    """One named limit, e.g. `messages` at "30/minute" per user."""

    def __init__(self, name: str, rule: str, limiter: SlidingWindowCounterRateLimiter) -> None:
        self.name = name
        self._item: RateLimitItem = parse(rule)
        self._limiter = limiter

    async def hit(self, key: str) -> Verdict:
        if await self._limiter.hit(self._item, self.name, key):
            return Verdict(True, 0)
        stats = await self._limiter.get_window_stats(self._item, self.name, key)
        return Verdict(False, max(1, int(stats.reset_time - time.time()) + 1))


@dataclass(frozen=True)
class RateLimits:
    messages_per_user: RateLimit
    logins_per_account: RateLimit
    logins_per_ip: RateLimit
    connections_per_ip: RateLimit
    visitor_messages: RateLimit
    new_visitors_per_ip: RateLimit
    agent_messages: RateLimit


def build_rate_limits(
    *,
    redis_url: str | None,
    messages: str,
    logins_per_account: str,
    logins_per_ip: str,
    connections_per_ip: str,
    visitor_messages: str = "10/minute",
    new_visitors_per_ip: str = "20/hour",
    agent_messages: str = "120/minute",
) -> RateLimits:
    storage = (
        storage_from_string("async+" + redis_url, implementation="redispy")
        if redis_url
        else storage_from_string("async+memory://")
    )
    assert isinstance(storage, Storage)
    limiter = SlidingWindowCounterRateLimiter(storage)
    return RateLimits(
        messages_per_user=RateLimit("messages", messages, limiter),
        logins_per_account=RateLimit("login-account", logins_per_account, limiter),
        logins_per_ip=RateLimit("login-ip", logins_per_ip, limiter),
        connections_per_ip=RateLimit("connections-ip", connections_per_ip, limiter),
        visitor_messages=RateLimit("visitor-messages", visitor_messages, limiter),
        new_visitors_per_ip=RateLimit("new-visitors-ip", new_visitors_per_ip, limiter),
        agent_messages=RateLimit("agent-messages", agent_messages, limiter),
    )
