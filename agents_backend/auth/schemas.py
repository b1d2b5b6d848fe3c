"""Request and response bodies of /auth.

The token response keeps OAuth 2.0's own field names (`access_token`, `token_type`,
`expires_in`, `refresh_token`, RFC 6749 section 5.1): /docs' "Authorize" and any OAuth
client read them. Everything else is camelCase like the rest of the API.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, EmailStr, Field, StrictBool, StringConstraints

from agents_backend.contract import Language
from agents_backend.core.schemas import CamelIn, CamelOut

Password = Annotated[str, StringConstraints(min_length=8, max_length=1024)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class UserCreate(CamelIn):
    email: EmailStr
    password: Password
    name: Name
    preferred_language: Language | None = Field(
        default=None, description="Default: the request's Accept-Language, else English."
    )


class ProfileUpdate(CamelIn):
    """PATCH /auth/me: what a person may change about themselves without a password."""

    name: Name | None = None
    preferred_language: Language | None = None


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


class UserPublic(CamelOut):
    id: str
    email: str
    name: str
    role: str
    preferred_language: Language | None = Field(
        description="The language the server writes to this person in; null: the browser's."
    )
    created_at: datetime


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Access-token lifetime in seconds.")
    user: UserPublic


class AdminUser(CamelOut):
    """An account as GET /admin/users lists it."""

    id: str
    name: str
    email: str
    admin: bool
    created_at: datetime


class AdminUserList(BaseModel):
    users: list[AdminUser]


class AdminRoleUpdate(CamelIn):
    """PUT /admin/users/{userId}/admin: grant (`true`) or revoke (`false`) the role;
    strict, so `"yes"` is refused rather than read as true."""

    admin: StrictBool
