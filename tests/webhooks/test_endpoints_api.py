"""/webhooks over REST: who may manage a workspace's endpoints, what a URL may be, and
what the list shows."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pymongo import MongoClient

from tests.bots.helpers import call
from tests.support.clients import Account, RecordingClient, register
from tests.support.servers import ServerProcess
from tests.webhooks.conftest import (
    ALL_EVENTS,
    auto_tasks,
    owner_with_socket,
    remind,
    subscribe,
)

RECEIVER = "http://127.0.0.1:9/hooks/crm"  # never answers; these tests do not deliver


async def invite(owner: Account, teammate: Account, role: str) -> None:
    response = await call(
        owner,
        "POST",
        f"/workspaces/{owner.user_id}/members",
        {"email": teammate.email, "role": role},
    )
    assert response.status_code == 201, response.text


async def test_only_the_workspaces_owners_manage_its_webhooks(
    webhook_server: ServerProcess,
) -> None:
    owner = await register(webhook_server.base_url, name="Dona")
    agent = await register(webhook_server.base_url, name="Atendente")
    co_owner = await register(webhook_server.base_url, name="Sócia")
    outsider = await register(webhook_server.base_url, name="Estranho")
    await invite(owner, agent, "agent")
    await invite(owner, co_owner, "owner")
    endpoint = await subscribe(owner, RECEIVER, ["meeting.booked"])
    workspace = {"workspace": owner.user_id}
    deliveries = f"/webhooks/{endpoint['id']}/deliveries"

    # A teammate with role agent works the inbox, not its integrations: 403.
    for method, path, body in (
        ("GET", "/webhooks", None),
        ("POST", "/webhooks", {"url": RECEIVER, "events": ["task.created"]} | workspace),
        ("DELETE", f"/webhooks/{endpoint['id']}", None),
        ("GET", deliveries, None),
    ):
        params = workspace if method == "GET" and path == "/webhooks" else {}
        answer = await call(agent, method, path, body, **params)
        assert answer.status_code == 403, (method, path, answer.text)
        assert answer.json()["code"] == "workspace_owner_required"
        assert endpoint["secret"] not in answer.text

    # Someone outside the workspace learns nothing, not even that the endpoint exists.
    for method, path, body, code in (
        ("GET", "/webhooks", None, "workspace_not_found"),
        ("POST", "/webhooks", {"url": RECEIVER, "events": ["task.created"]} | workspace, None),
        ("DELETE", f"/webhooks/{endpoint['id']}", None, "webhook_not_found"),
        ("GET", deliveries, None, "webhook_not_found"),
        ("POST", f"{deliveries}/{'0' * 24}/resend", None, "webhook_not_found"),
    ):
        params = workspace if method == "GET" and path == "/webhooks" else {}
        answer = await call(outsider, method, path, body, **params)
        assert answer.status_code == 404, (method, path, answer.text)
        assert code is None or answer.json()["code"] == code
    assert (await call(outsider, "GET", "/webhooks")).json() == {"webhooks": []}

    # Another owner of the workspace manages them like its owner.
    listed = (await call(co_owner, "GET", "/webhooks", **workspace)).json()["webhooks"]
    assert [w["id"] for w in listed] == [endpoint["id"]]
    assert "secret" not in listed[0]
    assert (await call(co_owner, "GET", deliveries)).status_code == 200
    added = await call(
        co_owner, "POST", "/webhooks", {"url": RECEIVER, "events": ["task.created"]} | workspace
    )
    assert added.status_code == 201, added.text
    assert added.json()["workspaceId"] == owner.user_id
    gone = await call(co_owner, "DELETE", f"/webhooks/{added.json()['id']}")
    assert gone.status_code == 204
    mine = (await call(owner, "GET", "/webhooks")).json()["webhooks"]
    assert [w["id"] for w in mine] == [endpoint["id"]]


async def test_an_owner_lists_adds_and_deletes_endpoints(webhook_server: ServerProcess) -> None:
    owner = await register(webhook_server.base_url)
    assert (await call(owner, "GET", "/webhooks")).json() == {"webhooks": []}

    created = await subscribe(owner, RECEIVER, ["task.created", "meeting.booked", "task.created"])

    assert created["events"] == ["meeting.booked", "task.created"]
    assert created["url"] == RECEIVER
    assert created["workspaceId"] == owner.user_id
    assert created["secretHint"] == created["secret"][-4:]
    assert len(created["secret"]) > len("whsec_") + 40
    listed = (await call(owner, "GET", "/webhooks")).json()["webhooks"]
    assert listed == [{k: v for k, v in created.items() if k != "secret"}]
    deleted = await call(owner, "DELETE", f"/webhooks/{created['id']}")
    assert deleted.status_code == 204
    assert (await call(owner, "GET", "/webhooks")).json() == {"webhooks": []}
    again = await call(owner, "DELETE", f"/webhooks/{created['id']}")
    assert again.status_code == 404
    assert again.json()["code"] == "webhook_not_found"
    for path in (f"/webhooks/{created['id']}/deliveries", "/webhooks/not-an-id/deliveries"):
        assert (await call(owner, "GET", path)).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"url": RECEIVER, "events": []},
        {"url": RECEIVER, "events": ["meeting.rescheduled"]},
        {"url": RECEIVER, "events": ["task.created"], "secret": "short"},
        {"url": RECEIVER, "events": ["task.created"], "secret": "has spaces in it, sixteen+"},
        {"url": "", "events": ["task.created"]},
        {"url": RECEIVER, "events": ["task.created"], "unknownField": 1},
    ],
)
async def test_a_malformed_body_is_a_422(
    webhook_server: ServerProcess, body: dict[str, Any]
) -> None:
    owner = await register(webhook_server.base_url)
    answer = await call(owner, "POST", "/webhooks", body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "invalid_request"


async def test_a_workspace_has_at_most_the_configured_number_of_endpoints(
    webhook_server: ServerProcess,
) -> None:
    owner = await register(webhook_server.base_url)
    for _ in range(20):  # WEBHOOK_MAX_ENDPOINTS' default
        await subscribe(owner, RECEIVER, ["task.created"])
    answer = await call(owner, "POST", "/webhooks", {"url": RECEIVER, "events": ALL_EVENTS})
    assert answer.status_code == 409
    assert answer.json()["code"] == "webhook_limit_reached"
    assert "20" in answer.json()["detail"]


PRIVATE_OR_PLAIN = [
    "http://127.0.0.1:8080/hook",  # plain http
    "http://crm.example.com/hook",
    "https://127.0.0.1/hook",  # loopback
    "https://localhost:8443/hook",
    "https://[::1]/hook",
    "https://10.1.2.3/hook",  # private networks
    "https://192.168.0.10/hook",
    "https://172.16.5.4/hook",
    "https://169.254.169.254/latest/meta-data/",  # link-local: cloud metadata
    "https://[::ffff:127.0.0.1]/hook",  # loopback in IPv6 clothing
    "https://0.0.0.0/hook",
    "https://100.64.0.1/hook",  # carrier-grade NAT
    "ftp://files.example.com/hook",
    "not a url",
]


async def test_without_the_setting_only_https_to_public_addresses_is_accepted(
    offline_server: ServerProcess,
) -> None:
    owner = await register(offline_server.base_url)
    async with httpx.AsyncClient(base_url=owner.base_url, headers=owner.headers) as http:
        for language, words in (("en", "public address"), ("pt-BR", "endereço público")):
            chosen = await http.patch("/auth/me", json={"preferredLanguage": language})
            assert chosen.status_code == 200, chosen.text
            for url in PRIVATE_OR_PLAIN:
                answer = await http.post("/webhooks", json={"url": url, "events": ["task.created"]})
                assert answer.status_code == 422, (url, answer.text)
                assert answer.json()["code"] == "webhook_url_invalid", url
                assert words in answer.json()["detail"], answer.json()
        # A public address is fine (an IP literal: the tests may have no DNS).
        accepted = await http.post(
            "/webhooks", json={"url": "https://93.184.215.14/hook", "events": ["task.created"]}
        )
    assert accepted.status_code == 201, accepted.text
    listed = (await call(owner, "GET", "/webhooks")).json()["webhooks"]
    assert [w["url"] for w in listed] == ["https://93.184.215.14/hook"]


async def test_removing_the_account_removes_its_webhooks_and_their_deliveries(
    webhook_server: ServerProcess,
    socket_clients: list[RecordingClient],
    mongo_client: MongoClient[dict[str, Any]],
    webhook_db_name: str,
) -> None:
    owner, client = await owner_with_socket(webhook_server, socket_clients)
    endpoint = await subscribe(owner, RECEIVER, ["task.created"])
    await auto_tasks(client)
    await remind(client, "lead-gone")
    assert (await call(owner, "GET", f"/webhooks/{endpoint['id']}/deliveries")).json()[
        "deliveries"
    ], "a delivery was queued"

    removed = await call(owner, "DELETE", "/auth/me", {"password": owner.password})

    assert removed.status_code == 204, removed.text
    db = mongo_client[webhook_db_name]
    for collection in ("webhook_endpoints", "webhook_deliveries"):
        assert db[collection].count_documents({"workspace_id": owner.user_id}) == 0, collection
