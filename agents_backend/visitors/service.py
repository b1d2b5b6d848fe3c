"""Website visitors talking to a published bot: admission, messages, free slots, bookings.

A visitor's conversation is an ordinary conversation of the bot's owner (their bot,
their history, their calendar, their bill) whose contact id is the visitor's conversation
id (core/visitor_ids.py). So the reply pipeline, leases, stream buffer and booking saga
serve visitors unchanged; this service decides who gets in, enforces the limits a
public door needs, and keeps the owner's list of visitor conversations.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from agents_backend.bots.models import AgentProfile, Publication
from agents_backend.bots.service import AgentDirectory
from agents_backend.chat import history
from agents_backend.chat.models import ChatMessage
from agents_backend.chat.service import AgentCore
from agents_backend.contract import (
    AgentMessageEvent,
    ErrorCode,
    Language,
    OkAck,
    PublicAgent,
    ScheduleConfirmPayload,
    SendPayload,
    SlotTimes,
    VisitorConnectAuth,
    VisitorScheduleConfirmPayload,
    VisitorSendPayload,
    VisitorSessionEvent,
    VisitorSlotsAck,
    VisitorSlotsPayload,
)
from agents_backend.core import i18n
from agents_backend.core.database import Database, Document
from agents_backend.core.emitter import Ack, Emitter
from agents_backend.core.errors import AgentError
from agents_backend.core.identity import SessionUser
from agents_backend.core.rate_limits import RateLimit, RateLimits
from agents_backend.core.visitor_ids import new_conversation_id
from agents_backend.nlu.models import Intent
from agents_backend.scheduling.service import SchedulingService
from agents_backend.tools.meetings import BookedLead
from agents_backend.usage.service import agent_tokens_used_today, tokens_used_today
from agents_backend.visitors import store
from agents_backend.visitors.access import booking_open, page_allowed
from agents_backend.visitors.events import InboxEvents
from agents_backend.visitors.takeover import SILENT, ConversationStates
from agents_backend.visitors.tokens import InvalidVisitorTokenError, VisitorClaims, VisitorTokens
from agents_backend.visitors.views import for_visitor
from agents_backend.webhooks.events import WebhookEventType

HISTORY_MESSAGES = 50


@dataclass(frozen=True, slots=True)
class Visitor:
    """Who a visitor socket is (kept in its session): one conversation with one bot,
    and the page it came from, checked again before every event."""

    conversation_id: str
    agent_key: str
    owner_id: str
    language: Language
    host: str | None
    origin: str | None
    own_origins: frozenset[str]


class VisitorService:
    def __init__(
        self,
        *,
        db: Database,
        agents: AgentDirectory,
        core: AgentCore,
        scheduling: SchedulingService,
        tokens: VisitorTokens,
        limits: RateLimits,
        states: ConversationStates,
        events: InboxEvents,
        owner_daily_budget: int = 0,
        default_duration_minutes: int = 60,
    ) -> None:
        self._db = db
        self._agents = agents
        self._core = core
        self._scheduling = scheduling
        self._tokens = tokens
        self._limits = limits
        self._states = states
        self._events = events
        self._owner_daily_budget = owner_daily_budget
        self._default_duration = default_duration_minutes

    # -- connection ------------------------------------------------------------------

    async def admit(
        self,
        auth: VisitorConnectAuth,
        *,
        origin: str | None,
        own_origins: Collection[str],
        address: str,
        language: Language,
    ) -> Visitor:
        """A visitor socket of a published bot, from a page allowed to embed it: the
        conversation its token names, or a new one (limited per IP address)."""
        agent = await self._agents.published(auth.agent)
        publication = _online(agent)
        assert agent is not None and agent.user_id is not None  # _online checked it
        own = frozenset(own_origins)
        if not page_allowed(publication, host=auth.host, origin=origin, own_origins=own):
            raise AgentError(ErrorCode.ORIGIN_NOT_ALLOWED)
        if auth.visitor_token:
            try:
                claims = self._tokens.read(auth.visitor_token, agent_key=agent.key)
            except InvalidVisitorTokenError:
                raise AgentError(ErrorCode.VISITOR_TOKEN_INVALID) from None
            conversation_id = claims.conversation_id
        else:
            await _within(self._limits.new_visitors_per_ip, address, ErrorCode.TOO_MANY_VISITORS)
            conversation_id = new_conversation_id()
        return Visitor(
            conversation_id=conversation_id,
            agent_key=agent.key,
            owner_id=agent.user_id,
            language=language,
            host=auth.host,
            origin=origin,
            own_origins=own,
        )

    async def session(self, visitor: Visitor) -> VisitorSessionEvent:
        """What a (re)connected visitor is shown: a renewed token and the conversation."""
        agent = await self.current_agent(visitor)
        publication = _online(agent)
        messages, has_more = await history.latest(
            db=self._db,
            user_id=visitor.owner_id,
            agent_key=agent.key,
            contact_id=visitor.conversation_id,
            limit=HISTORY_MESSAGES,
        )
        streaming = await self._core.still_streaming(
            user_id=visitor.owner_id,
            agent_key=agent.key,
            contact_id=visitor.conversation_id,
            shown=messages,
        )
        token = self._tokens.issue(VisitorClaims(visitor.conversation_id, agent.key))
        shown = [for_visitor(m.to_event()) for m in messages]
        state = await store.find(
            db=self._db, conversation_id=visitor.conversation_id, owner_ids=[visitor.owner_id]
        )
        assignee = (state or {}).get("assignee")
        return VisitorSessionEvent(
            visitor_token=token,
            conversation_id=visitor.conversation_id,
            agent=PublicAgent(
                name=agent.name,
                emoji=agent.emoji,
                greeting=publication.greeting,
                booking_enabled=booking_open(agent),
            ),
            messages=[m for m in shown if isinstance(m, AgentMessageEvent)],
            has_more=has_more,
            streaming=streaming,
            status=(state or {}).get("status", "bot"),
            human_name=assignee["name"] if assignee else None,
        )

    async def current_agent(self, visitor: Visitor) -> AgentProfile:
        """The bot, if it is still online for this visitor's page: checked before every
        event, so taking a bot offline or dropping a site works on every process."""
        agent = await self._agents.find(user_id=visitor.owner_id, key=visitor.agent_key)
        publication = _online(agent)
        if not page_allowed(
            publication, host=visitor.host, origin=visitor.origin, own_origins=visitor.own_origins
        ):
            raise AgentError(ErrorCode.ORIGIN_NOT_ALLOWED)
        assert agent is not None
        return agent

    # -- visitor:send ----------------------------------------------------------------

    async def send(self, visitor: Visitor, payload: VisitorSendPayload, emitter: Emitter) -> Ack:
        agent = await self.current_agent(visitor)
        message = SendPayload.model_validate(
            {
                "agentKey": agent.key,
                "contactId": visitor.conversation_id,
                "message": payload.message,
                "clientMessageId": payload.client_message_id,
            }
        )
        self._core.admit(message)
        await _within(
            self._limits.visitor_messages, visitor.conversation_id, ErrorCode.RATE_LIMITED
        )
        await _within(self._limits.agent_messages, agent.key, ErrorCode.RATE_LIMITED)
        status = await store.status_of(db=self._db, conversation_id=visitor.conversation_id)
        if status == "closed":
            await self._states.reopen_if_closed(visitor.conversation_id, visitor.owner_id)
            status = "bot"
        understood = self._core.understand(payload.message)
        wants_person = understood.intent is Intent.HUMAN_HANDOFF
        route = self._core.route(agent)
        answer = status not in SILENT and not wants_person
        refusal = (
            None if route.responder.offline or not answer else await self._budget_refusal(agent)
        )
        accepted = await self._core.accept(
            self._owner(visitor),
            agent,
            message,
            emitter,
            route=route,
            refusal=refusal,
            answer=answer,
            nlu=understood,
        )
        if accepted.created:
            await self._recorded(visitor, accepted.message)
            if wants_person:
                await self._states.request_handoff(
                    visitor.conversation_id, visitor.owner_id, "visitor"
                )
        return accepted.ack

    async def handoff(self, visitor: Visitor) -> Ack:
        """The widget's "talk to a person" button."""
        await self.current_agent(visitor)
        found = await store.find(
            db=self._db, conversation_id=visitor.conversation_id, owner_ids=[visitor.owner_id]
        )
        if found is None:  # nothing written yet: the request starts the conversation
            found = await store.start(
                db=self._db,
                conversation_id=visitor.conversation_id,
                owner_id=visitor.owner_id,
                agent_key=visitor.agent_key,
                at=history.now_ms(),
                language=visitor.language,
            )
            await self._created(found)
        await self._states.request_handoff(visitor.conversation_id, visitor.owner_id, "button")
        return OkAck().to_wire()

    async def _recorded(self, visitor: Visitor, message: ChatMessage) -> None:
        """The visitor's message counted on the conversation (created by the first
        one); a contact found by NLU updates the lead."""
        found = message.nlp or {}
        before, after = await store.record_visitor_message(
            db=self._db,
            conversation_id=visitor.conversation_id,
            owner_id=visitor.owner_id,
            agent_key=visitor.agent_key,
            at=message.ts,
            language=i18n.pick(found.get("language"), visitor.language),
            contact={k: str(found[k]) for k in ("email", "phone") if found.get(k)},
        )
        if before is None:
            await self._created(after)
        elif _contact(before) != _contact(after):
            await self._lead_updated(after)

    async def _created(self, document: Document) -> None:
        row = await self._events.changed(document)
        await self._events.webhook(
            document,
            WebhookEventType.CONVERSATION_CREATED,
            {"contact": row.contact.model_dump(by_alias=True)},
        )

    async def _lead_updated(self, document: Document) -> None:
        row = await self._events.changed(document)
        await self._events.webhook(
            document,
            WebhookEventType.LEAD_UPDATED,
            {"contact": row.contact.model_dump(by_alias=True)},
        )

    async def _budget_refusal(self, agent: AgentProfile) -> ErrorCode | None:
        """The bot's own daily budget, then its owner's (the server's per-person one):
        either spent, the message is kept for the owner but no model is called."""
        publication = _online(agent)
        assert agent.user_id is not None
        spent = await agent_tokens_used_today(db=self._db, agent_key=agent.key)
        if spent >= publication.daily_token_budget:
            return ErrorCode.AGENT_BUDGET_EXHAUSTED
        if self._owner_daily_budget:
            owner_spent = await tokens_used_today(db=self._db, user_id=agent.user_id)
            if owner_spent >= self._owner_daily_budget:
                return ErrorCode.AGENT_BUDGET_EXHAUSTED
        return None

    # -- booking on the owner's calendar --------------------------------------------

    async def available_slots(self, visitor: Visitor, payload: VisitorSlotsPayload) -> Ack:
        agent = await self._bookable(visitor)
        try:
            slots = await self._scheduling.available_slots(
                user_id=visitor.owner_id,
                day_text=payload.date,
                duration_minutes=payload.duration_minutes or self._default_duration,
                agent_key=agent.key,
            )
            days = await self._scheduling.booking_days(
                user_id=visitor.owner_id, agent_key=agent.key
            )
        except AgentError as exc:
            raise exc.told_in(visitor.language) from None
        return VisitorSlotsAck(
            date=payload.date,
            timezone=self._scheduling.timezone,
            working_days=days.working_days,
            last_day=days.last_day.isoformat(),
            slots=[
                SlotTimes(
                    start=s["start"], end=s["end"], start_iso=s["startIso"], end_iso=s["endIso"]
                )
                for s in slots
            ],
        ).to_wire()

    async def confirm(
        self, visitor: Visitor, payload: VisitorScheduleConfirmPayload, emitter: Emitter
    ) -> Ack:
        """The same reservation as a signed-in person's, on the owner's calendar, with
        the visitor as the attendee; the conversation records the lead's contact."""
        agent = await self._bookable(visitor)
        request = ScheduleConfirmPayload.model_validate(
            {
                "agentKey": agent.key,
                "contactId": visitor.conversation_id,
                "date": payload.date,
                "time": payload.time,
                "email": payload.email,
                "phone": payload.phone,
                "durationMinutes": payload.duration_minutes,
            }
        )
        booker = self._owner(visitor, name=payload.name or payload.email or "")
        ack = await self._scheduling.confirm(booker, request, emitter)
        booked = ack["event"]
        contact = {"name": payload.name or "", "email": booked["email"], "phone": booked["phone"]}
        await self._record_contact(
            conversation_id=visitor.conversation_id,
            owner_id=visitor.owner_id,
            agent_key=agent.key,
            language=visitor.language,
            contact=contact,
        )
        shown = dict(ack)
        shown["event"] = {**booked, "htmlLink": None}  # the owner's calendar, not theirs
        return shown

    async def record_booked_lead(self, lead: BookedLead) -> None:
        """The agent booked for a visitor (its `book_meeting` tool): the conversation
        records the lead's contact, as when the visitor books in the picker."""
        await self._record_contact(
            conversation_id=lead.conversation_id,
            owner_id=lead.owner_id,
            agent_key=lead.agent_key,
            language=lead.language,
            contact={"email": lead.email, "phone": lead.phone or ""},
        )

    async def _record_contact(
        self,
        *,
        conversation_id: str,
        owner_id: str,
        agent_key: str,
        language: Language,
        contact: dict[str, str],
    ) -> None:
        """The inbox's lead (and its webhook) learns the contact a booking gave."""
        before, after = await store.record_contact(
            db=self._db,
            conversation_id=conversation_id,
            owner_id=owner_id,
            agent_key=agent_key,
            at=history.now_ms(),
            language=language,
            contact={k: v for k, v in contact.items() if v},
        )
        if before is None:
            await self._created(after)
        elif _contact(before) != _contact(after):
            await self._lead_updated(after)

    async def _bookable(self, visitor: Visitor) -> AgentProfile:
        agent = await self.current_agent(visitor)
        if not booking_open(agent):
            raise AgentError(ErrorCode.BOOKING_DISABLED, language=visitor.language)
        return agent

    def _owner(self, visitor: Visitor, name: str = "") -> SessionUser:
        """The conversation belongs to the bot's owner; the person in it is the visitor
        (their name, if given, is who the calendar event says booked), in their language."""
        return SessionUser(id=visitor.owner_id, name=name, email="", language=visitor.language)


def _contact(document: Document | None) -> dict[str, str]:
    return dict((document or {}).get("contact") or {})


def _online(agent: AgentProfile | None) -> Publication:
    if agent is None or agent.user_id is None or agent.builtin:
        raise AgentError(ErrorCode.AGENT_OFFLINE)
    publication = agent.publication
    if publication is None or not publication.enabled:
        raise AgentError(ErrorCode.AGENT_OFFLINE)
    return publication


async def _within(limit: RateLimit, key: str, code: ErrorCode) -> None:
    verdict = await limit.hit(key)
    if not verdict.allowed:
        raise AgentError(code, retry_after=verdict.retry_after, seconds=verdict.retry_after)
