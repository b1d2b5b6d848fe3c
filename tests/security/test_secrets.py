"""Secrets never leave the server (issue 8, point 17).

A whole session against a fresh server (register, failed and good logins, refresh, a
replayed refresh token, a bot with its own OpenAI key, chat through it, a model failure,
a summary, logout); then the server's entire log and every response body the client got
are searched for the password, every token issued, the bot keys and the server's own
OPENAI_API_KEY, JWT_SECRET and ENCRYPTION_KEY.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import socketio
from pymongo import MongoClient

from agents_backend.core.embedded_mongo import EmbeddedMongo
from tests.bots.helpers import bot_body
from tests.conftest import TEST_ENCRYPTION_KEY, TEST_SECRET, server_env
from tests.sockets.test_chat_online import reply_to, send
from tests.support.clients import RecordingClient, register
from tests.support.fake_openai import FakeOpenAI, Fault, Reply
from tests.support.servers import ServerProcess, start_server


class Recorder:
    """An HTTP client that keeps every response body, and which ones issued tokens."""

    def __init__(self, base_url: str) -> None:
        self.bodies: list[tuple[str, str]] = []
        self.http = httpx.AsyncClient(base_url=base_url, event_hooks={"response": [self._keep]})

    async def _keep(self, response: httpx.Response) -> None:
        await response.aread()
        self.bodies.append(
            (f"{response.request.method} {response.request.url.path}", response.text)
        )

    async def call(self, method: str, path: str, token: str | None = None, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return await self.http.request(method, path, headers=headers, **kw)


@pytest.mark.parametrize("debug", ["false", "true"], ids=["production", "debug"])
async def test_no_secret_reaches_the_log_or_a_response(
    debug: str, mongo: EmbeddedMongo, fake_llm: FakeOpenAI, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:12]
    password = f"Pw-{tag}-horse-battery"
    server_key = f"sk-server-{tag}-do-not-log"
    bot_keys = [f"sk-bot-{tag}-first-key", f"sk-bot-{tag}-rotated-key"]
    database = f"test_secrets_{tag}"
    env = server_env(mongo, database) | {
        "DEBUG": debug,
        "OPENAI_API_KEY": server_key,
        "OPENAI_BASE_URL": fake_llm.base_url,
        "OPENAI_MODEL": "gpt-test",
        "OPENAI_MAX_RETRIES": "0",
    }
    server = start_server(env, tmp_path / "server.log")
    client = RecordingClient()
    http = Recorder(server.base_url)
    tokens: list[str] = []
    acks: list[Any] = []
    email = f"secret-{tag}@example.com"
    try:
        bad = await http.call(
            "POST", "/auth/register", json={"email": "nope", "password": password, "name": "S"}
        )
        assert bad.status_code == 422
        registered = await http.call(
            "POST", "/auth/register", json={"email": email, "password": password, "name": "S"}
        )
        assert registered.status_code == 201, registered.text
        again = await http.call(
            "POST", "/auth/register", json={"email": email, "password": password, "name": "S"}
        )
        assert again.status_code == 409
        wrong = await http.call(
            "POST", "/auth/login", json={"email": email, "password": password + "x"}
        )
        assert wrong.status_code == 401
        login = await http.call("POST", "/auth/login", json={"email": email, "password": password})
        assert login.status_code == 200, login.text
        pair = login.json()
        tokens += [registered.json()["access_token"], registered.json()["refresh_token"]]
        tokens += [pair["access_token"], pair["refresh_token"]]
        assert (await http.call("GET", "/auth/me", pair["access_token"])).status_code == 200
        rotated = await http.call(
            "POST", "/auth/refresh", json={"refresh_token": pair["refresh_token"]}
        )
        assert rotated.status_code == 200, rotated.text
        tokens += [rotated.json()["access_token"], rotated.json()["refresh_token"]]
        replayed = await http.call(
            "POST", "/auth/refresh", json={"refresh_token": pair["refresh_token"]}
        )
        assert replayed.status_code == 401  # and the whole family is revoked
        session = (
            await http.call("POST", "/auth/login", json={"email": email, "password": password})
        ).json()
        tokens += [session["access_token"], session["refresh_token"]]
        access = session["access_token"]

        created = await http.call(
            "POST",
            "/custom-bots",
            access,
            json=bot_body(name="Cofre", openaiApiKey=bot_keys[0]),
        )
        assert created.status_code == 201, created.text
        bot = created.json()["bot"]
        assert bot["hasOpenaiKey"] is True
        updated = await http.call(
            "PUT", f"/custom-bots/{bot['key']}", access, json={"openaiApiKey": bot_keys[1]}
        )
        assert updated.status_code == 200, updated.text
        assert (await http.call("GET", f"/custom-bots/{bot['key']}", access)).status_code == 200
        assert (await http.call("GET", "/custom-bots", access)).status_code == 200

        await client.connect(server.base_url, access)
        fake_llm.script("stream", Reply("Your vault is safe."))
        ok = await client.emit("agent:send", send(bot["key"], "Is my vault safe?", "c-1"))
        acks.append(ok)
        await client.wait_for("agent:message", reply_to(ok["messageId"]))
        fake_llm.script("stream", Fault(401, message="Incorrect API key provided."))
        failed = await client.emit("agent:send", send(bot["key"], "And now?", "c-1"))
        acks.append(failed)
        await client.wait_for("agent:error")
        acks.append(
            await client.emit("agent:request-summary", {"agentKey": bot["key"], "contactId": "c-1"})
        )
        await client.wait_for("agent:summary")
        served = await client.emit("agent:send", send("support", "Hello support", "c-2"))
        acks.append(served)
        await client.wait_for("agent:message", reply_to(served["messageId"]))
        await client.wait_for("agent:typing", lambda d: d["typing"] is False, count=3)
        await client.close()
        refused = RecordingClient()
        with pytest.raises(socketio.exceptions.ConnectionError):
            await refused.connect(server.base_url, server_key)  # a key is not a token
        await refused.close()

        logout = await http.call(
            "POST", "/auth/logout", json={"refresh_token": session["refresh_token"]}
        )
        assert logout.status_code == 204
        after = await http.call(
            "POST", "/auth/refresh", json={"refresh_token": session["refresh_token"]}
        )
        assert after.status_code == 401
        assert (await http.call("GET", "/usage", access)).status_code == 200
    finally:
        await client.close()
        await http.http.aclose()
        server.stop()

    # The keys did reach the one place they are for: the model server's Authorization.
    used = {r.authorization for r in fake_llm.requests}
    assert f"Bearer {bot_keys[1]}" in used and f"Bearer {server_key}" in used

    log = server.log()
    assert "/auth/login" in log and "/custom-bots" in log  # the log did record the session
    never_anywhere = {
        "password": password,
        "server OPENAI_API_KEY": server_key,
        "bot key": bot_keys[0],
        "rotated bot key": bot_keys[1],
        "JWT_SECRET": TEST_SECRET,
        "ENCRYPTION_KEY": TEST_ENCRYPTION_KEY,
    }
    in_log = [name for name, value in never_anywhere.items() if value in log]
    in_log += [f"token #{n}" for n, token in enumerate(tokens) if token in log]
    assert in_log == []

    socket_text = json.dumps([client.events, acks], ensure_ascii=False)
    in_responses = [
        (name, where)
        for where, body in [*http.bodies, ("socket events and acks", socket_text)]
        for name, value in never_anywhere.items()
        if value in body
    ]
    # A token may only appear in the response that issued it.
    issuers = {"POST /auth/register", "POST /auth/login", "POST /auth/refresh"}
    in_responses += [
        (f"token #{n}", where)
        for where, body in [*http.bodies, ("socket events and acks", socket_text)]
        for n, token in enumerate(tokens)
        if token in body and where not in issuers
    ]
    assert in_responses == []

    with MongoClient(mongo.uri) as direct:  # and at rest: hashed and encrypted only
        stored = json.dumps(
            [list(direct[database][name].find({}, {"_id": 0})) for name in ("users", "agents")],
            default=str,
        )
    assert password not in stored and bot_keys[0] not in stored and bot_keys[1] not in stored


async def test_a_rejected_request_does_not_echo_the_secret_it_carried(
    online_server: ServerProcess,
) -> None:
    """A 422 names the field that is wrong; it must not send the password or API key back
    (FastAPI's default 422 puts the whole offending body in `input`)."""
    tag = uuid.uuid4().hex[:12]
    password = f"Pw-{tag}-horse-battery"
    bot_key = f"sk-bot-{tag}-never-echoed"
    account = await register(online_server.base_url)
    async with httpx.AsyncClient(base_url=online_server.base_url) as http:
        rejected = [
            await http.post(  # the name was forgotten
                "/auth/register", json={"email": f"x-{tag}@example.com", "password": password}
            ),
            await http.post("/auth/login", json={"email": "not-an-email", "password": password}),
            await http.post(  # emoji and specialties forgotten
                "/custom-bots",
                headers=account.headers,
                json={"name": "Cofre", "prompt": "A vault keeper.", "openaiApiKey": bot_key},
            ),
            await http.post(
                "/custom-bots",
                headers=account.headers,
                json=bot_body(openaiApiKey=bot_key, temperature="hot"),
            ),
        ]
    assert [r.status_code for r in rejected] == [422, 422, 422, 422]
    echoed = [
        f"{r.request.method} {r.request.url.path}: {r.text[:160]}"
        for r in rejected
        if password in r.text or bot_key in r.text
    ]
    assert echoed == []
