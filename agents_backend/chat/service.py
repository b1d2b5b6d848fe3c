"""AgentCore: a person's message in, the agent's reply out (`agent:send`), plus the
per-agent switch and summaries.

The person's message is stored (and acknowledged) before any model is called, so a
failed reply never loses what they wrote. The reply runs as a tracked background task
(`chat/reply.py`): the ack goes back at once, and shutdown can wait for replies still
streaming.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable
from dataclasses import dataclass

from redis.exceptions import RedisError

from agents_backend.auth.service import session_user
from agents_backend.bots.keys import BotChats
from agents_backend.bots.models import AgentProfile
from agents_backend.bots.service import AgentDirectory
from agents_backend.chat import store as messages
from agents_backend.chat.controls import ReplyControls
from agents_backend.chat.handoff import HandoffHook
from agents_backend.chat.history import conversation_language
from agents_backend.chat.models import ChatMessage
from agents_backend.chat.reply import (
    CONVERSATION_DELETED,
    ReplyGate,
    ReplyRun,
    ReplyServices,
    Route,
    always_answer,
)
from agents_backend.chat.responders import OpenAIResponder, Responder
from agents_backend.chat.stops import ReplyStops
from agents_backend.chat.streams import (
    ConversationKey,
    MemoryStreams,
    Snapshot,
    StreamBuffer,
    StreamId,
    StreamRecorder,
)
from agents_backend.chat.summary import summarize
from agents_backend.chat.tooling import ToolBox
from agents_backend.chat.turns import ConversationTurns
from agents_backend.contract import (
    AgentErrorEvent,
    AutoCreateAck,
    AutoCreateUpdatedEvent,
    ConversationPayload,
    EditPayload,
    ErrorCode,
    OkAck,
    ReplyPayload,
    SendAck,
    SendPayload,
    SetAutoCreatePayload,
    StreamingReply,
    SummaryEvent,
)
from agents_backend.core import i18n
from agents_backend.core.database import Database
from agents_backend.core.emitter import Ack, Emitter
from agents_backend.core.errors import AgentError, error_text
from agents_backend.core.identity import SessionUser, process_identity
from agents_backend.core.metrics import REPLY_TAKEOVERS
from agents_backend.integrations.openai_client import LLMError, OpenAIChat, TokenUsage
from agents_backend.nlu.engine import NLUEngine
from agents_backend.nlu.models import NLUResult
from agents_backend.tasks.extraction import TaskCreator
from agents_backend.tasks.service import AutoCreateSwitches
from agents_backend.usage.service import record_usage, tokens_used_today

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Accepted:
    """A message taken in: its ack, the stored message, and whether this call stored it
    (False: a resend of one stored before)."""

    ack: Ack
    message: ChatMessage
    created: bool


@dataclass(frozen=True)
class CoreLimits:
    context_messages: int = 10
    max_message_chars: int = 4000
    summary_messages: int = 50
    daily_token_budget: int = 0  # 0: unlimited
    # Replies this process generates at once; beyond it a message is refused (`busy`)
    # before it is stored, instead of joining a queue that ends in client timeouts.
    max_concurrent_replies: int = 256
    # After the first delta (sent at once: time to first token), deltas that arrive
    # within this many seconds of the last `agent:stream` are joined into the next one.
    # A fast model otherwise costs a socket frame per token; 20 updates a second is as
    # smooth as reading gets. The end of the stream always flushes.
    stream_interval: float = 0.05
    # How long a reply attempt's lease lasts unless renewed (see chat/reply.py).
    lease_seconds: float = 30.0
    # Model requests per message when the model calls tools, and each call's time limit.
    tool_max_rounds: int = 4
    tool_timeout_seconds: float = 10.0


class AgentCore:
    def __init__(
        self,
        *,
        db: Database,
        agents: AgentDirectory,
        switches: AutoCreateSwitches,
        nlu: NLUEngine,
        responder: Responder,
        chat: OpenAIChat | None,
        default_model: str,
        limits: CoreLimits,
        bot_chats: BotChats | None = None,
        tasks: TaskCreator | None = None,
        streams: StreamBuffer | None = None,
        stops: ReplyStops | None = None,
    ) -> None:
        self._db = db
        self._agents = agents
        self._switches = switches
        self._bot_chats = bot_chats
        self._nlu = nlu
        self._responder = responder
        self._chat = chat
        self._default_model = default_model
        self._limits = limits
        self._replies: set[asyncio.Task[None]] = set()
        self._turns = ConversationTurns()
        self._streams = streams if streams is not None else MemoryStreams()
        self._stops = stops if stops is not None else ReplyStops()
        self._gate: ReplyGate = always_answer
        self._services = ReplyServices(
            db=db,
            nlu=nlu,
            refine_with=chat,
            context_messages=limits.context_messages,
            stream_interval=limits.stream_interval,
            record_usage=self._record_usage,
            lease_owner=process_identity(),
            lease_seconds=limits.lease_seconds,
            streams=self._streams,
            tasks=tasks,
            stops=self._stops,
            gate=self._may_answer,
            handoff=self._hand_off,
            tool_max_rounds=limits.tool_max_rounds,
            tool_timeout=limits.tool_timeout_seconds,
        )
        self._handoff: HandoffHook | None = None
        self._controls = ReplyControls(self, db=db, stops=self._stops, turns=self._turns)

    # -- who answers: the agent, or a person of the team --------------------------------

    def gate_replies(self, gate: ReplyGate) -> None:
        """Asked before every reply (the inbox: not while a person holds the
        conversation); set once at start-up by the feature that knows."""
        self._gate = gate

    async def _may_answer(self, conversation: ConversationKey) -> bool:
        return await self._gate(conversation)

    def on_handoff(self, hook: HandoffHook) -> None:
        """How the model's `request_human` brings a person in (chat/handoff.py)."""
        self._handoff = hook

    def use_tools(self, toolbox: ToolBox) -> None:
        """The agent's tools its model may call (chat/tooling.py); set once at start-up
        by the runtime, which knows the features above chat that implement them."""
        self._services = dataclasses.replace(self._services, tools=toolbox)

    async def _hand_off(self, conversation: ConversationKey) -> None:
        if self._handoff is not None:
            await self._handoff(conversation)

    async def stop_replies(self, conversation: ConversationKey, reason: str) -> None:
        """Cuts the conversation's replies under way, on whichever process runs them."""
        await self._stops.stop(conversation, reason)

    async def forget_replies(self, conversation: ConversationKey) -> None:
        """Before a conversation is deleted: its replies under way stop and keep nothing
        (a reply stored after the delete would bring the conversation back). Waits, a
        moment at most, for this process's runs to end; another process's stop arrives
        through Redis as fast as any stop does."""
        await self._stops.stop(conversation, CONVERSATION_DELETED)
        for _ in range(50):
            if not self._stops.runs_here(conversation):
                return
            await asyncio.sleep(0.02)

    # -- agent:send -----------------------------------------------------------------

    async def send(self, user: SessionUser, payload: SendPayload, emitter: Emitter) -> Ack:
        self.admit(payload)
        agent, route = await self.answerer(user, payload.agent_key)
        accepted = await self.accept(user, agent, payload, emitter, route=route)
        return accepted.ack

    async def answerer(self, user: SessionUser, agent_key: str) -> tuple[AgentProfile, Route]:
        """The agent and who answers for it, refused before anything is stored: a bot
        whose key cannot be read, or a person out of their daily tokens."""
        agent = await self._agents.require(user_id=user.id, key=agent_key)
        route = self.route(agent)
        if not route.responder.offline:
            await self._check_budget(user)
        return agent, route

    # -- agent:stop, agent:regenerate, agent:edit (chat/controls.py) -----------------

    async def stop(self, user: SessionUser, payload: ReplyPayload) -> Ack:
        return await self._controls.stop(user, payload)

    async def regenerate(self, user: SessionUser, payload: ReplyPayload, emitter: Emitter) -> Ack:
        return await self._controls.regenerate(user, payload, emitter)

    async def edit(self, user: SessionUser, payload: EditPayload, emitter: Emitter) -> Ack:
        return await self._controls.edit(user, payload, emitter)

    def start_reply(self, run: ReplyRun) -> None:
        """Runs the reply once the conversation's replies before it have ended."""
        self._track(self._turns.take(run.conversation, run.run))

    def nlu_of(self, message: ChatMessage) -> NLUResult:
        """What NLU understood of a stored message (the rules again if nothing kept)."""
        if message.nlp:
            return NLUResult.model_validate(message.nlp)
        return self._nlu.analyze_rules(message.text)

    @property
    def reply_services(self) -> ReplyServices:
        return self._services

    async def accept(
        self,
        user: SessionUser,
        agent: AgentProfile,
        payload: SendPayload,
        emitter: Emitter,
        *,
        route: Route,
        refusal: ErrorCode | None = None,
        answer: bool = True,
        nlu: NLUResult | None = None,
        edits: str | None = None,
    ) -> Accepted:
        """Stores the message (once per clientMessageId) and starts its reply.

        With a `refusal` (a published bot out of budget) the message is still kept and
        acknowledged, but not answered: marked failed, and the conversation told why.
        `user` is whose conversation it is (a bot's owner for its website visitors).
        Without `answer` (a person holds the conversation) it is stored and answered by
        no model: the person reads it and writes back."""
        nlu = nlu or self._nlu.analyze_rules(payload.message)
        message, created = await messages.insert_user_message(
            db=self._db,
            user_id=user.id,
            agent_key=agent.key,
            contact_id=payload.contact_id,
            text=payload.message,
            client_message_id=payload.client_message_id,
            nlp=nlu.model_dump(mode="json"),
            lease=self._services.lease(),
            edits=edits,
        )
        if not created and (message.agent_key, message.contact_id) != (
            agent.key,
            payload.contact_id,
        ):
            raise AgentError(ErrorCode.CLIENT_MESSAGE_ID_REUSED, language=i18n.pick(nlu.language))
        if created:
            await emitter.to_user(user.id, message.to_event())
        if not answer:
            if created:
                await messages.finish_reply(
                    db=self._db, message_id=message.id, state=messages.ReplyState.DONE
                )
            return self._accepted(message, created)
        if refusal is not None:
            # A resend of a refused message is told again; one answered meanwhile is not.
            if created or message.reply_state == messages.ReplyState.FAILED:
                await self._refuse_reply(user, message, nlu, refusal, emitter, mark=created)
            return self._accepted(message, created)
        # A new message is stored already claimed (generating, under our lease); a resend
        # claims it only if its last attempt failed or its process died (lease expired).
        claimed = message if created else await self._claim(message.id, by="resend")
        if claimed is not None:
            self.start_reply(ReplyRun(self._services, user, agent, claimed, nlu, emitter, route))
        return self._accepted(message, created)

    @staticmethod
    def _accepted(message: ChatMessage, created: bool) -> Accepted:
        ack = SendAck(message_id=message.id, duplicate=not created).to_wire()
        return Accepted(ack=ack, message=message, created=created)

    async def _refuse_reply(
        self,
        user: SessionUser,
        message: ChatMessage,
        nlu: NLUResult,
        code: ErrorCode,
        emitter: Emitter,
        *,
        mark: bool,
    ) -> None:
        if mark:
            await messages.finish_reply(
                db=self._db, message_id=message.id, state=messages.ReplyState.FAILED
            )
        language = i18n.pick(nlu.language, user.language)
        await emitter.to_user(
            user.id,
            AgentErrorEvent(
                agent_key=message.agent_key,
                contact_id=message.contact_id,
                error=error_text(language, code),
                code=code,
                message_id=message.id,
            ),
        )

    async def _claim(self, message_id: str, *, by: str) -> ChatMessage | None:
        """A resend may also retry a failed reply; the sweeper takes only dead ones."""
        claim = await messages.claim_reply(
            db=self._db,
            message_id=message_id,
            lease=self._services.lease(),
            now=messages.now_ms(),
            retry=by == "resend",
        )
        if claim is None:
            return None
        if claim.took_over:
            REPLY_TAKEOVERS.labels(by=by).inc()
        return claim.message

    # -- taking over replies whose process died (chat/recovery.py) ------------------

    def has_capacity(self) -> bool:
        return len(self._replies) < self._limits.max_concurrent_replies

    async def take_over(self, message_id: str, emitter: Emitter) -> bool:
        """Answers a message whose reply lost its process, if this process wins it."""
        claimed = await self._claim(message_id, by="sweep")
        if claimed is None:
            return False  # another process was first, or the reply finished meanwhile
        user = await session_user(db=self._db, user_id=claimed.user_id)
        agent = await self._agents.find(user_id=claimed.user_id, key=claimed.agent_key)
        if user is None or agent is None:  # the account or the bot is gone
            await messages.finish_reply(
                db=self._db, message_id=claimed.id, state=messages.ReplyState.FAILED
            )
            return False
        nlu = self.nlu_of(claimed)
        try:
            route = self.route(agent)
        except AgentError:
            await messages.finish_reply(
                db=self._db, message_id=claimed.id, state=messages.ReplyState.FAILED
            )
            return False
        self.start_reply(ReplyRun(self._services, user, agent, claimed, nlu, emitter, route))
        return True

    async def abandon(self, message: ChatMessage, emitter: Emitter) -> bool:
        """A reply out of attempts: marked failed, and the person told (with a retry)."""
        if not await messages.give_up(db=self._db, message_id=message.id, now=messages.now_ms()):
            return False
        if message.reply_id is not None:  # what the last attempt streamed is no reply
            conversation = ConversationKey(message.user_id, message.agent_key, message.contact_id)
            stream = StreamId(conversation, message.reply_id, message.id, message.attempts)
            await StreamRecorder(self._streams, stream).finish()
        user = await session_user(db=self._db, user_id=message.user_id)
        language = i18n.pick((message.nlp or {}).get("language"), user.language if user else None)
        await emitter.to_user(
            message.user_id,
            AgentErrorEvent(
                agent_key=message.agent_key,
                contact_id=message.contact_id,
                error=error_text(language, ErrorCode.REPLY_FAILED),
                code=ErrorCode.REPLY_FAILED,
                message_id=message.id,
            ),
        )
        return True

    async def streaming(self, *, user_id: str, agent_key: str, contact_id: str) -> list[Snapshot]:
        """The conversation's replies still streaming, as far as they have come (for a
        page loaded mid-stream); none when the buffer cannot be read."""
        try:
            return await self._streams.snapshots(ConversationKey(user_id, agent_key, contact_id))
        except RedisError:
            logger.warning("stream buffer unavailable; history without streaming replies")
            return []

    async def still_streaming(
        self, *, user_id: str, agent_key: str, contact_id: str, shown: list[ChatMessage]
    ) -> list[StreamingReply]:
        """The conversation's replies streaming now that `shown` (a page of history
        read just before) does not hold finished."""
        snapshots = await self.streaming(
            user_id=user_id, agent_key=agent_key, contact_id=contact_id
        )
        stored = {m.id for m in shown if m.author == "agent" and not m.incomplete}
        return [s.to_reply() for s in snapshots if s.reply_id not in stored]

    def understand(self, text: str) -> NLUResult:
        """The rule NLU's reading of a message (instant; no model)."""
        return self._nlu.analyze_rules(text)

    def admit(self, payload: SendPayload | EditPayload) -> None:
        """Refusals that come before anything is stored, so nothing is lost."""
        if len(payload.message) > self._limits.max_message_chars:
            raise AgentError(ErrorCode.MESSAGE_TOO_LONG, max=self._limits.max_message_chars)
        if len(self._replies) >= self._limits.max_concurrent_replies:
            # The person's message was never taken, and the client can send it again
            # (same clientMessageId) shortly.
            raise AgentError(ErrorCode.BUSY, retry_after=1)

    async def _check_budget(self, user: SessionUser) -> None:
        budget = self._limits.daily_token_budget
        if budget and await tokens_used_today(db=self._db, user_id=user.id) >= budget:
            raise AgentError(ErrorCode.TOKEN_BUDGET_EXCEEDED)

    def _track(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._replies.add(task)
        task.add_done_callback(self._replies.discard)
        task.add_done_callback(_log_failure)

    async def drain(self, timeout: float) -> None:
        """Lets in-flight replies finish (graceful shutdown); the ones that cannot are cut
        and handed over (their text kept, their lease released) before the database
        closes, so another process or the next start finishes them."""
        pending = set(self._replies)
        if not pending:
            return
        _done, late = await asyncio.wait(pending, timeout=timeout)
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(late, timeout=5.0)

    def _record_usage(
        self, conversation: ConversationKey, model: str | None, usage: TokenUsage | None
    ) -> None:
        record_usage(
            db=self._db,
            user_id=conversation.user_id,
            model=model,
            usage=usage,
            agent_key=conversation.agent_key,
            contact_id=conversation.contact_id,
        )

    def route(self, agent: AgentProfile) -> Route:
        """A bot with its own OpenAI key answers (and extracts tasks) through its own client.

        Its owner pays for its replies; every other agent uses the server's responder.
        """
        own = self._bot_chats.chat_for(agent) if self._bot_chats is not None else None
        if own is None:
            return Route(self._responder, self._chat)
        return Route(OpenAIResponder(chat=own, default_model=self._default_model), own)

    # -- agent:set-auto-create and agent:request-summary ---------------------------

    async def set_auto_create(
        self, user: SessionUser, payload: SetAutoCreatePayload, emitter: Emitter
    ) -> Ack:
        agent = await self._agents.require(user_id=user.id, key=payload.agent_key)
        enabled = await self._switches.set(
            user_id=user.id, agent_key=agent.key, enabled=payload.auto_create
        )
        await emitter.to_user(
            user.id, AutoCreateUpdatedEvent(agent_key=agent.key, auto_create=enabled)
        )
        return AutoCreateAck(agent_key=agent.key, auto_create=enabled).to_wire()

    async def request_summary(
        self, user: SessionUser, payload: ConversationPayload, emitter: Emitter
    ) -> Ack:
        agent = await self._agents.require(user_id=user.id, key=payload.agent_key)
        history = await messages.recent_messages(
            db=self._db,
            user_id=user.id,
            agent_key=agent.key,
            contact_id=payload.contact_id,
            limit=self._limits.summary_messages,
        )
        model = agent.model or self._default_model
        try:
            text, offline, usage = await summarize(
                messages=history, chat=self.route(agent).chat, model=model
            )
        except LLMError as exc:
            raise AgentError(exc.code, language=conversation_language(history)) from exc
        self._record_usage(ConversationKey(user.id, agent.key, payload.contact_id), model, usage)
        summary = SummaryEvent(
            agent_key=agent.key, contact_id=payload.contact_id, summary=text, offline=offline
        )
        await emitter.to_user(user.id, summary)
        return OkAck().to_wire()


def _log_failure(task: asyncio.Task[None]) -> None:
    """A reply task that died of a bug says so (nobody awaits it to see)."""
    if not task.cancelled() and task.exception() is not None:
        logger.error("a reply task failed", exc_info=task.exception())
