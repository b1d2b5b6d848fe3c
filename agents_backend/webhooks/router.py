"""Signed webhooks at /webhooks: a workspace's endpoints and their delivery logs.

Owners only: a teammate with role `agent` is refused (403); for anyone outside the
workspace, its endpoints do not exist (404), as ids that never did.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status

from agents_backend.auth.deps import CurrentUser
from agents_backend.contract import ErrorCode
from agents_backend.core.errors import AgentError
from agents_backend.core.http_errors import ApiError, status_of
from agents_backend.core.registry import service
from agents_backend.webhooks.models import Delivery, Endpoint
from agents_backend.webhooks.schemas import (
    WebhookCreate,
    WebhookCreated,
    WebhookDeliveryList,
    WebhookDeliveryPublic,
    WebhookList,
    WebhookPublic,
)
from agents_backend.webhooks.service import WebhookEndpoints

router = APIRouter(prefix="/webhooks", tags=["webhooks"])

EndpointsDep = Annotated[WebhookEndpoints, Depends(service(WebhookEndpoints))]
WebhookId = Annotated[str, Path(max_length=64)]
DeliveryId = Annotated[str, Path(max_length=64)]

_STATUS_BY_CODE = {
    ErrorCode.WEBHOOK_NOT_FOUND: status.HTTP_404_NOT_FOUND,
    ErrorCode.WEBHOOK_DELIVERY_NOT_FOUND: status.HTTP_404_NOT_FOUND,
    ErrorCode.WEBHOOK_URL_INVALID: status.HTTP_422_UNPROCESSABLE_CONTENT,
    ErrorCode.WEBHOOK_LIMIT_REACHED: status.HTTP_409_CONFLICT,
}


def _refusal(exc: AgentError) -> ApiError:
    return ApiError.from_agent_error(_STATUS_BY_CODE.get(exc.code) or status_of(exc.code), exc)


def endpoint_public(endpoint: Endpoint) -> WebhookPublic:
    return WebhookPublic.model_validate(endpoint, from_attributes=True)


def delivery_public(delivery: Delivery) -> WebhookDeliveryPublic:
    return WebhookDeliveryPublic(
        id=delivery.id,
        event_id=delivery.event_id,
        type=delivery.event_type,
        conversation_id=delivery.conversation_id,
        status=delivery.status,
        attempts=delivery.attempts,
        last_status_code=delivery.last_status_code,
        last_error=delivery.last_error,
        next_attempt_at=delivery.next_attempt_at,
        created_at=delivery.created_at,
        delivered_at=delivery.delivered_at,
    )


@router.get("", response_model=WebhookList)
async def list_webhooks(
    user: CurrentUser,
    endpoints: EndpointsDep,
    workspace: Annotated[str | None, Query(max_length=64)] = None,
) -> WebhookList:
    """The workspace's endpoints (unset `workspace`: the caller's own), oldest first."""
    try:
        found = await endpoints.in_workspace(user, workspace or user["_id"])
    except AgentError as exc:
        raise _refusal(exc) from None
    return WebhookList(webhooks=[endpoint_public(e) for e in found])


@router.post("", response_model=WebhookCreated, status_code=status.HTTP_201_CREATED)
async def create_webhook(
    body: WebhookCreate, user: CurrentUser, endpoints: EndpointsDep
) -> WebhookCreated:
    """Registers an endpoint; the answer carries its signing secret, the only time it
    is shown. 422 `webhook_url_invalid` for a URL the server will not send to."""
    try:
        created = await endpoints.create(
            user,
            body.workspace or user["_id"],
            url=body.url,
            events=body.events,
            secret=body.secret,
        )
    except AgentError as exc:
        raise _refusal(exc) from None
    public = endpoint_public(created.endpoint)
    return WebhookCreated(**public.model_dump(), secret=created.secret)


@router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_webhook(webhook_id: WebhookId, user: CurrentUser, endpoints: EndpointsDep) -> None:
    """The endpoint and its delivery log; what it had pending is not sent."""
    try:
        await endpoints.delete(user, webhook_id)
    except AgentError as exc:
        raise _refusal(exc) from None


@router.get("/{webhook_id}/deliveries", response_model=WebhookDeliveryList)
async def list_webhook_deliveries(
    webhook_id: WebhookId,
    user: CurrentUser,
    endpoints: EndpointsDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> WebhookDeliveryList:
    """The endpoint's delivery log, newest first."""
    try:
        found = await endpoints.deliveries(user, webhook_id, limit=limit)
    except AgentError as exc:
        raise _refusal(exc) from None
    return WebhookDeliveryList(deliveries=[delivery_public(d) for d in found])


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/resend",
    response_model=WebhookDeliveryPublic,
    status_code=status.HTTP_202_ACCEPTED,
)
async def resend_webhook_delivery(
    webhook_id: WebhookId, delivery_id: DeliveryId, user: CurrentUser, endpoints: EndpointsDep
) -> WebhookDeliveryPublic:
    """Sends the delivery again, with the same event id and body, as soon as it may go
    (after older pending deliveries of its conversation)."""
    try:
        resent = await endpoints.resend(user, webhook_id, delivery_id)
    except AgentError as exc:
        raise _refusal(exc) from None
    return delivery_public(resent)
