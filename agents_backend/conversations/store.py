"""The queries behind a person's conversation list and search, over chat's `messages`.

Nothing here is written on the message path: the list is computed from the history
index (`conversation_time`) when it is asked for, and only a rename writes (to
`conversation_titles`). Every query names the user, so none can cross people.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agents_backend.core.database import Database, Document
from agents_backend.core.visitor_ids import PREFIX as VISITOR_PREFIX

# Website visitors' conversations live under their bot's owner too; they are the
# inbox's, never the person's own list: every contact id sorts before `visitor:` or
# from `visitor;` (the next character) on.
_VISITORS_END = VISITOR_PREFIX[:-1] + chr(ord(VISITOR_PREFIX[-1]) + 1)
_NOT_VISITORS: Document = {"$not": {"$gte": VISITOR_PREFIX, "$lt": _VISITORS_END}}
_OWN_CONTACT_RANGES: tuple[Document, ...] = (
    {"$lt": VISITOR_PREFIX},
    {"$gte": _VISITORS_END},
)
# Messages replaced by a regenerated reply or an edit stay stored but are not shown.
_SHOWN: Document = {"$ne": True}

# The stemmers a search runs with: each message was indexed with its own language's,
# and the words searched for are stemmed once per language ("none": as written, which
# finds messages stored before they carried a language).
SEARCH_LANGUAGES = ("portuguese", "english", "none")


@dataclass(frozen=True)
class Activity:
    contact_id: str
    last_ts: int


async def activity(*, db: Database, user_id: str, agent_key: str) -> list[Activity]:
    """Every conversation of the person with the agent and its newest message's time.

    The `$sort` matches `conversation_time`, so MongoDB answers with a DISTINCT_SCAN:
    one index seek per conversation, whatever the number of messages in each. A
    DISTINCT_SCAN takes one range of contact ids, so the ids either side of the
    visitors' prefix are read by one query each.
    """
    rows: list[Activity] = []
    for contact_range in _OWN_CONTACT_RANGES:
        pipeline: list[Document] = [
            {"$match": {"user_id": user_id, "agent_key": agent_key, "contact_id": contact_range}},
            {"$sort": {"user_id": 1, "agent_key": 1, "contact_id": 1, "ts": -1, "_id": -1}},
            {"$group": {"_id": "$contact_id", "last": {"$first": "$ts"}}},
        ]
        cursor = await db.messages.aggregate(pipeline)
        rows += [Activity(str(row["_id"]), int(row["last"])) async for row in cursor]
    return rows


@dataclass(frozen=True)
class Details:
    """What a row of the list shows, from the messages still shown."""

    count: int
    first_text: str  # the person's first message (any first message if they wrote none)
    last_author: str
    last_text: str


async def details(
    *, db: Database, user_id: str, agent_key: str, contact_ids: list[str]
) -> dict[str, Details]:
    """Message count, the person's first message and the last message of each."""
    if not contact_ids:
        return {}
    pipeline: list[Document] = [
        {
            "$match": {
                "user_id": user_id,
                "agent_key": agent_key,
                "contact_id": {"$in": contact_ids},
                "superseded": _SHOWN,
            }
        },
        {
            "$group": {
                "_id": "$contact_id",
                "count": {"$sum": 1},
                "first_any": {"$top": {"sortBy": {"ts": 1, "_id": 1}, "output": "$text"}},
                # $min skips the nulls: the earliest of the person's own messages.
                "first_user": {
                    "$min": {
                        "$cond": [
                            {"$eq": ["$author", "user"]},
                            {"ts": "$ts", "text": "$text"},
                            None,
                        ]
                    }
                },
                "last": {
                    "$top": {
                        "sortBy": {"ts": -1, "_id": -1},
                        "output": {"author": "$author", "text": "$text"},
                    }
                },
            }
        },
    ]
    cursor = await db.messages.aggregate(pipeline)
    found: dict[str, Details] = {}
    async for row in cursor:
        first = row.get("first_user")
        found[str(row["_id"])] = Details(
            count=int(row["count"]),
            first_text=str(first["text"] if isinstance(first, dict) else row["first_any"]),
            last_author=str(row["last"]["author"]),
            last_text=str(row["last"]["text"]),
        )
    return found


async def custom_titles(
    *, db: Database, user_id: str, agent_key: str, contact_ids: list[str]
) -> dict[str, str]:
    cursor = db.conversation_titles.find(
        {"user_id": user_id, "agent_key": agent_key, "contact_id": {"$in": contact_ids}}
    )
    return {str(doc["contact_id"]): str(doc["title"]) async for doc in cursor}


async def exists(*, db: Database, user_id: str, agent_key: str, contact_id: str) -> bool:
    """Whether the person has any message in this conversation (an index lookup)."""
    found = await db.messages.find_one(
        {"user_id": user_id, "agent_key": agent_key, "contact_id": contact_id},
        projection={"_id": 1},
    )
    return found is not None


async def last_activity(
    *, db: Database, user_id: str, agent_key: str, contact_id: str
) -> int | None:
    """The conversation's newest message's time (epoch ms), or None without messages."""
    found = await db.messages.find_one(
        {"user_id": user_id, "agent_key": agent_key, "contact_id": contact_id},
        projection={"ts": 1},
        sort=[("ts", -1), ("_id", -1)],
    )
    return int(found["ts"]) if found else None


async def set_title(
    *, db: Database, user_id: str, agent_key: str, contact_id: str, title: str, now_ms: int
) -> None:
    await db.conversation_titles.update_one(
        {"user_id": user_id, "agent_key": agent_key, "contact_id": contact_id},
        {"$set": {"title": title, "updated_at": now_ms}},
        upsert=True,
    )


async def delete(*, db: Database, user_id: str, agent_key: str, contact_id: str) -> int:
    """Removes the conversation's messages and title; how many messages went."""
    scope = {"user_id": user_id, "agent_key": agent_key, "contact_id": contact_id}
    removed = await db.messages.delete_many(scope)
    await db.conversation_titles.delete_one(scope)
    return removed.deleted_count


@dataclass(frozen=True)
class Found:
    id: str
    agent_key: str
    contact_id: str
    author: str
    text: str
    ts: int
    score: float


async def search(
    *, db: Database, user_id: str, words: str, language: str, agent_key: str | None, limit: int
) -> list[Found]:
    """The person's shown messages matching `words` stemmed as `language`, best first."""
    query: Document = {
        "user_id": user_id,
        "$text": {"$search": words, "$language": language},
        "contact_id": _NOT_VISITORS,
        "superseded": _SHOWN,
    }
    if agent_key is not None:
        query["agent_key"] = agent_key
    score: dict[str, Any] = {"$meta": "textScore"}
    cursor = (
        db.messages.find(
            query,
            projection={
                "agent_key": 1,
                "contact_id": 1,
                "author": 1,
                "text": 1,
                "ts": 1,
                "score": score,
            },
        )
        .sort([("score", score), ("ts", -1)])
        .limit(limit)
    )
    return [
        Found(
            id=str(doc["_id"]),
            agent_key=str(doc["agent_key"]),
            contact_id=str(doc["contact_id"]),
            author=str(doc["author"]),
            text=str(doc["text"]),
            ts=int(doc["ts"]),
            score=float(doc["score"]),
        )
        async for doc in cursor
    ]
