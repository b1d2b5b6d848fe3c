"""`webhook_endpoints` and `webhook_deliveries`: keyword-only data functions.

A delivery is one event for one endpoint, and it is the queue's item as well as the
delivery log's line. The worker's protocol, all of it atomic per document:

* due: `pending`, `next_attempt_at` passed, and no live lease;
* claimed (`claim`): a lease (`lease_until`, `lease_token`) and one more attempt; a
  process that dies leaves a lease that simply expires;
* settled (`record_delivered` / `record_failure`) only by the claim that holds the lease.

Order per conversation: deliveries of one endpoint share an `order_key` (the
conversation id, else the delivery's own id) and go in `queued_at` order; `predecessor`
finds an older one still pending, which holds the later ones back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument

from agents_backend.core.database import Database, Document
from agents_backend.webhooks.models import WebhookDeliveryStatus

PENDING = WebhookDeliveryStatus.PENDING.value
MAX_ERROR_CHARS = 300
# A settled delivery stays in the log this long (`expires_at`, a TTL index); a pending
# one never expires, and a resend takes it out of the count again.
LOG_RETENTION = timedelta(days=30)


def _lease_free(now: datetime) -> dict[str, Any]:
    """No lease, or one that lapsed."""
    return {"$not": {"$gt": now}}


# -- endpoints -----------------------------------------------------------------------


async def insert_endpoint(
    *,
    db: Database,
    workspace_id: str,
    url: str,
    events: list[str],
    secret_encrypted: str,
    secret_hint: str,
    created_by: str,
    now: datetime,
) -> Document:
    document: Document = {
        "_id": ObjectId(),
        "workspace_id": workspace_id,
        "url": url,
        "events": events,
        "secret_encrypted": secret_encrypted,
        "secret_hint": secret_hint,
        "created_by": created_by,
        "created_at": now,
    }
    await db.webhook_endpoints.insert_one(document)
    return document


async def list_endpoints(*, db: Database, workspace_id: str) -> list[Document]:
    cursor = db.webhook_endpoints.find({"workspace_id": workspace_id}).sort(
        [("created_at", 1), ("_id", 1)]
    )
    return [document async for document in cursor]


async def count_endpoints(*, db: Database, workspace_id: str) -> int:
    return await db.webhook_endpoints.count_documents({"workspace_id": workspace_id})


async def get_endpoint(*, db: Database, endpoint_id: ObjectId) -> Document | None:
    return await db.webhook_endpoints.find_one({"_id": endpoint_id})


async def delete_endpoint(*, db: Database, endpoint_id: ObjectId) -> bool:
    """The endpoint and its whole delivery log (pending deliveries are not sent)."""
    result = await db.webhook_endpoints.delete_one({"_id": endpoint_id})
    await db.webhook_deliveries.delete_many({"endpoint_id": endpoint_id})
    return result.deleted_count == 1


async def subscriber_ids(*, db: Database, workspace_id: str, event_type: str) -> list[ObjectId]:
    cursor = db.webhook_endpoints.find(
        {"workspace_id": workspace_id, "events": event_type}, projection={"_id": 1}
    )
    return [document["_id"] async for document in cursor]


# -- deliveries: publishing and the log ----------------------------------------------


async def enqueue(
    *,
    db: Database,
    endpoint_ids: Sequence[ObjectId],
    workspace_id: str,
    event_id: str,
    event_type: str,
    conversation_id: str | None,
    body: str,
    now: datetime,
) -> None:
    """One pending delivery per endpoint, due at once."""
    documents = []
    for endpoint_id in endpoint_ids:
        delivery_id = ObjectId()
        documents.append(
            {
                "_id": delivery_id,
                "endpoint_id": endpoint_id,
                "workspace_id": workspace_id,
                "event_id": event_id,
                "event_type": event_type,
                "conversation_id": conversation_id,
                "order_key": conversation_id if conversation_id else str(delivery_id),
                "body": body,
                "status": PENDING,
                "attempts": 0,
                "queued_at": now,
                "next_attempt_at": now,
                "lease_until": None,
                "lease_token": None,
                "last_status_code": None,
                "last_error": None,
                "created_at": now,
                "delivered_at": None,
            }
        )
    if documents:
        await db.webhook_deliveries.insert_many(documents, ordered=False)


async def list_deliveries(*, db: Database, endpoint_id: ObjectId, limit: int) -> list[Document]:
    """Newest first."""
    cursor = (
        db.webhook_deliveries.find({"endpoint_id": endpoint_id}, projection={"body": 0})
        .sort([("created_at", -1), ("_id", -1)])
        .limit(limit)
    )
    return [document async for document in cursor]


async def resend(
    *, db: Database, endpoint_id: ObjectId, delivery_id: ObjectId, now: datetime
) -> Document | None:
    """Back to pending, due now, with the same event (id and body).

    A delivered or failed one joins the back of its conversation's queue with a new
    retry window; a pending one keeps its place and is only made due now.
    """
    query = {"_id": delivery_id, "endpoint_id": endpoint_id}
    found = await db.webhook_deliveries.find_one(query, projection={"status": 1})
    if found is None:
        return None
    update: dict[str, Any] = {"$set": {"next_attempt_at": now}}
    if found["status"] != PENDING:
        update = {
            "$set": {
                "status": PENDING,
                "next_attempt_at": now,
                "queued_at": now,
                "delivered_at": None,
                "lease_until": None,
                "lease_token": None,
            },
            "$unset": {"first_attempt_at": "", "expires_at": ""},
        }
    return await db.webhook_deliveries.find_one_and_update(
        query, update, projection={"body": 0}, return_document=ReturnDocument.AFTER
    )


# -- deliveries: the worker ----------------------------------------------------------


async def due(*, db: Database, now: datetime, limit: int) -> list[Document]:
    cursor = (
        db.webhook_deliveries.find(
            {
                "status": PENDING,
                "next_attempt_at": {"$lte": now},
                "lease_until": _lease_free(now),
            },
            projection={"body": 0},
        )
        .sort([("next_attempt_at", 1)])
        .limit(limit)
    )
    return [document async for document in cursor]


async def predecessor(*, db: Database, delivery: Document) -> Document | None:
    """An older pending delivery of the same endpoint and conversation, if any."""
    return await db.webhook_deliveries.find_one(
        {
            "endpoint_id": delivery["endpoint_id"],
            "order_key": delivery["order_key"],
            "status": PENDING,
            "$or": [
                {"queued_at": {"$lt": delivery["queued_at"]}},
                {"queued_at": delivery["queued_at"], "_id": {"$lt": delivery["_id"]}},
            ],
        },
        projection={"next_attempt_at": 1},
        sort=[("queued_at", 1), ("_id", 1)],
    )


async def defer(*, db: Database, delivery_id: ObjectId, until: datetime) -> None:
    """Held back behind an older delivery until that one's next attempt."""
    await db.webhook_deliveries.update_one(
        {"_id": delivery_id, "status": PENDING, "next_attempt_at": {"$lt": until}},
        {"$set": {"next_attempt_at": until}},
    )


async def claim(
    *, db: Database, delivery_id: ObjectId, token: str, now: datetime, lease_until: datetime
) -> Document | None:
    """The delivery with a lease on it and its attempt counted; None when another
    process took it first (or it is no longer due)."""
    return await db.webhook_deliveries.find_one_and_update(
        {
            "_id": delivery_id,
            "status": PENDING,
            "next_attempt_at": {"$lte": now},
            "lease_until": _lease_free(now),
        },
        {
            "$set": {"lease_until": lease_until, "lease_token": token},
            "$inc": {"attempts": 1},
            "$min": {"first_attempt_at": now},
        },
        return_document=ReturnDocument.AFTER,
    )


async def record_delivered(
    *, db: Database, delivery_id: ObjectId, token: str, status_code: int, now: datetime
) -> None:
    await db.webhook_deliveries.update_one(
        {"_id": delivery_id, "lease_token": token},
        {
            "$set": {
                "status": WebhookDeliveryStatus.DELIVERED.value,
                "delivered_at": now,
                "expires_at": now + LOG_RETENTION,
                "last_status_code": status_code,
                "last_error": None,
                "lease_until": None,
                "lease_token": None,
            }
        },
    )


async def record_failure(
    *,
    db: Database,
    delivery_id: ObjectId,
    token: str,
    status_code: int | None,
    error: str,
    next_attempt_at: datetime | None,
    now: datetime,
) -> None:
    """Another attempt at `next_attempt_at`, or `failed` when it is None."""
    fields: dict[str, Any] = {
        "last_status_code": status_code,
        "last_error": error[:MAX_ERROR_CHARS],
        "lease_until": None,
        "lease_token": None,
    }
    if next_attempt_at is None:
        fields["status"] = WebhookDeliveryStatus.FAILED.value
        fields["expires_at"] = now + LOG_RETENTION
    else:
        fields["next_attempt_at"] = next_attempt_at
    await db.webhook_deliveries.update_one(
        {"_id": delivery_id, "lease_token": token}, {"$set": fields}
    )


async def wake_followers(
    *, db: Database, endpoint_id: ObjectId, order_key: str, now: datetime
) -> None:
    """A conversation's head was settled: what waited behind it is due now."""
    await db.webhook_deliveries.update_many(
        {
            "endpoint_id": endpoint_id,
            "order_key": order_key,
            "status": PENDING,
            "next_attempt_at": {"$gt": now},
        },
        {"$set": {"next_attempt_at": now}},
    )


async def release(*, db: Database, tokens: Sequence[str]) -> None:
    """Hands back claims a stopping process did not finish: due again at once."""
    if tokens:
        await db.webhook_deliveries.update_many(
            {"lease_token": {"$in": list(tokens)}},
            {"$set": {"lease_until": None, "lease_token": None}},
        )
