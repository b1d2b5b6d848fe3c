"""Meeting booking as the product offers it: free slots, `agent:schedule-confirm`, and
the person's bookings.

The service checks what was asked against the agent's rules and the conversation, then
hands the slot to the saga (`booking.py`), which makes sure nothing stays half-booked.
Which calendar answers is the owner's: the `CalendarResolver` (the calendar directory)
names it for every lookup and booking, by the `user_id` the call is made for: the owner's
own Google Calendar when they connected one, else the server's calendar.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from agents_backend.bots.builtin import localized
from agents_backend.bots.models import AgentProfile
from agents_backend.bots.service import AgentDirectory
from agents_backend.calendar_accounts.directory import CalendarResolver, OwnerCalendar
from agents_backend.chat import history as conversation
from agents_backend.chat.models import ChatMessage
from agents_backend.contract import (
    BookedEvent,
    ErrorCode,
    Language,
    ScheduleAck,
    ScheduleCancelledEvent,
    ScheduleConfirmedEvent,
    ScheduleConfirmPayload,
    TaskCreatedEvent,
)
from agents_backend.core import i18n
from agents_backend.core.database import Database, Document
from agents_backend.core.emitter import Ack, Emitter
from agents_backend.core.errors import AgentError
from agents_backend.core.identity import SessionUser
from agents_backend.integrations.calendar.backend import Interval
from agents_backend.scheduling import store as bookings
from agents_backend.scheduling import validation, wording
from agents_backend.scheduling.booking import BookingSaga, Reservation, slot_taken
from agents_backend.scheduling.config import SchedulingConfig
from agents_backend.scheduling.slots import (
    SlotRules,
    compute_slots,
    day_span,
    is_offered,
    last_bookable_day,
    local_start,
)
from agents_backend.tasks.service import (
    AutoCreateSwitches,
    TaskSource,
    cancel_source_tasks,
    create_task,
    publish_task_created,
)
from agents_backend.webhooks.events import MeetingEventData
from agents_backend.webhooks.service import WebhookEventType, WebhookOutbox


@dataclass(frozen=True)
class _Hints:
    """What NLU understood earlier in the conversation (newest first wins)."""

    language: str | None = None
    email: str | None = None
    phone: str | None = None
    date: str | None = None
    time: str | None = None

    @classmethod
    def of(cls, history: list[ChatMessage]) -> _Hints:
        found: dict[str, str] = {}
        for message in reversed(history):
            if message.author != "user" or not message.nlp:
                continue
            for key in ("language", "email", "phone", "date", "time"):
                value = message.nlp.get(key)
                if key not in found and isinstance(value, str) and value:
                    found[key] = value
        return cls(**found)


@dataclass(frozen=True)
class BookingDays:
    """The days a slot picker may offer: ISO weekdays (1 = Monday) and the last day."""

    working_days: list[int]
    last_day: date


class SchedulingService:
    def __init__(
        self,
        *,
        db: Database,
        agents: AgentDirectory,
        calendars: CalendarResolver,
        config: SchedulingConfig,
        switches: AutoCreateSwitches | None = None,
        webhooks: WebhookOutbox | None = None,
        clock: Callable[[], datetime] | None = None,
        emitter: Emitter | None = None,
    ) -> None:
        """`clock` lets tests decide what "now" is for the past and minimum notice;
        `webhooks` is told of bookings, cancellations and their tasks (the owner's
        workspace's endpoints); `emitter` tells the owner's sockets (and a visitor's, for
        their conversation) of a cancellation made over REST, where no socket event is
        at hand to answer through."""
        self._db = db
        self._agents = agents
        self._switches = switches or AutoCreateSwitches(db=db)
        self._config = config
        self._zone = ZoneInfo(config.timezone)
        self._calendars = calendars
        self._webhooks = webhooks
        self._saga = BookingSaga(db=db, calendars=calendars, timezone=config.timezone)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._emitter = emitter

    @property
    def backend_name(self) -> str:
        """The calendar of owners without their own: `google` (the server's) or `local`."""
        return self._calendars.default_name

    async def calendar_name(self, *, user_id: str) -> str:
        """The calendar that serves this owner's bookings: `google` or `local`."""
        return (await self._calendars.for_owner(user_id)).name

    @property
    def timezone(self) -> str:
        return self._config.timezone

    def today(self) -> date:
        """The calendar's current day by the scheduling clock, for callers (the agent's
        tools) that refuse a past day before asking for it."""
        return self._now().astimezone(self._zone).date()

    # -- availability ----------------------------------------------------------------

    async def available_slots(
        self, *, user_id: str, day_text: str, duration_minutes: int, agent_key: str | None
    ) -> list[dict[str, str]]:
        """Free slots of a day; raises `AgentError` for input a person must correct."""
        agent = await self._agents.require(user_id=user_id, key=agent_key) if agent_key else None
        rules = self._rules(agent)
        day = validation.parse_day(day_text, self._zone)
        duration = validation.duration(duration_minutes)
        now = self._now()
        self._check_not_too_far(day, now, rules)
        window = day_span(day, self._zone)
        calendar = await self._calendars.for_owner(user_id)
        calendar_id = self._calendar_id(agent, calendar)
        busy = await bookings.busy_intervals(db=self._db, calendar_id=calendar_id, window=window)
        busy += await self._saga.outside_busy(calendar.backend, calendar_id, window)
        free = compute_slots(day=day, duration=duration, rules=rules, busy=busy, now=now)
        return [wording.slot_public(slot, self._zone) for slot in free]

    async def booking_days(self, *, user_id: str, agent_key: str | None) -> BookingDays:
        """Which days a picker should offer: the agent's working weekdays (its own hours,
        else the server's) up to the booking horizon, so a person is never offered a
        weekend that can only answer "no free time"."""
        agent = await self._agents.require(user_id=user_id, key=agent_key) if agent_key else None
        rules = self._rules(agent)
        return BookingDays(
            working_days=sorted(set(rules.hours.weekdays)),
            last_day=last_bookable_day(self._now(), rules),
        )

    # -- agent:schedule-confirm ------------------------------------------------------

    async def confirm(
        self, user: SessionUser, payload: ScheduleConfirmPayload, emitter: Emitter
    ) -> Ack:
        agent = await self._agents.require(user_id=user.id, key=payload.agent_key)
        if not agent.scheduling_enabled:
            raise AgentError(ErrorCode.SCHEDULING_DISABLED, agent=agent.key)
        history = await conversation.recent(
            db=self._db,
            user_id=user.id,
            agent_key=agent.key,
            contact_id=payload.contact_id,
            limit=self._config.transcript_messages,
        )
        hints = _Hints.of(history)
        # The conversation's language (what NLU heard), else the person's own.
        language = i18n.pick(hints.language, user.language)
        try:
            wanted = await self._reservation(user, agent, payload, hints, language)
            booking = await self._saga.reserve(wanted)
            event = wording.event_request(
                user=user,
                agent=localized(agent, language),
                booking=booking,
                history=history,
                language=language,
                zone=self._zone,
            )
            confirmed = await self._saga.book(booking, event, wanted.calendar.backend)
        except AgentError as exc:
            exc.told_in(language)
            raise
        return await self._announce(user, agent, confirmed, language, emitter)

    async def _reservation(
        self,
        user: SessionUser,
        agent: AgentProfile,
        payload: ScheduleConfirmPayload,
        hints: _Hints,
        language: Language,
    ) -> Reservation:
        """What was asked (or what the conversation already told us), checked."""
        email = validation.email_address(payload.email or hints.email)
        phone = validation.phone_number(payload.phone if payload.phone else hints.phone)
        day = validation.parse_day(payload.date or hints.date, self._zone)
        clock = validation.parse_time(payload.time or hints.time)
        duration = validation.duration(
            payload.duration_minutes or self._config.default_duration_minutes
        )
        rules = self._rules(agent)
        now = self._now()
        start = local_start(day, clock, self._zone)
        slot = Interval(start, start + duration)
        self._check_bookable(slot, day, duration, rules, now)
        # The owner's calendar (the booking is made on their behalf, whoever books).
        calendar = await self._calendars.for_owner(user.id)
        calendar_id = self._calendar_id(agent, calendar)
        outside = await self._saga.outside_busy(
            calendar.backend, calendar_id, day_span(day, self._zone)
        )
        if any(slot.overlaps(busy) for busy in outside):
            raise slot_taken()
        return Reservation(
            user_id=user.id,
            agent_key=agent.key,
            contact_id=payload.contact_id,
            calendar=calendar,
            calendar_id=calendar_id,
            slot=slot,
            email=email,
            phone=phone,
            language=language,
            now=now,
        )

    async def _announce(
        self,
        user: SessionUser,
        agent: AgentProfile,
        booking: Document,
        language: Language,
        emitter: Emitter,
    ) -> Ack:
        """Every tab of the person sees the booking and its System message."""
        public = wording.booking_public(booking, self._zone)
        contact_id = booking["contact_id"]
        note = await conversation.post_system_note(
            db=self._db,
            user_id=user.id,
            agent_key=agent.key,
            contact_id=contact_id,
            text=wording.booked_text(booking, language, self._zone),
        )
        confirmed = ScheduleConfirmedEvent(agent_key=agent.key, contact_id=contact_id, event=public)
        await emitter.to_user(user.id, confirmed)
        await emitter.to_user(user.id, note.to_event())
        await self._publish_meeting(WebhookEventType.MEETING_BOOKED, user.id, public)
        await self._task_for_booking(user, agent, booking, language, emitter)
        return ScheduleAck(event=public, message_id=note.id).to_wire()

    async def _task_for_booking(
        self,
        user: SessionUser,
        agent: AgentProfile,
        booking: Document,
        language: Language,
        emitter: Emitter,
    ) -> None:
        """With auto-create on, a booked meeting is also a task (once per booking)."""
        if not await self._switches.enabled(user_id=user.id, agent_key=agent.key):
            return
        task, created = await create_task(
            db=self._db,
            user_id=user.id,
            title=wording.task_title(booking["email"], language),
            due_date=booking["start"].astimezone(self._zone).date().isoformat(),
            agent_key=agent.key,
            contact_id=booking["contact_id"],
            source_message_id=str(booking["_id"]),
            source=TaskSource.MEETING,
        )
        if created:
            created_event = TaskCreatedEvent(
                agent_key=agent.key, contact_id=booking["contact_id"], task=task.to_event()
            )
            await emitter.to_user(user.id, created_event)
            await publish_task_created(self._webhooks, task)

    async def _publish_meeting(
        self, kind: WebhookEventType, owner_id: str, booking: BookedEvent
    ) -> None:
        """The conversation is the booking's contact; the workspace is its owner's."""
        if self._webhooks is None:
            return
        data = MeetingEventData(
            conversation_id=booking.contact_id, agent_key=booking.agent_key, booking=booking
        )
        await self._webhooks.publish(owner_id, kind, data, conversation_id=booking.contact_id)

    # -- bookings list ---------------------------------------------------------------

    async def list_bookings(self, *, user_id: str, include_inactive: bool) -> list[BookedEvent]:
        found = await bookings.list_for_user(
            db=self._db, user_id=user_id, include_inactive=include_inactive
        )
        return [wording.booking_public(doc, self._zone) for doc in found]

    async def cancel(self, *, user_id: str, booking_id: str) -> BookedEvent | None:
        cancelled = await self._saga.cancel(user_id=user_id, booking_id=booking_id)
        if cancelled is None:
            return None
        public = wording.booking_public(cancelled.booking, self._zone)
        if cancelled.now:
            await self._announce_cancel(user_id, cancelled.booking, public)
            await self._publish_meeting(WebhookEventType.MEETING_CANCELLED, user_id, public)
        return public

    async def _announce_cancel(self, user_id: str, booking: Document, public: BookedEvent) -> None:
        """The conversation records the cancellation (in the language it was booked in),
        every tab of the person hears it, and its meeting task is no longer open. In a
        website visitor's conversation the emitter also shows the visitor the System
        message (realtime/fanout.py)."""
        language = i18n.pick(booking.get("language"))
        note = await conversation.post_system_note(
            db=self._db,
            user_id=user_id,
            agent_key=public.agent_key,
            contact_id=public.contact_id,
            text=wording.cancelled_text(booking, language, self._zone),
        )
        await cancel_source_tasks(
            db=self._db, user_id=user_id, source_message_id=str(booking["_id"])
        )
        if self._emitter is None:
            return
        cancelled = ScheduleCancelledEvent(
            agent_key=public.agent_key, contact_id=public.contact_id, event=public
        )
        await self._emitter.to_user(user_id, cancelled)
        await self._emitter.to_user(user_id, note.to_event())

    # -- rules -----------------------------------------------------------------------

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the scheduling clock must return an aware datetime")
        return now

    def _rules(self, agent: AgentProfile | None) -> SlotRules:
        return SlotRules(
            hours=(agent.working_hours if agent and agent.working_hours else self._config.hours),
            timezone=self._zone,
            step=timedelta(minutes=self._config.step_minutes),
            min_notice=timedelta(minutes=self._config.min_notice_minutes),
            max_days_ahead=self._config.max_days_ahead,
        )

    def _calendar_id(self, agent: AgentProfile | None, calendar: OwnerCalendar) -> str:
        """The agent's own calendar, else the owner's account's, else the server's; as
        bookings name it."""
        chosen = (agent.calendar_id if agent else None) or calendar.calendar_id
        return calendar.key(chosen or self._config.calendar_id)

    def _check_not_too_far(self, day: date, now: datetime, rules: SlotRules) -> None:
        if day > last_bookable_day(now, rules):
            raise AgentError(ErrorCode.DATE_TOO_FAR, days=rules.max_days_ahead)

    def _check_bookable(
        self, slot: Interval, day: date, duration: timedelta, rules: SlotRules, now: datetime
    ) -> None:
        """Inside hours, on the offered grid, not past, with notice; busy time aside."""
        self._check_not_too_far(day, now, rules)
        if slot.start < now + rules.min_notice:
            raise AgentError(ErrorCode.SLOT_UNAVAILABLE)
        offered = compute_slots(day=day, duration=duration, rules=rules, busy=(), now=now)
        if not is_offered(slot.start, offered):
            raise AgentError(ErrorCode.SLOT_UNAVAILABLE)
