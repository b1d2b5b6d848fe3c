"""Administrators' view of the accounts, and granting or revoking the admin role.

Every route requires the admin role (403 `admin_required` for others). The role is read
from the database on every request, so a grant or revocation is felt at the target's
next request, whatever token they hold.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from agents_backend.auth import admins
from agents_backend.auth.deps import require_admin
from agents_backend.auth.schemas import AdminRoleUpdate, AdminUser, AdminUserList
from agents_backend.core.deps import DbDep

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)])


@router.get("/users", response_model=AdminUserList)
async def list_admin_users(db: DbDep) -> AdminUserList:
    """Every account, oldest first, with whether it is an administrator."""
    return AdminUserList(users=await admins.list_users(db=db))


@router.put("/users/{user_id}/admin", response_model=AdminUser)
async def set_user_admin(
    user_id: Annotated[str, Path(min_length=1, max_length=64)],
    body: AdminRoleUpdate,
    db: DbDep,
) -> AdminUser:
    """Grants (`{"admin": true}`) or revokes (`false`) the role; revoking the last
    administrator is 409 `last_admin`, an unknown id 404 `user_not_found`."""
    return await admins.set_admin(db=db, user_id=user_id, admin=body.admin)
