"""Validation failures as a person reads them: each field's problem in their language.

Pydantic describes a failure by a stable `type` and its context (`min_length`...); the
text comes from `validation.<type>` in the locale files, so a pt-BR reader never sees
pydantic's English. Types without a text read "not a valid value".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from agents_backend.contract import Language
from agents_backend.core import i18n


def _kind(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", "invalid"))
    if kind == "value_error" and "email" in str(error.get("msg", "")).lower():
        return "email"
    return kind


def issue_text(error: Mapping[str, Any], language: Language) -> str:
    key = f"validation.{_kind(error)}"
    if not i18n.has_text(language, key):
        key = "validation.invalid"
    context = error.get("ctx") or {}
    try:
        return i18n.text(language, key, **context)
    except (KeyError, IndexError):  # a context without the field the text needs
        return i18n.text(language, "validation.invalid")


def localized_issues(
    errors: Iterable[Mapping[str, Any]], language: Language
) -> list[dict[str, Any]]:
    """FastAPI's 422 shape (`loc`, `msg`, `type`), with `msg` in the person's language and
    without the offending input (it could be a password or an API key)."""
    return [
        {
            "loc": list(error.get("loc", ())),
            "msg": issue_text(error, language),
            "type": _kind(error),
        }
        for error in errors
    ]


def describe_issues(errors: Iterable[Mapping[str, Any]], language: Language, limit: int = 5) -> str:
    """One line for a socket error: `message: At most 4000 characters.; contactId: Required.`"""
    parts = []
    for issue in localized_issues(list(errors)[:limit], language):
        where = ".".join(str(part) for part in issue["loc"]) or "payload"
        parts.append(f"{where}: {issue['msg']}")
    return "; ".join(parts)
