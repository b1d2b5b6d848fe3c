"""The delivery worker's schedule over a day, in one process: real MongoDB, a real local
receiver, and a clock the test moves (24 hours cannot pass in a test run otherwise).

The service and the worker are the server's own classes; only "now" is the test's.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from agents_backend.core.crypto import Cipher
from agents_backend.core.database import Database, stored_now
from agents_backend.core.embedded_mongo import EmbeddedMongo
from agents_backend.core.sessions import LiveSessions
from agents_backend.webhooks import store
from agents_backend.webhooks.events import WebhookEventType
from agents_backend.webhooks.models import Delivery, WebhookDeliveryStatus
from agents_backend.webhooks.service import WebhookEndpoints, WebhookOutbox, WebhookPolicy
from agents_backend.webhooks.worker import DeliveryWorker, RetryPolicy
from agents_backend.workspaces.service import Workspaces
from tests.conftest import TEST_ENCRYPTION_KEY
from tests.webhooks.receiver import Receiver

OWNER = {"_id": "owner-of-the-day", "email": "owner.day@example.com"}
TASK = WebhookEventType.TASK_CREATED


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Setup:
    db: Database
    clock: Clock
    endpoints: WebhookEndpoints
    outbox: WebhookOutbox
    cipher: Cipher

    def worker(self, *, allow_private_urls: bool = True) -> DeliveryWorker:
        worker = DeliveryWorker(
            db=self.db,
            cipher=self.cipher,
            retry=RetryPolicy(base_seconds=60, window=timedelta(hours=24)),
            timeout_seconds=5,
            allow_private_urls=allow_private_urls,
            clock=self.clock,
        )
        worker.open()
        return worker

    async def log(self, endpoint_id: str) -> list[Delivery]:
        return await self.endpoints.deliveries(OWNER, endpoint_id, limit=50)


@pytest.fixture
async def setup(mongo: EmbeddedMongo) -> AsyncIterator[Setup]:
    db = Database.connect(mongo.uri, f"test_webhook_worker_{uuid.uuid4().hex[:8]}")
    await db.create_indexes()
    clock = Clock(stored_now())
    cipher = Cipher([TEST_ENCRYPTION_KEY.encode()])
    endpoints = WebhookEndpoints(
        db=db,
        cipher=cipher,
        workspaces=Workspaces(db=db, sessions=LiveSessions()),
        policy=WebhookPolicy(allow_private_urls=True),
        clock=clock,
    )
    yield Setup(db, clock, endpoints, WebhookOutbox(db=db, clock=clock), cipher)
    await db.client.drop_database(db.db.name)
    await db.close()


async def publish(setup: Setup, n: int, conversation: str) -> None:
    data: dict[str, Any] = {"conversationId": conversation, "n": n}
    await setup.outbox.publish(OWNER["_id"], TASK, data, conversation_id=conversation)
    setup.clock.advance(milliseconds=1)


async def run(worker: DeliveryWorker) -> None:
    await worker.run_once()
    await worker.settle()


async def test_a_day_of_failures_ends_failed_and_then_lets_the_conversation_go_on(
    setup: Setup, receiver: Receiver
) -> None:
    endpoint = await setup.endpoints.create(
        OWNER, OWNER["_id"], url=receiver.url, events=[TASK], secret=None
    )
    endpoint_id = endpoint.endpoint.id
    worker = setup.worker()
    receiver.fail_next = 1_000
    await publish(setup, 1, "lead-1")
    await publish(setup, 2, "lead-1")
    await publish(setup, 3, "lead-2")

    await run(worker)

    # The first of each conversation was tried; the second of lead-1 waits behind it.
    assert sorted(r.event["data"]["n"] for r in receiver.requests) == [1, 3]
    held, first = [d for d in await setup.log(endpoint_id) if d.conversation_id == "lead-1"]
    assert held.attempts == 0
    assert first.status is WebhookDeliveryStatus.PENDING and first.last_status_code == 500
    assert first.last_error is not None and "HTTP 500" in first.last_error
    assert first.next_attempt_at is not None
    wait = (first.next_attempt_at - setup.clock.now).total_seconds()
    assert 48 <= wait <= 60  # the first retry: the 60 s base, up to a fifth sooner

    setup.clock.advance(seconds=5)  # before the retry is due: nothing goes
    await run(worker)
    assert len(receiver.requests) == 2
    (held,) = [d for d in await setup.log(endpoint_id) if d.attempts == 0]
    assert held.next_attempt_at == first.next_attempt_at  # put off until its predecessor's

    setup.clock.advance(hours=24, seconds=1)  # the retry window of both has closed
    await run(worker)
    assert sorted(r.event["data"]["n"] for r in receiver.requests) == [1, 1, 3, 3]
    receiver.fail_next = 0
    await run(worker)  # lead-1's head failed for good: the next one goes

    assert [r.event["data"]["n"] for r in receiver.delivered()] == [2]
    log = {d.event_id: d for d in await setup.log(endpoint_id)}
    statuses = sorted((d.conversation_id, d.status.value, d.attempts) for d in log.values())
    assert statuses == [
        ("lead-1", "delivered", 1),
        ("lead-1", "failed", 2),
        ("lead-2", "failed", 2),
    ]
    assert all(d.next_attempt_at is None for d in log.values())
    await worker.stop()


async def test_an_address_that_turned_private_is_not_sent_to(
    setup: Setup, receiver: Receiver
) -> None:
    """Registered where private addresses were allowed; this worker does not allow them:
    it checks again before each send."""
    created = await setup.endpoints.create(
        OWNER, OWNER["_id"], url=receiver.url, events=[TASK], secret=None
    )
    worker = setup.worker(allow_private_urls=False)
    await publish(setup, 1, "lead-ssrf")

    await run(worker)

    assert receiver.requests == []
    (delivery,) = await setup.log(created.endpoint.id)
    assert delivery.status is WebhookDeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert delivery.last_error is not None and "address refused" in delivery.last_error
    await worker.stop()


async def test_a_resend_goes_behind_what_its_conversation_has_pending(
    setup: Setup, receiver: Receiver
) -> None:
    created = await setup.endpoints.create(
        OWNER, OWNER["_id"], url=receiver.url, events=[TASK], secret=None
    )
    endpoint_id = created.endpoint.id
    worker = setup.worker()
    await publish(setup, 1, "lead-r")
    await run(worker)
    (delivered,) = await setup.log(endpoint_id)
    receiver.fail_next = 1
    await publish(setup, 2, "lead-r")
    await run(worker)  # n=2 fails once: pending, retried later

    stored = await setup.db.webhook_deliveries.find_one({"event_id": delivered.event_id})
    assert stored is not None  # a settled delivery leaves the log after 30 days
    assert stored["expires_at"] - stored["delivered_at"] == timedelta(days=30)

    resent = await setup.endpoints.resend(OWNER, endpoint_id, delivered.id)
    stored = await setup.db.webhook_deliveries.find_one({"event_id": delivered.event_id})
    assert stored is not None and "expires_at" not in stored  # pending again: kept
    await run(worker)
    assert [r.event["data"]["n"] for r in receiver.requests] == [1, 2]  # n=1 waits for n=2

    setup.clock.advance(minutes=2)
    await run(worker)
    await run(worker)
    assert [r.event["data"]["n"] for r in receiver.requests] == [1, 2, 2, 1]
    assert receiver.requests[3].body == receiver.requests[0].body
    assert resent.event_id == delivered.event_id
    await worker.stop()


async def test_the_claim_of_a_process_that_died_lapses_and_another_process_delivers(
    setup: Setup, receiver: Receiver
) -> None:
    created = await setup.endpoints.create(
        OWNER, OWNER["_id"], url=receiver.url, events=[TASK], secret=None
    )
    await publish(setup, 1, "lead-dead")
    now = setup.clock.now
    (due,) = await store.due(db=setup.db, now=now, limit=10)
    # A process claims it and dies before sending (its lease: timeout + 30 s).
    dead = await store.claim(
        db=setup.db,
        delivery_id=due["_id"],
        token="process-that-died",
        now=now,
        lease_until=now + timedelta(seconds=35),
    )
    assert dead is not None
    worker = setup.worker()

    await run(worker)
    assert receiver.requests == []  # still someone else's

    setup.clock.advance(seconds=36)
    await run(worker)

    assert [r.event["data"]["n"] for r in receiver.delivered()] == [1]
    (delivery,) = await setup.log(created.endpoint.id)
    assert delivery.status is WebhookDeliveryStatus.DELIVERED
    assert delivery.attempts == 2  # the dead process's attempt counts
    await worker.stop()
