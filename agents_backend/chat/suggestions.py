"""Quick replies offered after each agent answer, chosen by intent and language."""

from __future__ import annotations

from agents_backend.bots.models import AgentProfile
from agents_backend.nlu.models import Intent, Language, NLUResult

_BY_INTENT: dict[Intent, dict[Language, list[str]]] = {
    Intent.SCHEDULE_MEETING: {
        "pt": ["Ver horários disponíveis", "Prefiro de manhã", "Pode ser outro dia?"],
        "en": ["Show available times", "I prefer mornings", "Can we do another day?"],
    },
    Intent.GREETING: {
        "pt": ["Quero conhecer o produto", "Preciso de ajuda", "Quanto custa?"],
        "en": ["Tell me about the product", "I need help", "How much does it cost?"],
    },
    Intent.QUESTION: {
        "pt": ["Pode explicar melhor?", "Tem um exemplo?", "Falar com um humano"],
        "en": ["Can you explain more?", "Do you have an example?", "Talk to a human"],
    },
    Intent.PROVIDE_CONTACT: {
        "pt": ["Agendar uma conversa", "Enviar mais informações"],
        "en": ["Book a call", "Send me more information"],
    },
    Intent.CREATE_TASK: {
        "pt": ["Ver minhas tarefas", "Adicionar outra tarefa"],
        "en": ["Show my tasks", "Add another task"],
    },
    Intent.THANKS: {
        "pt": ["Tenho outra dúvida", "Tchau!"],
        "en": ["I have another question", "Bye!"],
    },
    Intent.FAREWELL: {"pt": ["Começar de novo"], "en": ["Start over"]},
    Intent.GENERAL: {
        "pt": ["Pode detalhar?", "Quero falar com um humano"],
        "en": ["Could you elaborate?", "I want to talk to a human"],
    },
}

_BOOK: dict[Language, str] = {"pt": "Agendar uma reunião", "en": "Book a meeting"}
# After the agent booked the meeting in this very reply: nothing offers to book again.
_AFTER_BOOKING: dict[Language, list[str]] = {
    "pt": ["Obrigado!", "Tenho outra dúvida"],
    "en": ["Thanks!", "I have another question"],
}
_GIVE_EMAIL: dict[Language, str] = {"pt": "Meu e-mail é ", "en": "My e-mail is "}


def suggest(
    *, agent: AgentProfile, nlu: NLUResult, reply_text: str, booked: bool = False
) -> list[str]:
    """At most three chips; a reply that asks for an e-mail gets a chip to start one.
    `booked`: the reply's own `book_meeting` booked (agent tools)."""
    language = nlu.language
    if booked:
        return list(_AFTER_BOOKING[language])
    chips = list(_BY_INTENT.get(nlu.intent, _BY_INTENT[Intent.GENERAL])[language])
    lowered = reply_text.lower()
    if not nlu.email and ("e-mail" in lowered or "email" in lowered):
        chips.insert(0, _GIVE_EMAIL[language])
    if agent.scheduling_enabled and nlu.intent is not Intent.SCHEDULE_MEETING:
        chips.append(_BOOK[language])
    if not agent.scheduling_enabled:
        chips = [c for c in chips if c not in _BY_INTENT[Intent.SCHEDULE_MEETING][language]]
    seen: list[str] = []
    for chip in chips:
        if chip not in seen:
            seen.append(chip)
    return seen[:3]
