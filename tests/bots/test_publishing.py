"""Publishing a bot to visitors (`GET|PUT /custom-bots/{key}/public`) on a real server:
the share link and widget snippet, slugs, allowed origins, and who may publish what."""

from __future__ import annotations

import re
from typing import Any

from tests.bots.helpers import call, create_bot
from tests.support.clients import register
from tests.support.servers import ServerProcess


def publish_body(**overrides: Any) -> dict[str, Any]:
    return {"enabled": True, "allowedOrigins": ["https://shop.example.com"]} | overrides


async def test_publishing_gives_a_share_link_and_a_widget_snippet_and_keeps_the_slug(
    offline_server: ServerProcess,
) -> None:
    owner = await register(offline_server.base_url)
    bot = await create_bot(owner, schedulingEnabled=True)
    path = f"/custom-bots/{bot['key']}/public"

    never = await call(owner, "GET", path)
    assert never.status_code == 200
    assert never.json()["enabled"] is False and never.json()["slug"] is None

    published = await call(
        owner,
        "PUT",
        path,
        publish_body(allowedOrigins=["https://Shop.Example.com/", "http://localhost:8080"]),
    )
    assert published.status_code == 200, published.text
    body = published.json()
    slug = body["slug"]
    assert re.fullmatch(r"[a-z2-7]{16}", slug)  # random: nobody finds it by trying
    base = offline_server.base_url
    assert body["url"] == f"{base}/c/{slug}"
    assert body["embedSnippet"] == (
        f'<script src="{base}/widget.js" data-agent="{slug}" defer></script>'
    )
    assert body["allowedOrigins"] == ["https://shop.example.com", "http://localhost:8080"]
    assert (body["enabled"], body["greeting"], body["dailyTokenBudget"]) == (True, None, 100_000)
    assert body["bookingEnabled"] is True  # the bot schedules meetings
    assert (await call(owner, "GET", path)).json() == body

    # Offline at once, and the same link when it comes back; fields left out are kept.
    off = (await call(owner, "PUT", path, publish_body(enabled=False))).json()
    assert (off["enabled"], off["slug"]) == (False, slug)
    back = await call(owner, "PUT", path, publish_body(greeting="Olá! Posso ajudar?"))
    assert (back.json()["slug"], back.json()["greeting"]) == (slug, "Olá! Posso ajudar?")


async def test_an_owner_picks_a_slug_once_across_every_owner(
    offline_server: ServerProcess,
) -> None:
    first, second = [await register(offline_server.base_url) for _ in range(2)]
    mine = await create_bot(first)
    theirs = await create_bot(second)
    slug = f"acme-sales-{mine['key'][-6:]}"

    picked = await call(
        first, "PUT", f"/custom-bots/{mine['key']}/public", publish_body(slug=slug.upper())
    )
    assert picked.status_code == 200 and picked.json()["slug"] == slug

    taken = await call(
        second, "PUT", f"/custom-bots/{theirs['key']}/public", publish_body(slug=slug)
    )
    assert taken.status_code == 409
    assert taken.json() == {
        "detail": "This link name is already taken; choose another.",
        "code": "slug_taken",
    }
    # The loser's bot stays unpublished; the winner keeps the name.
    assert (await call(second, "GET", f"/custom-bots/{theirs['key']}/public")).json()[
        "slug"
    ] is None
    assert (await call(first, "GET", f"/custom-bots/{mine['key']}/public")).json()["slug"] == slug


async def test_bad_slugs_and_origins_are_refused_field_by_field(
    offline_server: ServerProcess,
) -> None:
    owner = await register(offline_server.base_url)
    bot = await create_bot(owner)
    path = f"/custom-bots/{bot['key']}/public"
    for body, where, kind in (
        (publish_body(slug="no spaces!"), ["body", "slug"], "string_pattern_mismatch"),
        (publish_body(slug="ab"), ["body", "slug"], "string_too_short"),
        (
            publish_body(allowedOrigins=["https://shop.example.com/path"]),
            ["body", "allowedOrigins", 0],
            "origin_invalid",
        ),
        (
            publish_body(allowedOrigins=["javascript:alert(1)"]),
            ["body", "allowedOrigins", 0],
            "origin_invalid",
        ),
        (
            publish_body(allowedOrigins=["https://user:pw@shop.example.com"]),
            ["body", "allowedOrigins", 0],
            "origin_invalid",
        ),
        (publish_body(dailyTokenBudget=-1), ["body", "dailyTokenBudget"], "greater_than_equal"),
        (publish_body(extra=True), ["body", "extra"], "extra_forbidden"),
    ):
        refused = await call(owner, "PUT", path, body)
        assert refused.status_code == 422, (body, refused.text)
        issue = refused.json()["detail"][0]
        assert (issue["loc"], issue["type"]) == (where, kind), refused.text
    assert (await call(owner, "GET", path)).json()["enabled"] is False  # nothing stored


async def test_only_the_owner_publishes_and_a_builtin_is_cloned_first(
    offline_server: ServerProcess,
) -> None:
    owner, stranger = [await register(offline_server.base_url) for _ in range(2)]
    bot = await create_bot(owner)
    path = f"/custom-bots/{bot['key']}/public"
    for method, body in (("GET", None), ("PUT", publish_body())):
        response = await call(stranger, method, path, body)
        assert response.status_code == 404 and response.json()["code"] == "bot_not_found"
    assert (await call(owner, "GET", path)).json()["enabled"] is False

    builtin = await call(owner, "PUT", "/custom-bots/sdr/public", publish_body())
    assert builtin.status_code == 409 and builtin.json()["code"] == "clone_to_publish"
    clone = await call(owner, "POST", "/custom-bots/sdr/clone")
    assert clone.status_code == 201, clone.text
    copy = clone.json()["bot"]
    assert copy["name"] == "SDR (copy)" and copy["key"].startswith("sdr-copy-")
    published = await call(owner, "PUT", f"/custom-bots/{copy['key']}/public", publish_body())
    assert published.status_code == 200 and published.json()["enabled"] is True
    # A clone of a published bot is a bot of its own: not published until its owner says.
    again = await call(owner, "POST", f"/custom-bots/{copy['key']}/clone")
    assert (await call(owner, "GET", f"/custom-bots/{again.json()['bot']['key']}/public")).json()[
        "enabled"
    ] is False
