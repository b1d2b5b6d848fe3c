"""Conversation summaries: by the model when there is one, else from stored NLU."""

from __future__ import annotations

from collections.abc import Sequence

from agents_backend.chat.models import ChatMessage
from agents_backend.chat.offline import conversation_language, offline_summary
from agents_backend.integrations.openai_client import OpenAIChat, PromptMessage, TokenUsage

_INSTRUCTIONS = {
    "pt": "Resuma a conversa abaixo em até 5 tópicos curtos: necessidade do cliente, dados "
    "de contato, datas combinadas e próximos passos.",
    "en": "Summarise the conversation below in at most 5 short bullet points: the customer's "
    "need, contact details, agreed dates and next steps.",
}


def transcript(messages: Sequence[ChatMessage]) -> str:
    return "\n".join(f"{m.author}: {m.text}" for m in messages)


async def summarize(
    *, messages: Sequence[ChatMessage], chat: OpenAIChat | None, model: str
) -> tuple[str, bool, TokenUsage | None]:
    """Returns (summary, offline, usage)."""
    if chat is None or not messages:
        return offline_summary(messages), True, None
    language = conversation_language(messages)
    text, usage = await chat.complete(
        messages=[
            PromptMessage("system", _INSTRUCTIONS[language]),
            PromptMessage("user", transcript(messages)),
        ],
        model=model,
        temperature=0.2,
    )
    return text.strip(), False, usage
