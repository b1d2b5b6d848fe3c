"""Removing an account removes everything stored for it, in every collection."""

from __future__ import annotations

from agents_backend.core.database import Database


async def delete_account_data(*, db: Database, user_id: str, email: str) -> None:
    """The user document goes last, so a failure part-way leaves an account to retry with."""
    # Their workspace's teammates and visitor conversations, and their seats in others'.
    await db.workspace_members.delete_many({"workspace_id": user_id})
    await db.workspace_members.delete_many({"email": email})
    await db.visitor_conversations.delete_many({"owner_id": user_id})
    await db.inbox_reads.delete_many({"user_id": user_id})
    # Their workspace's webhook endpoints and delivery queue (nothing more is sent).
    await db.webhook_endpoints.delete_many({"workspace_id": user_id})
    await db.webhook_deliveries.delete_many({"workspace_id": user_id})
    await db.usage_ledger.forget(user_id)
    for collection in (
        db.messages,
        db.tasks,
        db.events,
        db.agent_settings,
        db.usage,
        db.refresh_tokens,
        db.agents,
        db.calendar_connections,
        db.oauth_states,
    ):
        await collection.delete_many({"user_id": user_id})
    await db.users.delete_one({"_id": user_id})
