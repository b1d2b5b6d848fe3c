"""Teammates work a workspace's inbox, and only theirs (issue 15, point 4)."""

from __future__ import annotations

import uuid

from tests.bots.helpers import call
from tests.support.clients import RecordingClient, register
from tests.support.servers import ServerProcess
from tests.visitors.conftest import NewVisitor, published_bot


async def test_a_teammate_works_the_inbox_but_not_the_bots_or_the_team(
    inbox_server: ServerProcess, new_visitor: NewVisitor
) -> None:
    owner, bot, publication = await published_bot(inbox_server)
    # Invited before they have an account: the seat is theirs when they sign up.
    email = f"ana-{uuid.uuid4().hex[:8]}@example.com"
    invited = await call(
        owner, "POST", f"/workspaces/{owner.user_id}/members", {"email": email, "role": "agent"}
    )
    assert invited.status_code == 201 and invited.json()["name"] is None
    again = await call(
        owner, "POST", f"/workspaces/{owner.user_id}/members", {"email": email.upper()}
    )
    assert again.status_code == 409 and again.json()["code"] == "already_a_member"
    ana = await register(inbox_server.base_url, name="Ana", email=email)
    seats = (await call(ana, "GET", "/workspaces")).json()["workspaces"]
    assert [(s["id"], s["role"]) for s in seats] == [
        (ana.user_id, "owner"),
        (owner.user_id, "agent"),
    ]
    members = (await call(ana, "GET", f"/workspaces/{owner.user_id}/members")).json()["members"]
    assert [(m["email"], m["name"], m["role"]) for m in members][1:] == [(email, "Ana", "agent")]

    watcher = RecordingClient()
    await watcher.connect(inbox_server.base_url, ana.access_token)
    visitor = new_visitor()
    session = await visitor.connect(inbox_server.base_url, {"agent": publication["slug"]})
    conversation = session["conversationId"]
    await visitor.emit("visitor:send", {"message": "Olá, alguém?"})
    await watcher.wait_for("inbox:message", lambda m: m["text"] == "Olá, alguém?")
    await watcher.wait_for("inbox:message", lambda m: m["author"] == "agent")
    listed = (await call(ana, "GET", "/inbox/conversations")).json()["conversations"]
    assert [(r["id"], r["workspaceId"]) for r in listed] == [(conversation, owner.user_id)]

    # She takes it and writes under her own name.
    assert (await call(ana, "POST", f"/inbox/conversations/{conversation}/take")).status_code == 200
    wrote = await call(
        ana, "POST", f"/inbox/conversations/{conversation}/messages", {"text": "Oi!"}
    )
    assert wrote.status_code == 201 and wrote.json()["authorName"] == "Ana"
    await visitor.wait_for("agent:message", lambda m: m.get("authorName") == "Ana")

    # Not the bot's settings or key, not the team, not the webhooks.
    assert (await call(ana, "GET", f"/custom-bots/{bot['key']}")).status_code == 404
    hooks = await call(ana, "GET", "/webhooks", workspace=owner.user_id)
    assert hooks.status_code == 403, hooks.text
    refused = await call(
        ana, "POST", f"/workspaces/{owner.user_id}/members", {"email": "x@example.com"}
    )
    assert refused.status_code == 403 and refused.json()["code"] == "workspace_owner_required"
    owner_seat = members[0]["id"]
    kept = await call(ana, "DELETE", f"/workspaces/{owner.user_id}/members/{owner_seat}")
    assert kept.status_code in (403, 404)

    # She leaves: her socket is ended, and the conversation is not found for her.
    left = await call(ana, "DELETE", f"/workspaces/{owner.user_id}/members/{invited.json()['id']}")
    assert left.status_code == 204
    await watcher.wait_for("agent:session-ended", lambda e: e["reason"] == "membership_changed")
    gone = await call(ana, "GET", f"/inbox/conversations/{conversation}")
    assert gone.status_code == 404 and gone.json()["code"] == "conversation_not_found"
    assert (await call(ana, "GET", "/inbox/conversations")).json()["conversations"] == []
    await watcher.close()


async def test_a_teammate_of_another_workspace_is_refused_everywhere(
    inbox_server: ServerProcess, new_visitor: NewVisitor
) -> None:
    owner, _bot, publication = await published_bot(inbox_server)
    other_owner = await register(inbox_server.base_url, name="Rival")
    spy = await register(inbox_server.base_url, name="Spy")
    seat = await call(
        other_owner,
        "POST",
        f"/workspaces/{other_owner.user_id}/members",
        {"email": spy.email, "role": "owner"},
    )
    assert seat.status_code == 201
    watcher = RecordingClient()
    await watcher.connect(inbox_server.base_url, spy.access_token)
    visitor = new_visitor()
    session = await visitor.connect(inbox_server.base_url, {"agent": publication["slug"]})
    conversation = session["conversationId"]
    await visitor.emit("visitor:send", {"message": "segredo do dono"})
    await visitor.wait_for("agent:message", lambda m: m["author"] == "agent")

    base = f"/inbox/conversations/{conversation}"
    for method, path, body in (
        ("GET", base, None),
        ("GET", f"{base}/messages", None),
        ("POST", f"{base}/take", None),
        ("POST", f"{base}/hand-back", None),
        ("POST", f"{base}/close", None),
        ("POST", f"{base}/read", None),
        ("POST", f"{base}/messages", {"text": "hi"}),
        ("GET", f"/workspaces/{owner.user_id}/members", None),
        ("POST", f"/workspaces/{owner.user_id}/members", {"email": "me@example.com"}),
    ):
        response = await call(spy, method, path, body)
        assert response.status_code == 404, (method, path, response.text)
    workspace_query = await call(spy, "GET", "/inbox/conversations", workspace=owner.user_id)
    assert workspace_query.status_code == 404
    assert (await call(spy, "GET", "/inbox/conversations")).json()["conversations"] == []
    rows = (await call(owner, "GET", "/inbox/conversations")).json()["conversations"]
    assert [(r["id"], r["status"]) for r in rows] == [(conversation, "bot")]
    # Nothing of the conversation reached the spy's socket.
    assert not [e for e, _ in watcher.events if e.startswith("inbox:")]
    await watcher.close()
