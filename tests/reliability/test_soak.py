"""Soak: 300 signed-in clients chatting for 2 minutes through the full path (issue 8, point 3).

One real server on a real mongod, the real OpenAI SDK against the local model server,
one python-socketio client per user in a closed loop (send, wait for the answer, think).
Afterwards: every acked message is stored, every stored user message has a reply or a
recorded error, the server logged no error, and its memory growth is reported (VmRSS)
and bounded. Run with `make soak`; SOAK_CLIENTS and SOAK_SECONDS shrink it for a try.
"""

from __future__ import annotations

import asyncio
import os
import random
import resource
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import socketio
from pymongo import MongoClient

from agents_backend.core.embedded_mongo import EmbeddedMongo
from tests.conftest import server_env
from tests.support.clients import Account
from tests.support.fake_openai import FakeOpenAI
from tests.support.servers import ServerProcess, start_server

pytestmark = pytest.mark.soak

CLIENTS = int(os.environ.get("SOAK_CLIENTS", "300"))
SECONDS = float(os.environ.get("SOAK_SECONDS", "120"))
MAX_RSS_GROWTH_MB = 200
ACK_TIMEOUT = 30.0
OUTCOME_TIMEOUT = 60.0

PHRASES = [
    ("sdr", "Oi, tudo bem? Queria saber mais sobre o produto"),
    ("sdr", "Quanto custa o plano anual para 20 pessoas?"),
    ("sdr", "Quero agendar uma reunião amanhã às 15h"),
    ("sdr", "Vocês integram com o nosso CRM?"),
    ("support", "My printer shows error 42"),
    ("support", "How do I reset my password?"),
    ("support", "The app is slow since yesterday"),
    ("support", "Thanks, that solved it!"),
]


@dataclass
class Stats:
    acked: list[str] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    ack_timeouts: int = 0
    no_outcome: list[str] = field(default_factory=list)


class Chatter:
    """One person: one socket, one conversation at a time, like the SPA."""

    def __init__(self, number: int, account: Account, stats: Stats) -> None:
        self.number = number
        self.account = account
        self.stats = stats
        self.sio = socketio.AsyncClient(reconnection=False)
        self.outcome: dict[str, str] = {}
        self._changed = asyncio.Event()
        self.sio.on("agent:message", self._on_message)
        self.sio.on("agent:error", self._on_error)

    async def _on_message(self, data: dict[str, Any]) -> None:
        if data.get("author") == "agent" and data.get("replyTo"):
            kind = "incomplete" if data.get("incomplete") else "reply"
            self.outcome.setdefault(data["replyTo"], kind)
            self._changed.set()

    async def _on_error(self, data: dict[str, Any]) -> None:
        if data.get("messageId"):
            self.outcome.setdefault(data["messageId"], f"error:{data.get('code')}")
            self._changed.set()

    async def connect(self, base_url: str) -> None:
        await self.sio.connect(
            base_url,
            auth={"token": self.account.access_token},
            transports=["websocket"],
            wait_timeout=30,
        )

    async def _answer_to(self, message_id: str) -> str | None:
        async def until() -> str:
            while message_id not in self.outcome:
                self._changed.clear()
                await self._changed.wait()
            return self.outcome[message_id]

        try:
            return await asyncio.wait_for(until(), OUTCOME_TIMEOUT)
        except TimeoutError:
            return None

    async def chat(self, deadline: float, rng: random.Random) -> None:
        turn = 0
        while time.monotonic() < deadline:
            agent, text = rng.choice(PHRASES)
            payload = {
                "agentKey": agent,
                "contactId": f"contact-{self.number % 7}",
                "message": f"{text} (#{turn})",
                "clientMessageId": f"soak-{self.number}-{turn}",
            }
            turn += 1
            ack: Any = None
            for _attempt in range(3):  # at-least-once: resend with the same id
                try:
                    ack = await self.sio.call("agent:send", payload, timeout=ACK_TIMEOUT)
                    break
                except socketio.exceptions.TimeoutError:
                    self.stats.ack_timeouts += 1
            if ack is None:
                continue
            if not ack.get("ok"):
                self.stats.refused[ack.get("error", {}).get("code", "?")] += 1
            else:
                self.stats.acked.append(ack["messageId"])
                answer = await self._answer_to(ack["messageId"])
                if answer is None:
                    self.stats.no_outcome.append(ack["messageId"])
                else:
                    self.stats.outcomes[answer] += 1
            await asyncio.sleep(rng.uniform(0.2, 1.0))  # think time


async def sign_up(base_url: str, number: int) -> Account:
    email = f"soak-{number}-{uuid.uuid4().hex[:8]}@example.com"
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        response = await http.post(
            "/auth/register",
            json={"email": email, "password": "soak password 123", "name": f"Soak {number}"},
        )
    assert response.status_code == 201, response.text
    body = response.json()
    return Account(
        base_url,
        email,
        "soak password 123",
        body["access_token"],
        body["refresh_token"],
        body["user"]["id"],
    )


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def raise_open_files_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


async def gather_limited(limit: int, jobs: list[Any]) -> list[Any]:
    gate = asyncio.Semaphore(limit)

    async def run(job: Any) -> Any:
        async with gate:
            return await job

    return await asyncio.gather(*(run(job) for job in jobs))


async def test_300_clients_chat_for_two_minutes_and_nothing_is_lost(
    mongo: EmbeddedMongo,
    fake_llm: FakeOpenAI,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    raise_open_files_limit(CLIENTS * 4 + 1024)  # the server inherits it from here
    database = f"test_soak_{uuid.uuid4().hex[:8]}"
    env = server_env(mongo, database) | {
        "OPENAI_API_KEY": "sk-test-server-key",
        "OPENAI_BASE_URL": fake_llm.base_url,
        "OPENAI_MODEL": "gpt-test",
        "OPENAI_TIMEOUT_SECONDS": "30",
        "RATE_LIMIT_MESSAGES": "100000/minute",
        "RATE_LIMIT_LOGINS_PER_IP": "100000/minute",
        "RATE_LIMIT_LOGINS_PER_ACCOUNT": "100000/minute",
        "RATE_LIMIT_CONNECTIONS_PER_IP": "100000/minute",
    }
    server: ServerProcess = start_server(env, tmp_path / "soak.log")
    stats = Stats()
    chatters: list[Chatter] = []
    pid = server.process.pid
    figures: dict[str, float] = {"rss_boot_mb": rss_mb(pid)}
    try:
        # argon2 costs ~0.3 s of the server's event loop per sign-up, so only a few at once.
        accounts = await gather_limited(3, [sign_up(server.base_url, n) for n in range(CLIENTS)])
        chatters = [Chatter(n, account, stats) for n, account in enumerate(accounts)]
        await gather_limited(50, [c.connect(server.base_url) for c in chatters])
        figures["rss_start_mb"] = rss_mb(pid)

        started = time.monotonic()
        deadline = started + SECONDS
        work = [c.chat(deadline, random.Random(c.number)) for c in chatters]
        drain = asyncio.ensure_future(_drop_recorded_requests(fake_llm, deadline))
        await asyncio.gather(*work)
        elapsed = time.monotonic() - started
        drain.cancel()
        figures["rss_end_mb"] = rss_mb(pid)
        connected = sum(c.sio.connected for c in chatters)
    finally:
        await gather_limited(50, [c.sio.disconnect() for c in chatters if c.sio.connected])
        server.stop()
    log = server.log()

    with MongoClient(mongo.uri) as direct:
        messages = direct[database]["messages"]
        user_ids = [c.account.user_id for c in chatters]
        stored_user = {
            str(m["_id"]): m
            for m in messages.find(
                {"user_id": {"$in": user_ids}, "author": "user"}, {"reply_state": 1}
            )
        }
        replied = {
            m["reply_to"]
            for m in messages.find(
                {"user_id": {"$in": user_ids}, "author": "agent"}, {"reply_to": 1}
            )
        }

    growth = figures["rss_end_mb"] - figures["rss_start_mb"]
    report = (
        f"\nsoak: {CLIENTS} clients x {elapsed:.0f}s: {len(stats.acked)} messages acked "
        f"({len(stats.acked) / elapsed:.1f}/s), outcomes {dict(stats.outcomes)}, "
        f"refused {dict(stats.refused)}, ack timeouts {stats.ack_timeouts}, "
        f"no outcome {len(stats.no_outcome)}, still connected {connected}/{CLIENTS}\n"
        f"soak: server VmRSS boot {figures['rss_boot_mb']:.1f} MB, start "
        f"{figures['rss_start_mb']:.1f} MB, end {figures['rss_end_mb']:.1f} MB, "
        f"growth {growth:+.1f} MB\n"
    )
    with capsys.disabled():
        print(report)

    missing = [m for m in stats.acked if m not in stored_user]
    unanswered = [
        m for m, doc in stored_user.items() if m not in replied and doc["reply_state"] != "failed"
    ]
    log_errors = [
        line[:300]
        for line in log.splitlines()
        if "Traceback" in line or '"level": "ERROR"' in line or '"level": "CRITICAL"' in line
    ]
    assert len(stats.acked) >= CLIENTS, "the load did not get going"
    assert connected == CLIENTS, "sockets were dropped during the soak"
    assert missing == [], f"{len(missing)} acked messages are not stored"
    assert len(stored_user) == len(set(stats.acked)), "stored user messages nobody acked"
    assert unanswered == [], f"{len(unanswered)} stored messages have no reply nor error"
    assert stats.no_outcome == [], f"{len(stats.no_outcome)} acked messages never got an answer"
    assert log_errors == []
    assert growth < MAX_RSS_GROWTH_MB, report


async def _drop_recorded_requests(fake_llm: FakeOpenAI, deadline: float) -> None:
    """The model server records every request; over a soak that is only test memory."""
    while time.monotonic() < deadline:
        await asyncio.sleep(5)
        fake_llm.requests.clear()
