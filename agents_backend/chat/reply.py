"""One reply run: from a stored message to the agent's streamed, stored reply.

A run streams the responder's text to every socket of the person, stores the reply
together with the question's reply state, then offers suggestions, the slot picker and
auto-created tasks. When the model or the database fails, the text that did arrive is
kept as an incomplete reply, the question is marked failed (so a resend retries it),
and the person is told. One object per run keeps that state together instead of
threading it through every step as parameters.

A run holds a lease on its message (chat/store.py), renewed while it streams together
with the text so far. If its process dies, the lease expires and another attempt (a
resend, or any process's sweeper: chat/recovery.py) takes the message over, keeps the
cut text as an incomplete reply under the same id, and streams a fresh one in its place.
If the lease is taken while this run still lives (it stalled past the expiry), it stops
without storing anything: the message has one answer. A shutdown that must cut the run
hands it over: the text so far is kept and the lease released at once.

Each delta is written to the stream buffer (chat/streams.py) before it is emitted, so a
page loaded mid-stream, on any process, shows the reply so far and continues it.

One reply at a time per conversation: a run may be given the run before it (`after`)
and waits for it to end, lease renewed, before it answers; so a message sent while a
reply streams is answered after it, and reads it. A run can be stopped (chat/stops.py):
by the person (Stop: the text so far is the reply, marked `stopped`), by an edit that
supersedes the exchange (kept, superseded), or by a person of the team taking the
conversation (kept as incomplete). Stopping cancels the task, which closes the model's
HTTP stream, so the provider stops generating.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

from bson import ObjectId
from pymongo.errors import PyMongoError

from agents_backend.bots.models import AgentProfile
from agents_backend.chat import handoff, revisions
from agents_backend.chat import store as messages
from agents_backend.chat.claims import ClaimGuard
from agents_backend.chat.context import load_context
from agents_backend.chat.estimates import estimate_usage
from agents_backend.chat.handoff import HandoffHook
from agents_backend.chat.models import ChatMessage
from agents_backend.chat.pacing import StreamPacer
from agents_backend.chat.responders import ReplyRequest, Responder
from agents_backend.chat.stops import ReplyStops
from agents_backend.chat.streams import ConversationKey, StreamBuffer, StreamId, StreamRecorder
from agents_backend.chat.suggestions import suggest
from agents_backend.chat.tool_rounds import (
    SCHEDULING_TOOLS,
    ToolRounds,
    add_usage,
    next_request,
    tool_names,
)
from agents_backend.chat.tooling import ToolBox, ToolContext
from agents_backend.contract import (
    AgentErrorEvent,
    ErrorCode,
    Language,
    ServerPayload,
    ShowSlotPickerEvent,
    StreamEvent,
    SuggestionsEvent,
    TaskCreatedEvent,
    ToolName,
    ToolOutcome,
    ToolStatusEvent,
    TypingEvent,
)
from agents_backend.core import i18n
from agents_backend.core.database import Database
from agents_backend.core.emitter import Emitter
from agents_backend.core.errors import error_text
from agents_backend.core.identity import SessionUser
from agents_backend.core.metrics import REPLY_LEASES_LOST
from agents_backend.core.visitor_ids import is_visitor_conversation
from agents_backend.integrations.openai_client import LLMError, OpenAIChat, TokenUsage, ToolCall
from agents_backend.nlu.engine import NLUEngine
from agents_backend.nlu.models import Intent, NLUResult
from agents_backend.tasks.extraction import TaskCreator

logger = logging.getLogger(__name__)

UsageRecorder = Callable[[ConversationKey, str | None, TokenUsage | None], None]
# Whether the agent may answer in a conversation now (a person may hold it instead).
ReplyGate = Callable[[ConversationKey], Awaitable[bool]]


async def always_answer(_conversation: ConversationKey) -> bool:
    return True


# Why a run is stopped (`ReplyRun.stop`); any other reason is a takeover by the team.
STOPPED_BY_PERSON = "stopped"
SUPERSEDED_BY_EDIT = "superseded"
# The person deleted the conversation: nothing of the reply is kept.
CONVERSATION_DELETED = "deleted"
# The gate, asked again while the reply streams, says a person holds the conversation
# now (a takeover whose stop this process did not hear: see `_keep_lease`).
SILENCED = "silenced"


@dataclass(frozen=True)
class Route:
    """Who answers an agent: the server's responder, or a bot's own key."""

    responder: Responder
    chat: OpenAIChat | None


@dataclass(frozen=True)
class ReplyServices:
    """What every run shares; built once by the core."""

    db: Database
    nlu: NLUEngine
    refine_with: OpenAIChat | None
    context_messages: int
    stream_interval: float
    record_usage: UsageRecorder
    lease_owner: str
    lease_seconds: float
    streams: StreamBuffer
    tasks: TaskCreator | None = None
    stops: ReplyStops = field(default_factory=ReplyStops)
    gate: ReplyGate = always_answer
    # How often a streaming run asks the gate again (seconds): the backstop for a stop
    # published on Redis while this process's subscription was not listening.
    gate_recheck_seconds: float = 1.0
    # How the model's `request_human` asks for a person (chat/handoff.py); offered to the
    # model in website visitors' conversations only.
    handoff: HandoffHook | None = None
    # The agent's tools (availability, booking, tasks...; chat/tooling.py): offered to a
    # model, never to the offline responder. None until the runtime hands them over.
    tools: ToolBox | None = None
    tool_max_rounds: int = 4
    tool_timeout: float = 10.0  # seconds one tool call may take

    def lease(self) -> messages.Lease:
        """A lease from now, held by this process."""
        return messages.Lease(self.lease_owner, messages.now_ms() + int(self.lease_seconds * 1000))


@dataclass(eq=False)  # one run is one object: hashable by identity (chat/stops.py)
class ReplyRun:
    services: ReplyServices
    user: SessionUser
    agent: AgentProfile
    message: ChatMessage
    nlu: NLUResult
    emitter: Emitter
    route: Route
    parts: list[str] = field(default_factory=list)
    usage: TokenUsage | None = None
    usage_counted: bool = False
    # What was asked of the model (the tokens of a stopped reply are estimated from it).
    request: ReplyRequest | None = None
    seq: int = 0
    lease_lost: bool = False
    # The message's outcome (reply or failure) is stored: the lease is no longer needed,
    # and what follows (suggestions, tasks) is not the reply and is never handed over.
    settled: bool = False
    # Why a person stopped this run (a takeover); None while it runs on.
    stop_reason: str | None = None
    # The run is ending (keeping its cut, or handing over): a later stop has no effect.
    ending: bool = False
    task: asyncio.Task[None] | None = None
    # The model called `request_human`: once the reply is stored, a person is asked for.
    wants_person: bool = False
    # The model's tool rounds (chat/tool_rounds.py): the calls, and whether one booked.
    rounds: ToolRounds | None = None
    # The current round's text as the model wrote it, and whether its usage came.
    round_text: list[str] = field(default_factory=list)
    round_reported: bool = False
    model_said: str = ""  # the model's latest text (a later round's starts a paragraph)
    # Keeps booking claims the run cannot back out of the prose (chat/claims.py).
    guard: ClaimGuard | None = None
    # Messages stored before replies had ids of their own get one for this run.
    fallback_reply_id: str = field(default_factory=lambda: str(ObjectId()))
    recorder: StreamRecorder = field(init=False)

    def __post_init__(self) -> None:
        stream = StreamId(self.conversation, self.reply_id, self.message.id, self.attempt)
        self.recorder = StreamRecorder(self.services.streams, stream)

    @property
    def conversation(self) -> ConversationKey:
        return ConversationKey(self.user.id, self.agent.key, self.message.contact_id)

    @property
    def reply_id(self) -> str:
        """One id for the reply whatever the attempt, so a later one replaces a cut one."""
        return self.message.reply_id or self.fallback_reply_id

    @property
    def attempt(self) -> int:
        return self.message.attempts

    def emit(self, payload: ServerPayload) -> Awaitable[None]:
        return self.emitter.to_user(self.user.id, payload)

    @property
    def scope(self) -> dict[str, str]:
        """The conversation every event of this run belongs to."""
        return {"agent_key": self.agent.key, "contact_id": self.message.contact_id}

    @property
    def language(self) -> Language:
        """The conversation's: the language of the message being answered."""
        return i18n.pick(self.nlu.language, self.user.language)

    @property
    def model(self) -> str | None:
        return self.route.responder.model_for(self.agent)

    def stop(self, reason: str) -> bool:
        """The reply is cut where it is, and kept (see `_keep_stopped`). False when there
        is nothing to stop: its outcome is stored already, or it is ending.

        The cut is a cancellation of the run's task, which a library between here and the
        task may swallow (the likely cause of a takeover CI saw the agent talk through). So
        a stop holds regardless: the first reason stays, a stop asked again (the gate's
        recheck) cancels again, and the run checks itself at every piece the model sends
        (`_check_stopped`)."""
        if self.settled or self.ending or self.task is None or self.task.done():
            return False
        if self.stop_reason is None or reason == CONVERSATION_DELETED:
            self.stop_reason = reason  # a deleted conversation keeps nothing, whoever stopped
        self.task.cancel()
        return True

    def _check_stopped(self) -> None:
        """Stopped, the run takes nothing more from the model, even if the cancellation
        that should have ended it was lost on the way."""
        if self.stop_reason is not None:
            raise asyncio.CancelledError

    async def run(self, after: Collection[asyncio.Future[None]] = ()) -> None:
        """Answers the message once the runs `after` (the conversation's replies under
        way before it: chat/turns.py) have ended."""
        main = asyncio.current_task()
        assert main is not None
        self.task = main
        with self.services.stops.running(self.conversation, self):
            await self._run_turn(main, after)

    async def _run_turn(
        self, main: asyncio.Task[None], after: Collection[asyncio.Future[None]]
    ) -> None:
        keeper = asyncio.ensure_future(self._keep_lease(main))
        try:
            if after and not await self._wait_turn(after):
                return
            # Registered first, then the gate: a takeover either is seen here or, if it
            # comes later, stops this run (chat/stops.py).
            if not await self.services.gate(self.conversation):
                await self._mark(messages.ReplyState.DONE)
                return
            await self._answer()
        except asyncio.CancelledError:
            if self.settled:
                raise
            self.ending = True
            if self.stop_reason is not None:
                await asyncio.shield(self._keep_stopped())
                return
            if self.lease_lost:
                # Another process has the message: it answers, this run leaves no trace.
                REPLY_LEASES_LOST.inc()
                logger.warning("reply to %s stopped: its lease was taken", self.message.id)
                return
            await asyncio.shield(self._hand_over())
            raise
        finally:
            keeper.cancel()

    async def _keep_lease(self, main: asyncio.Task[None]) -> None:
        """Renews the lease (with the text so far) a few times per lease period, and
        between renewals asks the gate again. A takeover's stop reaches other processes
        as a Redis message, which a subscription that is reconnecting (or a read cut at
        its poll timeout) can miss; the conversation's stored status cannot be missed,
        so a run silenced that way still stops within `gate_recheck_seconds`."""
        loop = asyncio.get_running_loop()
        interval = self.services.lease_seconds / 3
        recheck = min(self.services.gate_recheck_seconds, interval)
        renew_at = loop.time() + interval
        while True:
            await asyncio.sleep(min(recheck, max(renew_at - loop.time(), 0.0)))
            if loop.time() < renew_at:
                await self._recheck_gate()
                continue
            renew_at = loop.time() + interval
            try:
                ours = await messages.renew_lease(
                    db=self.services.db,
                    message_id=self.message.id,
                    lease=self.services.lease(),
                    partial_reply="".join(self.parts),
                )
            except PyMongoError:
                logger.warning("could not renew the lease of %s", self.message.id)
                continue
            if not ours:
                # Taken by another process; once our outcome is stored it no longer
                # matters (the message is done), so nothing is cut.
                if not self.settled:
                    self.lease_lost = True
                    main.cancel()
                return

    async def _recheck_gate(self) -> None:
        if self.settled or self.ending:
            return
        try:
            may_answer = await self.services.gate(self.conversation)
        except PyMongoError:
            return  # asked again at the next recheck
        if not may_answer:
            self.stop(SILENCED)

    async def _wait_turn(self, after: Collection[asyncio.Future[None]]) -> bool:
        """Until the conversation's earlier replies have ended (whatever their outcome);
        then whether this message is still ours to answer (an edit may have superseded
        it). The lease is renewed meanwhile, so no sweeper takes a waiting message."""
        await asyncio.wait(after)
        return await revisions.still_to_answer(
            db=self.services.db, message_id=self.message.id, owner=self.services.lease_owner
        )

    async def _keep_stopped(self) -> None:
        """Stopped: the text so far stays, and the message is answered (no process takes
        it over to finish it). Stopped by the person (or by their edit of a later
        message), it is their reply, marked `stopped`; cut by an edit of this exchange,
        it is kept superseded (never shown); cut by a teammate taking the conversation,
        it is an incomplete reply. The tokens the model spent are counted."""
        text = "".join(self.parts)
        try:
            self._count_cut_usage()
            if self.stop_reason == CONVERSATION_DELETED:
                # Stored now, it would bring the deleted conversation back.
                await self.recorder.finish()
                return
            superseded = self.stop_reason == SUPERSEDED_BY_EDIT and await revisions.is_superseded(
                db=self.services.db, message_id=self.message.id
            )
            by_person = self.stop_reason in (STOPPED_BY_PERSON, SUPERSEDED_BY_EDIT)
            if text:
                kept = await self._store_text(
                    text,
                    incomplete=not by_person,
                    replace=True,
                    stopped=by_person,
                    superseded=superseded,
                )
                if not superseded:
                    await self.emit(kept.to_event())
            await self.recorder.finish()
            await self._mark(messages.ReplyState.DONE)
        except Exception:
            logger.exception("could not keep the stopped reply to %s", self.message.id)

    def _count_cut_usage(self) -> None:
        """A stream cut before its usage chunk: the provider still spent tokens on the
        prompt and on what it generated; they are estimated (chat/estimates.py)."""
        if self.usage_counted:
            return
        # The rounds that finished reported theirs; only the one cut is estimated.
        usage = self.usage
        if not self.round_reported and self.request is not None:
            cut = "".join(self.round_text)
            estimate = estimate_usage(self.request.prompt(), cut, pieces=len(self.round_text))
            usage = add_usage(usage, estimate)
        self.services.record_usage(self.conversation, self.model, usage)
        self.usage_counted = True

    async def _hand_over(self) -> None:
        """Shutdown cut this run: the text so far is kept, and the message is left (lease
        released) for another process or the next start to finish."""
        text = "".join(self.parts)
        try:
            if text:
                kept = await self._store_text(text, incomplete=True, replace=True)
                await self.emit(kept.to_event())
            await self.recorder.finish()
            await messages.release_lease(
                db=self.services.db,
                message_id=self.message.id,
                owner=self.services.lease_owner,
                partial_reply=text,
            )
            error = error_text(self.language, ErrorCode.REPLY_INTERRUPTED)
            await self.emit(
                AgentErrorEvent(
                    **self.scope,
                    error=error,
                    code=ErrorCode.REPLY_INTERRUPTED,
                    message_id=self.message.id,
                )
            )
        except Exception:
            logger.exception("could not hand over the reply to %s", self.message.id)

    async def _answer(self) -> None:
        refined = self._start_refining()
        await self.emit(TypingEvent(**self.scope, typing=True))
        try:
            await self._keep_what_was_cut()
            await self._stream()
            self.services.record_usage(self.conversation, self.model, self.usage)
            self.usage_counted = True
            if self.wants_person and not self.parts:
                # Nothing to say: the inbox's notice tells the visitor a person is coming.
                await self._settle_without_reply(refined)
            else:
                reply = await self._store(refined)
                final_nlu = await self._finish_nlu(refined)
                await self._follow_up(final_nlu, reply)
            if self.wants_person and self.services.handoff is not None:
                await self.services.handoff(self.conversation)
        except LLMError as exc:
            await self._fail(exc.code)
            # A stream that broke after the model reported its usage still spent those
            # tokens; the daily budget must count them.
            self.services.record_usage(self.conversation, self.model, self.usage)
            self.usage_counted = True
        except PyMongoError:
            logger.exception("database failure while replying")
            await self._fail(ErrorCode.UNAVAILABLE)
        finally:
            if refined is not None and not refined.done():
                refined.cancel()
            await self.emit(TypingEvent(**self.scope, typing=False))

    def _start_refining(self) -> asyncio.Task[NLUResult] | None:
        """Model-refined NLU runs beside the reply stream, so it adds no latency."""
        nlu = self.services.nlu
        if self.services.refine_with is None or not nlu.should_refine(self.nlu):
            return None
        return asyncio.ensure_future(
            nlu.refine(
                self.message.text,
                self.nlu,
                on_usage=lambda model, spent: self.services.record_usage(
                    self.conversation, model, spent
                ),
            )
        )

    async def _stream(self) -> None:
        """Streams the reply: one model request, or several when the model calls the
        agent's tools (chat/tool_rounds.py); one reply id, one `seq` across them."""
        history = await load_context(
            db=self.services.db, message=self.message, limit=self.services.context_messages
        )
        offers_person = self.services.handoff is not None and is_visitor_conversation(
            self.message.contact_id
        )
        offered = await self._offered_tools()
        self.rounds = ToolRounds(
            toolbox=self.services.tools if offered else None,
            offered=frozenset(tool_names(offered)),
            timeout=self.services.tool_timeout,
        )
        request = ReplyRequest(
            agent=self.agent,
            history=history,
            message=self.message,
            nlu=self.nlu,
            tools=[*([handoff.TOOL] if offers_person else []), *offered],
        )
        if not self.route.responder.offline and self.agent.scheduling_enabled:
            self.guard = ClaimGuard(i18n.text(self.language, "booking.notBookedYet"))
        pacer = StreamPacer(self.services.stream_interval)
        over_limit = False
        try:
            for round_number in range(1, self.services.tool_max_rounds + 1):
                calls = await self._stream_round(request, pacer, offers_person)
                own = self.rounds.own(calls)
                if not own:
                    break
                if rest := pacer.rest():  # the person reads it while the tools run
                    await self._send_delta(rest)
                if round_number == self.services.tool_max_rounds:
                    self.rounds.refuse_over_limit(own)
                    over_limit = True
                    break
                context = self._tool_context(history)
                results = await self.rounds.run(own, context, self._tool_status)
                if self.guard is not None:
                    self.guard.booked = self.rounds.booked
                request = next_request(request, "".join(self.round_text), own, results)
            if self.guard is not None:
                await self._show(self.guard.finish(), pacer)
            if over_limit:
                limit = error_text(self.language, ErrorCode.TOOL_LIMIT)
                await self._show(self._separated(limit), pacer)
        finally:
            # What was held back is sent before the reply, or before a failure.
            if rest := pacer.rest():
                await self._send_delta(rest)

    async def _offered_tools(self) -> list[dict[str, Any]]:
        """The agent's tools for a model in this conversation; none offline."""
        toolbox = self.services.tools
        if toolbox is None or self.route.responder.offline:
            return []
        offered = await toolbox.offered(
            user=self.user, agent=self.agent, contact_id=self.message.contact_id
        )
        return list(offered)

    async def _stream_round(
        self, request: ReplyRequest, pacer: StreamPacer, offers_person: bool
    ) -> list[ToolCall]:
        """One model request: its text to the person, its usage added, its calls."""
        self.request = request
        self.round_text = []
        self.round_reported = False
        calls: list[ToolCall] = []
        separated = False
        self._check_stopped()
        # Closed on the way out, whatever the way: a stopped run's model request ends.
        async with aclosing(self.route.responder.reply(request)) as pieces:
            async for piece in pieces:
                self._check_stopped()
                if isinstance(piece, TokenUsage):
                    self.usage = add_usage(self.usage, piece)
                    self.round_reported = True
                    continue
                if isinstance(piece, ToolCall):
                    # Only the tools offered count; anything else the model invents is not.
                    self.wants_person |= offers_person and piece.name == handoff.REQUEST_HUMAN
                    calls.append(piece)
                    continue
                if not separated:  # a later round's text starts a paragraph of its own
                    if self.model_said and not self.model_said[-1].isspace():
                        piece = "\n\n" + piece
                    separated = True
                self.round_text.append(piece)
                self.model_said = piece
                shown = self.guard.feed(piece) if self.guard is not None else piece
                await self._show(shown, pacer)
        return calls

    def _separated(self, text: str) -> str:
        """`text` after what the reply shows already, as a paragraph of its own."""
        said = "".join(self.parts)
        if not said or said[-1].isspace():
            return text
        return "\n\n" + text

    async def _show(self, text: str, pacer: StreamPacer) -> None:
        if not text:
            return
        self.parts.append(text)
        if delta := pacer.take(text):
            await self._send_delta(delta)

    def _tool_context(self, history: list[ChatMessage]) -> ToolContext:
        return ToolContext(
            user=self.user,
            agent=self.agent,
            message=self.message,
            history=history,
            emitter=self.emitter,
            language=self.language,
            reply_id=self.reply_id,
        )

    async def _tool_status(
        self, tool: ToolName, running: bool, outcome: ToolOutcome | None
    ) -> None:
        await self.emit(
            ToolStatusEvent(
                **self.scope,
                id=self.reply_id,
                reply_to=self.message.id,
                tool=tool,
                running=running,
                outcome=outcome,
            )
        )

    async def _send_delta(self, delta: str) -> None:
        event = StreamEvent(
            **self.scope,
            id=self.reply_id,
            delta=delta,
            seq=self.seq,
            attempt=self.attempt,
            reply_to=self.message.id,
        )
        self.seq += 1
        # Buffered first: a client that sees this delta can always get a snapshot with it.
        await self.recorder.append(event.seq, delta)
        await self.emit(event)

    async def _keep_what_was_cut(self) -> None:
        """A taken-over message: what the dead attempt had streamed stays in the
        conversation as an incomplete reply until this attempt's reply replaces it."""
        cut = self.message.partial_reply
        if self.attempt > 1 and cut:
            kept = await self._store_text(cut, incomplete=True, replace=True)
            await self.emit(kept.to_event())

    async def _store(self, refined: asyncio.Task[NLUResult] | None) -> ChatMessage:
        """The reply and the question's state are queued together, so one group commit
        flush carries both (core/group_commit.py); both have landed before the reply is
        shown. With refinement under way, the state is written with its result later."""
        writes: list[Awaitable[ChatMessage | None]] = [self._store_reply(incomplete=False)]
        if refined is None:
            writes.append(self._mark(messages.ReplyState.DONE))
        outcomes = await asyncio.gather(*writes, return_exceptions=True)
        failure = next((o for o in outcomes if isinstance(o, BaseException)), None)
        if failure is not None:
            raise failure
        reply = outcomes[0]
        assert isinstance(reply, ChatMessage)
        self.settled = True
        await self.recorder.finish()
        await self.emit(reply.to_event())
        return reply

    async def _settle_without_reply(self, refined: asyncio.Task[NLUResult] | None) -> None:
        if refined is None:
            await self._mark(messages.ReplyState.DONE)
        self.settled = True
        await self.recorder.finish()
        await self._finish_nlu(refined)

    async def _finish_nlu(self, refined: asyncio.Task[NLUResult] | None) -> NLUResult:
        if refined is None:
            return self.nlu
        final = await refined
        await messages.finish_reply(
            db=self.services.db,
            message_id=self.message.id,
            state=messages.ReplyState.DONE,
            nlp=final.model_dump(mode="json"),
        )
        return final

    async def _mark(self, state: messages.ReplyState) -> None:
        await messages.finish_reply(db=self.services.db, message_id=self.message.id, state=state)

    async def _store_reply(self, *, incomplete: bool) -> ChatMessage:
        # A first attempt inserts (through the group commit); a later one replaces
        # whatever an earlier attempt left under the same id.
        return await self._store_text(
            "".join(self.parts), incomplete=incomplete, replace=self.attempt > 1
        )

    async def _store_text(
        self,
        text: str,
        *,
        incomplete: bool,
        replace: bool,
        stopped: bool = False,
        superseded: bool = False,
    ) -> ChatMessage:
        calls = self.rounds.records if self.rounds is not None else []
        return await messages.insert_agent_message(
            db=self.services.db,
            user_id=self.user.id,
            agent_key=self.agent.key,
            contact_id=self.message.contact_id,
            text=text,
            message_id=self.reply_id,
            reply_to=self.message.id,
            offline=self.route.responder.offline,
            incomplete=incomplete,
            model=self.model,
            replace=replace,
            language=self.nlu.language,
            stopped=stopped,
            superseded=superseded,
            tool_calls=calls or None,
        )

    async def _follow_up(self, nlu: NLUResult, reply: ChatMessage) -> None:
        booked = self.rounds is not None and self.rounds.booked
        suggestions = suggest(agent=self.agent, nlu=nlu, reply_text=reply.text, booked=booked)
        await self.emit(SuggestionsEvent(**self.scope, reply_to=reply.id, suggestions=suggestions))
        # With the scheduling tools offered, the model opens the picker (open_slot_picker)
        # when the person wants it; the rules' guess would open it beside the model's own
        # proposal of times.
        model_schedules = self.rounds is not None and bool(self.rounds.offered & SCHEDULING_TOOLS)
        if (
            nlu.intent is Intent.SCHEDULE_MEETING
            and self.agent.scheduling_enabled
            and not model_schedules
        ):
            await self.emit(
                ShowSlotPickerEvent(
                    **self.scope,
                    message_id=self.message.id,
                    email=nlu.email,
                    phone=nlu.phone,
                    customer_email=nlu.email,
                    customer_phone=nlu.phone,
                    suggested_date=nlu.date,
                    suggested_time=nlu.time,
                )
            )
        # A model that filed tasks itself (create_task) decided what they are; the
        # extraction would file the same items a second time.
        if self.rounds is None or not self.rounds.called("create_task"):
            await self._create_tasks(nlu, reply)

    async def _create_tasks(self, nlu: NLUResult, reply: ChatMessage) -> None:
        """The reply is already delivered, so a failure here is only reported."""
        tasks = self.services.tasks
        if tasks is None:
            return
        try:
            created = await tasks.from_exchange(
                agent=self.agent,
                message=self.message,
                reply=reply,
                nlu=nlu,
                chat=self.route.chat,
                model=self.model,
            )
        except PyMongoError:
            logger.exception("could not store the tasks of message %s", self.message.id)
            await self.emit(
                AgentErrorEvent(
                    **self.scope,
                    error=error_text(self.language, ErrorCode.TASK_NOT_CREATED),
                    code=ErrorCode.TASK_NOT_CREATED,
                    message_id=self.message.id,
                )
            )
            return
        for task in created:
            await self.emit(TaskCreatedEvent(**self.scope, task=task.to_event()))

    async def _fail(self, code: ErrorCode) -> None:
        """The person's message stays; a partial reply is kept, marked incomplete."""
        try:
            if self.parts:
                partial = await self._store_reply(incomplete=True)
                await self.emit(partial.to_event())
            await self._mark(messages.ReplyState.FAILED)
            self.settled = True
        except PyMongoError:
            logger.exception("could not record the failed reply")
        await self.recorder.finish()
        text = error_text(self.language, code)
        await self.emit(
            AgentErrorEvent(**self.scope, error=text, code=code, message_id=self.message.id)
        )
