"""A person's conversations with an agent: listed from the server (any browser), newest
activity first, titled by the first message until renamed, deleted one at a time."""

from __future__ import annotations

import uuid
from typing import Any

from pymongo import MongoClient

from tests.conftest import Connect
from tests.conversations.helpers import call, exchange, listed
from tests.support.servers import ServerProcess


def _contact(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:6]}"


async def test_conversations_are_listed_newest_activity_first_with_titles_and_previews(
    offline_server: ServerProcess, connect_user: Connect
) -> None:
    alice, socket = await connect_user(offline_server)
    first, second, third = _contact("a"), _contact("b"), _contact("c")
    await exchange(socket, "support", first, "Minha impressora não liga")
    await exchange(socket, "support", second, "Preciso trocar a senha do portal")
    await exchange(socket, "support", third, "Where is my invoice for March?")
    await exchange(socket, "support", first, "Ainda não liga, já troquei o cabo")

    rows = await listed(alice, "support")

    assert [r["contactId"] for r in rows] == [first, third, second]
    by_id = {r["contactId"]: r for r in rows}
    assert by_id[first]["title"] == "Minha impressora não liga"
    assert by_id[first]["titleSource"] == "first_message"
    assert by_id[first]["messageCount"] == 4  # two questions, two replies
    assert by_id[first]["lastMessage"]["author"] == "agent"
    assert by_id[third]["title"] == "Where is my invoice for March?"
    activity = [r["lastActivity"] for r in rows]
    assert activity == sorted(activity, reverse=True)
    # Another agent's list is its own.
    assert await listed(alice, "sdr") == []


async def test_pages_follow_the_cursor_without_gaps_or_repeats(
    offline_server: ServerProcess, connect_user: Connect
) -> None:
    alice, socket = await connect_user(offline_server)
    contacts = [_contact(f"p{n}") for n in range(5)]
    for n, contact in enumerate(contacts):
        await exchange(socket, "sdr", contact, f"conversa número {n}")

    seen: list[str] = []
    before: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"before": before} if before else {})}
        page = (await call(alice, "GET", "/agents/sdr/conversations", params=params)).json()
        seen += [r["contactId"] for r in page["conversations"]]
        if not page["hasMore"]:
            assert page["nextCursor"] is None
            break
        before = page["nextCursor"]

    assert seen == contacts[::-1]


async def test_a_renamed_conversation_keeps_its_title_and_moves_with_activity(
    offline_server: ServerProcess, connect_user: Connect
) -> None:
    alice, socket = await connect_user(offline_server)
    contact = _contact("rename")
    await exchange(socket, "support", contact, "oi")

    renamed = await call(
        alice,
        "PATCH",
        f"/agents/support/conversations/{contact}",
        json={"title": "  Boleto atrasado  "},
    )

    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["title"] == "Boleto atrasado"
    assert renamed.json()["titleSource"] == "custom"
    await exchange(socket, "support", contact, "segunda mensagem")
    row = next(r for r in await listed(alice, "support") if r["contactId"] == contact)
    assert (row["title"], row["titleSource"], row["messageCount"]) == (
        "Boleto atrasado",
        "custom",
        4,
    )


async def test_a_title_must_have_1_to_120_characters(
    offline_server: ServerProcess, connect_user: Connect
) -> None:
    alice, socket = await connect_user(offline_server)
    contact = _contact("title")
    await exchange(socket, "support", contact, "oi")
    path = f"/agents/support/conversations/{contact}"

    for body in ({"title": "   "}, {"title": "x" * 121}, {}, {"title": "ok", "extra": 1}):
        refused = await call(alice, "PATCH", path, json=body)
        assert (refused.status_code, refused.json()["code"]) == (422, "invalid_request"), body
    accepted = await call(alice, "PATCH", path, json={"title": "y" * 120})
    assert accepted.status_code == 200


async def test_delete_removes_only_that_conversation_of_that_person(
    offline_server: ServerProcess,
    connect_user: Connect,
    mongo_client: MongoClient[dict[str, Any]],
    offline_db_name: str,
) -> None:
    alice, alice_socket = await connect_user(offline_server)
    bob, bob_socket = await connect_user(offline_server)
    gone, kept = _contact("gone"), _contact("kept")
    await exchange(alice_socket, "support", gone, "apague esta conversa")
    await exchange(alice_socket, "support", kept, "esta fica")
    await exchange(bob_socket, "support", gone, "a do Bob tem o mesmo id")  # ids are per person
    await call(alice, "PATCH", f"/agents/support/conversations/{gone}", json={"title": "Velha"})

    deleted = await call(alice, "DELETE", f"/agents/support/conversations/{gone}")

    assert deleted.status_code == 204
    assert [r["contactId"] for r in await listed(alice, "support")] == [kept]
    assert [r["contactId"] for r in await listed(bob, "support")] == [gone]
    messages = mongo_client[offline_db_name]["messages"]
    assert messages.count_documents({"user_id": alice.user_id, "contact_id": gone}) == 0
    assert messages.count_documents({"user_id": bob.user_id, "contact_id": gone}) == 2
    titles = mongo_client[offline_db_name]["conversation_titles"]
    assert titles.count_documents({"user_id": alice.user_id}) == 0
    history = await call(alice, "GET", f"/agents/support/conversations/{gone}/messages")
    assert history.json()["messages"] == []
    again = await call(alice, "DELETE", f"/agents/support/conversations/{gone}")
    assert (again.status_code, again.json()["code"]) == (404, "conversation_not_found")


async def test_another_persons_or_unknown_conversations_are_not_found_on_every_route(
    offline_server: ServerProcess, connect_user: Connect
) -> None:
    alice, alice_socket = await connect_user(offline_server)
    bob, _ = await connect_user(offline_server)
    contact = _contact("private")
    message_id = await exchange(alice_socket, "support", contact, "segredo da Alice")
    base = f"/agents/support/conversations/{contact}"

    answers = [
        await call(bob, "PATCH", base, json={"title": "do Bob"}),
        await call(bob, "DELETE", base),
        await call(bob, "GET", f"{base}/messages", params={"around": message_id}),
        await call(alice, "PATCH", "/agents/nobody/conversations/x", json={"title": "t"}),
        await call(alice, "DELETE", "/agents/nobody/conversations/x"),
        await call(alice, "GET", "/agents/nobody/conversations"),
    ]

    codes = [(a.status_code, a.json()["code"]) for a in answers]
    assert codes == [
        (404, "conversation_not_found"),
        (404, "conversation_not_found"),
        (404, "message_not_found"),
        (404, "agent_not_found"),
        (404, "agent_not_found"),
        (404, "agent_not_found"),
    ]
    assert await listed(bob, "support") == []
    row = next(r for r in await listed(alice, "support") if r["contactId"] == contact)
    assert row["titleSource"] == "first_message"


async def test_visitor_conversations_and_superseded_messages_are_not_the_persons_list(
    offline_server: ServerProcess,
    connect_user: Connect,
    mongo_client: MongoClient[dict[str, Any]],
    offline_db_name: str,
) -> None:
    alice, socket = await connect_user(offline_server)
    contact = _contact("own")
    await exchange(socket, "support", contact, "primeira pergunta")
    messages = mongo_client[offline_db_name]["messages"]
    # A website visitor's conversation is stored under the bot's owner, like the inbox's.
    messages.insert_one(
        {
            "user_id": alice.user_id,
            "agent_key": "support",
            "contact_id": "visitor:abcdefghijklmnopqrstuvwxyz",
            "author": "user",
            "text": "sou um visitante do site",
            "ts": 4_000_000_000_000,
        }
    )
    # An edited question: the old exchange stays stored, marked superseded.
    messages.update_many(
        {"user_id": alice.user_id, "contact_id": contact}, {"$set": {"superseded": True}}
    )
    await exchange(socket, "support", contact, "pergunta editada")

    rows = await listed(alice, "support")

    assert [r["contactId"] for r in rows] == [contact]
    assert rows[0]["title"] == "pergunta editada"
    assert rows[0]["messageCount"] == 2
    visitor = await call(
        alice, "DELETE", "/agents/support/conversations/visitor:abcdefghijklmnopqrstuvwxyz"
    )
    assert visitor.status_code == 404


async def test_bad_list_parameters_are_refused_with_a_code(
    offline_server: ServerProcess, connect_user: Connect
) -> None:
    alice, _ = await connect_user(offline_server)
    for params, code in (
        ({"limit": 0}, "invalid_request"),
        ({"limit": 101}, "invalid_request"),
        ({"limit": "many"}, "invalid_request"),
        ({"before": "yesterday"}, "invalid_cursor"),
    ):
        refused = await call(alice, "GET", "/agents/sdr/conversations", params=params)
        assert (refused.status_code, refused.json()["code"]) == (422, code), params
