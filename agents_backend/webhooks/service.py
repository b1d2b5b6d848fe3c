"""Webhooks as the product offers them: owners' endpoints, and the outbox events go into.

`WebhookEndpoints` is what the REST routes use: a workspace's owners list, add and
delete endpoints and read each one's delivery log (a teammate with role `agent` is
refused; someone outside the workspace is told it does not exist). `WebhookOutbox` is
what every event source calls (see `WebhookOutbox.publish`); `worker.DeliveryWorker`
sends what it queues.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pymongo
from pydantic import BaseModel

from agents_backend.contract import ErrorCode
from agents_backend.core.crypto import Cipher
from agents_backend.core.database import Database, Document, stored_now
from agents_backend.core.errors import AgentError
from agents_backend.core.ids import parse_object_id
from agents_backend.webhooks import store
from agents_backend.webhooks.events import (
    WebhookEvent,
    WebhookEventType,
    as_json_data,
    new_event_id,
    render,
    utc_iso,
)
from agents_backend.webhooks.models import Delivery, Endpoint
from agents_backend.webhooks.signing import generate_secret
from agents_backend.webhooks.targets import TargetRefusedError, check_target
from agents_backend.workspaces.service import Workspaces

__all__ = ["WebhookEndpoints", "WebhookEventType", "WebhookOutbox", "WebhookPolicy"]

logger = logging.getLogger(__name__)

SECRET_HINT_CHARS = 4
# Publishing is on the chat path: a database that does not answer in this long loses
# the event (logged) rather than the chat.
PUBLISH_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class WebhookPolicy:
    allow_private_urls: bool = False
    max_endpoints: int = 20


@dataclass(frozen=True)
class CreatedEndpoint:
    endpoint: Endpoint
    secret: str  # in full, this once


class WebhookEndpoints:
    def __init__(
        self,
        *,
        db: Database,
        cipher: Cipher,
        workspaces: Workspaces,
        policy: WebhookPolicy,
        clock: Callable[[], datetime] = stored_now,
    ) -> None:
        self._db = db
        self._cipher = cipher
        self._workspaces = workspaces
        self._policy = policy
        self._clock = clock

    async def in_workspace(self, user: Mapping[str, Any], workspace_id: str) -> list[Endpoint]:
        await self._workspaces.require(user, workspace_id, owner=True)
        found = await store.list_endpoints(db=self._db, workspace_id=workspace_id)
        return [Endpoint.from_document(document) for document in found]

    async def create(
        self,
        user: Mapping[str, Any],
        workspace_id: str,
        *,
        url: str,
        events: list[WebhookEventType],
        secret: str | None,
    ) -> CreatedEndpoint:
        """Raises `webhook_url_invalid` for a URL this server will not send to, and
        `webhook_limit_reached` past WEBHOOK_MAX_ENDPOINTS."""
        await self._workspaces.require(user, workspace_id, owner=True)
        try:
            await check_target(url, allow_private=self._policy.allow_private_urls)
        except TargetRefusedError as exc:
            logger.info("webhook URL refused: %s", exc)
            raise AgentError(ErrorCode.WEBHOOK_URL_INVALID) from None
        count = await store.count_endpoints(db=self._db, workspace_id=workspace_id)
        if count >= self._policy.max_endpoints:
            raise AgentError(ErrorCode.WEBHOOK_LIMIT_REACHED, max=self._policy.max_endpoints)
        secret = secret or generate_secret()
        document = await store.insert_endpoint(
            db=self._db,
            workspace_id=workspace_id,
            url=url,
            events=sorted({event.value for event in events}),
            secret_encrypted=self._cipher.encrypt(secret),
            secret_hint=secret[-SECRET_HINT_CHARS:],
            created_by=str(user["_id"]),
            now=self._clock(),
        )
        return CreatedEndpoint(Endpoint.from_document(document), secret)

    async def delete(self, user: Mapping[str, Any], endpoint_id: str) -> None:
        endpoint = await self._owned(user, endpoint_id)
        await store.delete_endpoint(db=self._db, endpoint_id=endpoint["_id"])

    async def deliveries(
        self, user: Mapping[str, Any], endpoint_id: str, *, limit: int
    ) -> list[Delivery]:
        """The endpoint's delivery log, newest first."""
        endpoint = await self._owned(user, endpoint_id)
        found = await store.list_deliveries(db=self._db, endpoint_id=endpoint["_id"], limit=limit)
        return [Delivery.from_document(document) for document in found]

    async def resend(self, user: Mapping[str, Any], endpoint_id: str, delivery_id: str) -> Delivery:
        """The delivery again, with the same event id and body, as soon as it may go."""
        endpoint = await self._owned(user, endpoint_id)
        oid = parse_object_id(delivery_id)
        resent = (
            await store.resend(
                db=self._db, endpoint_id=endpoint["_id"], delivery_id=oid, now=self._clock()
            )
            if oid is not None
            else None
        )
        if resent is None:
            raise AgentError(ErrorCode.WEBHOOK_DELIVERY_NOT_FOUND)
        return Delivery.from_document(resent)

    async def _owned(self, user: Mapping[str, Any], endpoint_id: str) -> Document:
        """The endpoint, when the caller owns its workspace. Another workspace's endpoint
        is `webhook_not_found`, as an id that never existed; a teammate of the endpoint's
        own workspace with role `agent` is `workspace_owner_required`."""
        oid = parse_object_id(endpoint_id)
        endpoint = await store.get_endpoint(db=self._db, endpoint_id=oid) if oid else None
        if endpoint is None:
            raise AgentError(ErrorCode.WEBHOOK_NOT_FOUND)
        try:
            await self._workspaces.require(user, endpoint["workspace_id"], owner=True)
        except AgentError as exc:
            if exc.code is ErrorCode.WORKSPACE_NOT_FOUND:
                raise AgentError(ErrorCode.WEBHOOK_NOT_FOUND) from None
            raise
        return endpoint


class WebhookOutbox:
    """Where events are published; one per process, built by the runtime."""

    def __init__(
        self,
        *,
        db: Database,
        wake: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = stored_now,
    ) -> None:
        """`wake` nudges this process's delivery worker, so a new event goes out now
        rather than at its next poll."""
        self._db = db
        self._wake = wake
        self._clock = clock

    async def publish(
        self,
        workspace_id: str,
        event_type: WebhookEventType,
        data: BaseModel | Mapping[str, Any],
        *,
        conversation_id: str | None = None,
    ) -> None:
        """Queues `event_type` for every endpoint of the workspace subscribed to it.

        - `workspace_id`: the workspace's id (its owner's user id).
        - `data`: the event's `data` object; a Pydantic model is sent in its wire form
          (by alias: camelCase), a mapping as JSON values (datetimes become ISO 8601).
          Include `conversationId` in it when there is one: receivers read it there.
        - `conversation_id`: deliveries with the same one reach each endpoint in the
          order they were published (a later one waits while an earlier one is retried);
          without it, an event is ordered with nothing.

        Durable once it returns (the deliveries are in MongoDB) and quick: one indexed
        read, and one insert when someone subscribed. It never raises into the caller,
        whose chat must go on: a failure (the database unreachable) is logged and the
        event is lost. Call it after the change it reports is stored.
        """
        try:
            with pymongo.timeout(PUBLISH_TIMEOUT_SECONDS):
                await self._queue(workspace_id, event_type, data, conversation_id)
        except Exception:  # the contract above: a chat never fails for a webhook
            logger.exception("webhook %s for workspace %s not queued", event_type, workspace_id)

    async def _queue(
        self,
        workspace_id: str,
        event_type: WebhookEventType,
        data: BaseModel | Mapping[str, Any],
        conversation_id: str | None,
    ) -> None:
        endpoints = await store.subscriber_ids(
            db=self._db, workspace_id=workspace_id, event_type=event_type.value
        )
        if not endpoints:
            return
        now = self._clock()
        event = WebhookEvent(
            id=new_event_id(),
            type=event_type,
            created_at=utc_iso(now),
            workspace_id=workspace_id,
            data=as_json_data(data),
        )
        await store.enqueue(
            db=self._db,
            endpoint_ids=endpoints,
            workspace_id=workspace_id,
            event_id=event.id,
            event_type=event_type.value,
            conversation_id=conversation_id,
            body=render(event),
            now=now,
        )
        self._wake()
