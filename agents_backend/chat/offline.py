"""Replies and summaries built from the NLU result alone, for a server with no model.

A fresh machine has no OpenAI key; the product must still answer, and must say plainly
that it is doing so offline so nobody mistakes these canned lines for the model.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from agents_backend.bots.models import AgentProfile
from agents_backend.chat.models import ChatMessage
from agents_backend.nlu.models import Intent, Language, NLUResult

OFFLINE_PREFIX: dict[Language, str] = {"pt": "[Modo offline] ", "en": "[Offline mode] "}


def _when(nlu: NLUResult) -> str:
    if nlu.date and nlu.time:
        return f"{nlu.date} {nlu.time}"
    return nlu.date or nlu.time or ""


def _schedule_reply(agent: AgentProfile, nlu: NLUResult) -> dict[Language, str]:
    if not agent.scheduling_enabled:
        return {
            "pt": "Eu não agendo reuniões, mas o agente SDR pode fazer isso por você.",
            "en": "I don't book meetings, but the SDR agent can do that for you.",
        }
    when = _when(nlu)
    when_pt = f" para {when}" if when else ""
    when_en = f" for {when}" if when else ""
    if nlu.email:
        return {
            "pt": f"Perfeito! Escolha um horário{when_pt} no seletor; "
            f"envio o convite para {nlu.email}.",
            "en": f"Great! Pick a slot{when_en} in the picker; I'll send the invite to "
            f"{nlu.email}.",
        }
    return {
        "pt": f"Vamos agendar! Escolha um horário{when_pt} no seletor e informe seu e-mail "
        "para o convite.",
        "en": f"Let's book it! Pick a slot{when_en} in the picker and give me your e-mail "
        "for the invite.",
    }


def _contact_reply(agent: AgentProfile, nlu: NLUResult) -> dict[Language, str]:
    found = ", ".join(value for value in (nlu.email, nlu.phone) if value)
    offer_pt = " Quer agendar uma conversa?" if agent.scheduling_enabled else ""
    offer_en = " Would you like to book a call?" if agent.scheduling_enabled else ""
    return {
        "pt": f"Obrigado, anotei {found}.{offer_pt}",
        "en": f"Thanks, I noted {found}.{offer_en}",
    }


def offline_reply(agent: AgentProfile, nlu: NLUResult) -> str:
    """One short, honest answer per intent, in the person's language."""
    replies: dict[Intent, dict[Language, str]] = {
        Intent.GREETING: {
            "pt": f"Olá! Sou {agent.name} {agent.emoji}. Como posso ajudar?",
            "en": f"Hi! I'm {agent.name} {agent.emoji}. How can I help?",
        },
        Intent.FAREWELL: {
            "pt": "Até logo! Volte quando quiser.",
            "en": "Goodbye! Come back any time.",
        },
        Intent.THANKS: {
            "pt": "Por nada! Posso ajudar em algo mais?",
            "en": "You're welcome! Anything else?",
        },
        Intent.QUESTION: {
            "pt": "Recebi sua pergunta, mas sem o modelo de IA não consigo respondê-la agora. "
            "Deixe seu e-mail e retornaremos.",
            "en": "I got your question, but without the AI model I can't answer it right now. "
            "Leave your e-mail and we'll get back to you.",
        },
        Intent.CREATE_TASK: {
            "pt": "Anotado! Vou registrar isso como uma tarefa.",
            "en": "Noted! I'll keep that as a task.",
        },
        Intent.GENERAL: {
            "pt": "Entendi. Pode me contar um pouco mais sobre o que precisa?",
            "en": "Got it. Could you tell me a bit more about what you need?",
        },
    }
    if nlu.intent is Intent.SCHEDULE_MEETING:
        text = _schedule_reply(agent, nlu)
    elif nlu.intent is Intent.PROVIDE_CONTACT and (nlu.email or nlu.phone):
        text = _contact_reply(agent, nlu)
    else:
        text = replies.get(nlu.intent, replies[Intent.GENERAL])
    return OFFLINE_PREFIX[nlu.language] + text[nlu.language]


def conversation_language(messages: Sequence[ChatMessage]) -> Language:
    votes = Counter(
        str(m.nlp.get("language"))
        for m in messages
        if m.nlp and m.nlp.get("language") in ("pt", "en")
    )
    return "en" if votes["en"] > votes["pt"] else "pt"


# What the person wanted, in the summary's language (never the rules' internal names).
_INTENT_NAMES: dict[Language, dict[Intent, str]] = {
    "pt": {
        Intent.SCHEDULE_MEETING: "agendar reunião",
        Intent.GREETING: "saudação",
        Intent.FAREWELL: "despedida",
        Intent.THANKS: "agradecimento",
        Intent.QUESTION: "pergunta",
        Intent.PROVIDE_CONTACT: "dados de contato",
        Intent.CREATE_TASK: "criar tarefa",
        Intent.HUMAN_HANDOFF: "falar com uma pessoa",
    },
    "en": {
        Intent.SCHEDULE_MEETING: "booking a meeting",
        Intent.GREETING: "greeting",
        Intent.FAREWELL: "farewell",
        Intent.THANKS: "thanks",
        Intent.QUESTION: "question",
        Intent.PROVIDE_CONTACT: "contact details",
        Intent.CREATE_TASK: "creating a task",
        Intent.HUMAN_HANDOFF: "asking for a person",
    },
}


def offline_summary(messages: Sequence[ChatMessage]) -> str:
    """What a person would want from a summary, from what the rules already extracted."""
    user_messages = [m for m in messages if m.author == "user"]
    language = conversation_language(messages)
    if not user_messages:
        empty = {"pt": "Ainda não há mensagens nesta conversa.", "en": "No messages yet."}
        return OFFLINE_PREFIX[language] + empty[language]
    analyses = [NLUResult.model_validate(m.nlp) for m in user_messages if m.nlp]
    intents = Counter(a.intent for a in analyses if a.intent is not Intent.GENERAL)
    emails = sorted({a.email for a in analyses if a.email})
    phones = sorted({a.phone for a in analyses if a.phone})
    dates = sorted({d for a in analyses if (d := a.datetime or a.date)})
    last = user_messages[-1].text
    last = last if len(last) <= 120 else last[:117] + "..."
    labels: dict[Language, tuple[str, str, str, str, str, str, str]] = {
        "pt": (
            "Mensagens",
            "da pessoa",
            "Assuntos",
            "E-mails",
            "Telefones",
            "Datas citadas",
            "Última mensagem",
        ),
        "en": (
            "Messages",
            "from the person",
            "Topics",
            "E-mails",
            "Phones",
            "Dates mentioned",
            "Last message",
        ),
    }
    msgs, theirs, topics, mails, tels, when, latest = labels[language]
    lines = [f"{msgs}: {len(messages)} ({len(user_messages)} {theirs})"]
    if intents:
        names = _INTENT_NAMES[language]
        lines.append(
            f"{topics}: " + ", ".join(f"{names[k]} ({v})" for k, v in intents.most_common())
        )
    if emails:
        lines.append(f"{mails}: " + ", ".join(emails))
    if phones:
        lines.append(f"{tels}: " + ", ".join(phones))
    if dates:
        lines.append(f"{when}: " + ", ".join(dates))
    lines.append(f'{latest}: "{last}"')
    return OFFLINE_PREFIX[language] + "\n".join(lines)
