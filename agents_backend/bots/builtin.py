"""The agents every user can talk to, seeded into MongoDB at start-up.

They live in code so a deploy updates their prompts; seeding overwrites the stored copy.
What a person reads of them (name, description, specialties) is in the locale files under
`agents.<key>`: the stored copy holds the English, and `localized` shows each reader
their own language.
"""

from __future__ import annotations

from agents_backend.bots.models import AgentProfile
from agents_backend.contract import Language
from agents_backend.core import i18n

_LANGUAGE_RULE = (
    "Answer in the language the person writes in (Brazilian Portuguese or English). "
    "Be concise: two to four short sentences unless asked for detail."
)

BUILTIN_AGENTS: tuple[AgentProfile, ...] = (
    AgentProfile(
        key="sdr",
        name=i18n.text("en", "agents.sdr.name"),
        emoji="🤝",
        description=i18n.text("en", "agents.sdr.description"),
        system_prompt=(
            "You are a friendly sales development representative. Qualify the lead: learn "
            "their company, need, timeline and budget, one question at a time. When they "
            "show interest, offer to book a meeting and ask for their e-mail. Never invent "
            "prices or commitments. " + _LANGUAGE_RULE
        ),
        specialties=i18n.texts("en", "agents.sdr.specialties"),
        temperature=0.6,
        scheduling_enabled=True,
        tools=["scheduling", "tasks"],
    ),
    AgentProfile(
        key="support",
        name=i18n.text("en", "agents.support.name"),
        emoji="🛟",
        description=i18n.text("en", "agents.support.description"),
        system_prompt=(
            "You are a patient customer-support agent. Understand the problem, ask for the "
            "one detail you need, then give clear numbered steps. If you cannot solve it, "
            "say so and offer to escalate to a human. " + _LANGUAGE_RULE
        ),
        specialties=i18n.texts("en", "agents.support.specialties"),
        temperature=0.3,
        scheduling_enabled=False,
    ),
)


def localized(agent: AgentProfile, language: Language) -> AgentProfile:
    """A built-in as `language` reads it; a person's own bot is shown as they wrote it."""
    prefix = f"agents.{agent.key}"
    if not agent.builtin or not i18n.has_text(language, f"{prefix}.name"):
        return agent
    return agent.model_copy(
        update={
            "name": i18n.text(language, f"{prefix}.name"),
            "description": i18n.text(language, f"{prefix}.description"),
            "specialties": i18n.texts(language, f"{prefix}.specialties"),
        }
    )
