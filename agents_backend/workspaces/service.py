"""Workspaces: an owner and the teammates who work their inbox with them.

Every owner has one workspace, whose id is their user id: their published bots'
visitor conversations and webhooks belong to it. They invite teammates by email with a
role, `owner` (manages teammates and webhooks too) or `agent` (a human agent: works the
inbox). A person may sit in several workspaces: their own and each they were invited to.
Nobody but the bots' owner reads their keys or billing; those stay on the owner's account.

Every inbox route and event asks `require` first: someone outside the workspace is told
it does not exist (404), never that it is someone else's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from agents_backend.auth.service import account_names, accounts_by_email, session_user
from agents_backend.contract import ErrorCode
from agents_backend.core.database import Database
from agents_backend.core.errors import AgentError
from agents_backend.core.identity import SessionUser
from agents_backend.core.rooms import user_room
from agents_backend.core.sessions import LiveSessions
from agents_backend.workspaces import store

Role = Literal["owner", "agent"]


@dataclass(frozen=True, slots=True)
class Membership:
    workspace_id: str
    owner_name: str
    role: Role

    @property
    def manages(self) -> bool:
        """Teammates and webhooks are managed by the workspace's owners."""
        return self.role == "owner"


@dataclass(frozen=True, slots=True)
class Member:
    id: str
    email: str
    name: str | None  # None until the invited person has an account
    role: Role
    owner: bool  # the workspace's own owner (not removable)


def _person(user: Mapping[str, Any] | SessionUser) -> tuple[str, str]:
    if isinstance(user, SessionUser):
        return user.id, user.email
    return str(user["_id"]), str(user["email"])


class Workspaces:
    def __init__(self, *, db: Database, sessions: LiveSessions) -> None:
        self._db = db
        self._sessions = sessions

    async def memberships(self, user: Mapping[str, Any] | SessionUser) -> list[Membership]:
        """The person's own workspace first, then the ones they were invited to."""
        user_id, email = _person(user)
        seats = await store.of_email(db=self._db, email=email)
        seats = [s for s in seats if s["workspace_id"] != user_id]
        names = await account_names(
            db=self._db, user_ids=[user_id, *(s["workspace_id"] for s in seats)]
        )
        own = Membership(user_id, names.get(user_id, ""), "owner")
        invited = [
            Membership(s["workspace_id"], names[s["workspace_id"]], s["role"])
            for s in seats
            if s["workspace_id"] in names  # an owner whose account is gone
        ]
        return [own, *invited]

    async def workspace_ids(self, user: Mapping[str, Any] | SessionUser) -> list[str]:
        """The ids of the person's workspaces (one query: a socket's connect asks)."""
        user_id, email = _person(user)
        seats = await store.of_email(db=self._db, email=email)
        return [user_id, *(s["workspace_id"] for s in seats if s["workspace_id"] != user_id)]

    async def require(
        self, user: Mapping[str, Any] | SessionUser, workspace_id: str, *, owner: bool = False
    ) -> Membership:
        """The person's seat in the workspace, or `workspace_not_found`; with `owner`,
        `workspace_owner_required` for a human agent."""
        for membership in await self.memberships(user):
            if membership.workspace_id == workspace_id:
                if owner and not membership.manages:
                    raise AgentError(ErrorCode.WORKSPACE_OWNER_REQUIRED)
                return membership
        raise AgentError(ErrorCode.WORKSPACE_NOT_FOUND)

    async def members(self, user: Mapping[str, Any], workspace_id: str) -> list[Member]:
        """Its owner first, then the teammates in the order they were invited."""
        await self.require(user, workspace_id)
        seats = await store.of_workspace(db=self._db, workspace_id=workspace_id)
        accounts = await accounts_by_email(db=self._db, emails=[s["email"] for s in seats])
        owner_names = await account_names(db=self._db, user_ids=[workspace_id])
        owner = await self._owner_email(workspace_id)
        found = [Member(workspace_id, owner, owner_names.get(workspace_id), "owner", owner=True)]
        for seat in seats:
            account = accounts.get(seat["email"])
            found.append(
                Member(
                    str(seat["_id"]),
                    seat["email"],
                    account.name if account else None,
                    seat["role"],
                    owner=False,
                )
            )
        return found

    async def invite(
        self, user: Mapping[str, Any], workspace_id: str, *, email: str, role: Role
    ) -> Member:
        await self.require(user, workspace_id, owner=True)
        email = email.strip().lower()
        if email == await self._owner_email(workspace_id):
            raise AgentError(ErrorCode.ALREADY_A_MEMBER)
        try:
            seat = await store.add(
                db=self._db,
                workspace_id=workspace_id,
                email=email,
                role=role,
                invited_by=_person(user)[0],
            )
        except store.AlreadyMemberError:
            raise AgentError(ErrorCode.ALREADY_A_MEMBER) from None
        account = (await accounts_by_email(db=self._db, emails=[email])).get(email)
        if account is not None:
            # Its open tabs join the workspace's rooms when they reconnect.
            await self._sessions.end(user_room(account.id), "membership_changed")
        return Member(str(seat["_id"]), email, account.name if account else None, role, False)

    async def remove(self, user: Mapping[str, Any], workspace_id: str, member_id: str) -> None:
        """An owner removes a teammate; a teammate may leave. The removed person's sockets
        are ended, so they stop hearing the workspace's conversations at once."""
        _, email = _person(user)
        leaving = await store.find(db=self._db, workspace_id=workspace_id, email=email)
        if leaving is None or str(leaving["_id"]) != member_id:
            await self.require(user, workspace_id, owner=True)
        removed = await store.remove(db=self._db, workspace_id=workspace_id, member_id=member_id)
        if removed is None:
            raise AgentError(ErrorCode.MEMBER_NOT_FOUND)
        account = (await accounts_by_email(db=self._db, emails=[removed["email"]])).get(
            removed["email"]
        )
        if account is not None:
            await self._sessions.end(user_room(account.id), "membership_changed")

    async def _owner_email(self, workspace_id: str) -> str:
        owner = await session_user(db=self._db, user_id=workspace_id)
        return owner.email if owner else ""
