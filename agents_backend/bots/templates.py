"""Starting points for custom bots, served by GET /custom-bots/templates.

A template is only a pre-filled form: creating a bot from one copies its fields, so
changing a template later never changes bots people already made. Its words (name,
description, prompt, specialties) are in the locale files under `templates.<id>`, so a
pt-BR owner starts from a Portuguese prompt; the settings are here.
"""

from __future__ import annotations

from dataclasses import dataclass

from agents_backend.contract import Language, ToolSet
from agents_backend.core import i18n


@dataclass(frozen=True)
class TemplateSettings:
    id: str
    emoji: str
    temperature: float
    scheduling_enabled: bool
    tools: tuple[ToolSet, ...]


@dataclass(frozen=True)
class BotTemplate:
    id: str
    name: str
    emoji: str
    description: str
    prompt: str
    specialties: tuple[str, ...]
    temperature: float
    scheduling_enabled: bool
    tools: tuple[ToolSet, ...]


TEMPLATE_SETTINGS: tuple[TemplateSettings, ...] = (
    TemplateSettings(
        id="sdr",
        emoji="🤝",
        temperature=0.6,
        scheduling_enabled=True,
        tools=("scheduling", "tasks"),
    ),
    TemplateSettings(id="support", emoji="🛟", temperature=0.3, scheduling_enabled=False, tools=()),
    TemplateSettings(
        id="scheduler",
        emoji="📅",
        temperature=0.4,
        scheduling_enabled=True,
        tools=("scheduling",),
    ),
    TemplateSettings(
        id="follow-up", emoji="✅", temperature=0.5, scheduling_enabled=False, tools=("tasks",)
    ),
)


def localized_templates(language: Language) -> list[BotTemplate]:
    return [
        BotTemplate(
            id=settings.id,
            name=i18n.text(language, f"templates.{settings.id}.name"),
            emoji=settings.emoji,
            description=i18n.text(language, f"templates.{settings.id}.description"),
            prompt=i18n.text(language, f"templates.{settings.id}.prompt"),
            specialties=tuple(i18n.texts(language, f"templates.{settings.id}.specialties")),
            temperature=settings.temperature,
            scheduling_enabled=settings.scheduling_enabled,
            tools=settings.tools,
        )
        for settings in TEMPLATE_SETTINGS
    ]
