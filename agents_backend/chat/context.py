"""Turns the stored conversation into the prompt the model sees."""

from __future__ import annotations

from collections.abc import Sequence

from agents_backend.bots.models import AgentProfile
from agents_backend.chat.models import ChatMessage
from agents_backend.chat.revisions import context_messages
from agents_backend.core.database import Database
from agents_backend.integrations.openai_client import PromptMessage
from agents_backend.nlu.models import NLUResult

_LANGUAGE_NAMES = {"pt": "Brazilian Portuguese", "en": "English"}


async def load_context(*, db: Database, message: ChatMessage, limit: int) -> list[ChatMessage]:
    """Up to `limit` messages before `message` in its conversation, each reply right
    after the question it answers (a message sent while a reply streamed is stored
    before that reply, but the model reads the exchange in the order it happened)."""
    found = await context_messages(db=db, question=message, limit=limit)
    return in_reply_order(found)


def in_reply_order(messages: Sequence[ChatMessage]) -> list[ChatMessage]:
    """Messages oldest first, except that a reply follows its own question."""
    asked_at = {m.id: m.ts for m in messages if m.author == "user"}

    def place(indexed: tuple[int, ChatMessage]) -> tuple[int, int, int]:
        index, m = indexed
        question_ts = asked_at.get(m.reply_to) if m.reply_to else None
        if question_ts is not None:
            return (question_ts, 1, index)
        return (m.ts, 0, index)

    return [m for _i, m in sorted(enumerate(messages), key=place)]


def _nlu_note(nlu: NLUResult) -> str:
    facts = [f"intent={nlu.intent.value}", f"reply in {_LANGUAGE_NAMES[nlu.language]}"]
    if nlu.email:
        facts.append(f"e-mail={nlu.email}")
    if nlu.phone:
        facts.append(f"phone={nlu.phone}")
    if nlu.datetime or nlu.date or nlu.time:
        facts.append(f"when={nlu.datetime or nlu.date or nlu.time}")
    return "What the NLU understood of the latest message: " + "; ".join(facts) + "."


def build_prompt(
    *, agent: AgentProfile, history: Sequence[ChatMessage], message: ChatMessage, nlu: NLUResult
) -> list[PromptMessage]:
    prompt = [PromptMessage("system", agent.system_prompt + "\n\n" + _nlu_note(nlu))]
    for past in history:
        if past.author == "user":
            prompt.append(PromptMessage("user", past.text))
        elif past.author in ("agent", "human"):
            # A person of the team wrote for the business: the agent, handed the
            # conversation back, carries on from what they said.
            prompt.append(PromptMessage("assistant", past.text))
        else:  # system notes (bookings, tasks) are facts the model should know about
            prompt.append(PromptMessage("system", past.text))
    prompt.append(PromptMessage("user", message.text))
    return prompt
