"""REST schemas: `XCreate` for what comes in, `XPublic` for what may go out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

Password = Annotated[str, StringConstraints(min_length=8, max_length=1024)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class UserCreate(BaseModel):
    email: EmailStr
    password: Password
    name: Name


class LoginRequest(BaseModel):
    email: EmailStr
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


class AgentList(BaseModel):
    agents: list[AgentPublic]
    offline: bool = Field(description="True when the server answers without an AI model.")


class MessagePage(BaseModel):
    messages: list[dict[str, Any]] = Field(description="agent:message payloads, oldest first.")
    has_more: bool = Field(serialization_alias="hasMore")


class Health(BaseModel):
    status: str
    database: str
