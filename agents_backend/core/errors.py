"""Failures the person can be told about: a stable `code` for clients, and a text in the
person's language, rendered where the error leaves the server (socket or HTTP)."""

from __future__ import annotations

from agents_backend.contract import ErrorCode, Language
from agents_backend.core import i18n


def error_text(language: Language, code: ErrorCode, params: dict[str, object] | None = None) -> str:
    return i18n.text(language, f"errors.{code.value}", **(params or {}))


class AgentError(Exception):
    """`params` fill the code's text; `language` is the conversation's when the raiser
    knows it (it wins over the account's and the browser's)."""

    def __init__(
        self,
        code: ErrorCode,
        *,
        retry_after: int | None = None,
        language: Language | None = None,
        **params: object,
    ) -> None:
        self.code = code
        self.params = params
        self.retry_after = retry_after  # seconds, for limits the person can wait out
        self.language = language
        super().__init__(self.text(language or i18n.DEFAULT_LANGUAGE))

    def text(self, language: Language) -> str:
        return error_text(language, self.code, self.params)

    def told_in(self, language: Language) -> AgentError:
        """Sets the conversation's language unless the raiser already knew one."""
        if self.language is None:
            self.language = language
        return self
