"""An endpoint and a delivery as the service hands them to the router (secrets aside)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from agents_backend.core.database import Document
from agents_backend.webhooks.events import WebhookEventType


class WebhookDeliveryStatus(StrEnum):
    PENDING = "pending"  # queued, being sent, or waiting for its next attempt
    DELIVERED = "delivered"  # the endpoint answered 2xx
    FAILED = "failed"  # still refused when its retry window closed


@dataclass(frozen=True)
class Endpoint:
    id: str
    workspace_id: str
    url: str
    events: list[WebhookEventType]
    secret_hint: str
    created_at: datetime

    @classmethod
    def from_document(cls, document: Document) -> Endpoint:
        return cls(
            id=str(document["_id"]),
            workspace_id=document["workspace_id"],
            url=document["url"],
            events=[WebhookEventType(event) for event in document["events"]],
            secret_hint=document["secret_hint"],
            created_at=document["created_at"],
        )


@dataclass(frozen=True)
class Delivery:
    id: str
    endpoint_id: str
    event_id: str
    event_type: WebhookEventType
    conversation_id: str | None
    status: WebhookDeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None

    @classmethod
    def from_document(cls, document: Document) -> Delivery:
        status = WebhookDeliveryStatus(document["status"])
        return cls(
            id=str(document["_id"]),
            endpoint_id=str(document["endpoint_id"]),
            event_id=document["event_id"],
            event_type=WebhookEventType(document["event_type"]),
            conversation_id=document.get("conversation_id"),
            status=status,
            attempts=int(document.get("attempts", 0)),
            last_status_code=document.get("last_status_code"),
            last_error=document.get("last_error"),
            next_attempt_at=(
                document.get("next_attempt_at") if status is WebhookDeliveryStatus.PENDING else None
            ),
            created_at=document["created_at"],
            delivered_at=document.get("delivered_at"),
        )
