"""`/workspaces`: the caller's workspaces, and each one's teammates."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, status

from agents_backend.auth.deps import CurrentUser
from agents_backend.core.registry import service
from agents_backend.workspaces.schemas import (
    MemberInvite,
    MemberList,
    MemberOut,
    WorkspaceList,
    WorkspaceOut,
)
from agents_backend.workspaces.service import Member, Workspaces

router = APIRouter(prefix="/workspaces", tags=["workspaces"])

WorkspacesDep = Annotated[Workspaces, Depends(service(Workspaces))]
WorkspaceId = Annotated[str, Path(max_length=64)]


def _out(member: Member) -> MemberOut:
    return MemberOut(
        id=member.id, email=member.email, name=member.name, role=member.role, owner=member.owner
    )


@router.get("", response_model=WorkspaceList, response_model_by_alias=True)
async def list_workspaces(user: CurrentUser, workspaces: WorkspacesDep) -> WorkspaceList:
    return WorkspaceList(
        workspaces=[
            WorkspaceOut(id=m.workspace_id, owner_name=m.owner_name, role=m.role)
            for m in await workspaces.memberships(user)
        ]
    )


@router.get("/{workspace_id}/members", response_model=MemberList, response_model_by_alias=True)
async def list_members(
    workspace_id: WorkspaceId, user: CurrentUser, workspaces: WorkspacesDep
) -> MemberList:
    members = await workspaces.members(user, workspace_id)
    return MemberList(members=[_out(m) for m in members])


@router.post(
    "/{workspace_id}/members",
    response_model=MemberOut,
    response_model_by_alias=True,
    status_code=status.HTTP_201_CREATED,
)
async def invite_member(
    workspace_id: WorkspaceId, body: MemberInvite, user: CurrentUser, workspaces: WorkspacesDep
) -> MemberOut:
    """A teammate by email: a person with an account there sees the workspace at once;
    one without gets it when they sign up with that email."""
    member = await workspaces.invite(user, workspace_id, email=body.email, role=body.role)
    return _out(member)


@router.delete("/{workspace_id}/members/{member_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_member(
    workspace_id: WorkspaceId,
    member_id: Annotated[str, Path(max_length=64)],
    user: CurrentUser,
    workspaces: WorkspacesDep,
) -> None:
    """An owner removes a teammate; a teammate leaves by removing themself."""
    await workspaces.remove(user, workspace_id, member_id)
