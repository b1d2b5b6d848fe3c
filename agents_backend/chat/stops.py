"""Stopping the agent's replies under way, on whichever process runs them.

A person of the team who takes a visitor conversation over silences the agent at once:
the reply streaming is cut (its text so far kept as an incomplete reply) and its model
request closed, so the provider stops generating. The reply may be running on any
process: a stop is applied to this process's runs and published on Redis (when the
processes share one) for every other process's. A message can be missed (a subscription
reconnecting); a takeover is also in the conversation's stored status, which a streaming
run reads again every second, so it stops regardless.

A person may also stop one reply of their own (the Stop button, `agent:stop`): the stop
then names that reply's id, and only the run streaming it is cut, wherever it runs.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

import redis.asyncio as redis
from redis.exceptions import RedisError

from agents_backend.chat.streams import ConversationKey

logger = logging.getLogger(__name__)

CHANNEL = "agents:reply-stops"


class Stoppable(Protocol):
    @property
    def reply_id(self) -> str: ...

    def stop(self, reason: str) -> bool: ...


class ReplyStops:
    def __init__(self, redis_client: redis.Redis | None = None) -> None:
        self._redis = redis_client
        self._running: dict[ConversationKey, set[Stoppable]] = defaultdict(set)

    @contextmanager
    def running(self, conversation: ConversationKey, run: Stoppable) -> Iterator[None]:
        """While a run is inside, a stop of its conversation reaches it."""
        self._running[conversation].add(run)
        try:
            yield
        finally:
            runs = self._running.get(conversation)
            if runs is not None:
                runs.discard(run)
                if not runs:
                    del self._running[conversation]

    async def stop(self, conversation: ConversationKey, reason: str) -> None:
        """Stops the conversation's replies here, then tells the other processes."""
        self._stop_here(conversation, reason, None)
        await self._publish(conversation, reason, None)

    async def stop_reply(self, conversation: ConversationKey, reply_id: str, reason: str) -> bool:
        """Stops the one run streaming `reply_id` in the conversation. True when it ran
        here and was cut; otherwise the other processes are told (their run, if any,
        stops) and False is returned: whether it ran there is for the caller to tell."""
        if self._stop_here(conversation, reason, reply_id):
            return True
        await self._publish(conversation, reason, reply_id)
        return False

    def runs_here(self, conversation: ConversationKey) -> bool:
        """Whether a run of the conversation is under way (or waiting) on this process."""
        return bool(self._running.get(conversation))

    async def _publish(
        self, conversation: ConversationKey, reason: str, reply_id: str | None
    ) -> None:
        if self._redis is None:
            return
        message = json.dumps(
            [conversation.user_id, conversation.agent_key, conversation.contact_id, reason]
            + ([reply_id] if reply_id is not None else [])
        )
        try:
            await self._redis.publish(CHANNEL, message)
        except RedisError:
            # The others' runs silenced by a takeover still stop at their next gate
            # recheck (chat/reply.py `_keep_lease`), a second later at most.
            logger.warning("could not publish a reply stop for %s", conversation)

    def _stop_here(self, conversation: ConversationKey, reason: str, reply_id: str | None) -> bool:
        stopped = False
        for run in list(self._running.get(conversation, ())):
            if reply_id is None or run.reply_id == reply_id:
                stopped |= run.stop(reason)
        return stopped

    async def listen(self) -> None:
        """Applies the stops other processes publish (runs until cancelled)."""
        if self._redis is None:
            return
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(CHANNEL)
                    while True:
                        message = await pubsub.get_message(
                            ignore_subscribe_messages=True, timeout=1.0
                        )
                        if message is not None:
                            self._apply(message.get("data"))
            except (RedisError, OSError):
                logger.warning("reply stops: Redis unreachable; subscribing again")
                await asyncio.sleep(1.0)

    def _apply(self, data: object) -> None:
        try:
            user_id, agent_key, contact_id, reason, *reply = json.loads(data)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            logger.warning("reply stops: ignored a malformed message")
            return
        conversation = ConversationKey(user_id, agent_key, contact_id)
        self._stop_here(conversation, str(reason), str(reply[0]) if reply else None)
