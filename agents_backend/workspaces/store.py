"""`workspace_members`: who besides its owner works a workspace's inbox.

A workspace is an owner's: its id is the owner's user id, and the owner is its member
without a document. Each teammate is one document, found by the email the owner invited
(lower-cased): a person invited before they have an account gets in when they create it.
"""

from __future__ import annotations

from typing import Any

from bson import ObjectId
from bson.errors import InvalidId
from pymongo.errors import DuplicateKeyError

from agents_backend.core.database import Database, Document, stored_now


class AlreadyMemberError(Exception):
    """That email is already a member of the workspace."""


async def add(
    *, db: Database, workspace_id: str, email: str, role: str, invited_by: str
) -> Document:
    document: Document = {
        "workspace_id": workspace_id,
        "email": email.lower(),
        "role": role,
        "invited_by": invited_by,
        "created_at": stored_now(),
    }
    try:
        result = await db.workspace_members.insert_one(document)
    except DuplicateKeyError:
        raise AlreadyMemberError from None
    document["_id"] = result.inserted_id
    return document


async def of_workspace(*, db: Database, workspace_id: str) -> list[Document]:
    cursor = db.workspace_members.find({"workspace_id": workspace_id}).sort("created_at", 1)
    return [document async for document in cursor]


async def of_email(*, db: Database, email: str) -> list[Document]:
    cursor = db.workspace_members.find({"email": email.lower()}).sort("created_at", 1)
    return [document async for document in cursor]


async def find(*, db: Database, workspace_id: str, email: str) -> Document | None:
    return await db.workspace_members.find_one(
        {"workspace_id": workspace_id, "email": email.lower()}
    )


async def remove(*, db: Database, workspace_id: str, member_id: str) -> Document | None:
    """The removed member, or None when the workspace has no such member."""
    try:
        oid = ObjectId(member_id)
    except InvalidId:
        return None
    query: dict[str, Any] = {"_id": oid, "workspace_id": workspace_id}
    return await db.workspace_members.find_one_and_delete(query)


async def remove_workspace(*, db: Database, workspace_id: str) -> None:
    """An owner's account removed: their workspace's memberships go with it."""
    await db.workspace_members.delete_many({"workspace_id": workspace_id})
