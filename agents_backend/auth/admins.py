"""Who administers the server: the configured first administrators (ADMIN_EMAILS) and
the grants and revocations admins make in the SPA.

A revocation that would leave nobody able to grant the role again is refused with
`last_admin`. Two admins revoking each other at the same moment cannot both win: each
revokes, then counts, and puts the role back when nobody holds it any more.
"""

from __future__ import annotations

from agents_backend.auth import admins_store
from agents_backend.auth.schemas import AdminUser
from agents_backend.auth.store import normalize_email
from agents_backend.contract import ErrorCode
from agents_backend.core.database import Database, Document
from agents_backend.core.errors import AgentError


def is_configured_admin(email: str, admin_emails: list[str]) -> bool:
    return normalize_email(email) in {normalize_email(e) for e in admin_emails}


async def promote_configured(*, db: Database, admin_emails: list[str]) -> int:
    """At start-up: accounts named in ADMIN_EMAILS that exist already become admins."""
    return await admins_store.promote_emails(
        db=db, emails=[normalize_email(e) for e in admin_emails]
    )


def admin_user(document: Document) -> AdminUser:
    return AdminUser(
        id=document["_id"],
        name=document["name"],
        email=document["email"],
        admin=document.get("role") == admins_store.ADMIN,
        created_at=document["created_at"],
    )


async def list_users(*, db: Database) -> list[AdminUser]:
    return [admin_user(doc) for doc in await admins_store.list_users(db=db)]


async def set_admin(*, db: Database, user_id: str, admin: bool) -> AdminUser:
    """Grants or revokes the role; `user_not_found`, or `last_admin` for a revocation
    that would leave no administrator."""
    role = admins_store.ADMIN if admin else admins_store.USER
    updated = await admins_store.set_role(db=db, user_id=user_id, role=role)
    if updated is None:
        raise AgentError(ErrorCode.USER_NOT_FOUND)
    if not admin and await admins_store.count_admins(db=db) == 0:
        await admins_store.set_role(db=db, user_id=user_id, role=admins_store.ADMIN)
        raise AgentError(ErrorCode.LAST_ADMIN)
    return admin_user(updated)
