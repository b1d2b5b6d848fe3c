"""Failures the person can be told about, each with a stable `code` for clients."""

from __future__ import annotations


class AgentError(Exception):
    def __init__(self, code: str, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after = retry_after  # seconds, for limits the person can wait out
