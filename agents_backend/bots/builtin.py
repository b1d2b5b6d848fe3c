"""The agents every user can talk to, seeded into MongoDB at start-up.

They live in code so a deploy updates their prompts; seeding overwrites the stored copy.
"""

from __future__ import annotations

from agents_backend.bots.models import AgentProfile

_LANGUAGE_RULE = (
    "Answer in the language the person writes in (Brazilian Portuguese or English). "
    "Be concise: two to four short sentences unless asked for detail."
)

BUILTIN_AGENTS: tuple[AgentProfile, ...] = (
    AgentProfile(
        key="sdr",
        name="SDR",
        emoji="🤝",
        description="Qualifies leads and books meetings with the sales team.",
        system_prompt=(
            "You are a friendly sales development representative. Qualify the lead: learn "
            "their company, need, timeline and budget, one question at a time. When they "
            "show interest, offer to book a meeting and ask for their e-mail. Never invent "
            "prices or commitments. " + _LANGUAGE_RULE
        ),
        specialties=["lead qualification", "meeting booking", "product overview"],
        temperature=0.6,
        scheduling_enabled=True,
    ),
    AgentProfile(
        key="support",
        name="Suporte",
        emoji="🛟",
        description="Answers product questions and troubleshoots problems.",
        system_prompt=(
            "You are a patient customer-support agent. Understand the problem, ask for the "
            "one detail you need, then give clear numbered steps. If you cannot solve it, "
            "say so and offer to escalate to a human. " + _LANGUAGE_RULE
        ),
        specialties=["troubleshooting", "account help", "product questions"],
        temperature=0.3,
        scheduling_enabled=False,
    ),
)
