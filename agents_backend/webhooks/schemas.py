"""REST bodies of /webhooks: endpoints, and each one's delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from agents_backend.core.schemas import CamelIn, CamelOut
from agents_backend.webhooks.events import WebhookEventType
from agents_backend.webhooks.models import WebhookDeliveryStatus

WebhookUrl = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2048)]
# Printable, no spaces: it is typed into the receiver's configuration as well.
WebhookSecret = Annotated[
    str, StringConstraints(min_length=16, max_length=256, pattern=r"^[\x21-\x7e]+$")
]


class WebhookCreate(CamelIn):
    url: WebhookUrl = Field(
        description="https:// on a public address (http and private addresses only where "
        "the server allows them: WEBHOOK_ALLOW_PRIVATE_URLS)."
    )
    events: list[WebhookEventType] = Field(min_length=1, max_length=len(WebhookEventType))
    secret: WebhookSecret | None = Field(
        default=None, description="The signing secret; unset: the server generates one."
    )
    workspace: str | None = Field(
        default=None, max_length=64, description="The workspace's id; unset: the caller's own."
    )


class WebhookPublic(CamelOut):
    id: str
    workspace_id: str
    url: str
    events: list[WebhookEventType]
    secret_hint: str = Field(description="The secret's last characters, to tell secrets apart.")
    created_at: datetime


class WebhookCreated(WebhookPublic):
    secret: str = Field(description="The signing secret in full: shown this once.")


class WebhookList(CamelOut):
    webhooks: list[WebhookPublic] = Field(description="Oldest first.")


class WebhookDeliveryPublic(CamelOut):
    id: str
    event_id: str = Field(description="The event's id (`Agents-Webhook-Id`), kept on resends.")
    type: WebhookEventType
    conversation_id: str | None
    status: WebhookDeliveryStatus
    attempts: int
    last_status_code: int | None = Field(description="The endpoint's last HTTP status.")
    last_error: str | None = Field(description="Why the last attempt failed.")
    next_attempt_at: datetime | None = Field(description="While pending: the next attempt.")
    created_at: datetime
    delivered_at: datetime | None


class WebhookDeliveryList(CamelOut):
    deliveries: list[WebhookDeliveryPublic] = Field(description="Newest first.")
