"""/custom-bots over REST against the real server: CRUD, validation, ownership, secrets."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.fernet import Fernet
from pymongo import MongoClient

from tests.bots.helpers import BOT_KEY, bot_body, call, create_bot, send
from tests.conftest import TEST_ENCRYPTION_KEY, Connect
from tests.support.clients import register
from tests.support.servers import ServerProcess

Mongo = MongoClient[dict[str, Any]]


async def test_a_bot_is_created_listed_read_updated_and_deleted(
    online_server: ServerProcess,
) -> None:
    account = await register(online_server.base_url)

    bot = await create_bot(
        account,
        model="gpt-4o-mini",
        temperature=1.2,
        schedulingEnabled=True,
        description="Sells maps",
    )

    assert bot["name"] == "Capitão Gancho"
    assert bot["emoji"] == "🏴‍☠️"
    assert bot["specialties"] == ["treasure maps", "sailing"]
    assert bot["key"].startswith("capitao-gancho-")
    assert bot["created_at"]
    assert (bot["model"], bot["temperature"], bot["schedulingEnabled"]) == (
        "gpt-4o-mini",
        1.2,
        True,
    )
    assert bot["hasOpenaiKey"] is False
    listed = (await call(account, "GET", "/custom-bots")).json()["bots"]
    assert [b["key"] for b in listed] == [bot["key"]]
    read = await call(account, "GET", f"/custom-bots/{bot['key']}")
    assert read.json()["bot"] == bot
    agents = (await call(account, "GET", "/agents")).json()["agents"]
    assert bot["key"] in [a["key"] for a in agents if a["builtin"] is False]

    updated = await call(
        account, "PUT", f"/custom-bots/{bot['key']}", {"name": "Gancho", "temperature": 0.0}
    )
    assert updated.status_code == 200, updated.text
    after = updated.json()["bot"]
    assert (after["name"], after["temperature"]) == ("Gancho", 0.0)
    assert after["prompt"] == bot["prompt"]  # what was not sent is kept
    assert after["key"] == bot["key"]

    deleted = await call(account, "DELETE", f"/custom-bots/{bot['key']}")
    assert deleted.status_code == 204
    assert (await call(account, "GET", f"/custom-bots/{bot['key']}")).status_code == 404
    assert (await call(account, "GET", "/custom-bots")).json()["bots"] == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "x" * 61}, "name"),
        ({"emoji": "not an emoji"}, "emoji"),
        ({"emoji": "🤖🤖🤖🤖🤖🤖🤖🤖🤖"}, "emoji"),
        ({"prompt": "   "}, "prompt"),
        ({"prompt": "x" * 8001}, "prompt"),
        ({"specialties": [f"skill {i}" for i in range(21)]}, "specialties"),
        ({"specialties": ["ok", ""]}, "specialties"),
        ({"temperature": 2.5}, "temperature"),
        ({"temperature": -0.1}, "temperature"),
        ({"model": "gpt-imaginary"}, "model"),
        ({"openai_key": "sk-typo-field-name"}, "openai_key"),
    ],
)
async def test_an_invalid_bot_is_refused_with_the_field_named_and_nothing_stored(
    online_server: ServerProcess, overrides: dict[str, Any], field: str
) -> None:
    account = await register(online_server.base_url)

    response = await call(account, "POST", "/custom-bots", bot_body(**overrides))

    assert response.status_code == 422, response.text
    assert field in json.dumps(response.json()["detail"])
    assert (await call(account, "GET", "/custom-bots")).json()["bots"] == []


async def test_accepted_edge_values(online_server: ServerProcess) -> None:
    account = await register(online_server.base_url)
    bot = await create_bot(
        account,
        emoji="AI",
        temperature=2,
        specialties=[f"skill {i}" for i in range(19)] + ["Skill 0"],
    )
    assert bot["emoji"] == "AI"
    assert bot["temperature"] == 2.0
    assert len(bot["specialties"]) == 19  # "Skill 0" repeats "skill 0"


async def test_a_bad_update_is_refused_and_changes_nothing(online_server: ServerProcess) -> None:
    account = await register(online_server.base_url)
    bot = await create_bot(account)
    path = f"/custom-bots/{bot['key']}"

    for body in ({"name": None}, {"temperature": 3}, {"model": "gpt-imaginary"}, {"key": "sdr"}):
        response = await call(account, "PUT", path, body)
        assert response.status_code == 422, (body, response.text)

    assert (await call(account, "GET", path)).json()["bot"] == bot


async def test_bot_keys_never_take_a_built_in_agents_key(online_server: ServerProcess) -> None:
    account = await register(online_server.base_url)
    bot = await create_bot(account, name="sdr")
    assert bot["key"] not in {"sdr", "support"}
    assert bot["key"].startswith("sdr-")
    sdr = (await call(account, "GET", "/agents")).json()["agents"]
    assert [a["name"] for a in sdr if a["key"] == "sdr"] == ["SDR"]


async def test_another_users_bot_is_not_found_for_every_verb(
    online_server: ServerProcess, connect_user: Connect
) -> None:
    owner = await register(online_server.base_url)
    bot = await create_bot(owner)
    stranger, socket = await connect_user(online_server)
    path = f"/custom-bots/{bot['key']}"

    assert (await call(stranger, "GET", path)).status_code == 404
    assert (await call(stranger, "PUT", path, {"name": "Mine now"})).status_code == 404
    assert (await call(stranger, "DELETE", path)).status_code == 404
    assert (await call(stranger, "POST", path + "/clone")).status_code == 404
    assert (await call(stranger, "GET", "/custom-bots")).json()["bots"] == []
    agents = (await call(stranger, "GET", "/agents")).json()["agents"]
    assert bot["key"] not in [a["key"] for a in agents]
    ack = await socket.emit("agent:send", send(bot["key"], "Ahoy"))
    assert ack["ok"] is False
    error = (await socket.wait_for("agent:error"))[0]
    assert error["code"] == "agent_not_found"

    assert (await call(owner, "GET", path)).json()["bot"] == bot


async def test_the_openai_key_is_encrypted_at_rest_and_in_no_response(
    online_server: ServerProcess, mongo_client: Mongo, online_db_name: str
) -> None:
    account = await register(online_server.base_url)
    responses = []
    created = await call(
        account, "POST", "/custom-bots", bot_body(openaiApiKey=BOT_KEY, openaiAccount="Acme")
    )
    responses.append(created)
    bot = created.json()["bot"]
    path = f"/custom-bots/{bot['key']}"
    responses.append(await call(account, "GET", path))
    responses.append(await call(account, "GET", "/custom-bots"))
    responses.append(await call(account, "PUT", path, {"name": "Renamed"}))
    responses.append(await call(account, "POST", path + "/clone"))
    responses.append(await call(account, "GET", "/agents"))

    assert bot["hasOpenaiKey"] is True
    assert bot["openaiAccount"] == "Acme"
    for response in responses:
        assert response.status_code in (200, 201), response.text
        assert BOT_KEY not in response.text
        assert "encrypted" not in response.text
    stored = mongo_client[online_db_name]["agents"].find_one({"key": bot["key"]})
    assert stored is not None
    assert BOT_KEY not in repr(stored)
    ciphertext = stored["openai_key_encrypted"]
    assert Fernet(TEST_ENCRYPTION_KEY.encode()).decrypt(ciphertext.encode()).decode() == BOT_KEY
    assert BOT_KEY not in online_server.log()

    removed = await call(account, "PUT", path, {"openaiApiKey": None})
    assert removed.json()["bot"]["hasOpenaiKey"] is False
    stored = mongo_client[online_db_name]["agents"].find_one({"key": bot["key"]})
    assert stored is not None and stored["openai_key_encrypted"] is None


async def test_a_clone_copies_the_bot_under_a_new_key(online_server: ServerProcess) -> None:
    account = await register(online_server.base_url)
    bot = await create_bot(account, openaiApiKey=BOT_KEY, model="gpt-4o")

    cloned = await call(account, "POST", f"/custom-bots/{bot['key']}/clone")
    named = await call(account, "POST", f"/custom-bots/{bot['key']}/clone", {"name": "Gancho II"})

    assert cloned.status_code == 201, cloned.text
    copy = cloned.json()["bot"]
    assert copy["key"] != bot["key"]
    assert copy["name"] == "Capitão Gancho (copy)"
    for field in ("emoji", "prompt", "specialties", "model", "temperature", "hasOpenaiKey"):
        assert copy[field] == bot[field]
    assert named.json()["bot"]["name"] == "Gancho II"
    assert len((await call(account, "GET", "/custom-bots")).json()["bots"]) == 3


async def test_templates_are_starting_points_a_bot_can_be_made_from(
    online_server: ServerProcess,
) -> None:
    account = await register(online_server.base_url)

    response = await call(account, "GET", "/custom-bots/templates")

    templates = response.json()["templates"]
    assert {"sdr", "support", "scheduler"} <= {t["id"] for t in templates}
    scheduler = next(t for t in templates if t["id"] == "scheduler")
    assert scheduler["schedulingEnabled"] is True
    body = {k: scheduler[k] for k in ("name", "emoji", "prompt", "specialties", "temperature")}
    bot = await create_bot(account, **body)
    assert bot["prompt"] == scheduler["prompt"]


async def test_bots_need_a_signed_in_user(online_server: ServerProcess) -> None:
    account = await register(online_server.base_url)
    account.access_token = "not-a-token"
    assert (await call(account, "GET", "/custom-bots")).status_code == 401
    assert (await call(account, "POST", "/custom-bots", bot_body())).status_code == 401
