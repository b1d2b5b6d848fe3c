"""Every acknowledged message is answered exactly once, even when the process answering
it dies (SIGKILL, as an OOM kill or a lost node) or is shut down mid-reply.

Real uvicorn processes on one real mongod; the model is the local OpenAI-compatible
server, whose request log shows how many times each message was sent to it.
"""

from __future__ import annotations

import asyncio
import signal
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from bson import ObjectId
from pymongo import MongoClient

from agents_backend.core.embedded_mongo import EmbeddedMongo
from tests.conftest import model_env, server_env
from tests.support.clients import Account, RecordingClient, register
from tests.support.fake_openai import FakeOpenAI, Held, Reply
from tests.support.servers import ServerProcess, start_server

LONG_REPLY = "This answer streams slowly, a few letters at a time, so there is time to kill."
QUESTION = "Explain the annual plan, please"


def leases(*, lease: float = 1.0, sweep: float = 0.25) -> dict[str, str]:
    return {
        "REPLY_LEASE_SECONDS": str(lease),
        "REPLY_SWEEP_SECONDS": str(sweep),
        "OPENAI_MAX_RETRIES": "0",
        "OPENAI_TIMEOUT_SECONDS": "30",
    }


class Cluster:
    """Server processes on one database, started and stopped by a test."""

    def __init__(self, mongo: EmbeddedMongo, fake_llm: FakeOpenAI, tmp_path: Path) -> None:
        self.database = f"test_leases_{uuid.uuid4().hex[:8]}"
        self.env = server_env(mongo, self.database) | model_env(fake_llm)
        self.tmp_path = tmp_path
        self.servers: list[ServerProcess] = []
        self.mongo = MongoClient(mongo.uri)
        self.db = self.mongo[self.database]

    def start(self, **settings: str) -> ServerProcess:
        log = self.tmp_path / f"server-{len(self.servers)}.log"
        server = start_server(self.env | settings, log)
        self.servers.append(server)
        return server

    def close(self) -> None:
        for server in self.servers:
            server.stop()
        self.mongo.close()

    def replies_to(self, message_id: str) -> list[dict[str, Any]]:
        return list(self.db.messages.find({"reply_to": message_id, "author": "agent"}))

    def message(self, message_id: str) -> dict[str, Any]:
        found = self.db.messages.find_one({"_id": ObjectId(message_id)})
        assert found is not None
        return found


@pytest.fixture
def cluster(mongo: EmbeddedMongo, fake_llm: FakeOpenAI, tmp_path: Path) -> Iterator[Cluster]:
    running = Cluster(mongo, fake_llm, tmp_path)
    yield running
    running.close()


def send(text: str, client_id: str) -> dict[str, str]:
    return {
        "agentKey": "support",
        "contactId": "c-1",
        "message": text,
        "clientMessageId": client_id,
    }


def model_calls_for(fake_llm: FakeOpenAI, text: str) -> int:
    return sum(
        1
        for request in fake_llm.requests_of("stream")
        if request.messages and request.messages[-1].get("content") == text
    )


async def connected(server: ServerProcess, account: Account) -> RecordingClient:
    client = RecordingClient()
    await client.connect(server.base_url, account.access_token)
    return client


async def stop_mid_reply(
    cluster: Cluster,
    fake_llm: FakeOpenAI,
    settings: dict[str, str],
    *,
    stop: signal.Signals,
    after_deltas: int,
    pause: float = 0.0,
) -> tuple[Account, str]:
    """A slow reply streams from a new process, which is sent `stop` after `after_deltas`
    deltas (and `pause` seconds); returns the account and the question's id."""
    first = cluster.start(**settings)
    account = await register(first.base_url)
    client = await connected(first, account)
    fake_llm.script("stream", Reply(LONG_REPLY, chunk_delay=0.25, chunk_size=3))
    try:
        ack = await client.emit("agent:send", send(QUESTION, "client-1"))
        await client.wait_for("agent:stream", count=after_deltas)
        await asyncio.sleep(pause)
        first.process.send_signal(stop)
        await asyncio.to_thread(first.process.wait, 30)
    finally:
        await client.close()
    return account, ack["messageId"]


async def send_then_kill(
    cluster: Cluster, fake_llm: FakeOpenAI, settings: dict[str, str]
) -> tuple[Account, str]:
    """A reply is streaming (and its lease renewed with the text so far) when its process
    is killed with SIGKILL."""
    # Past one lease renewal before the kill: the text so far is stored.
    account, message_id = await stop_mid_reply(
        cluster, fake_llm, settings, stop=signal.SIGKILL, after_deltas=4, pause=0.6
    )
    stranded = cluster.message(message_id)
    assert stranded["reply_state"] == "generating"  # acknowledged, and no reply
    assert stranded["partial_reply"]  # what had streamed is not lost
    return account, message_id


async def test_a_killed_processes_reply_is_finished_after_a_restart_without_a_resend(
    cluster: Cluster, fake_llm: FakeOpenAI
) -> None:
    account, message_id = await send_then_kill(cluster, fake_llm, leases())
    fake_llm.script("stream", Reply(LONG_REPLY))

    second = cluster.start(**leases())
    client = await connected(second, account)
    try:
        final = await client.wait_for(
            "agent:message",
            lambda m: m.get("replyTo") == message_id and not m.get("incomplete"),
            timeout=20,
        )
    finally:
        await client.close()

    assert final[0]["text"] == LONG_REPLY
    replies = cluster.replies_to(message_id)
    assert [(r["text"], r["incomplete"]) for r in replies] == [(LONG_REPLY, False)]
    assert cluster.db.messages.count_documents({"author": "user"}) == 1
    # With the NLU refinement under way, the state lands a moment after the reply.
    await wait_until(lambda: cluster.message(message_id)["reply_state"] == "done", timeout=10)
    answered = cluster.message(message_id)
    assert answered["attempts"] == 2
    assert "lease_owner" not in answered and "partial_reply" not in answered
    assert model_calls_for(fake_llm, QUESTION) == 2  # one per process, never a third


async def test_a_resend_takes_over_a_dead_reply_once_its_lease_expires(
    cluster: Cluster, fake_llm: FakeOpenAI
) -> None:
    no_sweep = leases(sweep=600)  # only the resend can take it over
    account, message_id = await send_then_kill(cluster, fake_llm, no_sweep)
    fake_llm.script("stream", Reply(LONG_REPLY))
    second = cluster.start(**no_sweep)
    client = await connected(second, account)
    try:
        await asyncio.sleep(1.2)  # the dead process's lease runs out
        ack = await client.emit("agent:send", send(QUESTION, "client-1"))
        assert ack == {"ok": True, "messageId": message_id, "duplicate": True}
        # The text the dead attempt had written is shown (incomplete), then replaced.
        cut = await client.wait_for(
            "agent:message", lambda m: m.get("replyTo") == message_id and m.get("incomplete")
        )
        streamed = await client.wait_for("agent:stream", lambda s: s["attempt"] == 2)
        final = await client.wait_for(
            "agent:message", lambda m: m.get("replyTo") == message_id and not m.get("incomplete")
        )
        again = await client.emit("agent:send", send(QUESTION, "client-1"))
    finally:
        await client.close()

    assert LONG_REPLY.startswith(cut[0]["text"]) and cut[0]["id"] == final[0]["id"]
    assert streamed[0]["id"] == final[0]["id"] and streamed[0]["seq"] == 0
    assert final[0]["text"] == LONG_REPLY
    assert again["duplicate"] is True  # answered now: a further resend generates nothing
    assert [r["text"] for r in cluster.replies_to(message_id)] == [LONG_REPLY]
    assert model_calls_for(fake_llm, QUESTION) == 2


def strand(cluster: Cluster, account: Account, count: int, attempts: int = 1) -> list[str]:
    """Messages acknowledged by a process that then died: generating, lease expired."""
    ids = []
    for n in range(count):
        oid = ObjectId()
        cluster.db.messages.insert_one(
            {
                "_id": oid,
                "user_id": account.user_id,
                "agent_key": "support",
                "contact_id": f"c-{n}",
                "author": "user",
                "text": f"Stranded question {n} {uuid.uuid4().hex[:6]}",
                "ts": 1_700_000_000_000 + n,
                "nlp": None,
                "reply_state": "generating",
                "reply_id": str(ObjectId()),
                "attempts": attempts,
                "lease_owner": "a-dead-process",
                "lease_until": 1,
            }
        )
        ids.append(str(oid))
    return ids


async def wait_until(predicate: Any, timeout: float = 30.0) -> None:
    """Polls the database (another process writes it; there is nothing to await)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.1)


async def test_two_processes_sweeping_at_once_answer_each_message_exactly_once(
    cluster: Cluster, fake_llm: FakeOpenAI
) -> None:
    sweepers = [cluster.start(**leases(sweep=0.1)) for _ in range(2)]
    account = await register(sweepers[0].base_url)
    fake_llm.script("stream", *(Reply("Answered.", chunk_delay=0.05) for _ in range(60)))
    stranded = strand(cluster, account, 30)

    await wait_until(
        lambda: cluster.db.messages.count_documents({"reply_state": "done"}) == len(stranded)
    )

    texts = [cluster.message(i)["text"] for i in stranded]
    calls = Counter(r.messages[-1]["content"] for r in fake_llm.requests_of("stream") if r.messages)
    assert {text: calls[text] for text in texts} == dict.fromkeys(texts, 1)
    for message_id in stranded:
        assert [r["text"] for r in cluster.replies_to(message_id)] == ["Answered."]


async def test_a_message_out_of_attempts_is_marked_failed_and_the_person_told(
    cluster: Cluster, fake_llm: FakeOpenAI
) -> None:
    server = cluster.start(**leases(sweep=0.1), REPLY_MAX_ATTEMPTS="3")
    account = await register(server.base_url)
    client = await connected(server, account)
    try:
        [message_id] = strand(cluster, account, 1, attempts=3)
        error = await client.wait_for("agent:error", lambda e: e.get("messageId") == message_id)
    finally:
        await client.close()
    assert error[0]["code"] == "reply_failed"
    assert cluster.message(message_id)["reply_state"] == "failed"
    assert model_calls_for(fake_llm, cluster.message(message_id)["text"]) == 0


async def test_a_shutdown_that_must_cut_a_reply_hands_it_over(
    cluster: Cluster, fake_llm: FakeOpenAI
) -> None:
    short_grace = leases(sweep=0.2) | {"SHUTDOWN_GRACE_SECONDS": "0.3"}
    account, message_id = await stop_mid_reply(
        cluster, fake_llm, short_grace, stop=signal.SIGTERM, after_deltas=3
    )
    handed = cluster.message(message_id)
    assert handed["reply_state"] == "generating" and handed["lease_until"] == 0
    [cut] = cluster.replies_to(message_id)
    assert cut["incomplete"] is True and LONG_REPLY.startswith(cut["text"]) and cut["text"]

    # The person comes back through the next process: the cut text is there at once, then
    # the reply continues in its place.
    fake_llm.script("stream", Reply(LONG_REPLY, chunk_delay=0.1))
    second = cluster.start(**short_grace)
    async with httpx.AsyncClient(base_url=second.base_url, headers=account.headers) as http:
        history = await http.get("/agents/support/conversations/c-1/messages")
    await wait_until(lambda: cluster.message(message_id)["reply_state"] == "done")
    shown = history.json()["messages"]
    assert [m["author"] for m in shown] == ["user", "agent"]
    assert shown[1]["text"] == cut["text"] and shown[1]["incomplete"] is True
    assert [(r["text"], r["incomplete"]) for r in cluster.replies_to(message_id)] == [
        (LONG_REPLY, False)
    ]
    assert second.process.poll() is None


async def test_work_after_the_reply_outlasting_the_lease_is_neither_cut_nor_redone(
    cluster: Cluster, fake_llm: FakeOpenAI
) -> None:
    """The reply is stored while the model's NLU refinement (which the message's final
    state waits for) takes two lease periods, and the task extraction after it one more:
    the lease is kept while it matters, nothing takes the answered message over, and
    nothing cuts the extraction once the message is done."""
    server = cluster.start(**leases(lease=1.0, sweep=0.1))
    account = await register(server.base_url)
    client = await connected(server, account)
    refinement = Held()
    extraction = Held(then=Reply('{"tasks": [{"title": "Send the proposal to Ana"}]}'))
    fake_llm.script("stream", Reply("Sure, I will send it."))
    fake_llm.script("json", refinement, extraction)
    try:
        await client.emit("agent:set-auto-create", {"agentKey": "support", "autoCreate": True})
        ack = await client.emit("agent:send", send("I need the proposal by Friday", "c-9"))
        await client.wait_for("agent:message", lambda m: m.get("replyTo") == ack["messageId"])
        await refinement.wait_arrived()
        await asyncio.sleep(2.0)  # two lease periods pass with the refinement under way
        refinement.release()
        await extraction.wait_arrived()
        await asyncio.sleep(1.0)  # the answered message's lease is not renewed any more
        extraction.release()
        task = await client.wait_for("agent:task-created")
    finally:
        await client.close()
    assert task[0]["task"]["title"] == "Send the proposal to Ana"
    assert [(r["text"], r["incomplete"]) for r in cluster.replies_to(ack["messageId"])] == [
        ("Sure, I will send it.", False)
    ]
    assert model_calls_for(fake_llm, "I need the proposal by Friday") == 1
