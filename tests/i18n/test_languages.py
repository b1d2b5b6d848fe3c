"""What a person reads comes in their language: the conversation's, else their account's,
else their browser's. Against a real server, over real HTTP and real sockets."""

from __future__ import annotations

import uuid

import httpx
import pytest
import socketio

from tests.support.clients import RecordingClient, register
from tests.support.fake_openai import FakeOpenAI, Fault
from tests.support.servers import ServerProcess

PT = {"Accept-Language": "pt-BR,pt;q=0.9"}
EN = {"Accept-Language": "en-US,en;q=0.9"}


def new_email() -> str:
    return f"lang-{uuid.uuid4().hex[:10]}@example.com"


async def sign_up(http: httpx.AsyncClient, headers: dict[str, str], **extra: str) -> dict:
    body = {"email": new_email(), "password": "s3cret-password", "name": "Ana", **extra}
    response = await http.post("/auth/register", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def bearer(pair: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {pair['access_token']}"}


async def test_a_failed_sign_in_reads_in_the_browsers_language(
    offline_server: ServerProcess,
) -> None:
    async with httpx.AsyncClient(base_url=offline_server.base_url) as http:
        wrong = {"email": new_email(), "password": "not-the-password"}
        pt = await http.post("/auth/login", json=wrong, headers=PT)
        en = await http.post("/auth/login", json=wrong, headers=EN)
        unknown = await http.post("/auth/login", json=wrong, headers={"Accept-Language": "de"})
    assert pt.status_code == en.status_code == 401
    assert pt.json() == {"detail": "E-mail ou senha incorretos.", "code": "invalid_credentials"}
    assert en.json() == {"detail": "Incorrect e-mail or password.", "code": "invalid_credentials"}
    assert unknown.json()["detail"] == en.json()["detail"]  # English when nothing matches


async def test_field_problems_are_explained_in_the_persons_language(
    offline_server: ServerProcess,
) -> None:
    body = {"email": "not-an-email", "password": "tiny7", "name": "Ana"}
    async with httpx.AsyncClient(base_url=offline_server.base_url) as http:
        pt = await http.post("/auth/register", json=body, headers=PT)
        en = await http.post("/auth/register", json=body, headers=EN)
    assert pt.status_code == en.status_code == 422
    assert pt.json()["code"] == "invalid_request"
    by_field = {tuple(issue["loc"]): issue["msg"] for issue in pt.json()["detail"]}
    assert by_field == {
        ("body", "email"): "Não é um e-mail válido.",
        ("body", "password"): "Pelo menos 8 caracteres.",
    }
    assert {issue["msg"] for issue in en.json()["detail"]} == {
        "Not a valid e-mail address.",
        "At least 8 characters.",
    }
    assert "tiny7" not in pt.text  # what was sent is never echoed


async def test_the_account_remembers_its_language_and_it_beats_the_browsers(
    offline_server: ServerProcess,
) -> None:
    async with httpx.AsyncClient(base_url=offline_server.base_url) as http:
        pair = await sign_up(http, PT)
        assert pair["user"]["preferredLanguage"] == "pt-BR"  # taken from Accept-Language

        # An English browser, a Portuguese account: the account wins.
        agents = (await http.get("/agents", headers=bearer(pair) | EN)).json()["agents"]
        support = next(a for a in agents if a["key"] == "support")
        assert support["name"] == "Suporte"
        assert support["specialties"] == [
            "resolução de problemas",
            "ajuda com a conta",
            "dúvidas sobre o produto",
        ]
        missing = await http.delete("/tasks/unknown-task", headers=bearer(pair) | EN)
        assert missing.json() == {"detail": "Tarefa não encontrada.", "code": "task_not_found"}

        changed = await http.patch(
            "/auth/me", json={"preferredLanguage": "en"}, headers=bearer(pair) | PT
        )
        assert changed.status_code == 200
        assert changed.json()["preferredLanguage"] == "en"
        assert (await http.get("/auth/me", headers=bearer(pair))).json()[
            "preferredLanguage"
        ] == "en"
        agents = (await http.get("/agents", headers=bearer(pair) | PT)).json()["agents"]
        support = next(a for a in agents if a["key"] == "support")
        assert (support["name"], support["specialties"][0]) == ("Support", "troubleshooting")

        refused = await http.patch(
            "/auth/me", json={"preferredLanguage": "fr"}, headers=bearer(pair)
        )
        assert refused.status_code == 422
        assert refused.json()["detail"][0]["msg"] == "Must be one of: 'pt-BR' or 'en'."


async def test_templates_and_a_clones_name_are_written_in_the_owners_language(
    offline_server: ServerProcess,
) -> None:
    async with httpx.AsyncClient(base_url=offline_server.base_url) as http:
        pt_owner = bearer(await sign_up(http, PT))
        en_owner = bearer(await sign_up(http, EN))
        pt_templates = (await http.get("/custom-bots/templates", headers=pt_owner)).json()
        en_templates = (await http.get("/custom-bots/templates", headers=en_owner)).json()
        pt_sdr = next(t for t in pt_templates["templates"] if t["id"] == "sdr")
        en_sdr = next(t for t in en_templates["templates"] if t["id"] == "sdr")
        assert pt_sdr["prompt"].startswith("Você é um representante")
        assert en_sdr["prompt"].startswith("You are a sales development representative")
        assert pt_sdr["specialties"][0] == "qualificação de leads"
        assert (pt_sdr["temperature"], pt_sdr["emoji"]) == (en_sdr["temperature"], en_sdr["emoji"])

        bot = {"name": "Vendas", "emoji": "💼", "prompt": "Seja breve.", "specialties": ["vendas"]}
        created = await http.post("/custom-bots", json=bot, headers=pt_owner)
        assert created.status_code == 201, created.text
        key = created.json()["bot"]["key"]
        clone = await http.post(f"/custom-bots/{key}/clone", headers=pt_owner)
        assert clone.json()["bot"]["name"] == "Vendas (cópia)"

        wrong_model = await http.post(
            "/custom-bots", json=bot | {"model": "no-such-model"}, headers=pt_owner
        )
        assert wrong_model.status_code == 422
        issue = wrong_model.json()["detail"][0]
        assert issue["loc"] == ["body", "model"]
        assert issue["msg"].startswith("Deve ser um destes: ")


async def test_an_oversized_body_is_refused_in_the_browsers_language(
    offline_server: ServerProcess,
) -> None:
    async with httpx.AsyncClient(base_url=offline_server.base_url) as http:
        response = await http.post(
            "/auth/login", content=b"x" * 2_000_000, headers=PT | {"content-type": "text/plain"}
        )
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"
    assert response.json()["detail"].startswith("A solicitação tem mais de ")


async def test_socket_errors_follow_the_account_then_the_conversation(
    online_server: ServerProcess,
    fake_llm: FakeOpenAI,
    socket_clients: list[RecordingClient],
) -> None:
    account = await register(online_server.base_url)
    async with httpx.AsyncClient(base_url=online_server.base_url) as http:
        await http.patch("/auth/me", json={"preferredLanguage": "pt-BR"}, headers=account.headers)
    client = RecordingClient()
    socket_clients.append(client)
    await client.connect(online_server.base_url, account.access_token)

    # Refused before anything is read: the account's language.
    too_long = {"agentKey": "sdr", "contactId": "c-1", "message": "x" * 2001}
    ack = await client.emit("agent:send", too_long)
    assert ack["error"] == {
        "code": "message_too_long",
        "message": "A mensagem tem mais de 2000 caracteres.",
    }
    malformed = await client.emit("agent:send", {"agentKey": "sdr", "contactId": "c-1"})
    assert malformed["error"]["code"] == "invalid_payload"
    assert malformed["error"]["message"] == ("Esta solicitação não é válida: message: Obrigatório.")

    # The person writes in English: the conversation's language wins over the account's.
    fake_llm.script("stream", Fault(500), Fault(500))
    await client.emit(
        "agent:send",
        {"agentKey": "sdr", "contactId": "c-2", "message": "Hello, what does the plan cost?"},
    )
    error = (await client.wait_for("agent:error", lambda e: e.get("contactId") == "c-2"))[0]
    assert error["code"] == "llm_unavailable"
    assert error["error"] == "The AI model could not be reached. Please try again."


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("pt-BR", "Você não está conectado ou sua sessão expirou; entre de novo."),
        ("en", "You are not signed in, or your session expired; sign in again."),
    ],
)
async def test_a_refused_connection_says_why_in_the_clients_language(
    offline_server: ServerProcess, language: str, text: str
) -> None:
    client = socketio.AsyncClient(reconnection=False)
    refusals: list[object] = []

    async def on_connect_error(data: object) -> None:
        refusals.append(data)

    client.on("connect_error", on_connect_error)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(
            offline_server.base_url,
            auth={"token": "not-a-token", "language": language},
            transports=["websocket"],
            wait_timeout=5,
        )
    assert refusals == [{"message": text, "data": {"code": "unauthenticated"}}]
