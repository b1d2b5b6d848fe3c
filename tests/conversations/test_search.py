"""Search in a person's own messages: stemmed in Portuguese and in English, best first,
never another person's, and each result opens in context (`around`)."""

from __future__ import annotations

import uuid
from typing import Any

from bson import ObjectId
from pymongo import MongoClient

from tests.conftest import Connect
from tests.conversations.helpers import call, exchange, search
from tests.support.servers import ServerProcess


def _contact() -> str:
    return f"busca-{uuid.uuid4().hex[:6]}"


def _ids(results: list[dict[str, Any]]) -> list[str]:
    return [r["messageId"] for r in results]


async def test_a_portuguese_word_finds_its_inflections(
    offline_server: ServerProcess, connect_user: Connect
) -> None:
    alice, socket = await connect_user(offline_server)
    contact = _contact()
    wanted = await exchange(socket, "sdr", contact, "Quero agendar uma visita técnica na fábrica")
    booked = await exchange(socket, "sdr", contact, "O agendamento foi confirmado pelo gerente")
    await exchange(socket, "sdr", contact, "Qual é o preço do plano anual?")

    for word in ("agendado", "agendamento", "AGENDAR"):
        found = await search(alice, word, agentKey="sdr")
        user_hits = [r for r in found if r["author"] == "user"]
        assert set(_ids(user_hits)) == {wanted, booked}, word

    hit = next(r for r in await search(alice, "agendado") if r["messageId"] == wanted)
    assert hit["contactId"] == contact and hit["agentKey"] == "sdr"
    marked = [hit["snippet"][h["start"] : h["end"]] for h in hit["highlights"]]
    assert marked == ["agendar"]


async def test_an_english_word_finds_its_inflections(
    offline_server: ServerProcess, connect_user: Connect
) -> None:
    alice, socket = await connect_user(offline_server)
    contact = _contact()
    meetings = await exchange(socket, "support", contact, "We had two meetings about the rollout")
    scheduled = await exchange(socket, "support", contact, "The call was scheduled for Friday")
    await exchange(socket, "support", contact, "Thanks, that is all for today")

    assert meetings in _ids(await search(alice, "meeting"))
    assert scheduled in _ids(await search(alice, "scheduling"))
    assert scheduled not in _ids(await search(alice, "meeting"))


async def test_more_matching_words_rank_first_and_results_are_only_the_callers(
    offline_server: ServerProcess, connect_user: Connect
) -> None:
    alice, alice_socket = await connect_user(offline_server)
    bob, bob_socket = await connect_user(offline_server)
    tag = uuid.uuid4().hex[:8]
    contact = _contact()
    both = await exchange(alice_socket, "support", contact, f"fatura {tag} do contrato vencida")
    one = await exchange(alice_socket, "support", contact, f"a fatura {tag} chegou")
    bobs = await exchange(bob_socket, "support", contact, f"minha fatura {tag} do contrato")

    found = await search(alice, f"{tag} contrato")

    user_hits = [r for r in found if r["author"] == "user"]
    assert _ids(user_hits)[:2] == [both, one]
    assert bobs not in _ids(found)
    assert _ids([r for r in await search(bob, tag) if r["author"] == "user"]) == [bobs]
    scores = [r["score"] for r in found]
    assert scores == sorted(scores, reverse=True)


async def test_superseded_and_visitor_messages_are_not_found(
    offline_server: ServerProcess,
    connect_user: Connect,
    mongo_client: MongoClient[dict[str, Any]],
    offline_db_name: str,
) -> None:
    alice, socket = await connect_user(offline_server)
    tag = uuid.uuid4().hex[:8]
    old = await exchange(socket, "support", _contact(), f"palavra{tag} antiga")
    messages = mongo_client[offline_db_name]["messages"]
    messages.update_one(
        {"user_id": alice.user_id, "text": f"palavra{tag} antiga"}, {"$set": {"superseded": True}}
    )
    messages.insert_one(
        {
            "user_id": alice.user_id,
            "agent_key": "support",
            "contact_id": "visitor:zzzzzzzzzzzzzzzzzzzzzzzzzz",
            "author": "user",
            "text": f"palavra{tag} de visitante",
            "text_language": "portuguese",
            "ts": 1,
        }
    )

    assert old not in _ids(await search(alice, f"palavra{tag}"))
    assert await search(alice, f"palavra{tag}") == []
    # Nor is a superseded message opened in context (the newest page is, instead).
    contact = messages.find_one({"_id": ObjectId(old)})["contact_id"]  # type: ignore[index]
    path = f"/agents/support/conversations/{contact}/messages"
    hidden = await call(alice, "GET", path, params={"around": old})
    assert (hidden.status_code, hidden.json()["code"]) == (404, "message_not_found")


async def test_messages_stored_before_languages_were_recorded_are_found_word_for_word(
    offline_server: ServerProcess,
    connect_user: Connect,
    mongo_client: MongoClient[dict[str, Any]],
    offline_db_name: str,
) -> None:
    alice, _ = await connect_user(offline_server)
    tag = uuid.uuid4().hex[:8]
    mongo_client[offline_db_name]["messages"].insert_one(
        {
            "user_id": alice.user_id,
            "agent_key": "support",
            "contact_id": "legacy",
            "author": "user",
            "text": f"Reuniões {tag} antigas",
            "ts": 1_600_000_000_000,
        }
    )

    found = await search(alice, f"reunioes {tag}")

    assert [r["contactId"] for r in found] == ["legacy"]


async def test_bad_search_input_is_refused_with_a_code(
    offline_server: ServerProcess, connect_user: Connect
) -> None:
    alice, _ = await connect_user(offline_server)
    for params, code in (
        ({"q": ""}, "invalid_request"),
        ({}, "invalid_request"),
        ({"q": "x" * 201}, "invalid_request"),
        ({"q": "?! ..."}, "search_query_empty"),
        ({"q": "ok", "limit": 0}, "invalid_request"),
        ({"q": "ok", "limit": 51}, "invalid_request"),
    ):
        refused = await call(alice, "GET", "/search/messages", params=params)
        assert (refused.status_code, refused.json()["code"]) == (422, code), params
    switched = await call(alice, "PATCH", "/auth/me", json={"preferredLanguage": "pt-BR"})
    assert switched.status_code == 200, switched.text
    localized = await call(alice, "GET", "/search/messages", params={"q": "!!"})
    assert localized.json()["detail"] == "Digite ao menos uma palavra para buscar."


async def test_a_result_opens_in_context_around_its_message(
    offline_server: ServerProcess, connect_user: Connect
) -> None:
    alice, socket = await connect_user(offline_server)
    contact = _contact()
    ids = [await exchange(socket, "support", contact, f"mensagem {n}") for n in range(6)]
    path = f"/agents/support/conversations/{contact}/messages"

    page = (await call(alice, "GET", path, params={"around": ids[2], "limit": 5})).json()

    texts = [m["text"] for m in page["messages"]]
    assert [m["id"] for m in page["messages"]][2] == ids[2]
    assert len(texts) == 5 and texts[2] == "mensagem 2"
    assert page["hasMore"] is True and page["hasMoreNewer"] is True
    newest = (await call(alice, "GET", path, params={"around": ids[5], "limit": 50})).json()
    assert newest["hasMore"] is False and newest["hasMoreNewer"] is False
    assert len(newest["messages"]) == 12
    # The ordinary pages still work, and cursors do not mix.
    older = (await call(alice, "GET", path, params={"before": ids[1], "limit": 10})).json()
    assert older["messages"][0]["text"] == "mensagem 0"
    mixed = await call(alice, "GET", path, params={"around": ids[1], "before": ids[2]})
    assert (mixed.status_code, mixed.json()["code"]) == (422, "conflicting_cursors")
    unknown = await call(alice, "GET", path, params={"around": "not-an-id"})
    assert (unknown.status_code, unknown.json()["code"]) == (404, "message_not_found")
