"""Structured NLU extraction through the model, used when the rules are unsure."""

from __future__ import annotations

from typing import Any

from agents_backend.integrations.openai_client import OpenAIChat, PromptMessage
from agents_backend.nlu.models import Intent, NLUResult, UsageSink

_INSTRUCTIONS = (
    "Extract from the user's message a JSON object with keys: intent (one of "
    + ", ".join(i.value for i in Intent)
    + "), confidence (0..1), email, phone, date (YYYY-MM-DD), time (HH:MM), language "
    "('pt' or 'en'). Use null for anything not present. Answer with JSON only."
)


class LLMRefiner:
    """The `NLURefiner` backed by a chat model's JSON mode.

    It returns the model's JSON unchecked: validating it is the engine's job, so that a
    refiner never has to be trusted.
    """

    def __init__(self, *, chat: OpenAIChat, model: str) -> None:
        self._chat = chat
        self._model = model

    async def extract(
        self, text: str, hint: NLUResult, on_usage: UsageSink | None = None
    ) -> dict[str, Any]:
        """Ask the model, showing it the rules' guess so it corrects rather than restarts.

        The usage is reported even when the engine then finds no usable field in the
        answer: the tokens were spent either way and count in the person's usage.
        """
        data, usage = await self._chat.complete_json(
            messages=[
                PromptMessage("system", _INSTRUCTIONS),
                PromptMessage("system", "Rule-based guess: " + hint.model_dump_json()),
                PromptMessage("user", text),
            ],
            model=self._model,
        )
        if usage is not None and on_usage is not None:
            on_usage(self._model, usage)
        return data
