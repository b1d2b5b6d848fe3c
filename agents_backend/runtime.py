"""What one server process holds between start-up and shutdown.

Built in the ASGI lifespan, because the Mongo client and the OpenAI client are bound to
the running event loop; the socket namespace and the REST dependencies read from here.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

import redis.asyncio as redis
from redis.exceptions import RedisError

from agents_backend.agents.bot_chats import BotChats
from agents_backend.agents.builtin import BUILTIN_AGENTS
from agents_backend.agents.core import AgentCore, CoreLimits
from agents_backend.agents.nlu import NLUEngine
from agents_backend.agents.refiner import LLMRefiner
from agents_backend.agents.responders import OfflineResponder, OpenAIResponder, Responder
from agents_backend.agents.scheduling import SchedulingConfig, SchedulingService, select_backend
from agents_backend.agents.tasks import TaskCreator
from agents_backend.config import Settings
from agents_backend.crypto import Cipher
from agents_backend.database import Database
from agents_backend.integrations.openai_client import OpenAIChat
from agents_backend.rate_limits import RateLimits, build_rate_limits
from agents_backend.store.agents import seed_builtin_agents

logger = logging.getLogger(__name__)


class NotStartedError(RuntimeError):
    pass


class SessionEnder(Protocol):
    """Ends every live socket in a room (`user:<id>` or `session:<family>`)."""

    async def __call__(self, room: str, reason: str) -> None: ...


# Allocations minus deallocations between young collections (CPython's default is 700).
YOUNG_GC_THRESHOLD = 10_000


def settle_garbage_collector() -> None:
    """Keeps full garbage collections off the chat path's latency.

    Everything loaded at start-up (modules, schemas, the app) lives as long as the
    process, yet a full collection walks all of it: with the default thresholds one fell
    every few seconds under load and paused the event loop for up to 84 ms, the whole
    p99 budget. Frozen, start-up objects are never scanned again; the higher first
    threshold makes young collections rarer (each stays well under a millisecond).
    """
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_GC_THRESHOLD, middle, oldest)


class Runtime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # Not loop-bound, so built at once: REST and the core share one cipher.
        self.cipher = Cipher.from_settings(settings)
        self._database: Database | None = None
        self._core: AgentCore | None = None
        self._scheduling: SchedulingService | None = None
        self._redis: redis.Redis | None = None
        self._rate_limits: RateLimits | None = None
        # Set by the socket namespace when it is registered.
        self.end_sessions: SessionEnder | None = None

    @property
    def database(self) -> Database:
        if self._database is None:
            raise NotStartedError("the server has not finished starting")
        return self._database

    @property
    def core(self) -> AgentCore:
        if self._core is None:
            raise NotStartedError("the server has not finished starting")
        return self._core

    @property
    def rate_limits(self) -> RateLimits:
        if self._rate_limits is None:
            raise NotStartedError("the server has not finished starting")
        return self._rate_limits

    @property
    def scheduling(self) -> SchedulingService:
        if self._scheduling is None:
            raise NotStartedError("the server has not finished starting")
        return self._scheduling

    @asynccontextmanager
    async def lifespan(self, _app: Any) -> AsyncIterator[None]:
        settings = self.settings
        if settings.mongodb_uri is None:
            raise RuntimeError(
                "MONGODB_URI is not set; start through `make run` (which starts an embedded "
                "mongod) or point MONGODB_URI at a MongoDB server"
            )
        database = Database.connect(settings.mongodb_uri, settings.mongodb_database)
        await database.create_indexes()
        await seed_builtin_agents(db=database, agents=BUILTIN_AGENTS)
        chat = self._chat()
        responder: Responder = (
            OpenAIResponder(chat=chat, default_model=settings.openai_model)
            if chat
            else OfflineResponder()
        )
        nlu = NLUEngine(
            timezone=settings.calendar_timezone,
            refiner=LLMRefiner(chat=chat, model=settings.openai_model) if chat else None,
            refine_below=settings.nlu_refine_below,
        )
        self._database = database
        self._rate_limits = build_rate_limits(
            redis_url=settings.socketio_redis_url,
            messages=settings.rate_limit_messages,
            logins_per_account=settings.rate_limit_logins_per_account,
            logins_per_ip=settings.rate_limit_logins_per_ip,
            connections_per_ip=settings.rate_limit_connections_per_ip,
        )
        calendar = select_backend(settings)
        self._scheduling = SchedulingService(
            db=database, backend=calendar, config=SchedulingConfig.from_settings(settings)
        )
        if settings.socketio_redis_url:
            self._redis = redis.from_url(
                settings.socketio_redis_url, socket_timeout=1.0, socket_connect_timeout=1.0
            )
        bot_chats = BotChats(
            cipher=self.cipher,
            base_url=settings.openai_base_url,
            timeout=settings.openai_timeout_seconds,
            max_retries=settings.openai_max_retries,
        )
        self._core = AgentCore(
            db=database,
            bot_chats=bot_chats,
            tasks=TaskCreator(db=database, timezone=settings.calendar_timezone),
            nlu=nlu,
            responder=responder,
            chat=chat,
            default_model=settings.openai_model,
            limits=CoreLimits(
                context_messages=settings.context_messages,
                max_message_chars=settings.max_message_chars,
                daily_token_budget=settings.daily_token_budget,
                max_concurrent_replies=settings.max_concurrent_replies,
                stream_interval=settings.stream_interval_ms / 1000,
            ),
        )
        logger.info("ready: llm=%s calendar=%s", "openai" if chat else "offline", calendar.name)
        settle_garbage_collector()
        try:
            yield
        finally:
            await self._core.drain(timeout=10.0)
            if chat is not None:
                await chat.close()
            await bot_chats.close()
            await database.close()
            if self._redis is not None:
                await self._redis.aclose()
                self._redis = None
            self._core = None
            self._scheduling = None
            self._database = None

    async def check_dependencies(self) -> dict[str, bool]:
        """What readiness depends on; Redis only when Socket.IO fans out through it."""
        checks = {"database": self._database is not None and await self._database.ping()}
        if self.settings.socketio_redis_url:
            checks["redis"] = await self._redis_ping()
        return checks

    async def _redis_ping(self) -> bool:
        if self._redis is None:
            return False
        try:
            return bool(await self._redis.ping())
        except (RedisError, OSError):
            return False

    def _chat(self) -> OpenAIChat | None:
        key = self.settings.openai_api_key
        if key is None:
            return None
        return OpenAIChat(
            api_key=key.get_secret_value(),
            base_url=self.settings.openai_base_url,
            timeout=self.settings.openai_timeout_seconds,
            max_retries=self.settings.openai_max_retries,
        )
