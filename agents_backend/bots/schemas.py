"""REST bodies of /custom-bots: `BotCreate`/`BotUpdate` in, `BotPublic` out (never a key)."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from agents_backend.bots.publishing import web_origin
from agents_backend.contract import ToolSet
from agents_backend.core.schemas import CamelIn, CamelOut


def _distinct_tools(values: list[ToolSet]) -> list[ToolSet]:
    return list(dict.fromkeys(values))


Tools = Annotated[
    list[ToolSet],
    AfterValidator(_distinct_tools),
    Field(
        description="What the bot's model may do by calling functions: `scheduling` "
        "(check availability, book, open the slot picker; needs `schedulingEnabled`) and "
        "`tasks` (create a task).",
    ),
]


def _distinct(values: list[str]) -> list[str]:
    """Specialties are a set to the person; keep the first spelling of each, in order."""
    seen: set[str] = set()
    kept = []
    for value in values:
        if value.casefold() not in seen:
            seen.add(value.casefold())
            kept.append(value)
    return kept


BotName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
# One emoji (ZWJ sequences and flags are several code points) or a short label like "AI".
BotEmoji = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=8, pattern=r"^\S+$")
]
BotDescription = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
# Required, not an essay: "Seja breve." is a prompt (the original design's form allows it).
BotPrompt = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=8000)]
Specialty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Specialties = Annotated[list[Specialty], Field(max_length=20), AfterValidator(_distinct)]
Temperature = Annotated[float, Field(ge=0.0, le=2.0)]
ModelName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
OpenAIKey = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=8, max_length=512, pattern=r"^\S+$")
]
AccountLabel = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
]


def _blank_is_none(value: object) -> object:
    """A form's empty text field means "not given" (the design's creator sends '')."""
    return None if isinstance(value, str) and not value.strip() else value


OptionalKey = Annotated[OpenAIKey | None, BeforeValidator(_blank_is_none)]
OptionalAccount = Annotated[AccountLabel | None, BeforeValidator(_blank_is_none)]

# Specialties that say the bot books meetings: such a bot gets scheduling unless the
# request says otherwise (accents folded, so "reunião" and "reuniao" both count).
_SCHEDULING_WORDS = re.compile(
    r"reuni[aoõ]|agend|marca[rc]|hor[aá]rio|meeting|schedul|book|appointment|calendar",
    re.IGNORECASE,
)


def mentions_scheduling(specialties: list[str]) -> bool:
    folded = (
        unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode() for s in specialties
    )
    return any(_SCHEDULING_WORDS.search(text) for text in folded)


class BotBase(CamelIn):
    name: BotName
    emoji: BotEmoji
    description: BotDescription = ""
    prompt: BotPrompt
    specialties: Specialties
    model: ModelName | None = Field(
        default=None, description="One of the server's allowed models; null: its default."
    )
    temperature: Temperature = 0.7
    scheduling_enabled: bool = False
    tools: Tools = Field(default_factory=list)
    openai_account: OptionalAccount = Field(
        default=None, description="A label for whose OpenAI account the key bills."
    )


class BotCreate(BotBase):
    specialties: Specialties = Field(default_factory=list)
    scheduling_enabled: bool = Field(
        default=False,
        description="Whether the bot books meetings. Left out: on when its specialties "
        "mention meetings or scheduling.",
    )
    tools: Tools = Field(
        default_factory=list,
        description="Left out: `scheduling` for a bot that books meetings, else none.",
    )
    openai_api_key: OptionalKey = Field(
        default=None,
        description="The bot's own key, stored encrypted and never returned; "
        "without one (or with an empty one) the bot uses the server's.",
    )

    @model_validator(mode="after")
    def _scheduling_by_default(self) -> BotCreate:
        if "scheduling_enabled" not in self.model_fields_set:
            self.scheduling_enabled = mentions_scheduling(self.specialties)
        if "tools" not in self.model_fields_set:
            self.tools = ["scheduling"] if self.scheduling_enabled else []
        return self


class BotUpdate(CamelIn):
    """Every field optional: only what is sent changes. `openaiApiKey: null` removes
    the bot's own key (it falls back to the server's); leaving it out keeps it."""

    @model_validator(mode="before")
    @classmethod
    def _blank_key_keeps(cls, data: Any) -> Any:
        """An edit form's empty key and account fields leave them as they are."""
        if isinstance(data, dict):
            blank = {"openaiApiKey", "openaiAccount"}
            return {
                k: v
                for k, v in data.items()
                if not (k in blank and isinstance(v, str) and not v.strip())
            }
        return data

    name: BotName | None = None
    emoji: BotEmoji | None = None
    description: BotDescription | None = None
    prompt: BotPrompt | None = None
    specialties: Specialties | None = None
    model: ModelName | None = None
    temperature: Temperature | None = None
    scheduling_enabled: bool | None = None
    tools: Tools | None = None
    openai_account: AccountLabel | None = None
    openai_api_key: OpenAIKey | None = None


class BotClone(CamelIn):
    name: BotName | None = Field(default=None, description="Default: the original's + (copy).")


class BotPublic(CamelOut):
    """What any response may say about a bot: whether it has a key, never the key."""

    key: str
    name: str
    emoji: str
    description: str
    prompt: str
    specialties: list[str]
    model: str | None
    temperature: float
    scheduling_enabled: bool
    tools: list[ToolSet]
    has_openai_key: bool
    openai_account: str | None
    created_at: datetime | None = Field(alias="created_at")
    updated_at: datetime | None = Field(alias="updated_at")


class BotEnvelope(BaseModel):
    bot: BotPublic


class BotList(BaseModel):
    bots: list[BotPublic]


class BotTemplatePublic(CamelOut):
    id: str
    name: str
    emoji: str
    description: str
    prompt: str
    specialties: list[str]
    temperature: float
    scheduling_enabled: bool
    tools: list[ToolSet]


class BotTemplateList(BaseModel):
    templates: list[BotTemplatePublic]


class BotModelList(BaseModel):
    """`GET /custom-bots/models`: what a bot's `model` may be (anything else is a 422)."""

    models: list[str] = Field(description="ALLOWED_MODELS plus the server's default model.")
    default: str = Field(description="The model a bot with no `model` of its own uses.")


def _origin(value: str) -> str:
    found = web_origin(value)
    if found is None:
        raise PydanticCustomError("origin_invalid", "not an http(s) origin")
    return found


# Owner-picked link names: `acme-sales`; random ones (publishing.random_slug) fit too.
def _lowercase(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


Slug = Annotated[
    str,
    StringConstraints(min_length=3, max_length=48, pattern=r"^[a-z0-9][a-z0-9-]*[a-z0-9]$"),
    BeforeValidator(_lowercase),
]
Origin = Annotated[str, StringConstraints(max_length=200), AfterValidator(_origin)]
Greeting = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]


class PublicationUpdate(CamelIn):
    """`PUT /custom-bots/{key}/public`. Fields left out keep their value (a first publish:
    a random slug, no greeting, 100,000 tokens a day, bookings if the bot schedules)."""

    enabled: bool
    slug: Slug | None = None
    allowed_origins: list[Origin] = Field(max_length=20)
    greeting: Annotated[Greeting | None, BeforeValidator(_blank_is_none)] = None
    daily_token_budget: int | None = Field(default=None, ge=0, le=100_000_000)
    booking_enabled: bool | None = None


class PublicationPublic(CamelOut):
    """A bot's publication and what its owner pastes: the share link and the widget
    snippet. Never published: `enabled` false and no slug."""

    enabled: bool
    slug: str | None
    url: str | None = Field(description="The share link: a full-page chat with the bot.")
    embed_snippet: str | None = Field(description="The widget's script tag for a website.")
    allowed_origins: list[str]
    greeting: str | None
    daily_token_budget: int
    booking_enabled: bool
