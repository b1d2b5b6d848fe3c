"""Prometheus metrics for one process, in its own registry.

A private registry (not the global default) so tests and several apps in one process
never collide, and `/metrics` shows exactly what this server counts.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

CONNECTED_SOCKETS = Gauge(
    "agents_connected_sockets", "Socket.IO connections currently open", registry=REGISTRY
)
CONNECTED_VISITORS = Gauge(
    "agents_connected_visitors",
    "Website visitors' Socket.IO connections (namespace /public) currently open",
    registry=REGISTRY,
)
MESSAGES = Counter(
    "agents_messages_total", "Chat messages stored, by author", ["author"], registry=REGISTRY
)
LLM_LATENCY = Histogram(
    "agents_llm_request_seconds",
    "Time from sending a model request to its last chunk",
    ["kind"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
    registry=REGISTRY,
)
LLM_ERRORS = Counter(
    "agents_llm_errors_total", "Model calls that failed, by error code", ["code"], registry=REGISTRY
)
TOKENS = Counter(
    "agents_llm_tokens_total", "Tokens reported by the model", ["model", "kind"], registry=REGISTRY
)
REPLY_TAKEOVERS = Counter(
    "agents_reply_takeovers_total",
    "Replies taken over after their lease expired, by who took them (resend or sweep)",
    ["by"],
    registry=REGISTRY,
)
REPLY_LEASES_EXPIRED = Counter(
    "agents_reply_leases_expired_total",
    "Reply leases found expired by a sweep (their process died or handed over)",
    registry=REGISTRY,
)
REPLY_ATTEMPTS_EXHAUSTED = Counter(
    "agents_reply_attempts_exhausted_total",
    "Replies marked failed after their last attempt's lease expired",
    registry=REGISTRY,
)
EVENT_LOOP_LAG = Histogram(
    "agents_event_loop_lag_seconds",
    "How late the event loop's watch ticker woke (a blocked loop answers nobody)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
    registry=REGISTRY,
)
REPLY_LEASES_LOST = Counter(
    "agents_reply_leases_lost_total",
    "Reply attempts that stopped because another process had taken their message",
    registry=REGISTRY,
)
