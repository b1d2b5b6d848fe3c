"""Webhooks against a local HTTP receiver, as an owner's CRM sees them (issue 15).

The events are the product's own: a reminder in a chat that becomes a task, a meeting
booked and cancelled. What is checked is what the receiver gets: a signature that
verifies with the documented recipe, the same event id on every retry, deliveries in
order per conversation, nothing lost across a restart, and chats that never wait for a
receiver.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from datetime import datetime
from pathlib import Path

from agents_backend.core.embedded_mongo import EmbeddedMongo
from tests.bots.helpers import call, exchange
from tests.support.clients import RecordingClient
from tests.support.servers import ServerProcess, running_server
from tests.webhooks.conftest import (
    auto_tasks,
    book,
    owner_with_socket,
    remind,
    settled_log,
    subscribe,
    webhook_env,
)
from tests.webhooks.receiver import Receiver


def verified_by_the_readme_recipe(secret: str, body: bytes, header: str) -> bool:
    """The receiver's check exactly as README "Webhooks" documents it (not the server's)."""
    parts = dict(part.split("=", 1) for part in header.split(","))
    signed = parts["t"].encode() + b"." + body
    mac = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(mac, parts["v1"]) and abs(time.time() - int(parts["t"])) < 300


async def test_a_delivery_is_signed_as_documented_and_carries_the_event(
    webhook_server: ServerProcess, receiver: Receiver, socket_clients: list[RecordingClient]
) -> None:
    account, client = await owner_with_socket(webhook_server, socket_clients)
    endpoint = await subscribe(account, receiver.url, ["task.created"])
    assert endpoint["secret"].startswith("whsec_")
    await auto_tasks(client)

    task = await remind(client, "lead-sig")

    (request,) = await receiver.wait_delivered(1)
    secret = endpoint["secret"]
    assert verified_by_the_readme_recipe(secret, request.body, request.headers["Agents-Signature"])
    assert not verified_by_the_readme_recipe(
        secret, request.body + b" ", request.headers["Agents-Signature"]
    ), "a changed body must not verify"
    assert not verified_by_the_readme_recipe(
        "whsec_someone-else", request.body, request.headers["Agents-Signature"]
    )
    event = request.event
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Agents-Webhook-Event"] == event["type"] == "task.created"
    assert request.headers["Agents-Webhook-Id"] == event["id"]
    assert event["id"].startswith("evt_")
    assert event["workspaceId"] == account.user_id
    assert event["createdAt"].endswith("Z")
    datetime.fromisoformat(event["createdAt"])
    assert event["data"]["conversationId"] == "lead-sig"
    assert event["data"]["task"] == task


async def test_an_own_secret_signs_and_only_its_hint_is_shown_again(
    webhook_server: ServerProcess, receiver: Receiver, socket_clients: list[RecordingClient]
) -> None:
    account, client = await owner_with_socket(webhook_server, socket_clients)
    own_secret = "my-crm-shared-secret-" + uuid.uuid4().hex[:8]
    created = await subscribe(account, receiver.url, ["meeting.booked"], secret=own_secret)
    assert created["secret"] == own_secret
    listed = (await call(account, "GET", "/webhooks")).json()["webhooks"]
    assert listed == [{k: v for k, v in created.items() if k != "secret"}]
    assert listed[0]["secretHint"] == own_secret[-4:]
    assert own_secret not in str(listed)

    booking = await book(client, "lead-own-secret", days=2)

    (request,) = await receiver.wait_delivered(1)
    header = request.headers["Agents-Signature"]
    assert verified_by_the_readme_recipe(own_secret, request.body, header)
    assert request.event["type"] == "meeting.booked"
    assert request.event["data"] == {
        "conversationId": "lead-own-secret",
        "agentKey": "sdr",
        "booking": booking,
    }


async def test_a_receiver_that_fails_three_times_gets_the_same_event_a_fourth_time(
    webhook_server: ServerProcess, receiver: Receiver, socket_clients: list[RecordingClient]
) -> None:
    account, client = await owner_with_socket(webhook_server, socket_clients)
    endpoint = await subscribe(account, receiver.url, ["task.created"])
    await auto_tasks(client)
    receiver.fail_next = 3

    await remind(client, "lead-retry")

    await receiver.wait_delivered(1)
    assert [r.answered for r in receiver.requests] == [500, 500, 500, 204]
    assert len({r.event_id for r in receiver.requests}) == 1
    assert len({r.body for r in receiver.requests}) == 1
    for request in receiver.requests:  # each attempt signed anew, each verifies
        header = request.headers["Agents-Signature"]
        assert verified_by_the_readme_recipe(endpoint["secret"], request.body, header)

    (delivery,) = await settled_log(account, endpoint["id"], 1)
    assert delivery["status"] == "delivered"
    assert delivery["attempts"] == 4
    assert delivery["lastStatusCode"] == 204
    assert delivery["lastError"] is None
    assert delivery["eventId"] == receiver.requests[0].event_id
    assert delivery["type"] == "task.created"
    assert delivery["conversationId"] == "lead-retry"
    assert delivery["nextAttemptAt"] is None
    assert delivery["deliveredAt"] is not None


async def test_events_of_one_conversation_arrive_in_the_order_they_happened(
    webhook_server: ServerProcess, receiver: Receiver, socket_clients: list[RecordingClient]
) -> None:
    account, client = await owner_with_socket(webhook_server, socket_clients)
    await subscribe(account, receiver.url)
    await auto_tasks(client)
    receiver.fail_next = 1  # the first event's first attempt: the rest must wait for it

    reminder = await remind(client, "lead-order")
    booking = await book(client, "lead-order", days=3)
    cancelled = await call(account, "DELETE", f"/calendar/events/{booking['id']}")
    assert cancelled.status_code == 200, cancelled.text

    await receiver.wait_delivered(4)
    arrived = [(r.event["type"], r.answered) for r in receiver.requests]
    assert arrived == [
        ("task.created", 500),
        ("task.created", 204),
        ("meeting.booked", 204),
        ("task.created", 204),  # the booked meeting's own task
        ("meeting.cancelled", 204),
    ]
    events = [r.event for r in receiver.delivered()]
    assert events[0]["data"]["task"]["id"] == reminder["id"]
    assert events[1]["data"]["booking"]["id"] == booking["id"]
    assert events[2]["data"]["task"]["sourceMessageId"] == booking["id"]
    assert events[3]["data"]["booking"]["status"] == "cancelled"
    assert {e["data"]["conversationId"] for e in events} == {"lead-order"}
    assert len({e["id"] for e in events}) == 4


async def test_a_stuck_receiver_never_holds_up_a_chat(
    webhook_server: ServerProcess, receiver: Receiver, socket_clients: list[RecordingClient]
) -> None:
    account, client = await owner_with_socket(webhook_server, socket_clients)
    await subscribe(account, receiver.url, ["task.created"])
    await auto_tasks(client)
    receiver.hold()

    await remind(client, "lead-stuck")
    await receiver.wait_until(lambda r: len(r.requests) >= 1, "the held request")
    # While the CRM holds the request open, the person keeps chatting, and a new task
    # (another conversation) goes out at once rather than after the stuck one.
    await exchange(client, "sdr", "qual é o horário de atendimento?", "lead-stuck")
    await remind(client, "lead-other")
    await receiver.wait_until(
        lambda r: "lead-other" in {q.event["data"]["conversationId"] for q in r.requests},
        "the other conversation's task",
    )

    assert [r.answered for r in receiver.requests if r.answered is not None] == [], (
        "the chat waited for the CRM"
    )
    receiver.release()
    await receiver.wait_until(
        lambda r: (
            {q.event["data"]["conversationId"] for q in r.delivered()}
            == {"lead-stuck", "lead-other"}
        ),
        "both tasks delivered",
    )


async def test_deliveries_pending_at_a_restart_are_delivered_by_the_next_process(
    mongo: EmbeddedMongo,
    receiver: Receiver,
    socket_clients: list[RecordingClient],
    tmp_path: Path,
) -> None:
    env = webhook_env(mongo, f"test_webhooks_restart_{uuid.uuid4().hex[:8]}")
    receiver.fail_next = 10_000  # the CRM is down while the first process runs
    with running_server(env, tmp_path / "first.log") as first:
        account, client = await owner_with_socket(first, socket_clients)
        endpoint = await subscribe(account, receiver.url, ["task.created", "meeting.booked"])
        await auto_tasks(client)
        first_a = await remind(client, "lead-restart-a")
        first_b = await remind(client, "lead-restart-b")
        booking = await book(client, "lead-restart-a", days=4)
        # Each conversation's first event has failed at least twice (the CRM is down);
        # the booking and its task wait behind lead-restart-a's reminder.
        await receiver.wait_until(
            lambda r: all(
                sum(q.event["data"]["conversationId"] == c for q in r.requests) >= 2
                for c in ("lead-restart-a", "lead-restart-b")
            ),
            "retries of both conversations",
        )
        await client.close()
    assert receiver.delivered() == []
    attempted = {r.event_id for r in receiver.requests}

    receiver.fail_next = 0  # the CRM is back; so is the server, on the same database
    with running_server(env, tmp_path / "second.log") as second:
        account.base_url = second.base_url
        await receiver.wait_delivered(4)
        log = await settled_log(account, endpoint["id"], 4)

    assert {d["status"] for d in log} == {"delivered"}
    delivered = receiver.delivered()
    assert {r.event_id for r in delivered} == {d["eventId"] for d in log}
    assert attempted <= {r.event_id for r in delivered}
    in_a = [r.event for r in delivered if r.event["data"]["conversationId"] == "lead-restart-a"]
    assert [e["type"] for e in in_a] == ["task.created", "meeting.booked", "task.created"]
    assert in_a[0]["data"]["task"]["id"] == first_a["id"]
    assert in_a[1]["data"]["booking"]["id"] == booking["id"]
    (in_b,) = [r.event for r in delivered if r.event["data"]["conversationId"] == "lead-restart-b"]
    assert in_b["data"]["task"]["id"] == first_b["id"]


async def test_resend_delivers_the_same_event_again(
    webhook_server: ServerProcess, receiver: Receiver, socket_clients: list[RecordingClient]
) -> None:
    account, client = await owner_with_socket(webhook_server, socket_clients)
    endpoint = await subscribe(account, receiver.url, ["meeting.booked"])
    await book(client, "lead-resend", days=5)
    (first,) = await receiver.wait_delivered(1)
    (delivery,) = await settled_log(account, endpoint["id"], 1)

    resent = await call(
        account, "POST", f"/webhooks/{endpoint['id']}/deliveries/{delivery['id']}/resend"
    )

    assert resent.status_code == 202, resent.text
    assert resent.json()["status"] == "pending"
    assert resent.json()["eventId"] == first.event_id
    second = (await receiver.wait_delivered(2))[1]
    assert second.event_id == first.event_id
    assert second.body == first.body
    (again,) = await settled_log(account, endpoint["id"], 1)
    assert (again["id"], again["status"], again["attempts"]) == (delivery["id"], "delivered", 2)

    unknown = f"/webhooks/{endpoint['id']}/deliveries/{'0' * 24}/resend"
    answer = await call(account, "POST", unknown)
    assert answer.status_code == 404
    assert answer.json()["code"] == "webhook_delivery_not_found"
