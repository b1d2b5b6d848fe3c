"""The stored side of the reply controls: the model's context, the messages a stop,
a regenerate or an edit work on, and marking messages superseded.

Superseded messages stay in the collection (nothing a person wrote or read is deleted);
every read of a conversation (chat/store.py's `SHOWN`) leaves them out.
"""

from __future__ import annotations

from bson import ObjectId
from pymongo import ReturnDocument

from agents_backend.chat.models import ChatMessage
from agents_backend.chat.store import SHOWN, Lease, ReplyState, conversation_scope, shown_in
from agents_backend.core.database import Database, Document
from agents_backend.core.ids import parse_object_id


async def context_messages(*, db: Database, question: ChatMessage, limit: int) -> list[ChatMessage]:
    """The `limit` messages the model sees before `question`, oldest first.

    What the person wrote after the question is left out (it waits its turn), but the
    replies and notes stored after it are in: a message sent while the previous reply
    streamed is answered once that reply is stored, and must see it. The question itself
    and whatever an earlier attempt of its own reply left are out too."""
    if limit <= 0:
        return []
    query: Document = {
        **shown_in(question.user_id, question.agent_key, question.contact_id),
        "_id": {"$nin": [ObjectId(i) for i in (question.id, question.reply_id) if i]},
        "$or": [{"ts": {"$lte": question.ts}}, {"author": {"$ne": "user"}}],
    }
    cursor = db.messages.find(query).sort([("ts", -1), ("_id", -1)]).limit(limit)
    newest_first = [ChatMessage.from_document(document) async for document in cursor]
    return newest_first[::-1]


async def find_message(
    *, db: Database, user_id: str, agent_key: str, contact_id: str, message_id: str
) -> ChatMessage | None:
    """One shown message of the conversation (None: not there, not theirs, superseded)."""
    oid = parse_object_id(message_id)
    if oid is None:
        return None
    document = await db.messages.find_one({**shown_in(user_id, agent_key, contact_id), "_id": oid})
    return ChatMessage.from_document(document) if document else None


async def by_client_message_id(
    *, db: Database, user_id: str, client_message_id: str
) -> ChatMessage | None:
    document = await db.messages.find_one(
        {"user_id": user_id, "client_message_id": client_message_id}
    )
    return ChatMessage.from_document(document) if document else None


async def newest_exchange_message(
    *, db: Database, user_id: str, agent_key: str, contact_id: str
) -> ChatMessage | None:
    """The conversation's newest shown message from the person or the agent (System
    notes, such as a booking's, are no turn of the exchange)."""
    document = await db.messages.find_one(
        {**shown_in(user_id, agent_key, contact_id), "author": {"$in": ["user", "agent", "human"]}},
        sort=[("ts", -1), ("_id", -1)],
    )
    return ChatMessage.from_document(document) if document else None


async def question_generating(*, db: Database, user_id: str, reply_id: str) -> ChatMessage | None:
    """The person's message whose reply `reply_id` is being generated, if any."""
    document = await db.messages.find_one(
        {
            "user_id": user_id,
            "reply_id": reply_id,
            "author": "user",
            "reply_state": ReplyState.GENERATING.value,
        }
    )
    return ChatMessage.from_document(document) if document else None


async def reopen_question(*, db: Database, message_id: str, lease: Lease) -> ChatMessage | None:
    """A regenerated reply: the question is answered again under a new reply id (the old
    reply keeps its own, superseded). None when its reply is still under way."""
    after = await db.messages.find_one_and_update(
        {
            "_id": ObjectId(message_id),
            "reply_state": {"$in": [ReplyState.DONE.value, ReplyState.FAILED.value]},
            **SHOWN,
        },
        {
            "$set": {
                "reply_state": ReplyState.GENERATING.value,
                "reply_id": str(ObjectId()),
                "attempts": 1,
                "lease_owner": lease.owner,
                "lease_until": lease.until,
            },
            "$unset": {"partial_reply": ""},
        },
        return_document=ReturnDocument.AFTER,
    )
    return ChatMessage.from_document(after) if after else None


async def supersede_reply(*, db: Database, reply_id: str) -> bool:
    result = await db.messages.update_one(
        {"_id": ObjectId(reply_id), **SHOWN}, {"$set": {"superseded": True}}
    )
    return result.modified_count == 1


async def supersede_from(*, db: Database, anchor: ChatMessage, tag: str) -> list[str]:
    """Marks `anchor` and every later message of its conversation superseded (tagged with
    `tag`, so a second pass adds what was stored meanwhile), and their questions
    answered: no process takes them over. Returns every id tagged so far, oldest first."""
    scope = conversation_scope(anchor.user_id, anchor.agent_key, anchor.contact_id)
    later: Document = {
        **scope,
        "$or": [
            {"ts": {"$gt": anchor.ts}},
            {"ts": anchor.ts, "_id": {"$gte": ObjectId(anchor.id)}},
        ],
    }
    await db.messages.update_many(
        {**later, **SHOWN}, {"$set": {"superseded": True, "superseded_by": tag}}
    )
    await db.messages.update_many(
        {
            **scope,
            "superseded_by": tag,
            "author": "user",
            "reply_state": {"$ne": ReplyState.DONE.value},
        },
        {
            "$set": {"reply_state": ReplyState.DONE.value},
            "$unset": {"lease_owner": "", "lease_until": "", "partial_reply": ""},
        },
    )
    cursor = db.messages.find({**scope, "superseded_by": tag}, {"_id": 1}).sort(
        [("ts", 1), ("_id", 1)]
    )
    return [str(document["_id"]) async for document in cursor]


async def is_superseded(*, db: Database, message_id: str) -> bool:
    document = await db.messages.find_one({"_id": ObjectId(message_id)}, {"superseded": 1})
    return bool(document and document.get("superseded"))


async def still_to_answer(*, db: Database, message_id: str, owner: str) -> bool:
    """After waiting its turn: the message is still ours to answer (not superseded, not
    answered or taken over meanwhile)."""
    document = await db.messages.find_one(
        {
            "_id": ObjectId(message_id),
            "reply_state": ReplyState.GENERATING.value,
            "lease_owner": owner,
            **SHOWN,
        },
        {"_id": 1},
    )
    return document is not None
