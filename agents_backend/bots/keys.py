"""OpenAI clients for custom bots that bring their own API key.

One `OpenAIChat` (one connection pool) per distinct key, created on first use and kept
in a small LRU, so a busy bot does not open a client per message. The cache is keyed by
a SHA-256 of the key, never the key, and nothing here logs either.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict

from agents_backend.bots.models import AgentProfile
from agents_backend.contract import ErrorCode
from agents_backend.core.crypto import Cipher, SecretUnreadableError
from agents_backend.core.errors import AgentError
from agents_backend.integrations.openai_client import OpenAIChat

logger = logging.getLogger(__name__)


class BotChats:
    def __init__(
        self,
        *,
        cipher: Cipher,
        base_url: str | None,
        timeout: float,
        max_retries: int,
        capacity: int = 128,
    ) -> None:
        self._cipher = cipher
        self._base_url = base_url
        self._timeout = timeout
        self._max_retries = max_retries
        self._capacity = capacity
        self._clients: OrderedDict[str, OpenAIChat] = OrderedDict()
        self._retired: dict[asyncio.Task[None], OpenAIChat] = {}

    def chat_for(self, agent: AgentProfile) -> OpenAIChat | None:
        """The bot's own client, or None when the agent uses the server's key."""
        if agent.openai_key_encrypted is None:
            return None
        try:
            api_key = self._cipher.decrypt(agent.openai_key_encrypted)
        except SecretUnreadableError:
            logger.warning("bot %s has an OpenAI key that cannot be decrypted", agent.key)
            raise AgentError(ErrorCode.BOT_KEY_UNREADABLE) from None
        fingerprint = hashlib.sha256(api_key.encode()).hexdigest()
        chat = self._clients.get(fingerprint)
        if chat is not None:
            self._clients.move_to_end(fingerprint)
            return chat
        chat = OpenAIChat(
            api_key=api_key,
            base_url=self._base_url,
            timeout=self._timeout,
            max_retries=self._max_retries,
        )
        self._clients[fingerprint] = chat
        if len(self._clients) > self._capacity:
            _, evicted = self._clients.popitem(last=False)
            self._retire(evicted)
        return chat

    def _retire(self, chat: OpenAIChat) -> None:
        """Closes an evicted client once any request it may still carry has timed out."""
        grace = self._timeout * (self._max_retries + 1)

        async def close_later() -> None:
            await asyncio.sleep(grace)
            await chat.close()

        task = asyncio.ensure_future(close_later())
        self._retired[task] = chat
        task.add_done_callback(lambda done: self._retired.pop(done, None))

    async def close(self) -> None:
        """At shutdown (after replies drained): every client, cached or retired."""
        retired = dict(self._retired)
        for task in retired:
            task.cancel()
        clients = [*self._clients.values(), *retired.values()]
        self._clients.clear()
        for chat in clients:
            await chat.close()
