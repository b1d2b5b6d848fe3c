"""Another user's objects are out of reach on every route and every event (issue 8, point 12).

User A makes one of everything (a custom bot, conversations, a task, a booking, usage);
user B then calls every route of the live `/openapi.json` that takes a path parameter,
with A's ids in it, and every `agent:*` event with A's keys. REST answers 404, sockets
`agent:error`, B never sees a byte of A's data, and A's data reads back unchanged.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from agents_backend.contract import ClientEvent
from agents_backend.core.embedded_mongo import EmbeddedMongo
from tests.bots.helpers import bot_body, exchange
from tests.conftest import model_env, server_env
from tests.support.clients import Account, RecordingClient, register
from tests.support.fake_openai import FakeOpenAI
from tests.support.servers import ServerProcess, running_server
from tests.support.visitors import VisitorClient

METHODS = ("get", "post", "put", "patch", "delete")
# Valid bodies, so B's request is refused for whose object it names, not for its shape.
BODIES: dict[tuple[str, str], Any] = {
    ("put", "/custom-bots/{key}"): {"name": "Hijacked", "prompt": "You now work for B."},
    ("post", "/custom-bots/{key}/clone"): {"name": "Stolen copy"},
    ("put", "/custom-bots/{key}/public"): {
        "enabled": True,
        "slug": "hijacked-by-b",
        "allowedOrigins": ["https://evil.example"],
    },
    ("patch", "/tasks/{task_id}"): {"status": "done", "title": "Hijacked"},
    ("patch", "/agents/{key}/conversations/{contact_id}"): {"title": "Hijacked"},
    ("post", "/inbox/conversations/{conversation_id}/messages"): {"text": "Bob here"},
    ("post", "/workspaces/{workspace_id}/members"): {"email": "bob.spy@example.com"},
    # B granting A (or B) the admin role: refused for who B is (403), whoever A is.
    ("put", "/admin/users/{user_id}/admin"): {"admin": False},
}


@pytest.fixture(scope="module")
def walk_server(
    mongo: EmbeddedMongo, fake_llm_server: FakeOpenAI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """Online (the local model server) and bookable every day, on its own database."""
    env = (
        server_env(mongo, f"test_walk_{uuid.uuid4().hex[:8]}")
        | model_env(fake_llm_server)
        | {
            "OPENAI_MODEL": "gpt-test",
            "CALENDAR_WORK_DAYS": "1,2,3,4,5,6,7",
            "CALENDAR_WORK_START": "08:00",
            "CALENDAR_WORK_END": "20:00",
            # A's webhook points at loopback (nothing listens: its deliveries stay pending).
            "WEBHOOK_ALLOW_PRIVATE_URLS": "true",
        }
    )
    with running_server(env, tmp_path_factory.mktemp("logs") / "walk.log") as server:
        yield server


@dataclass
class Owned:
    """What A made: the ids B will try, and text only A's data contains."""

    account: Account
    client: RecordingClient
    bot_key: str
    bot_contact: str
    lead_contact: str
    client_message_id: str
    message_ids: list[str]
    task_ids: list[str]
    event_id: str
    booking: dict[str, Any]
    visitor_conversation: str = ""
    member_id: str = ""
    webhook_id: str = ""
    delivery_id: str = ""
    markers: list[str] = field(default_factory=list)


async def rest(account: Account, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async with httpx.AsyncClient(base_url=account.base_url, headers=account.headers) as http:
        return await http.request(method, path, **kwargs)


async def make_everything(server: ServerProcess, clients: list[RecordingClient]) -> Owned:
    tag = uuid.uuid4().hex[:8]
    account = await register(server.base_url, name=f"Alice {tag}")
    client = RecordingClient()
    clients.append(client)
    await client.connect(server.base_url, account.access_token)

    # A's CRM webhook, told of the booking below (a delivery in its log).
    hooked = await rest(
        account,
        "POST",
        "/webhooks",
        json={"url": "http://127.0.0.1:9/crm", "events": ["meeting.booked", "task.created"]},
    )
    assert hooked.status_code == 201, hooked.text
    webhook_id, webhook_secret = hooked.json()["id"], hooked.json()["secret"]

    bot_name = f"Cofre {tag}"
    # Ids (bot key, contact ids) carry `tag` and B sends them back, echoed in errors;
    # `secret` is only ever in A's data.
    secret = uuid.uuid4().hex[:10]
    prompt = f"You guard the treasure {secret}. Never tell anyone where it is."
    created = await rest(
        account, "POST", "/custom-bots", json=bot_body(name=bot_name, prompt=prompt)
    )
    assert created.status_code == 201, created.text
    bot_key = created.json()["bot"]["key"]
    bot_contact, lead_contact = f"ilha-{tag}", f"lead-{tag}"
    secret_text = f"O tesouro {secret} fica embaixo da palmeira"
    first = await exchange(client, bot_key, secret_text, bot_contact)

    ack = await client.emit("agent:set-auto-create", {"agentKey": "sdr", "autoCreate": True})
    assert ack["ok"] is True, ack
    cmid = f"alice-{tag}-0001"
    sent = await client.emit(
        "agent:send",
        {
            "agentKey": "sdr",
            "contactId": lead_contact,
            "message": "me lembre de enviar a proposta amanhã",
            "clientMessageId": cmid,
        },
    )
    assert sent["ok"] is True, sent
    await client.wait_for("agent:task-created")
    await client.wait_for("agent:typing", lambda d: d["typing"] is False, count=2)

    day = datetime.now(ZoneInfo("America/Sao_Paulo")).date() + timedelta(days=3)
    booking_email = f"alice.{tag}@example.com"
    booked = await client.emit(
        "agent:schedule-confirm",
        {
            "agentKey": "sdr",
            "contactId": lead_contact,
            "date": day.isoformat(),
            "time": "10:30",
            "email": booking_email,
            "phone": "(11) 91234-5678",
        },
    )
    assert booked["ok"] is True, booked

    # A's bot on a website: a visitor's conversation in A's inbox; and a teammate.
    site = "https://shop.example"
    published = await rest(
        account,
        "PUT",
        f"/custom-bots/{bot_key}/public",
        json={"enabled": True, "allowedOrigins": [site]},
    )
    assert published.status_code == 200, published.text
    visitor = VisitorClient()
    session = await visitor.connect(
        server.base_url, {"agent": published.json()["slug"], "host": site}
    )
    try:
        said = await visitor.emit("visitor:send", {"message": f"sou o lead {secret}"})
        assert said["ok"] is True, said
        await visitor.wait_for("agent:message", lambda m: m["author"] == "agent")
    finally:
        await visitor.close()
    invited = await rest(
        account,
        "POST",
        f"/workspaces/{account.user_id}/members",
        json={"email": f"teammate.{tag}@example.com", "role": "agent"},
    )
    assert invited.status_code == 201, invited.text

    tasks = (await rest(account, "GET", "/tasks")).json()["tasks"]
    assert tasks, "A should own at least one task"
    webhook_log = (await rest(account, "GET", f"/webhooks/{webhook_id}/deliveries")).json()
    assert webhook_log["deliveries"], "A's webhook should have deliveries"
    usage = (await rest(account, "GET", "/usage")).json()
    assert usage["totals"]["totalTokens"] > 0, usage
    return Owned(
        account=account,
        client=client,
        bot_key=bot_key,
        bot_contact=bot_contact,
        lead_contact=lead_contact,
        client_message_id=cmid,
        message_ids=[first, sent["messageId"]],
        task_ids=[t["id"] for t in tasks],
        event_id=booked["event"]["id"],
        booking=booked["event"],
        visitor_conversation=session["conversationId"],
        member_id=invited.json()["id"],
        webhook_id=webhook_id,
        delivery_id=webhook_log["deliveries"][0]["id"],
        markers=[
            account.email,
            account.user_id,
            secret,
            booking_email,
            "+5511912345678",
            webhook_secret,
        ],
    )


async def snapshot(owned: Owned) -> dict[str, Any]:
    """Everything A can read about their own data, as A reads it."""
    account = owned.account
    paths = [
        "/auth/me",
        "/agents",
        "/custom-bots",
        f"/custom-bots/{owned.bot_key}",
        "/tasks",
        "/calendar/events?includeCancelled=true",
        "/usage",
        f"/agents/{owned.bot_key}/conversations/{owned.bot_contact}/messages",
        f"/agents/sdr/conversations/{owned.lead_contact}/messages",
        "/agents/sdr/conversations",
        f"/agents/{owned.bot_key}/conversations",
        f"/search/messages?q={owned.markers[2]}",
        f"/inbox/conversations/{owned.visitor_conversation}/messages",
        f"/workspaces/{owned.account.user_id}/members",
        "/webhooks",
    ]
    seen: dict[str, Any] = {}
    for path in paths:
        response = await rest(account, "GET", path)
        assert response.status_code == 200, (path, response.text)
        seen[path] = response.json()
    return seen


def path_values(owned: Owned) -> dict[str, list[str]]:
    return {
        "key": [owned.bot_key],
        "contact_id": [owned.bot_contact],
        "task_id": owned.task_ids,
        "event_id": [owned.event_id],
        "conversation_id": [owned.visitor_conversation],
        "workspace_id": [owned.account.user_id],
        "member_id": [owned.member_id],
        "webhook_id": [owned.webhook_id],
        "delivery_id": [owned.delivery_id],
        "user_id": [owned.account.user_id],
    }


def substitutions(path: str, values: dict[str, list[str]]) -> list[str]:
    names = re.findall(r"{(\w+)}", path)
    missing = [name for name in names if name not in values]
    assert not missing, f"the walker has no value of A's for {missing} in {path}"
    filled = [path]
    for name in names:
        filled = [p.replace("{" + name + "}", v) for p in filled for v in values[name]]
    return filled


async def test_user_b_reaches_nothing_of_user_a_on_any_route_or_event(
    walk_server: ServerProcess, fake_llm: FakeOpenAI, socket_clients: list[RecordingClient]
) -> None:
    owned = await make_everything(walk_server, socket_clients)
    before = await snapshot(owned)
    model_calls_of_a = len(fake_llm.requests)
    events_of_a = len(owned.client.events)
    b = await register(walk_server.base_url, name="Bob")
    responses: list[tuple[str, httpx.Response]] = []
    wrong: list[str] = []

    # -- every templated route of the live schema, with A's ids ------------------------
    spec = (await rest(b, "GET", "/openapi.json")).json()
    walked: set[tuple[str, str]] = set()
    for template, operations in spec["paths"].items():
        if "{" not in template:
            continue
        for method in (m for m in METHODS if m in operations):
            needs_body = "requestBody" in operations[method]
            assert not needs_body or (method, template) in BODIES, (
                f"the walker has no body for {method.upper()} {template}"
            )
            for path in substitutions(template, path_values(owned)):
                body = BODIES.get((method, template)) if needs_body else None
                response = await rest(b, method.upper(), path, json=body)
                responses.append((f"{method.upper()} {path}", response))
                walked.add((method, template))
                # Operator routes refuse a non-admin for the role, before any lookup.
                refused = 403 if template.startswith("/admin/") else 404
                if response.status_code != refused:
                    wrong.append(f"{method.upper()} {path} -> {response.status_code}")
    assert len(walked) >= 7, walked  # bots x5, tasks x2, events, messages

    # -- A's ids where they travel in a query: B's own (empty) view, or a refusal ------
    sdr_history = f"/agents/sdr/conversations/{owned.lead_contact}/messages"
    probes: list[tuple[str, set[int]]] = [
        (f"{sdr_history}?after={owned.message_ids[1]}", {404}),
        (f"{sdr_history}?before={owned.message_ids[1]}", {404}),
        (f"{sdr_history}?around={owned.message_ids[1]}", {404}),
        (f"/search/messages?q={owned.markers[2]}", {200}),  # B's own (empty) results
        ("/agents/sdr/conversations", {200}),  # B's own (empty) list
        (sdr_history, {200}),  # contact ids are per user: B's own empty conversation
        (f"/tasks?agentKey={owned.bot_key}", {200}),
        (f"/tasks?contactId={owned.lead_contact}", {200}),
        (f"/calendar/available-slots?date={owned.booking['date']}&agentKey={owned.bot_key}", {404}),
        (f"/admin/usage?userId={owned.account.user_id}", {403, 404}),
        ("/calendar/events?includeCancelled=true", {200}),
        ("/usage", {200}),
        ("/custom-bots", {200}),
        ("/agents", {200}),
    ]
    for path, allowed in probes:
        response = await rest(b, "GET", path)
        responses.append((f"GET {path}", response))
        if response.status_code not in allowed:
            wrong.append(f"GET {path} -> {response.status_code} (expected {allowed})")
    assert (await rest(b, "GET", sdr_history)).json()["messages"] == []
    assert (await rest(b, "GET", f"/search/messages?q={owned.markers[2]}")).json() == {
        "results": []
    }
    assert (await rest(b, "GET", "/agents/sdr/conversations")).json()["conversations"] == []
    for method in ("PATCH", "DELETE"):  # contact ids are per person: B has no such one
        response = await rest(
            b, method, f"/agents/sdr/conversations/{owned.lead_contact}", json={"title": "B"}
        )
        responses.append((f"{method} sdr/{owned.lead_contact}", response))
        if response.status_code != 404:
            wrong.append(f"{method} /agents/sdr/conversations/<A's> -> {response.status_code}")
    assert (await rest(b, "GET", "/tasks")).json()["tasks"] == []
    assert (await rest(b, "GET", "/calendar/events")).json()["events"] == []
    assert (await rest(b, "GET", "/usage")).json()["usage"] == []
    assert owned.bot_key not in {
        a["key"] for a in (await rest(b, "GET", "/agents")).json()["agents"]
    }

    # -- every agent:* event with A's bot ----------------------------------------------
    socket = RecordingClient()
    socket_clients.append(socket)
    await socket.connect(walk_server.base_url, b.access_token)
    with_a_bot = {"agentKey": owned.bot_key, "contactId": owned.bot_contact}
    payloads: dict[str, dict[str, Any]] = {
        ClientEvent.SEND: with_a_bot | {"message": "what did Alice say?"},
        ClientEvent.SET_AUTO_CREATE: {"agentKey": owned.bot_key, "autoCreate": True},
        ClientEvent.REQUEST_SUMMARY: with_a_bot,
        ClientEvent.SCHEDULE_CONFIRM: with_a_bot
        | {"date": owned.booking["date"], "time": "11:30", "email": "bob@example.com"},
        ClientEvent.REGENERATE: with_a_bot | {"replyId": owned.message_ids[1]},
        ClientEvent.EDIT: with_a_bot
        | {"messageId": owned.message_ids[0], "message": "B's edit", "clientMessageId": "b-edit"},
    }
    # A stop names a reply, not an agent: B's stop of A's reply stops nothing.
    stops = {ClientEvent.STOP: with_a_bot | {"replyId": owned.message_ids[1]}}
    assert set(payloads) | set(stops) == {e.value for e in ClientEvent}, "an event is not walked"
    for event, payload in payloads.items():
        ack = await socket.emit(event, payload)
        if ack.get("ok") is not False or ack["error"]["code"] != "agent_not_found":
            wrong.append(f"{event} with A's bot -> {ack}")
    errors = await socket.wait_for("agent:error", count=len(payloads))
    assert {e["code"] for e in errors} == {"agent_not_found"}
    for event, payload in stops.items():
        ack = await socket.emit(event, payload)
        if ack != {"ok": True, "stopped": False}:
            wrong.append(f"{event} of A's reply -> {ack}")

    # -- built-in agent, A's contact, A's clientMessageId and A's booked slot ----------
    lead = {"agentKey": "sdr", "contactId": owned.lead_contact}
    summary_ack = await socket.emit(ClientEvent.REQUEST_SUMMARY, lead)
    assert summary_ack["ok"] is True, summary_ack
    await socket.wait_for("agent:summary")
    resend = await socket.emit(
        ClientEvent.SEND,
        lead | {"message": "oi", "clientMessageId": owned.client_message_id},
    )
    assert resend["ok"] is True and resend["duplicate"] is False, resend
    assert resend["messageId"] not in owned.message_ids
    await socket.wait_for("agent:typing", lambda d: d["typing"] is False)
    taken = await socket.emit(
        ClientEvent.SCHEDULE_CONFIRM,
        lead | {"date": owned.booking["date"], "time": "10:30", "email": "bob@example.com"},
    )
    assert taken["ok"] is False and taken["error"]["code"] == "slot_taken", taken
    # A's message and reply ids in B's own conversation of the same contact id: not B's.
    for event, payload in {
        ClientEvent.REGENERATE: lead | {"replyId": owned.message_ids[1]},
        ClientEvent.EDIT: lead
        | {"messageId": owned.message_ids[0], "message": "B", "clientMessageId": "b-edit-2"},
    }.items():
        ack = await socket.emit(event, payload)
        if ack.get("ok") is not False or ack["error"]["code"] not in {
            "message_not_found",
            "not_last_reply",
        }:
            wrong.append(f"{event} of A's message -> {ack}")
    stop_ack = await socket.emit(ClientEvent.STOP, lead | {"replyId": owned.message_ids[1]})
    assert stop_ack == {"ok": True, "stopped": False}, stop_ack

    # -- nothing of A's reached B, nothing of B's reached A, A's data is unchanged -----
    assert wrong == []
    seen_by_b = [r.text for _what, r in responses]
    seen_by_b += [json.dumps(data, ensure_ascii=False) for _e, data in socket.events]
    seen_by_b.append(json.dumps(taken, ensure_ascii=False))
    leaks = [(m, s[:200]) for s in seen_by_b for m in owned.markers if m in s]
    assert leaks == []
    for request in fake_llm.requests[model_calls_of_a:]:  # B's calls: none carries A's text
        prompt = json.dumps(request.messages, ensure_ascii=False)
        assert not [m for m in owned.markers if m in prompt], prompt
    assert len(owned.client.events) == events_of_a, owned.client.events[events_of_a:]
    assert await snapshot(owned) == before
