"""The composition root's lifespan: what one server process builds at start-up.

Built in the ASGI lifespan, because the Mongo client and the OpenAI client are bound to
the running event loop. Every service is put in the `Registry` under its class; routes
and the socket namespace find them there, so no feature imports this module. The
choices a deployment makes (which calendar, which responder) are made here.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import redis.asyncio as redis
from pymongo.errors import PyMongoError
from redis.exceptions import RedisError

from agents_backend.auth.admins import promote_configured
from agents_backend.bots.builtin import BUILTIN_AGENTS
from agents_backend.bots.keys import BotChats
from agents_backend.bots.service import AgentDirectory
from agents_backend.calendar_accounts.directory import CalendarDirectory, GoogleApiOptions
from agents_backend.calendar_accounts.service import GoogleConnections
from agents_backend.chat.recovery import ReplySweeper
from agents_backend.chat.responders import OfflineResponder, OpenAIResponder, Responder
from agents_backend.chat.service import AgentCore, CoreLimits
from agents_backend.chat.stops import ReplyStops
from agents_backend.chat.streams import MemoryStreams, RedisStreams, StreamBuffer
from agents_backend.core.config import Settings
from agents_backend.core.crypto import Cipher
from agents_backend.core.database import Database
from agents_backend.core.emitter import ConversationEmitter
from agents_backend.core.loop_watch import LoopWatch
from agents_backend.core.rate_limits import RateLimits, build_rate_limits
from agents_backend.core.readiness import ReadinessChecks
from agents_backend.core.registry import Registry
from agents_backend.core.sessions import LiveSessions
from agents_backend.integrations.calendar.backend import CalendarBackend, CalendarError
from agents_backend.integrations.calendar.google import GoogleCalendar, load_credentials
from agents_backend.integrations.calendar.google_oauth import GoogleOAuth, OAuthClient
from agents_backend.integrations.calendar.local import LocalCalendar
from agents_backend.integrations.openai_client import OpenAIChat
from agents_backend.nlu import language
from agents_backend.nlu.engine import NLUEngine
from agents_backend.nlu.refiner import LLMRefiner
from agents_backend.scheduling.config import SchedulingConfig
from agents_backend.scheduling.service import SchedulingService
from agents_backend.tasks.extraction import TaskCreator
from agents_backend.tasks.service import AutoCreateSwitches
from agents_backend.tools.toolbox import AgentToolBox
from agents_backend.visitors.events import InboxEvents
from agents_backend.visitors.inbox import InboxReader
from agents_backend.visitors.rows import InboxRows
from agents_backend.visitors.service import VisitorService
from agents_backend.visitors.takeover import ConversationStates
from agents_backend.visitors.tokens import VisitorTokens
from agents_backend.webhooks.service import WebhookEndpoints, WebhookOutbox, WebhookPolicy
from agents_backend.webhooks.worker import DeliveryWorker, RetryPolicy
from agents_backend.workspaces.service import Workspaces

logger = logging.getLogger(__name__)

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


def select_calendar(settings: Settings) -> CalendarBackend:
    """Google when credentials are configured, else the embedded local calendar."""
    if settings.google_token_file is None and settings.google_credentials_file is None:
        return LocalCalendar()
    try:
        credentials = load_credentials(settings.google_credentials_file, settings.google_token_file)
    except CalendarError as exc:
        raise RuntimeError(exc.message) from exc
    return GoogleCalendar(
        credentials,
        send_updates=settings.google_send_updates,
        api_endpoint=settings.google_api_endpoint,
    )


def google_oauth(settings: Settings) -> GoogleOAuth | None:
    """Owners may connect their own Google Calendar only with an OAuth client."""
    if not settings.google_oauth_client_id or settings.google_oauth_client_secret is None:
        return None
    return GoogleOAuth(
        OAuthClient(
            client_id=settings.google_oauth_client_id,
            client_secret=settings.google_oauth_client_secret.get_secret_value(),
            auth_uri=settings.google_oauth_auth_uri,
            token_uri=settings.google_oauth_token_uri,
            revoke_uri=settings.google_oauth_revoke_uri,
        )
    )


def model_client(settings: Settings) -> OpenAIChat | None:
    """The server's model client; None without a key (the offline responder answers)."""
    if settings.openai_api_key is None:
        return None
    return OpenAIChat(
        api_key=settings.openai_api_key.get_secret_value(),
        base_url=settings.openai_base_url,
        timeout=settings.openai_timeout_seconds,
        max_retries=settings.openai_max_retries,
    )


def core_limits(settings: Settings) -> CoreLimits:
    return CoreLimits(
        context_messages=settings.context_messages,
        max_message_chars=settings.max_message_chars,
        daily_token_budget=settings.daily_token_budget,
        max_concurrent_replies=settings.max_concurrent_replies,
        stream_interval=settings.stream_interval_ms / 1000,
        lease_seconds=settings.reply_lease_seconds,
        tool_max_rounds=settings.tool_max_rounds,
        tool_timeout_seconds=settings.tool_timeout_seconds,
    )


class Runtime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.registry = Registry()
        # Not loop-bound, so ready before start-up: the socket namespace registers with
        # `sessions` when it is built.
        self.sessions = LiveSessions()
        self._redis: redis.Redis | None = None
        # The socket side, which delivers what no socket event started (a reply taken
        # over from a process that died); main.py attaches it.
        self._emitter: ConversationEmitter | None = None
        self._stops = ReplyStops()

    def attach_emitter(self, emitter: ConversationEmitter) -> None:
        self._emitter = emitter

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
        await promote_configured(db=database, admin_emails=settings.admin_emails)
        if settings.socketio_redis_url:
            self._redis = redis.from_url(
                settings.socketio_redis_url, socket_timeout=1.0, socket_connect_timeout=1.0
            )
        # Stopping replies (a takeover) reaches every process through Redis.
        self._stops = ReplyStops(self._redis)
        chat = model_client(settings)
        bot_chats = BotChats(
            cipher=self._provide_basics(database),
            base_url=settings.openai_base_url,
            timeout=settings.openai_timeout_seconds,
            max_retries=settings.openai_max_retries,
        )
        webhook_worker = self._start_webhooks(database)
        core = await self._provide_services(database, chat, bot_chats)
        self._provide_webhook_endpoints(database)
        watch = LoopWatch(max_lag=settings.ready_max_loop_lag_seconds)
        self._provide_readiness(database, watch)
        watching = asyncio.ensure_future(watch.run_forever())
        sweeping = self._start_sweeper(core, database)
        background = [
            asyncio.ensure_future(self._stops.listen()),
            asyncio.ensure_future(self._expire_handoffs()),
        ]
        if not settings.debug:
            # In production the first message whose language the stopword vote cannot
            # settle would otherwise wait ~0.4 s for lingua's models (nlu/language.py);
            # loaded here, they are also frozen out of the collector with the rest.
            language.warm_up()
        settle_garbage_collector()
        try:
            yield
        finally:
            for task in background:
                task.cancel()
            watching.cancel()
            if sweeping is not None:
                sweeping.cancel()
            await core.drain(timeout=settings.shutdown_grace_seconds)
            await webhook_worker.stop(grace_seconds=min(5.0, settings.shutdown_grace_seconds))
            if chat is not None:
                await chat.close()
            await bot_chats.close()
            await database.close()
            if self._redis is not None:
                await self._redis.aclose()
                self._redis = None
            self.registry.clear()

    def _provide_basics(self, database: Database) -> Cipher:
        settings, registry = self.settings, self.registry
        cipher = Cipher.from_settings(settings)
        registry.provide(Settings, settings)
        registry.provide(Cipher, cipher)
        registry.provide(Database, database)
        registry.provide(LiveSessions, self.sessions)
        registry.provide(
            RateLimits,
            build_rate_limits(
                redis_url=settings.socketio_redis_url,
                messages=settings.rate_limit_messages,
                logins_per_account=settings.rate_limit_logins_per_account,
                logins_per_ip=settings.rate_limit_logins_per_ip,
                connections_per_ip=settings.rate_limit_connections_per_ip,
                visitor_messages=settings.rate_limit_visitor_messages,
                new_visitors_per_ip=settings.rate_limit_new_visitors_per_ip,
                agent_messages=settings.rate_limit_agent_messages,
            ),
        )
        return cipher

    async def _provide_services(
        self, database: Database, chat: OpenAIChat | None, bot_chats: BotChats
    ) -> AgentCore:
        settings, registry = self.settings, self.registry
        agents = AgentDirectory(db=database, builtins=BUILTIN_AGENTS)
        await agents.seed()
        switches = AutoCreateSwitches(db=database)
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
        core = AgentCore(
            db=database,
            agents=agents,
            switches=switches,
            bot_chats=bot_chats,
            tasks=TaskCreator(
                db=database,
                timezone=settings.calendar_timezone,
                switches=switches,
                webhooks=registry.get(WebhookOutbox),
            ),
            nlu=nlu,
            responder=responder,
            chat=chat,
            default_model=settings.openai_model,
            limits=core_limits(settings),
            streams=self._stream_buffer(),
            stops=self._stops,
        )
        calendars = self._provide_calendars(database)
        scheduling = SchedulingService(
            db=database,
            agents=agents,
            switches=switches,
            calendars=calendars,
            config=SchedulingConfig.from_settings(settings),
            webhooks=registry.get(WebhookOutbox),
            # A cancellation over REST reaches the person's (and a visitor's) sockets.
            emitter=self._emitter,
        )
        for kind, instance in (
            (AgentDirectory, agents),
            (AutoCreateSwitches, switches),
            (AgentCore, core),
            (SchedulingService, scheduling),
        ):
            registry.provide(kind, instance)
        self._provide_inbox(database, agents, core, scheduling)
        logger.info(
            "ready: llm=%s calendar=%s owners' google=%s",
            "openai" if chat else "offline",
            calendars.default_name,
            "on" if settings.google_oauth_client_id else "off",
        )
        return core

    def _provide_inbox(
        self,
        database: Database,
        agents: AgentDirectory,
        core: AgentCore,
        scheduling: SchedulingService,
    ) -> None:
        """Workspaces, the inbox and who answers a visitor (the agent or a person); the
        chat core asks the latter before every reply."""
        registry = self.registry
        assert self._emitter is not None, "main.py attaches the socket side first"
        emitter = self._emitter
        workspaces = Workspaces(db=database, sessions=self.sessions)
        rows = InboxRows(db=database, agents=agents, scheduling=scheduling)
        events = InboxEvents(
            db=database, rows=rows, emitter=emitter, outbox=registry.get(WebhookOutbox)
        )
        states = ConversationStates(
            db=database,
            workspaces=workspaces,
            agents=agents,
            core=core,
            events=events,
            emitter=emitter,
            handoff_timeout_seconds=self.settings.handoff_timeout_seconds,
        )
        core.gate_replies(states.agent_may_answer)
        core.on_handoff(states.model_asks_for_person)
        reader = InboxReader(
            db=database, workspaces=workspaces, rows=rows, states=states, core=core
        )
        for kind, instance in (
            (Workspaces, workspaces),
            (ConversationStates, states),
            (InboxReader, reader),
            (
                VisitorService,
                self._visitor_service(database, agents, core, scheduling, states, events),
            ),
        ):
            registry.provide(kind, instance)
        core.use_tools(self._toolbox(database, scheduling, registry.get(VisitorService)))

    def _toolbox(
        self, database: Database, scheduling: SchedulingService, visitors: VisitorService
    ) -> AgentToolBox:
        """What agents' models may do by calling functions (agents_backend/tools/): look
        up and book meetings, add tasks; a booking for a website visitor records the
        lead's contact in the inbox."""
        return AgentToolBox(
            db=database,
            scheduling=scheduling,
            switches=self.registry.get(AutoCreateSwitches),
            webhooks=self.registry.get(WebhookOutbox),
            default_duration_minutes=SchedulingConfig.from_settings(
                self.settings
            ).default_duration_minutes,
            on_lead=visitors.record_booked_lead,
        )

    def _visitor_service(
        self,
        database: Database,
        agents: AgentDirectory,
        core: AgentCore,
        scheduling: SchedulingService,
        states: ConversationStates,
        events: InboxEvents,
    ) -> VisitorService:
        settings = self.settings
        return VisitorService(
            states=states,
            events=events,
            db=database,
            agents=agents,
            core=core,
            scheduling=scheduling,
            tokens=VisitorTokens(
                secret=settings.jwt_secret.get_secret_value(),
                algorithm=settings.jwt_algorithm,
                lifetime=timedelta(days=settings.visitor_token_days),
            ),
            limits=self.registry.get(RateLimits),
            owner_daily_budget=settings.daily_token_budget,
            default_duration_minutes=SchedulingConfig.from_settings(
                settings
            ).default_duration_minutes,
        )

    def _provide_calendars(self, database: Database) -> CalendarDirectory:
        """The server's calendar, and the directory that prefers each owner's own."""
        settings, registry = self.settings, self.registry
        oauth = google_oauth(settings)
        directory = CalendarDirectory(
            db=database,
            cipher=registry.get(Cipher),
            oauth=oauth,
            fallback=select_calendar(settings),
            options=GoogleApiOptions(
                api_endpoint=settings.google_api_endpoint,
                send_updates=settings.google_send_updates,
            ),
        )
        registry.provide(CalendarDirectory, directory)
        registry.provide(
            GoogleConnections,
            GoogleConnections(
                db=database, cipher=registry.get(Cipher), oauth=oauth, directory=directory
            ),
        )
        return directory

    def _start_webhooks(self, database: Database) -> DeliveryWorker:
        """This process's delivery worker (every process runs one: they share the queue
        in MongoDB), and the outbox that nudges it when an event is queued."""
        settings = self.settings
        worker = DeliveryWorker(
            db=database,
            cipher=self.registry.get(Cipher),
            retry=RetryPolicy(
                base_seconds=settings.webhook_retry_base_seconds,
                window=timedelta(hours=settings.webhook_retry_window_hours),
            ),
            timeout_seconds=settings.webhook_timeout_seconds,
            allow_private_urls=settings.webhook_allow_private_urls,
        )
        worker.start()
        self.registry.provide(WebhookOutbox, WebhookOutbox(db=database, wake=worker.wake))
        return worker

    def _provide_webhook_endpoints(self, database: Database) -> None:
        settings, registry = self.settings, self.registry
        endpoints = WebhookEndpoints(
            db=database,
            cipher=registry.get(Cipher),
            workspaces=registry.get(Workspaces),
            policy=WebhookPolicy(
                allow_private_urls=settings.webhook_allow_private_urls,
                max_endpoints=settings.webhook_max_endpoints,
            ),
        )
        registry.provide(WebhookEndpoints, endpoints)

    async def _expire_handoffs(self) -> None:
        """Visitors who asked for a person and waited past HANDOFF_TIMEOUT_SECONDS get
        the agent back (every process checks; each conversation is taken by one)."""
        interval = min(5.0, max(0.2, self.settings.handoff_timeout_seconds / 4))
        while True:
            await asyncio.sleep(interval)
            try:
                await self.registry.get(ConversationStates).expire_handoffs()
            except PyMongoError:
                logger.warning("could not check the handoffs waiting for a person")
            except Exception:
                logger.exception("handoff timeout check failed")

    def _stream_buffer(self) -> StreamBuffer:
        """Where streaming replies' text so far is kept: Redis when the processes share
        one (a reload may reach any of them), else this process."""
        if self._redis is not None:
            return RedisStreams(self._redis)
        return MemoryStreams()

    def _start_sweeper(self, core: AgentCore, database: Database) -> asyncio.Task[None] | None:
        if self._emitter is None:  # no socket side (tests of the REST app alone)
            return None
        settings = self.settings
        sweeper = ReplySweeper(
            core=core,
            db=database,
            emitter=self._emitter,
            interval=settings.reply_sweep_seconds,
            batch=settings.reply_sweep_batch,
            max_attempts=settings.reply_max_attempts,
        )
        return asyncio.ensure_future(sweeper.run_forever())

    def _provide_readiness(self, database: Database, watch: LoopWatch) -> None:
        """What /ready depends on: the database, an event loop that keeps up, and Redis
        when Socket.IO fans out through it."""
        checks = ReadinessChecks()
        checks.add("database", database.ping)
        checks.add("event_loop", watch.keeps_up)
        if self._redis is not None:
            checks.add("redis", self._redis_ping)
        self.registry.provide(ReadinessChecks, checks)

    async def _redis_ping(self) -> bool:
        if self._redis is None:
            return False
        try:
            return bool(await self._redis.ping())
        except (RedisError, OSError):
            return False
