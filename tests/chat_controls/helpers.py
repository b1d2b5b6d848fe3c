"""What the reply-control tests share: payloads, predicates and looks at the data."""

from __future__ import annotations

from typing import Any

from bson import ObjectId
from pymongo import MongoClient

from tests.support.clients import RecordingClient
from tests.support.fake_openai import FakeOpenAI

Mongo = MongoClient[dict[str, Any]]

# Long enough that a stop always lands mid-stream (two characters every 50 ms: ~6 s).
LONG = " ".join(f"palavra{i}" for i in range(120))


def send(
    message: str, contact: str = "c-1", agent: str = "support", **extra: Any
) -> dict[str, Any]:
    return {"agentKey": agent, "contactId": contact, "message": message, **extra}


def reply_of(client: RecordingClient, question_id: str) -> Any:
    return lambda d: d.get("author") == "agent" and d.get("replyTo") == question_id


def oid(value: str) -> ObjectId:
    return ObjectId(value)


def stored(mongo: Mongo, db_name: str, message_id: str) -> dict[str, Any]:
    document = mongo[db_name]["messages"].find_one({"_id": oid(message_id)})
    assert document is not None, message_id
    return document


def streams_for(fake_llm: FakeOpenAI, text: str) -> list[list[dict[str, Any]]]:
    """The prompts of every streamed model call whose last user message was `text`."""
    found = []
    for request in fake_llm.requests_of("stream"):
        users = [m for m in request.messages if m["role"] == "user"]
        if users and users[-1]["content"] == text:
            found.append(request.messages)
    return found
