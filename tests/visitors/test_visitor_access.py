"""Who may open a visitor socket, and what it may reach: the page's site, the bot's
state, tokens from elsewhere, and the owner's side of a visitor conversation."""

from __future__ import annotations

import jwt
import pytest

from tests.bots.helpers import call
from tests.conftest import Connect
from tests.support.clients import register
from tests.support.servers import ServerProcess
from tests.support.visitors import Refused
from tests.visitors.conftest import SHOP, NewVisitor, published_bot


async def test_pages_of_sites_not_allowed_and_bots_not_online_are_refused(
    offline_server: ServerProcess, new_visitor: NewVisitor
) -> None:
    base = offline_server.base_url
    owner, bot, publication = await published_bot(offline_server)
    slug = publication["slug"]
    for auth, origin, code in (
        ({"agent": "no-such-bot"}, "own", "agent_offline"),
        ({"agent": slug, "host": "https://evil.example.com"}, "own", "origin_not_allowed"),
        ({"agent": slug, "host": "javascript:alert(1)"}, "own", "origin_not_allowed"),
        # Pages elsewhere reach the bot through its iframe only: already the handshake
        # refuses another site's page (CORS), before any bot is looked at.
        ({"agent": slug, "host": SHOP}, SHOP, None),
        ({"agent": slug}, "https://evil.example.com", None),
        ({"agent": slug, "visitorToken": 42}, "own", "invalid_payload"),
        ({}, "own", "invalid_payload"),
    ):
        with pytest.raises(Refused) as refused:
            await new_visitor().connect(base, auth, origin=origin)
        assert refused.value.code == code, (auth, origin)
    # The share link (no host) and the allowed site are let in, in the page's language.
    assert (await new_visitor().connect(base, {"agent": slug}))["conversationId"]
    with pytest.raises(Refused) as offline:
        await call(
            owner,
            "PUT",
            f"/custom-bots/{bot['key']}/public",
            {"enabled": False, "allowedOrigins": [SHOP]},
        )
        await new_visitor().connect(base, {"agent": slug, "host": SHOP, "language": "pt-BR"})
    assert offline.value.code == "agent_offline"
    assert offline.value.message == "Este assistente não está disponível agora."


async def test_tokens_from_another_bot_forged_or_expired_are_refused(
    offline_server: ServerProcess, new_visitor: NewVisitor
) -> None:
    base = offline_server.base_url
    owner, _bot, first = await published_bot(offline_server)
    _owner, _other_bot, second = await published_bot(offline_server)
    session = await new_visitor().connect(base, {"agent": first["slug"], "host": SHOP})
    token = session["visitorToken"]
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = jwt.encode(
        claims, "not-the-server-secret-but-long-enough-for-hs256", algorithm="HS256"
    )
    for wrong in (
        token + "x",
        forged,
        jwt.encode(
            {**claims, "exp": 1},
            "not-the-server-secret-but-long-enough-for-hs256",
            algorithm="HS256",
        ),
        owner.access_token,  # a person's access token is no visitor token
    ):
        with pytest.raises(Refused) as refused:
            await new_visitor().connect(base, {"agent": first["slug"], "visitorToken": wrong})
        assert refused.value.code == "visitor_token_invalid"
    with pytest.raises(Refused) as elsewhere:
        await new_visitor().connect(base, {"agent": second["slug"], "visitorToken": token})
    assert elsewhere.value.code == "visitor_token_invalid"
    # A visitor token opens no REST route.
    async with __import__("httpx").AsyncClient(base_url=base) as http:
        inbox = await http.get("/inbox/conversations", headers={"Authorization": f"Bearer {token}"})
    assert inbox.status_code == 401


async def test_a_visitor_reaches_only_their_own_conversation(
    offline_server: ServerProcess, new_visitor: NewVisitor, connect_user: Connect
) -> None:
    base = offline_server.base_url
    owner, bot, publication = await published_bot(offline_server)
    first, second = new_visitor(), new_visitor()
    one = await first.connect(base, {"agent": publication["slug"], "host": SHOP})
    two = await second.connect(base, {"agent": publication["slug"], "host": SHOP})
    assert one["conversationId"] != two["conversationId"]
    ack = await first.emit("visitor:send", {"message": "only mine", "clientMessageId": "c-1"})
    assert ack["ok"] is True
    await first.wait_for("agent:message", lambda m: m["author"] == "agent")
    # The other visitor heard nothing; the signed-in events do not exist on /public.
    assert not second.of("agent:message")
    for event, payload in (
        (
            "agent:send",
            {"agentKey": bot["key"], "contactId": one["conversationId"], "message": "x"},
        ),
        ("agent:request-summary", {"agentKey": bot["key"], "contactId": one["conversationId"]}),
        ("visitor:send", {"message": 5}),
        ("visitor:send", "not an object"),
    ):
        refused = await second.emit(event, payload)
        assert refused["ok"] is False, event
        assert refused["error"]["code"] in ("unknown_event", "invalid_payload"), event
    assert not second.of("agent:message")

    # The owner reads the conversation; nobody else does, and the owner cannot write
    # in it as the visitor.
    path = f"/agents/{bot['key']}/conversations/{one['conversationId']}/messages"
    page = (await call(owner, "GET", path)).json()
    assert [m["text"] for m in page["messages"] if m["author"] == "user"] == ["only mine"]
    stranger = await register(base)
    assert (await call(stranger, "GET", path)).status_code == 404
    assert (await call(stranger, "GET", "/inbox/conversations")).json()["conversations"] == []
    _account, owner_socket = await connect_user(offline_server)
    await owner_socket.close()
    from tests.support.clients import RecordingClient

    watcher = RecordingClient()
    await watcher.connect(base, owner.access_token)
    try:
        answer = await watcher.emit(
            "agent:send",
            {"agentKey": bot["key"], "contactId": one["conversationId"], "message": "as them"},
        )
    finally:
        await watcher.close()
    assert answer["ok"] is False and answer["error"]["code"] == "read_only_conversation"


async def test_taking_the_bot_offline_tells_and_closes_its_visitors(
    offline_server: ServerProcess, new_visitor: NewVisitor
) -> None:
    base = offline_server.base_url
    owner, bot, publication = await published_bot(offline_server)
    english, portuguese = new_visitor(), new_visitor()
    await english.connect(base, {"agent": publication["slug"], "host": SHOP, "language": "en"})
    await portuguese.connect(
        base, {"agent": publication["slug"], "host": SHOP, "language": "pt-BR"}
    )
    off = await call(
        owner,
        "PUT",
        f"/custom-bots/{bot['key']}/public",
        {"enabled": False, "allowedOrigins": [SHOP]},
    )
    assert off.status_code == 200
    closed_en = (await english.wait_for("visitor:closed"))[0]
    closed_pt = (await portuguese.wait_for("visitor:closed"))[0]
    assert closed_en == {
        "reason": "unpublished",
        "message": "This assistant is not available right now.",
    }
    assert closed_pt["message"] == "Este assistente não está disponível agora."
    await english.wait_closed()
    await portuguese.wait_closed()
