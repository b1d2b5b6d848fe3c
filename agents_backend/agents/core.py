"""AgentCore: one exchange from a person's message to the agent's streamed reply.

The user's message is stored (and acknowledged) before any model is called, so a failed
reply never loses what they wrote. The reply runs as a tracked background task: the ack
goes back at once, and shutdown can wait for replies still streaming.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from bson import ObjectId
from pymongo.errors import PyMongoError

from agents_backend.agents.bot_chats import BotChats
from agents_backend.agents.context_loader import load_context
from agents_backend.agents.errors import AgentError
from agents_backend.agents.nlu import NLUEngine
from agents_backend.agents.nlu_models import Intent, NLUResult
from agents_backend.agents.responders import OpenAIResponder, ReplyRequest, Responder
from agents_backend.agents.stream_pacer import StreamPacer
from agents_backend.agents.suggestions import suggest
from agents_backend.agents.summary import summarize
from agents_backend.agents.tasks import TaskCreator
from agents_backend.database import Database
from agents_backend.domain import AgentProfile, ChatMessage, SessionUser
from agents_backend.events import (
    ConversationPayload,
    SendPayload,
    ServerEvent,
    SetAutoCreatePayload,
)
from agents_backend.integrations.openai_client import LLMError, OpenAIChat, TokenUsage
from agents_backend.store import agent_settings, messages
from agents_backend.store.agents import get_agent_for_user
from agents_backend.store.usage import record_usage, tokens_used_today

logger = logging.getLogger(__name__)

Ack = dict[str, Any]


class Emitter(Protocol):
    """How the core reaches a person's sockets; the socket layer implements it."""

    async def to_user(self, user_id: str, event: ServerEvent, data: dict[str, Any]) -> None: ...


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


class AgentCore:
    def __init__(
        self,
        *,
        db: Database,
        nlu: NLUEngine,
        responder: Responder,
        chat: OpenAIChat | None,
        default_model: str,
        limits: CoreLimits,
        bot_chats: BotChats | None = None,
        tasks: TaskCreator | None = None,
    ) -> None:
        self._db = db
        self._bot_chats = bot_chats
        self._tasks = tasks
        self._nlu = nlu
        self._responder = responder
        self._chat = chat
        self._default_model = default_model
        self._limits = limits
        self._replies: set[asyncio.Task[None]] = set()

    # -- agent:send -----------------------------------------------------------------

    async def send(self, user: SessionUser, payload: SendPayload, emitter: Emitter) -> Ack:
        if len(payload.message) > self._limits.max_message_chars:
            raise AgentError(
                "message_too_long",
                f"Message is longer than {self._limits.max_message_chars} characters.",
            )
        if len(self._replies) >= self._limits.max_concurrent_replies:
            # Before anything is stored: the person's message is not lost, it was never
            # taken, and the client can send it again (same clientMessageId) shortly.
            raise AgentError(
                "busy",
                "The agents are answering too many messages right now; "
                "please send yours again in a few seconds.",
                retry_after=1,
            )
        agent = await self._agent(user, payload.agent_key)
        # Before storing: a bot whose key cannot be read fails now, not after the ack.
        responder, chat = self._route(agent)
        if not responder.offline:
            await self._check_budget(user)
        nlu = self._nlu.analyze_rules(payload.message)
        message, created = await messages.insert_user_message(
            db=self._db,
            user_id=user.id,
            agent_key=agent.key,
            contact_id=payload.contact_id,
            text=payload.message,
            client_message_id=payload.client_message_id,
            nlp=nlu.model_dump(mode="json"),
        )
        if not created and (message.agent_key, message.contact_id) != (
            agent.key,
            payload.contact_id,
        ):
            raise AgentError(
                "client_message_id_reused",
                "This clientMessageId was already used for another conversation.",
            )
        if created:
            await emitter.to_user(user.id, ServerEvent.MESSAGE, message.to_event())
        # A new message is stored already claimed (generating); a resend claims it only
        # if its last attempt failed.
        if created or await messages.claim_reply(db=self._db, message_id=message.id):
            self._track(self._reply(user, agent, message, nlu, emitter, responder, chat))
        return {"ok": True, "messageId": message.id, "duplicate": not created}

    async def _check_budget(self, user: SessionUser) -> None:
        """Refuses before anything is stored or sent to the model, so nothing is lost."""
        budget = self._limits.daily_token_budget
        if budget and await tokens_used_today(db=self._db, user_id=user.id) >= budget:
            raise AgentError(
                "token_budget_exceeded",
                "You have used today's AI budget; it renews at midnight UTC.",
            )

    def _track(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._replies.add(task)
        task.add_done_callback(self._replies.discard)

    async def drain(self, timeout: float) -> None:
        """Lets in-flight replies finish (graceful shutdown), then cancels stragglers."""
        pending = set(self._replies)
        if not pending:
            return
        _done, late = await asyncio.wait(pending, timeout=timeout)
        for task in late:
            task.cancel()

    async def _reply(
        self,
        user: SessionUser,
        agent: AgentProfile,
        message: ChatMessage,
        nlu: NLUResult,
        emitter: Emitter,
        responder: Responder,
        chat: OpenAIChat | None,
    ) -> None:
        conversation = {"agentKey": agent.key, "contactId": message.contact_id}

        def emit(event: ServerEvent, data: dict[str, Any]) -> Awaitable[None]:
            return emitter.to_user(user.id, event, {**conversation, **data})

        refined: asyncio.Task[NLUResult] | None = None
        if self._chat is not None and self._nlu.should_refine(nlu):
            # Runs beside the reply stream, so refining adds no latency to the answer.
            refined = asyncio.ensure_future(
                self._nlu.refine(
                    message.text,
                    nlu,
                    on_usage=lambda model, spent: self._record_usage(user, model, spent),
                )
            )
        reply_id = str(ObjectId())
        parts: list[str] = []
        await emit(ServerEvent.TYPING, {"typing": True})
        usage: TokenUsage | None = None
        try:
            history = await load_context(
                db=self._db, message=message, limit=self._limits.context_messages
            )
            request = ReplyRequest(agent=agent, history=history, message=message, nlu=nlu)
            pacer = StreamPacer(self._limits.stream_interval)
            try:
                async for piece in responder.reply(request):
                    if isinstance(piece, TokenUsage):
                        usage = piece
                        continue
                    parts.append(piece)
                    delta = pacer.take(piece)
                    if delta:
                        await emit(ServerEvent.STREAM, {"id": reply_id, "delta": delta})
            finally:
                # What was held back is sent before the reply, or before a failure.
                if rest := pacer.rest():
                    await emit(ServerEvent.STREAM, {"id": reply_id, "delta": rest})
            model = responder.model_for(agent)
            self._record_usage(user, model, usage)
            usage = None  # counted
            # The reply and the question's state are queued together, so one group
            # commit flush carries both (store/group_commit.py); both have landed before
            # the reply is shown or a failure is handled.
            writes: list[Awaitable[ChatMessage | None]] = [
                self._store_reply(user, agent, message, reply_id, parts, False, responder)
            ]
            if refined is None:  # else the state is written with the refined NLU below
                writes.append(self._finish_now(message))
            outcomes = await asyncio.gather(*writes, return_exceptions=True)
            failure = next((o for o in outcomes if isinstance(o, BaseException)), None)
            if failure is not None:
                raise failure
            reply = outcomes[0]
            assert isinstance(reply, ChatMessage)
            await emit(ServerEvent.MESSAGE, reply.to_event())
            final_nlu = nlu
            if refined is not None:
                final_nlu = await refined
                await messages.finish_reply(
                    db=self._db,
                    message_id=message.id,
                    state=messages.ReplyState.DONE,
                    nlp=final_nlu.model_dump(mode="json"),
                )
            await self._after_reply(agent, message, final_nlu, reply, emit)
            await self._create_tasks(agent, message, final_nlu, reply, chat, model, emit)
        except LLMError as exc:
            await self._fail(
                user, agent, message, reply_id, parts, exc.code, exc.message, emit, responder
            )
            # A stream that broke after the model reported its usage still spent those
            # tokens; the daily budget must count them.
            self._record_usage(user, responder.model_for(agent), usage)
        except PyMongoError:
            logger.exception("database failure while replying")
            await self._fail(
                user,
                agent,
                message,
                reply_id,
                parts,
                "unavailable",
                "The database is unavailable; please try again shortly.",
                emit,
                responder,
            )
        finally:
            if refined is not None and not refined.done():
                refined.cancel()
            await emit(ServerEvent.TYPING, {"typing": False})

    async def _finish_now(self, message: ChatMessage) -> None:
        await messages.finish_reply(
            db=self._db, message_id=message.id, state=messages.ReplyState.DONE
        )

    def _record_usage(self, user: SessionUser, model: str | None, usage: TokenUsage | None) -> None:
        record_usage(db=self._db, user_id=user.id, model=model, usage=usage)

    async def _store_reply(
        self,
        user: SessionUser,
        agent: AgentProfile,
        message: ChatMessage,
        reply_id: str,
        parts: list[str],
        incomplete: bool,
        responder: Responder,
    ) -> ChatMessage:
        return await messages.insert_agent_message(
            db=self._db,
            user_id=user.id,
            agent_key=agent.key,
            contact_id=message.contact_id,
            text="".join(parts),
            message_id=reply_id,
            reply_to=message.id,
            offline=responder.offline,
            incomplete=incomplete,
            model=responder.model_for(agent),
        )

    async def _after_reply(
        self,
        agent: AgentProfile,
        message: ChatMessage,
        nlu: NLUResult,
        reply: ChatMessage,
        emit: Callable[[ServerEvent, dict[str, Any]], Awaitable[None]],
    ) -> None:
        await emit(
            ServerEvent.SUGGESTIONS,
            {
                "replyTo": reply.id,
                "suggestions": suggest(agent=agent, nlu=nlu, reply_text=reply.text),
            },
        )
        if nlu.intent is Intent.SCHEDULE_MEETING and agent.scheduling_enabled:
            await emit(
                ServerEvent.SHOW_SLOT_PICKER,
                {
                    "messageId": message.id,
                    "email": nlu.email,
                    "phone": nlu.phone,
                    "suggestedDate": nlu.date,
                    "suggestedTime": nlu.time,
                },
            )

    def _route(self, agent: AgentProfile) -> tuple[Responder, OpenAIChat | None]:
        """A bot with its own OpenAI key answers (and extracts tasks) through its own client.

        Its owner pays for its replies; every other agent uses the server's responder.
        """
        own = self._bot_chats.chat_for(agent) if self._bot_chats is not None else None
        if own is None:
            return self._responder, self._chat
        return OpenAIResponder(chat=own, default_model=self._default_model), own

    async def _create_tasks(
        self,
        agent: AgentProfile,
        message: ChatMessage,
        nlu: NLUResult,
        reply: ChatMessage,
        chat: OpenAIChat | None,
        model: str | None,
        emit: Callable[[ServerEvent, dict[str, Any]], Awaitable[None]],
    ) -> None:
        """Auto-created tasks; the reply is already delivered, so a failure here is only
        reported, never turned into a failed reply."""
        if self._tasks is None:
            return
        try:
            created = await self._tasks.from_exchange(
                agent=agent, message=message, reply=reply, nlu=nlu, chat=chat, model=model
            )
        except PyMongoError:
            logger.exception("could not store the tasks of message %s", message.id)
            await emit(
                ServerEvent.ERROR,
                {
                    "error": "The tasks of this message could not be saved.",
                    "code": "task_not_created",
                    "messageId": message.id,
                },
            )
            return
        for task in created:
            await emit(ServerEvent.TASK_CREATED, {"task": task.to_event()})

    async def _fail(
        self,
        user: SessionUser,
        agent: AgentProfile,
        message: ChatMessage,
        reply_id: str,
        parts: list[str],
        code: str,
        text: str,
        emit: Callable[[ServerEvent, dict[str, Any]], Awaitable[None]],
        responder: Responder,
    ) -> None:
        """The user's message stays; a partial reply is kept, marked incomplete."""
        try:
            if parts:
                partial = await self._store_reply(
                    user, agent, message, reply_id, parts, True, responder
                )
                await emit(ServerEvent.MESSAGE, partial.to_event())
            await messages.finish_reply(
                db=self._db, message_id=message.id, state=messages.ReplyState.FAILED
            )
        except PyMongoError:
            logger.exception("could not record the failed reply")
        await emit(ServerEvent.ERROR, {"error": text, "code": code, "messageId": message.id})

    # -- agent:set-auto-create and agent:request-summary ---------------------------

    async def set_auto_create(
        self, user: SessionUser, payload: SetAutoCreatePayload, emitter: Emitter
    ) -> Ack:
        agent = await self._agent(user, payload.agent_key)
        enabled = await agent_settings.set_auto_create(
            db=self._db, user_id=user.id, agent_key=agent.key, enabled=payload.auto_create
        )
        if self._tasks is not None:
            self._tasks.remember_auto_create(user_id=user.id, agent_key=agent.key, enabled=enabled)
        data = {"agentKey": agent.key, "autoCreate": enabled}
        await emitter.to_user(user.id, ServerEvent.AUTO_CREATE_UPDATED, data)
        return {"ok": True, **data}

    async def request_summary(
        self, user: SessionUser, payload: ConversationPayload, emitter: Emitter
    ) -> Ack:
        agent = await self._agent(user, payload.agent_key)
        history = await messages.recent_messages(
            db=self._db,
            user_id=user.id,
            agent_key=agent.key,
            contact_id=payload.contact_id,
            limit=self._limits.summary_messages,
        )
        model = agent.model or self._default_model
        _responder, chat = self._route(agent)
        try:
            text, offline, usage = await summarize(messages=history, chat=chat, model=model)
        except LLMError as exc:
            raise AgentError(exc.code, exc.message) from exc
        self._record_usage(user, model, usage)
        data = {
            "agentKey": agent.key,
            "contactId": payload.contact_id,
            "summary": text,
            "offline": offline,
        }
        await emitter.to_user(user.id, ServerEvent.SUMMARY, data)
        return {"ok": True}

    async def _agent(self, user: SessionUser, key: str) -> AgentProfile:
        agent = await get_agent_for_user(db=self._db, user_id=user.id, key=key)
        if agent is None:
            raise AgentError("agent_not_found", f"No agent '{key}' is available to you.")
        return agent
