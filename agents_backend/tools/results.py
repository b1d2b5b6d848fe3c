"""The three shapes a call's result takes, so every tool answers the model alike."""

from __future__ import annotations

from typing import Any

from agents_backend.chat.tooling import ToolResult
from agents_backend.contract import ToolName


def done(
    name: ToolName, content: dict[str, Any], arguments: dict[str, Any], *, booked: bool = False
) -> ToolResult:
    return ToolResult(name=name, outcome="ok", content=content, arguments=arguments, booked=booked)


def refused(
    name: ToolName,
    code: str,
    message: str,
    arguments: dict[str, Any] | None = None,
    **extra: Any,
) -> ToolResult:
    """The model's call was not accepted; `message` tells it what to do instead."""
    return ToolResult(
        name=name,
        outcome="refused",
        content={"status": "refused", "code": code, "message": message, **extra},
        code=code,
        arguments=arguments or {},
    )


def failed(
    name: ToolName, code: str, message: str, arguments: dict[str, Any] | None = None
) -> ToolResult:
    """The tool could not run (calendar or database down): nothing was done."""
    return ToolResult(
        name=name,
        outcome="failed",
        content={"status": "failed", "code": code, "message": message},
        code=code,
        arguments=arguments or {},
    )
