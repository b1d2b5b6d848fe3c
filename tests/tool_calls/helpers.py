"""What the tool-call tests share: one exchange over a socket, and looks at the data."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bson import ObjectId
from pymongo import MongoClient

from tests.support.clients import RecordingClient
from tests.support.fake_openai import FakeOpenAI, RecordedRequest

Mongo = MongoClient[dict[str, Any]]
SAO_PAULO = ZoneInfo("America/Sao_Paulo")


def days_ahead(days: int) -> date:
    return datetime.now(SAO_PAULO).date() + timedelta(days=days)


def arguments(**fields: Any) -> str:
    return json.dumps(fields)


@dataclass(frozen=True)
class Exchange:
    question_id: str
    reply: dict[str, Any]  # the stored reply's agent:message
    deltas: list[dict[str, Any]]  # its agent:stream events, in order

    @property
    def streamed(self) -> str:
        return "".join(d["delta"] for d in self.deltas)


async def ask(
    client: RecordingClient, message: str, *, contact: str, agent: str = "sdr"
) -> Exchange:
    """Sends a message and waits for the whole exchange (reply, follow-ups) to end."""
    typing_before = len(client.of("agent:typing", lambda d: d["typing"] is False))
    ack = await client.emit(
        "agent:send", {"agentKey": agent, "contactId": contact, "message": message}
    )
    assert ack["ok"] is True, ack
    question = ack["messageId"]
    replies = await client.wait_for(
        "agent:message",
        lambda d: d["author"] == "agent" and d.get("replyTo") == question,
        timeout=20,
    )
    await client.wait_for(
        "agent:typing", lambda d: d["typing"] is False, count=typing_before + 1, timeout=20
    )
    reply = replies[0]
    deltas = client.of("agent:stream", lambda d: d["id"] == reply["id"])
    return Exchange(question, reply, deltas)


def tool_statuses(client: RecordingClient, reply_id: str) -> list[tuple[str, bool, Any]]:
    """The status lines a reply showed: (tool, running, outcome), in order."""
    return [
        (s["tool"], s["running"], s.get("outcome"))
        for s in client.of("agent:tool-status", lambda d: d["id"] == reply_id)
    ]


def requests_since(fake_llm: FakeOpenAI, start: int) -> list[RecordedRequest]:
    return fake_llm.requests_of("stream")[start:]


def bookings(mongo: Mongo, db_name: str, user_id: str) -> list[dict[str, Any]]:
    return list(mongo[db_name]["events"].find({"user_id": user_id, "status": "confirmed"}))


def stored_reply(mongo: Mongo, db_name: str, reply_id: str) -> dict[str, Any]:
    document = mongo[db_name]["messages"].find_one({"_id": ObjectId(reply_id)})
    assert document is not None, reply_id
    return document
