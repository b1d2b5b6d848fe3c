"""The models a bot may use, as the SPA's bot form is offered them (a list, not free
text), against the real server: the list, its default, and that saving accepts them."""

from __future__ import annotations

from tests.bots.helpers import call, create_bot
from tests.support.clients import register
from tests.support.servers import ServerProcess


async def test_the_bot_form_is_offered_the_allowed_models_and_saving_accepts_each(
    online_server: ServerProcess,
) -> None:
    account = await register(online_server.base_url)
    response = await call(account, "GET", "/custom-bots/models")
    assert response.status_code == 200, response.text
    body = response.json()
    # The server's own model (OPENAI_MODEL=gpt-test) is always usable, and is the default.
    assert body["default"] == "gpt-test"
    assert "gpt-test" in body["models"] and "gpt-4o-mini" in body["models"]
    assert len(body["models"]) == len(set(body["models"]))
    for model in body["models"]:  # every model offered is one a bot can be saved with
        bot = await create_bot(account, model=model)
        assert bot["model"] == model
    refused = await call(account, "PUT", f"/custom-bots/{bot['key']}", {"model": "not-offered"})
    assert refused.status_code == 422


async def test_the_models_list_needs_a_signed_in_user(online_server: ServerProcess) -> None:
    account = await register(online_server.base_url)
    account.access_token = "not-a-token"
    assert (await call(account, "GET", "/custom-bots/models")).status_code == 401
