"""The text of every reply still streaming, where every process can read it.

A reply's deltas reach the sockets that are connected while it streams; a page loaded
(or a socket reconnected) mid-stream would otherwise see nothing of the reply until it
is stored. So each delta is also appended here *before* it is emitted, and a history
read returns each streaming reply's text so far with `nextSeq`, the `seq` of the first
delta it does not contain: the client drops live deltas below it, appends the one equal
to it, and asks again when one above it arrives (a gap). Writing before emitting makes
one such request always enough: a client that saw delta `n` gets a snapshot that holds
it.

With `SOCKETIO_REDIS_URL` set the processes share Redis, and the buffer lives there
(a reload may reach any process behind nginx); otherwise in this process. Per
conversation, a hash names its streaming replies (reply id -> the question and the
attempt); each attempt's deltas are a list, so an append is one `RPUSH` and the text is
the list joined, never rewritten per delta. Keys expire an hour after the stream began
(should its process die): a takeover starts the next attempt's list, a finished reply
removes both.

The buffer is a convenience beside the stored reply, never a condition of it: if Redis
fails, the stream goes on and that reply simply has no snapshot (the client shows the
deltas it gets and the stored reply replaces them).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

import orjson
import redis.asyncio as redis
from redis.exceptions import RedisError

from agents_backend.contract import StreamingReply

logger = logging.getLogger(__name__)

# A stream's keys expire this long after it started, should its process die before it
# finishes (a reply streaming longer simply loses its snapshot, not its text).
EXPIRY_SECONDS = 3600


@dataclass(frozen=True)
class ConversationKey:
    user_id: str
    agent_key: str
    contact_id: str

    def redis_key(self) -> str:
        return f"agents:streams:{self.user_id}:{self.agent_key}:{self.contact_id}"


@dataclass(frozen=True)
class StreamId:
    """One attempt at one reply: what every write to the buffer names."""

    conversation: ConversationKey
    reply_id: str
    reply_to: str
    attempt: int


@dataclass(frozen=True)
class Snapshot:
    """A streaming reply as far as it has come: `text` is deltas 0..next_seq-1."""

    reply_id: str
    reply_to: str
    attempt: int
    text: str
    next_seq: int

    def to_reply(self) -> StreamingReply:
        return StreamingReply(
            id=self.reply_id,
            reply_to=self.reply_to,
            attempt=self.attempt,
            text=self.text,
            next_seq=self.next_seq,
        )


class StreamBuffer(Protocol):
    async def append(self, stream: StreamId, seq: int, delta: str) -> None:
        """Delta `seq` of this attempt; seq 0 starts the attempt (dropping an earlier one's)."""

    async def finish(self, stream: StreamId) -> None:
        """The reply is stored (or handed over): no snapshot of it any more."""

    async def snapshots(self, conversation: ConversationKey) -> list[Snapshot]:
        """The conversation's replies still streaming."""


@dataclass
class _Stream:
    reply_to: str
    attempt: int
    parts: list[str] = field(default_factory=list)


class MemoryStreams:
    """One process's streams (no Redis): the only process, so the only one asked."""

    def __init__(self) -> None:
        self._streams: dict[ConversationKey, dict[str, _Stream]] = {}

    async def append(self, stream: StreamId, seq: int, delta: str) -> None:
        replies = self._streams.setdefault(stream.conversation, {})
        if seq == 0:
            replies[stream.reply_id] = _Stream(stream.reply_to, stream.attempt)
        current = replies.get(stream.reply_id)
        if current is not None and current.attempt == stream.attempt:
            current.parts.append(delta)

    async def finish(self, stream: StreamId) -> None:
        replies = self._streams.get(stream.conversation)
        if replies is None:
            return
        replies.pop(stream.reply_id, None)
        if not replies:
            del self._streams[stream.conversation]

    async def snapshots(self, conversation: ConversationKey) -> list[Snapshot]:
        return [
            Snapshot(reply_id, s.reply_to, s.attempt, "".join(s.parts), len(s.parts))
            for reply_id, s in self._streams.get(conversation, {}).items()
        ]


class RedisStreams:
    """Streams every process behind the load balancer can read (see the module doc)."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    @staticmethod
    def _deltas_key(reply_id: str, attempt: int) -> str:
        return f"agents:stream:{reply_id}:{attempt}"

    async def append(self, stream: StreamId, seq: int, delta: str) -> None:
        # One round trip per delta: a bare RPUSH, or for an attempt's first delta one
        # MULTI/EXEC that also names the reply in its conversation and sets the expiry.
        deltas = self._deltas_key(stream.reply_id, stream.attempt)
        if seq > 0:
            await self._redis.rpush(deltas, delta)
            return
        replies = stream.conversation.redis_key()
        meta = orjson.dumps({"replyTo": stream.reply_to, "attempt": stream.attempt})
        pipe = self._redis.pipeline(transaction=True)
        pipe.delete(deltas)
        pipe.rpush(deltas, delta)
        pipe.hset(replies, stream.reply_id, meta)
        pipe.expire(deltas, EXPIRY_SECONDS)
        pipe.expire(replies, EXPIRY_SECONDS)
        await pipe.execute()

    async def finish(self, stream: StreamId) -> None:
        pipe = self._redis.pipeline(transaction=True)
        pipe.hdel(stream.conversation.redis_key(), stream.reply_id)
        pipe.delete(self._deltas_key(stream.reply_id, stream.attempt))
        await pipe.execute()

    async def snapshots(self, conversation: ConversationKey) -> list[Snapshot]:
        replies = await self._redis.hgetall(conversation.redis_key())
        if not replies:
            return []
        metas = [(_text(key), orjson.loads(raw)) for key, raw in replies.items()]
        pipe = self._redis.pipeline(transaction=False)
        for reply_id, meta in metas:
            pipe.lrange(self._deltas_key(reply_id, int(meta["attempt"])), 0, -1)
        lists: list[list[bytes | str]] = await pipe.execute()
        return [
            Snapshot(
                reply_id=reply_id,
                reply_to=str(meta["replyTo"]),
                attempt=int(meta["attempt"]),
                text="".join(map(_text, parts)),
                next_seq=len(parts),
            )
            for (reply_id, meta), parts in zip(metas, lists, strict=True)
            if parts  # expired with its process
        ]


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class StreamRecorder:
    """One reply attempt's writes to the buffer; a failed write ends them for this
    attempt (a snapshot with a hole would show wrong text), and the stream goes on."""

    def __init__(self, buffer: StreamBuffer, stream: StreamId) -> None:
        self._buffer = buffer
        self._stream = stream
        self._broken = False

    async def append(self, seq: int, delta: str) -> None:
        if self._broken:
            return
        try:
            await self._buffer.append(self._stream, seq, delta)
        except RedisError:
            logger.warning(
                "stream buffer unavailable; reply %s has no snapshot", self._stream.reply_id
            )
            self._broken = True
            await self.finish()

    async def finish(self) -> None:
        try:
            await self._buffer.finish(self._stream)
        except RedisError:
            logger.warning("could not clear the stream buffer of %s", self._stream.reply_id)
