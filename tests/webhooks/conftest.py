"""A server whose webhooks may reach loopback (the tests' receivers), retrying quickly,
and helpers that make the product's own events happen: a reminder that becomes a task,
a booked meeting, a cancelled one."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from agents_backend.core.embedded_mongo import EmbeddedMongo
from tests.bots.helpers import call, exchange
from tests.conftest import server_env
from tests.support.clients import Account, RecordingClient, register
from tests.support.servers import ServerProcess, running_server
from tests.webhooks.receiver import Receiver

ALL_EVENTS = [
    "conversation.created",
    "lead.updated",
    "meeting.booked",
    "meeting.cancelled",
    "handoff.requested",
    "conversation.closed",
    "task.created",
]


def webhook_env(mongo: EmbeddedMongo, database: str) -> dict[str, str]:
    return server_env(mongo, database) | {
        "WEBHOOK_ALLOW_PRIVATE_URLS": "true",
        "WEBHOOK_RETRY_BASE_SECONDS": "0.2",
        "WEBHOOK_TIMEOUT_SECONDS": "5",
        "CALENDAR_WORK_DAYS": "1,2,3,4,5,6,7",
        "CALENDAR_WORK_START": "08:00",
        "CALENDAR_WORK_END": "20:00",
    }


@pytest.fixture(scope="module")
def webhook_db_name() -> str:
    return f"test_webhooks_{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def webhook_server(
    mongo: EmbeddedMongo, webhook_db_name: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    env = webhook_env(mongo, webhook_db_name)
    with running_server(env, tmp_path_factory.mktemp("logs") / "webhooks.log") as server:
        yield server


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    await found.start()
    yield found
    await found.stop()


async def owner_with_socket(
    server: ServerProcess, clients: list[RecordingClient]
) -> tuple[Account, RecordingClient]:
    account = await register(server.base_url, name="Olívia Dona")
    client = RecordingClient()
    clients.append(client)
    await client.connect(server.base_url, account.access_token)
    return account, client


async def subscribe(
    account: Account, url: str, events: list[str] | None = None, **extra: Any
) -> dict[str, Any]:
    body = {"url": url, "events": events or ALL_EVENTS} | extra
    response = await call(account, "POST", "/webhooks", body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def deliveries(account: Account, webhook_id: str) -> list[dict[str, Any]]:
    response = await call(account, "GET", f"/webhooks/{webhook_id}/deliveries")
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["deliveries"]
    return found


async def auto_tasks(client: RecordingClient) -> None:
    ack = await client.emit("agent:set-auto-create", {"agentKey": "sdr", "autoCreate": True})
    assert ack["ok"] is True, ack


async def remind(client: RecordingClient, contact: str) -> dict[str, Any]:
    """A reminder in a chat with auto-create on: the task it became."""
    before = len(client.of("agent:task-created"))
    await exchange(client, "sdr", "me lembre de enviar a proposta amanhã", contact)
    created = await client.wait_for("agent:task-created", count=before + 1)
    task: dict[str, Any] = created[-1]["task"]
    return task


def slot(days: int) -> tuple[str, str]:
    """A day and time no other booking of the suite uses (each test its own `days`)."""
    day = datetime.now(ZoneInfo("America/Sao_Paulo")).date() + timedelta(days=days)
    return day.isoformat(), f"{8 + days % 11:02d}:30"


async def book(client: RecordingClient, contact: str, days: int) -> dict[str, Any]:
    date, time = slot(days)
    ack = await client.emit(
        "agent:schedule-confirm",
        {
            "agentKey": "sdr",
            "contactId": contact,
            "date": date,
            "time": time,
            "email": f"lead.{uuid.uuid4().hex[:6]}@example.com",
            "phone": "(11) 91234-5678",
        },
    )
    assert ack["ok"] is True, ack
    booking: dict[str, Any] = ack["event"]
    return booking


async def settled_log(
    account: Account, webhook_id: str, count: int, timeout: float = 10.0
) -> list[dict[str, Any]]:
    """The delivery log once it has `count` deliveries, none of them pending: the
    worker stores an outcome a moment after the receiver answered."""
    deadline = time.monotonic() + timeout
    while True:
        log = await deliveries(account, webhook_id)
        if len(log) == count and all(d["status"] != "pending" for d in log):
            return log
        if time.monotonic() > deadline:
            raise AssertionError(f"the delivery log did not settle: {log}")
        await asyncio.sleep(0.05)  # another process writes it: there is no event to await
