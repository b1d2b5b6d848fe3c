"""REST bodies of `/workspaces`."""

from __future__ import annotations

from typing import Literal

from pydantic import EmailStr, Field

from agents_backend.core.schemas import CamelIn, CamelOut

WorkspaceRole = Literal["owner", "agent"]


class WorkspaceOut(CamelOut):
    id: str = Field(description="The workspace's owner's user id.")
    owner_name: str
    role: WorkspaceRole = Field(description="The caller's role in it.")


class WorkspaceList(CamelOut):
    workspaces: list[WorkspaceOut] = Field(description="The caller's own first.")


class MemberInvite(CamelIn):
    email: EmailStr
    role: WorkspaceRole = "agent"


class MemberOut(CamelOut):
    id: str
    email: str
    name: str | None = Field(description="None until the invited person has an account.")
    role: WorkspaceRole
    owner: bool = Field(description="The workspace's own owner: cannot be removed.")


class MemberList(CamelOut):
    members: list[MemberOut]
