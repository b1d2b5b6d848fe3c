"""REST schemas: `XCreate` for what comes in, `XPublic` for what may go out."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints
from pydantic.alias_generators import to_camel

Password = Annotated[str, StringConstraints(min_length=8, max_length=1024)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class UserCreate(BaseModel):
    email: EmailStr
    password: Password
    name: Name


class LoginRequest(BaseModel):
    email: EmailStr
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class PasswordChange(BaseModel):
    current_password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]
    new_password: Password


class AccountRemoval(BaseModel):
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class RefreshRequest(BaseModel):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=4096)]


class UserPublic(BaseModel):
    id: str
    email: str
    name: str
    role: str
    created_at: datetime


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Access-token lifetime in seconds.")
    user: UserPublic


class AgentPublic(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    key: str
    name: str
    emoji: str
    description: str
    specialties: list[str]
    model: str | None
    temperature: float
    scheduling_enabled: bool = Field(serialization_alias="schedulingEnabled")
    builtin: bool
    auto_create: bool = Field(
        default=False,
        serialization_alias="autoCreate",
        description="Whether this user has auto-created tasks on for this agent.",
    )


class AgentList(BaseModel):
    agents: list[AgentPublic]
    offline: bool = Field(description="True when the server answers without an AI model.")


class MessagePage(BaseModel):
    messages: list[dict[str, Any]] = Field(description="agent:message payloads, oldest first.")
    has_more: bool = Field(serialization_alias="hasMore")


class Health(BaseModel):
    status: str
    database: str


# -- custom bots ---------------------------------------------------------------------


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
BotPrompt = Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=8000)]
Specialty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Specialties = Annotated[
    list[Specialty], Field(min_length=1, max_length=20), AfterValidator(_distinct)
]
Temperature = Annotated[float, Field(ge=0.0, le=2.0)]
ModelName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
OpenAIKey = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=8, max_length=512, pattern=r"^\S+$")
]
AccountLabel = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
]


class CamelIn(BaseModel):
    """Request bodies in the SPA's camelCase; an unknown field is an error, not ignored,
    so a typo ("openai_key") cannot silently drop what the person meant to set."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class CamelOut(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


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
    openai_account: AccountLabel | None = Field(
        default=None, description="A label for whose OpenAI account the key bills."
    )


class BotCreate(BotBase):
    openai_api_key: OpenAIKey | None = Field(
        default=None,
        description="The bot's own key, stored encrypted and never returned; "
        "without one the bot uses the server's.",
    )


class BotUpdate(CamelIn):
    """Every field optional: only what is sent changes. `openaiApiKey: null` removes
    the bot's own key (it falls back to the server's); leaving it out keeps it."""

    name: BotName | None = None
    emoji: BotEmoji | None = None
    description: BotDescription | None = None
    prompt: BotPrompt | None = None
    specialties: Specialties | None = None
    model: ModelName | None = None
    temperature: Temperature | None = None
    scheduling_enabled: bool | None = None
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


class BotTemplateList(BaseModel):
    templates: list[BotTemplatePublic]


# -- tasks ---------------------------------------------------------------------------

TaskTitle = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
TaskStatusName = Literal["open", "done", "cancelled"]


class TaskUpdate(CamelIn):
    """Only what is sent changes; `dueDate: null` clears the due date."""

    title: TaskTitle | None = None
    status: TaskStatusName | None = None
    due_date: date | None = None


class TaskPublic(CamelOut):
    id: str
    title: str
    status: str
    due_date: date | None
    agent_key: str | None
    contact_id: str | None
    source_message_id: str | None
    source: str
    created_at: datetime
    updated_at: datetime


class TaskList(BaseModel):
    tasks: list[TaskPublic]


# -- usage ---------------------------------------------------------------------------


class UsageRow(CamelOut):
    day: str = Field(description="UTC day, YYYY-MM-DD.")
    model: str
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    requests: int
    estimated_cost_usd: float | None = Field(description="Null when the model has no price.")


class AdminUsageRow(UsageRow):
    user_id: str


class UsageTotals(CamelOut):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    requests: int = 0
    estimated_cost_usd: float = Field(default=0.0, description="Sum over priced models only.")
    unpriced_models: list[str] = Field(default_factory=list)


class UsageReport(BaseModel):
    usage: list[UsageRow]
    totals: UsageTotals


class AdminUsageReport(BaseModel):
    usage: list[AdminUsageRow]
    totals: UsageTotals
